-- Grafana reads the dashboard's tables as this role, never as their owner: SELECT on what the dashboard shows,
-- and of users only the columns that are no one's personal data (no email, no phone). Nothing of
-- provider_accounts (tokens) or schema_migrations. NOLOGIN here; the exporter gives it a password at start when
-- GRAFANA_DB_PASSWORD is set. Roles belong to the whole server, so another database's migration may have made
-- it already (or be making it right now). A migrating user without CREATEROLE (managed Postgres) cannot make
-- it: then an administrator creates it and grants what follows (docs/deploy.md), and the migration goes on.
DO $$
BEGIN
  BEGIN
    CREATE ROLE ops_cockpit_reader NOLOGIN;
  EXCEPTION
    WHEN duplicate_object OR unique_violation THEN NULL;
    WHEN insufficient_privilege THEN
      RAISE WARNING 'role ops_cockpit_reader not created: this user may not create roles (see docs/deploy.md)';
  END;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ops_cockpit_reader') THEN
    GRANT USAGE ON SCHEMA public TO ops_cockpit_reader;
    GRANT SELECT ON activities, activity_hourly, global_stats, provider_health_logs, incidents, nudges,
      chaos_events TO ops_cockpit_reader;
    GRANT SELECT (id, name, crew, timezone, created_at, last_activity_at, last_nudge_at) ON users
      TO ops_cockpit_reader;
  END IF;
END
$$;
