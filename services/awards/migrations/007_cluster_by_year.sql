-- Units belong to a cluster through time (issue 24): each year standing keeps the cluster scoring ranked the unit in
-- for that year (the membership in force at the year's end, on standings.changed.v1), so the Cờ thi đua of a year
-- (cluster leader, ties) looks at that year's cluster, not today's. The years before: the unit's current cluster.
ALTER TABLE standings ADD COLUMN cluster_id text;
UPDATE standings s SET cluster_id = u.cluster_id FROM units u WHERE u.unit_id = s.unit_id;
