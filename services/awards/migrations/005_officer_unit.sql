-- Officers belong to a unit (issue 23): an officer's records count for the unit they were sent under, so one unit's
-- records about another unit's officer never change that unit's evaluations, and after a transfer the periods
-- before stay with the old unit.

-- Ratings: the latest arrived decision per subject, unit and year.
ALTER TABLE ratings DROP CONSTRAINT ratings_pkey;
ALTER TABLE ratings ADD PRIMARY KEY (subject_kind, subject_id, unit_id, year);
CREATE INDEX rating_history_unit_idx ON rating_history (subject_kind, subject_id, unit_id, year);

-- Titles: the unit they were given under (title.awarded's envelope, the nomination's unit).
ALTER TABLE titles ADD COLUMN unit_id text;
UPDATE titles t SET unit_id = CASE WHEN t.subject_kind = 'unit' THEN t.subject_id
    ELSE coalesce((SELECT n.unit_id FROM nominations n WHERE n.id = t.ref),
                  (SELECT o.unit_id FROM officers o WHERE o.officer_id = t.subject_id)) END;
UPDATE titles SET unit_id = '' WHERE unit_id IS NULL;  -- an officer no unit ever registered: counted nowhere
ALTER TABLE titles ALTER COLUMN unit_id SET NOT NULL;
ALTER TABLE titles DROP CONSTRAINT titles_pkey;
ALTER TABLE titles ADD PRIMARY KEY (subject_kind, subject_id, unit_id, year, title);
CREATE INDEX titles_unit_idx ON titles (unit_id, subject_kind);

-- Officers' evidence-based scores: the unit scoring scored them in.
ALTER TABLE officer_scores ADD COLUMN unit_id text;
UPDATE officer_scores s SET unit_id = (SELECT o.unit_id FROM officers o WHERE o.officer_id = s.officer_id);

CREATE INDEX initiatives_officer_unit_idx ON initiatives (officer_id, unit_id);
CREATE INDEX research_officer_unit_idx ON research (officer_id, unit_id);
CREATE INDEX disciplines_officer_unit_idx ON disciplines (officer_id, unit_id);
