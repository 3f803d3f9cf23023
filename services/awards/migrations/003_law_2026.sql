-- The law of 2026 for awards (docs/rules.md): discipline facts (Decree 152/2025, Decree 335/2025), staff kind and
-- peer group (Decree 335/2025), the kind of each holding case (Decree 152/2025 Art. 4), the rating history.

-- disciplines.year is the counted year: the violation's (Vietnam time), the decision's when absent.
ALTER TABLE disciplines ADD COLUMN decided_at timestamptz;
ALTER TABLE disciplines ADD COLUMN violation_at timestamptz;
ALTER TABLE disciplines ADD COLUMN duty_related boolean;  -- NULL: not said (the rule file's default applies)
ALTER TABLE disciplines ADD COLUMN effective_until timestamptz;
CREATE INDEX disciplines_officer_idx ON disciplines (officer_id);

-- công chức (civil_servant), viên chức (public_employee) or other; the group with similar duties in the agency.
ALTER TABLE officers ADD COLUMN staff_kind text NOT NULL DEFAULT 'other'
    CHECK (staff_kind IN ('civil_servant', 'public_employee', 'other'));
ALTER TABLE officers ADD COLUMN peer_group text;

-- complaint, denunciation, discipline_review, inspection, press_report; NULL: a complaint or denunciation.
ALTER TABLE grievances ADD COLUMN kind text;

-- Every rating decision per subject and year in arrival order: the latest arrived counts (a correction supersedes
-- by its issue order, not its occurred_at), and retracting a correction restores the one before it.
CREATE TABLE rating_history (seq bigserial PRIMARY KEY, event text NOT NULL UNIQUE, subject_kind text NOT NULL,
                             subject_id text NOT NULL, unit_id text NOT NULL, year int NOT NULL, level text NOT NULL,
                             occurred_at timestamptz NOT NULL);
CREATE INDEX rating_history_subject_idx ON rating_history (subject_kind, subject_id, year);
INSERT INTO rating_history (event, subject_kind, subject_id, unit_id, year, level, occurred_at)
    SELECT event, subject_kind, subject_id, unit_id, year, level, occurred_at FROM ratings ORDER BY occurred_at, event;
