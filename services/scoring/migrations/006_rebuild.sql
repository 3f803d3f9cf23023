-- Rebuild without holding writers (thidua scoring rebuild): the heavy phase reads the cases from a snapshot while
-- the consumer and the clock go on; the final switch catches up on the cases written since. Every write of a case
-- stamps it with the writing transaction's id (xid8 as bigint), so "written since the snapshot" is an index range
-- (revision >= the snapshot's xmin) filtered by pg_visible_in_snapshot. Rows written before this migration keep
-- NULL: older than any snapshot. A trigger, so the live write path's statements stay as they are.
ALTER TABLE cases ADD COLUMN revision bigint;
CREATE FUNCTION stamp_case_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.revision := pg_current_xact_id()::text::bigint;
    RETURN NEW;
END
$$;
CREATE TRIGGER cases_revision BEFORE INSERT OR UPDATE ON cases FOR EACH ROW EXECUTE FUNCTION stamp_case_revision();
CREATE INDEX cases_revision_idx ON cases (revision) WHERE revision IS NOT NULL;

-- The counters a rebuild computed, before the switch copies them into counters (unlogged: a crash loses only
-- a rebuild in progress, which is run again).
CREATE UNLOGGED TABLE rebuild_counters (
    subject_kind text NOT NULL,
    subject_id   text NOT NULL,
    unit_id      text NOT NULL,
    period       text NOT NULL,
    counter      text NOT NULL,
    num          double precision NOT NULL,
    den          double precision NOT NULL,
    PRIMARY KEY (subject_kind, subject_id, unit_id, period, counter)
);
