-- Ops Cockpit schema. The seed's tables keep their names and columns; timestamps are timestamptz so every
-- process and Grafana agree on instants. Provider names are a fixed set, checked here and in core/providers.ts.

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  email text,
  phone text,
  crew text,
  timezone text NOT NULL DEFAULT 'UTC',
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Start of the user's latest live activity, kept by the ingest transaction so the quiet list is one index scan.
  last_activity_at timestamptz,
  last_nudge_at timestamptz
);
-- Quiet list: most inactive first, keyset-paginated on (inactive since, id).
CREATE INDEX users_inactive_since_idx ON users ((COALESCE(last_activity_at, created_at)), id);

CREATE TABLE provider_accounts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  provider text NOT NULL CHECK (provider IN ('strava', 'garmin', 'apple_health')),
  -- Strava athlete id, Garmin user id, the app's Apple Health user id.
  external_user_id text NOT NULL,
  access_token text,
  refresh_token text,
  token_expires_at timestamptz,
  scopes text,
  deauthorized_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (provider, external_user_id),
  UNIQUE (user_id, provider)
);

CREATE TABLE activities (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  provider text NOT NULL CHECK (provider IN ('strava', 'garmin', 'apple_health')),
  external_id text NOT NULL,
  type text NOT NULL DEFAULT 'Run',
  -- numeric keeps the challenge total exact under any number of +d / -d deltas.
  distance_m numeric(12, 3) NOT NULL DEFAULT 0 CHECK (distance_m >= 0),
  moving_time_s integer CHECK (moving_time_s >= 0),
  start_date timestamptz NOT NULL,
  -- Wall-clock time where the activity happened (Strava's start_date_local): the heatmap's weekday and hour.
  start_date_local timestamp NOT NULL,
  -- Provider time of the newest event applied, so an older update arriving late never overwrites a newer one.
  source_updated_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  UNIQUE (provider, external_id)
);
CREATE INDEX activities_user_start_live_idx ON activities (user_id, start_date DESC) WHERE deleted_at IS NULL;
CREATE INDEX activities_start_local_live_idx ON activities (start_date_local) WHERE deleted_at IS NULL;

-- One row (id = 1). total_miles is derived from exact metres so the two can never disagree.
CREATE TABLE global_stats (
  id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  total_meters numeric(20, 3) NOT NULL DEFAULT 0,
  total_miles numeric GENERATED ALWAYS AS (total_meters / 1609.344) STORED,
  activity_count bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO global_stats (id) VALUES (1);

-- Heatmap rollup: live activities per local date and local hour, changed in the same transaction as each write.
CREATE TABLE activity_hourly (
  local_date date NOT NULL,
  local_hour smallint NOT NULL CHECK (local_hour BETWEEN 0 AND 23),
  activity_count integer NOT NULL DEFAULT 0,
  distance_m numeric(20, 3) NOT NULL DEFAULT 0,
  PRIMARY KEY (local_date, local_hour)
);

CREATE TABLE provider_health_logs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  provider text NOT NULL CHECK (provider IN ('strava', 'garmin', 'apple_health')),
  status text NOT NULL CHECK (status IN ('success', 'error')),
  -- Time to first byte, as the seed defines latency; NULL when no byte came back.
  latency_ms integer,
  http_status smallint,
  error_reason text CHECK (
    error_reason IN ('timeout', 'dns', 'connect', 'tls', 'http_4xx', 'http_5xx', 'rate_limited')
  ),
  "timestamp" timestamptz NOT NULL DEFAULT now()
);
-- Provider health over a window and "last 3 probes" read this index only.
CREATE INDEX provider_health_logs_provider_ts_idx ON provider_health_logs (provider, "timestamp" DESC)
  INCLUDE (status, latency_ms);
-- Housekeeping prunes by age.
CREATE INDEX provider_health_logs_ts_idx ON provider_health_logs ("timestamp");

CREATE TABLE incidents (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message text NOT NULL,
  level text NOT NULL CHECK (level IN ('warn', 'error', 'critical')),
  acknowledged_at timestamptz,
  acknowledged_by_user_id uuid,
  -- Operator name or Grafana login of whoever acknowledged.
  acknowledged_by text,
  source text NOT NULL CHECK (source IN ('alertmanager', 'backend', 'probe')),
  -- Alertmanager's fingerprint, or the dedup key of a backend error.
  fingerprint text NOT NULL,
  labels jsonb NOT NULL DEFAULT '{}'::jsonb,
  generator_url text,
  started_at timestamptz NOT NULL DEFAULT now(),
  resolved_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (source, fingerprint, started_at)
);
-- Open incidents (calm score, open count) and the newest-first feed.
CREATE INDEX incidents_open_idx ON incidents (started_at DESC) WHERE resolved_at IS NULL AND acknowledged_at IS NULL;
CREATE INDEX incidents_started_idx ON incidents (started_at DESC);
-- Backend errors deduplicate against the open incident with the same key.
CREATE INDEX incidents_unresolved_key_idx ON incidents (source, fingerprint) WHERE resolved_at IS NULL;

CREATE TABLE nudges (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  channel text NOT NULL CHECK (channel IN ('email', 'sms')),
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
  idempotency_key text UNIQUE,
  requested_by text,
  error_reason text,
  attempts integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz
);
CREATE INDEX nudges_user_created_idx ON nudges (user_id, created_at DESC);

-- Spike Lab audit trail: who changed which fault, with what parameters, when.
CREATE TABLE chaos_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  action text NOT NULL CHECK (action IN ('set', 'clear', 'restore')),
  mode text,
  target text,
  parameters jsonb NOT NULL DEFAULT '{}'::jsonb,
  actor text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chaos_events_created_idx ON chaos_events (created_at DESC);
