-- Units belong to a cluster through time (issue 24): every unit.registered, with the date from which it places the
-- unit in its cluster (cluster_since, else occurred_at). A period's standings and cluster ranks use the membership
-- in force at the period's end (domain/clusters.py), kept on its scores, so rebuilt clusters leave closed periods
-- in the old cluster.
CREATE TABLE unit_memberships (
    event        text PRIMARY KEY,  -- source:event_id of the registration (a repeated one changes nothing)
    unit_id      text        NOT NULL,
    cluster_id   text        NOT NULL,
    cluster_name text,
    at           timestamptz NOT NULL
);
CREATE INDEX unit_memberships_unit_idx ON unit_memberships (unit_id, at);

-- The history before this table: one membership per unit, in its current cluster (the earliest registration reaches
-- back to the beginning).
INSERT INTO unit_memberships (event, unit_id, cluster_id, cluster_name, at)
SELECT 'directory:' || unit_id, unit_id, cluster_id, cluster_name, occurred_at FROM units;

-- The cluster each period of a unit is ranked in (NULL: the unit is not registered yet).
ALTER TABLE unit_scores ADD COLUMN cluster_id text, ADD COLUMN cluster_name text;
UPDATE unit_scores s SET cluster_id = u.cluster_id, cluster_name = u.cluster_name FROM units u
WHERE u.unit_id = s.unit_id;
