-- Retention (worker/src/housekeeping/retention.ts) removes resolved incidents by resolved_at and settled nudges
-- by created_at, oldest first, a batch at a time: each batch is an index range scan here, never a table scan.
-- Partial, so open incidents and queued nudges (the live ones) add nothing to them. Built in the migration's
-- transaction (not CONCURRENTLY), which holds writes to each table for its scan: both are small tables
-- (incidents and operator-requested nudges), milliseconds per thousands of rows.
CREATE INDEX incidents_resolved_idx ON incidents (resolved_at) WHERE resolved_at IS NOT NULL;
CREATE INDEX nudges_settled_created_idx ON nudges (created_at) WHERE status IN ('sent', 'failed');
