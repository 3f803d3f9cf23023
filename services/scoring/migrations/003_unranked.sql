-- A unit without enough dossiers for the service index (rulebook index.min_dossiers) keeps its scorecard,
-- listed as "chưa đủ dữ liệu", but has no emulation score, band or rank (issue: law-faithful standings).
ALTER TABLE unit_scores ALTER COLUMN score DROP NOT NULL;
ALTER TABLE unit_scores ALTER COLUMN band DROP NOT NULL;
ALTER TABLE unit_scores ALTER COLUMN culture_index DROP NOT NULL;
-- The procedure catalogue is read as of a period's end.
CREATE INDEX facts_catalogue_idx ON facts (unit_id, at) WHERE kind = 'catalogue';
