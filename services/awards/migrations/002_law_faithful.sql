-- Law-faithful standings and nominations: review and hold states, registration, research, officer scores,
-- the opening of each grievance, and titles that only approved decisions give.

-- needs_review: relies on an excellent rating over the excellence cap (the council decides);
-- on_hold: an open complaint or denunciation holds it; held_from is the status it is released back to.
ALTER TABLE nominations DROP CONSTRAINT IF EXISTS nominations_status_check;
ALTER TABLE nominations ADD CONSTRAINT nominations_status_check
    CHECK (status IN ('proposed', 'approved', 'rejected', 'revoked', 'needs_review', 'on_hold'));
ALTER TABLE nominations ADD COLUMN held_from text CHECK (held_from IN ('proposed', 'needs_review'));
CREATE INDEX nominations_subject_idx ON nominations (subject_kind, subject_id);

-- Đăng ký thi đua (emulation.registered): the titles a subject registered for a year, one row per event.
CREATE TABLE registrations (event text PRIMARY KEY, subject_kind text NOT NULL, subject_id text NOT NULL,
                            unit_id text NOT NULL, year int NOT NULL, titles text[] NOT NULL);
CREATE INDEX registrations_unit_idx ON registrations (unit_id, year);

-- Accepted research projects (research.accepted), a route to Chiến sĩ thi đua cơ sở like an initiative.
CREATE TABLE research (event text PRIMARY KEY, officer_id text NOT NULL, unit_id text NOT NULL, year int NOT NULL,
                       scope text NOT NULL);

-- Each officer's evidence-based emulation score for a year (standings.changed.v1), for the CSTĐCS quota order.
CREATE TABLE officer_scores (officer_id text NOT NULL, year int NOT NULL, score double precision NOT NULL,
                             event text NOT NULL, occurred_at timestamptz NOT NULL, PRIMARY KEY (officer_id, year));

-- The opening event of each grievance: a substantiated finding names both events and counts from the opening year.
ALTER TABLE grievances ADD COLUMN opened_event text;
ALTER TABLE grievances ADD COLUMN opened_at timestamptz;
UPDATE grievances SET opened_event = event, opened_at = occurred_at WHERE is_open;

-- Titles count only when approved: drop any that came from a nomination no longer approved.
DELETE FROM titles t USING nominations n WHERE t.ref = n.id AND n.status <> 'approved';
