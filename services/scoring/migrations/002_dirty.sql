-- Subjects and periods whose scores must be recomputed: written with the counters in the batch's
-- transaction, drained by the rescorer, which coalesces many batches into one recomputation.
CREATE TABLE dirty (
    subject_kind text NOT NULL,
    subject_id   text NOT NULL,
    unit_id      text NOT NULL,
    period       text NOT NULL,
    accepted_at  timestamptz NOT NULL,  -- the oldest evidence not yet reflected in the standings
    PRIMARY KEY (subject_kind, subject_id, period)
);

-- Scorecards read every counter of a subject and period at once.
CREATE INDEX counters_subject_period_idx ON counters (subject_kind, subject_id, period);
