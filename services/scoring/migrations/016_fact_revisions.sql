-- Which facts changed since a rescorer last read them (issue 29). A unit's culture inputs and an officer's training
-- hours are sums over the facts of periods up to five years long, and every pass read them all again: a pass cost
-- more as the history grew. Like cases.revision, each fact now carries the id of the transaction that last wrote it
-- (inserted, or retracted: fact_store.retract_facts sets it); a rescorer keeps what it read and reads again only the
-- units and officers with a fact whose revision is at or after the oldest transaction still running when it last
-- read (adapters/fact_memo.py). Rows written before this migration keep 0: no rescorer has read anything when it
-- starts.
ALTER TABLE facts ADD COLUMN revision bigint NOT NULL DEFAULT 0;
ALTER TABLE facts ALTER COLUMN revision SET DEFAULT (pg_current_xact_id()::text)::bigint;
CREATE INDEX facts_revision_idx ON facts (revision);
