-- Plausibility review (core/src/contracts/plausibility.ts): an activity past its category's limits is stored but
-- quarantined, counted nowhere (challenge total, heatmap, last activity) until an operator approves it (counted
-- from then on) or rejects it (never counted). 'ok' and 'approved' count. ADD COLUMN with a constant default
-- rewrites no row; the CHECK is NOT VALID, like 003's (every stored row is 'ok').
ALTER TABLE activities
  ADD COLUMN review text NOT NULL DEFAULT 'ok',
  ADD COLUMN quarantine_reason text,
  ADD COLUMN reviewed_by text,
  ADD COLUMN reviewed_at timestamptz,
  ADD CONSTRAINT activities_review_state
    CHECK (review IN ('ok', 'quarantined', 'approved', 'rejected')) NOT VALID;

-- The review queue: a handful of rows, listed oldest first.
CREATE INDEX activities_quarantined_idx ON activities (updated_at, id)
  WHERE review = 'quarantined' AND deleted_at IS NULL;

-- Who approved or rejected which activity, why it was held, and what the decision did to the challenge total.
CREATE TABLE activity_reviews (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  activity_id bigint NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
  action text NOT NULL CHECK (action IN ('approve', 'reject')),
  actor text NOT NULL CHECK (char_length(actor) BETWEEN 1 AND 255),
  quarantine_reason text,
  delta_m numeric(12, 3) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX activity_reviews_activity_idx ON activity_reviews (activity_id);
