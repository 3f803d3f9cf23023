-- The unit rescorer's pass, cheaper (issue 29).
-- A unit's card is about 5.6 KB of JSON, rewritten for every unit and period each pass (250 rows a pass at
-- 1,000 ev/s in the bench): above the default 2 KB target each card was compressed on every write. Rows up to a
-- page now stay inline as written; a larger card is still compressed or moved out of line.
ALTER TABLE unit_scores SET (toast_tuple_target = 8160);
-- A unit's culture inputs read only trainings, inspections and disciplinary decisions, for periods of up to five
-- years: without this index every fact of the unit in the period (returns, leaves, assessments...) was read too.
CREATE INDEX facts_culture_idx ON facts (unit_id, at) WHERE kind IN ('training', 'inspection', 'discipline');
