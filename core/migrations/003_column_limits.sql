-- The limits the edge schemas enforce (core/src/contracts/column-limits.ts), held by the database as well, so a
-- writer that skipped the schemas fails loudly instead of storing what the rest of the system cannot read.
-- NOT VALID: enforced on every new or changed row without scanning (and locking) the rows already stored.

ALTER TABLE activities
  ADD CONSTRAINT activities_external_id_length CHECK (char_length(external_id) BETWEEN 1 AND 255) NOT VALID,
  ADD CONSTRAINT activities_type_length CHECK (char_length(type) BETWEEN 1 AND 100) NOT VALID,
  ADD CONSTRAINT activities_start_date_window CHECK (start_date >= '2000-01-01T00:00:00Z') NOT VALID;

ALTER TABLE provider_accounts
  ADD CONSTRAINT provider_accounts_external_user_id_length
    CHECK (char_length(external_user_id) BETWEEN 1 AND 255) NOT VALID;
