-- Officers belong to a unit through time (issue 23): every officer.registered, with the date it places the officer
-- in its unit (transferred_at, else occurred_at) and the rating group it gives there. For year Y an officer is a
-- member of the unit it belongs to at the end of Y (domain/memberships.py), so a transfer in 2026 leaves 2025's
-- evaluations of the old unit as they were.
CREATE TABLE officer_memberships (
    event      text PRIMARY KEY,  -- source:event_id of the registration (a repeated one changes nothing)
    officer_id text        NOT NULL,
    unit_id    text        NOT NULL,
    at         timestamptz NOT NULL,
    staff_kind text        NOT NULL,
    peer_group text
);
CREATE INDEX officer_memberships_officer_idx ON officer_memberships (officer_id, at);
CREATE INDEX officer_memberships_unit_idx ON officer_memberships (unit_id);

-- The history before this table: one membership per officer, in its current unit (the earliest registration reaches
-- back to the beginning).
INSERT INTO officer_memberships (event, officer_id, unit_id, at, staff_kind, peer_group)
SELECT 'directory:' || officer_id, officer_id, unit_id, occurred_at, staff_kind, peer_group FROM officers;
