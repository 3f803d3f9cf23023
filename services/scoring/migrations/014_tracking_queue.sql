-- The Decree 335 tracking queue becomes append-only (issue 29), as the rescorer's did (013). With one row per
-- officer, a batch's upsert of an officer waited for the tracking pass that had taken (deleted, uncommitted) that
-- officer's row, for as long as the pass lasted: at 1,000 ev/s the consumer's batches were held back 400 ms at p99.
-- Now a batch only appends; a pass takes every row of the officers it chose (one pass at a time) and coalesces them.
ALTER TABLE tracking_dirty DROP CONSTRAINT tracking_dirty_pkey;
ALTER TABLE tracking_dirty SET (fillfactor = 100);
CREATE INDEX tracking_dirty_officer_idx ON tracking_dirty (officer_id);
