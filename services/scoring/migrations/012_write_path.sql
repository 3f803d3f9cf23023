-- Less work per written row on the consumer's path (issue 29).

-- Cases of some units are read through the primary key (kind, unit_id, case_id): kind has two values, so the
-- B-tree's skip scan serves "unit_id = ANY(...)" and this index only cost an entry per case written.
DROP INDEX IF EXISTS cases_unit_idx;

-- The writers stamp the revision in their own statements; the trigger stays for any other writer and no longer
-- runs a PL/pgSQL call per row when the statement already did it (an insert that set it, an update that changed it).
DROP TRIGGER cases_revision ON cases;
CREATE TRIGGER cases_revision_insert BEFORE INSERT ON cases
    FOR EACH ROW WHEN (NEW.revision IS NULL) EXECUTE FUNCTION stamp_case_revision();
CREATE TRIGGER cases_revision_update BEFORE UPDATE ON cases
    FOR EACH ROW WHEN (NEW.revision IS NOT DISTINCT FROM OLD.revision) EXECUTE FUNCTION stamp_case_revision();

-- Counters and the rescorer's queue are rewritten by every batch in place (num/den, accepted_at: no indexed
-- column changes): half of each page free lets a whole batch's rewrite of a page be heap-only updates, which
-- skip every index (both tables stay small: a few rows per subject, period and counter).
ALTER TABLE counters SET (fillfactor = 50);
ALTER TABLE dirty SET (fillfactor = 50);
