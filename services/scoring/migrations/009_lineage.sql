-- Unit lineage (issue 24): every accepted unit.reorganized (merge, split, rename, dissolution). Which units a period
-- lists and whose counters a unit's period combines is read from these rows (schemas/lineage.py); a retracted one
-- stays with its flag set and no longer counts (a retraction arriving first stores it retracted).
CREATE TABLE reorganizations (
    event        text PRIMARY KEY,  -- source:event_id (a repeated one changes nothing)
    kind         text        NOT NULL,
    predecessors text[]      NOT NULL,
    successors   text[]      NOT NULL,
    at           timestamptz NOT NULL,  -- effective_at: the first instant under the new map
    decision_no  text,
    retracted    boolean     NOT NULL DEFAULT false
);
