-- Unit lineage (issue 24): every accepted unit.reorganized (merge, split, rename, dissolution), by its event key.
-- A successor's members for a year include the officers still registered under a predecessor folded into it,
-- consecutive-year collective titles carry over per the rule file's [lineage], and a unit that ended gets no
-- collective title for a year ending after its date (a dissolved one none once dissolved: Circular 15/2025/TT-BNV).
-- A retraction (evidence.retracted) deletes the row: the reorganization stops counting.
CREATE TABLE reorganizations (
    event        text PRIMARY KEY,  -- source:event_id (a repeated one changes nothing)
    unit_id      text        NOT NULL,  -- the envelope's unit (one of the units named)
    kind         text        NOT NULL,  -- merge | split | rename | dissolution
    predecessors text[]      NOT NULL,
    successors   text[]      NOT NULL,
    at           timestamptz NOT NULL,  -- effective_at: the first instant under the new map
    decision_no  text
);
CREATE INDEX reorganizations_predecessors_idx ON reorganizations USING gin (predecessors);
CREATE INDEX reorganizations_successors_idx ON reorganizations USING gin (successors);
