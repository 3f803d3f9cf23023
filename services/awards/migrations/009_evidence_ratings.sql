-- Officers' ratings computed from the evidence under Decree 335/2025 (issue 26; ratings.v1, from scoring): the
-- latest per officer and year (by occurred_at, then event id), with the unit it was computed for. Awards uses it
-- as a công chức's rating where HR sent no evaluation.recorded; HR's rating wins where both exist.
CREATE TABLE evidence_ratings (
    officer_id   text             NOT NULL,
    year         int              NOT NULL,
    unit_id      text             NOT NULL,
    score        double precision NOT NULL,
    level        text             NOT NULL CHECK (level IN ('excellent', 'good', 'complete', 'incomplete')),
    periods      int              NOT NULL,
    not_complete jsonb            NOT NULL,  -- the "not complete" conditions found (Art. 20), in words
    rule_version text             NOT NULL,
    event        text             NOT NULL,  -- "ratings:<event_id>"
    occurred_at  timestamptz      NOT NULL,
    PRIMARY KEY (officer_id, year)
);
CREATE INDEX evidence_ratings_unit_idx ON evidence_ratings (unit_id, year);

-- Which rating decided an officer's nomination when it was created: hr, evidence_335 or discipline (NULL: a
-- unit's nomination, or one created before issue 26).
ALTER TABLE nominations ADD COLUMN rating_basis text;
