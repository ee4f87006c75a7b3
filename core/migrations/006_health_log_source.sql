-- Passive health: real provider calls (activity fetches, token refreshes, callbacks) are recorded beside the
-- probes, so a busy provider needs no probe. `source` says which; every stored row is a probe. ADD COLUMN with a
-- constant default rewrites no row; the CHECK is NOT VALID, like 003's.
ALTER TABLE provider_health_logs
  ADD COLUMN source text NOT NULL DEFAULT 'probe',
  ADD CONSTRAINT provider_health_logs_source CHECK (source IN ('probe', 'traffic')) NOT VALID;
