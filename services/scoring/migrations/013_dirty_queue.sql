-- The rescorer's queue becomes append-only (issue 29). With one row per subject and period, a batch's upsert of a
-- subject waited for the rescorer's pass that had claimed (deleted, uncommitted) that subject's row: the consumer
-- stalled behind every pass (20–45 s of statement time per 100,000 backfilled events). Now a batch only appends,
-- the rescorer takes every row of the standings it chose (one pass per kind at a time) and coalesces them.
ALTER TABLE dirty DROP CONSTRAINT dirty_pkey;
-- Rows are inserted and deleted, never updated: pages may be full again.
ALTER TABLE dirty SET (fillfactor = 100);
-- The rescorer deletes a chosen standing's rows through this index.
CREATE INDEX dirty_standing_idx ON dirty (subject_kind, subject_id, period);
