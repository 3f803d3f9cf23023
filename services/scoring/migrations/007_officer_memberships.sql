-- Officers belong to a unit through time (issue 23): every officer.registered, with the date it places the officer
-- in its unit (transferred_at, else occurred_at). A period counts and lists an officer in the unit it belonged to at
-- the period's end (domain/memberships.py), so a transfer leaves the periods before it with the old unit.
CREATE TABLE officer_memberships (
    event      text PRIMARY KEY,  -- source:event_id of the registration (a repeated one changes nothing)
    officer_id text        NOT NULL,
    unit_id    text        NOT NULL,
    at         timestamptz NOT NULL
);
CREATE INDEX officer_memberships_officer_idx ON officer_memberships (officer_id, at);
CREATE INDEX officer_memberships_unit_idx ON officer_memberships (unit_id);

-- The history before this table: one membership per officer, in its current unit (the earliest registration reaches
-- back to the beginning).
INSERT INTO officer_memberships (event, officer_id, unit_id, at)
SELECT 'directory:' || officer_id, officer_id, unit_id, occurred_at FROM officers;
