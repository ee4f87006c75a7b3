-- Polar (AccessLink API v3) joins the providers. 001 is applied and checksummed, so the provider CHECKs it
-- created (named by Postgres as <table>_provider_check) are replaced here, each by the same list plus 'polar'.
-- The new lists are wider than the old, so no stored row can fail them.

ALTER TABLE provider_accounts
  DROP CONSTRAINT provider_accounts_provider_check,
  ADD CONSTRAINT provider_accounts_provider_check
    CHECK (provider IN ('strava', 'garmin', 'apple_health', 'polar'));

ALTER TABLE activities
  DROP CONSTRAINT activities_provider_check,
  ADD CONSTRAINT activities_provider_check
    CHECK (provider IN ('strava', 'garmin', 'apple_health', 'polar'));

ALTER TABLE provider_health_logs
  DROP CONSTRAINT provider_health_logs_provider_check,
  ADD CONSTRAINT provider_health_logs_provider_check
    CHECK (provider IN ('strava', 'garmin', 'apple_health', 'polar'));
