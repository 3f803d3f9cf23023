-- The rescorer's queue becomes append-only (issue 29). With one row per subject and period, a batch's upsert of a
-- subject waited for the rescorer's pass that had claimed (deleted, uncommitted) that subject's row: the consumer
-- stalled behind every pass (20–45 s of statement time per 100,000 backfilled events). Now a batch only appends,
-- the rescorer deletes the rows it claimed by their own id, and coalesces a subject's rows when it takes them.
ALTER TABLE dirty DROP CONSTRAINT dirty_pkey;
ALTER TABLE dirty ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY;
ALTER TABLE dirty ADD PRIMARY KEY (id);
-- Rows are inserted and deleted, never updated: pages may be full again.
ALTER TABLE dirty SET (fillfactor = 100);
-- The rescorer takes the oldest evidence first, of one kind.
CREATE INDEX dirty_kind_accepted_idx ON dirty (subject_kind, accepted_at, id);
