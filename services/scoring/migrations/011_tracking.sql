-- Officers' tracking under Decree 335/2025 (issue 26). The tasks themselves are the cases (dossiers, complaints) and
-- the facts (returned, cause, assessment, leave, catalogue weights); these tables say whose they are and what was
-- last published.

-- Which officer's work a case is (a dossier's officer on procedure.received/processed, a complaint's handler: the
-- envelope's officer_id of complaint.received/resolved). A row is a candidate: the sheet checks the case's latest
-- events still name the officer (a reassigned dossier leaves the old officer's sheet).
CREATE TABLE tracking_cases (
    officer_id text NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('dossier', 'complaint')),
    unit_id    text NOT NULL,
    case_id    text NOT NULL,
    PRIMARY KEY (officer_id, kind, unit_id, case_id)
);
CREATE INDEX tracking_cases_case_idx ON tracking_cases (kind, unit_id, case_id);

INSERT INTO tracking_cases (officer_id, kind, unit_id, case_id)
SELECT DISTINCT CASE WHEN c.kind = 'dossier' THEN r.value->>'officer_id' ELSE r.value->>'handler_id' END,
       c.kind, c.unit_id, c.case_id
FROM cases c, jsonb_each(c.state->'slots') s, jsonb_each(s.value) r
WHERE s.key IN ('received', 'processed', 'resolved') AND jsonb_typeof(r.value) = 'object'
  AND CASE WHEN c.kind = 'dossier' THEN r.value->>'officer_id' ELSE r.value->>'handler_id' END IS NOT NULL
ON CONFLICT DO NOTHING;

-- What the latest registration says for the rating: công chức or not, and the peer group of the excellence cap.
CREATE TABLE tracking_profiles (
    officer_id  text PRIMARY KEY,
    staff_kind  text,
    peer_group  text,
    occurred_at timestamptz NOT NULL
);

-- Officers whose sheets changed since the last tracking pass.
CREATE TABLE tracking_dirty (
    officer_id text PRIMARY KEY,
    queued_at  timestamptz NOT NULL
);

-- The year rating last published on ratings.v1 (republished only when it changes).
CREATE TABLE tracking_ratings (
    officer_id   text NOT NULL,
    year         integer NOT NULL,
    unit_id      text NOT NULL,
    rating       jsonb NOT NULL,  -- {score, level, periods, not_complete, capped}
    rule_version text NOT NULL,
    published_at timestamptz NOT NULL,
    PRIMARY KEY (officer_id, year)
);

-- task_score_low raised once per officer and period.
CREATE TABLE tracking_alerts (
    officer_id text NOT NULL,
    period     text NOT NULL,
    raised_at  timestamptz NOT NULL,
    PRIMARY KEY (officer_id, period)
);
