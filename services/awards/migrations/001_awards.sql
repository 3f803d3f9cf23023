-- Every consumed event once: evidence by "source:event_id", standings by "standings:event_id".
CREATE TABLE inbox (key text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());

CREATE TABLE units (unit_id text PRIMARY KEY, name text NOT NULL, cluster_id text, parent_id text,
                    occurred_at timestamptz NOT NULL);
CREATE TABLE officers (officer_id text PRIMARY KEY, unit_id text NOT NULL, full_name text NOT NULL,
                       occurred_at timestamptz NOT NULL);
CREATE INDEX officers_unit_idx ON officers (unit_id);

-- Annual ratings (đánh giá, xếp loại): the latest decision per subject and year counts.
CREATE TABLE ratings (subject_kind text NOT NULL, subject_id text NOT NULL, unit_id text NOT NULL, year int NOT NULL,
                      level text NOT NULL, event text NOT NULL, occurred_at timestamptz NOT NULL,
                      PRIMARY KEY (subject_kind, subject_id, year));
-- Titles held: decided elsewhere (title.awarded) or approved here; ref = event key or nomination id.
CREATE TABLE titles (subject_kind text NOT NULL, subject_id text NOT NULL, year int NOT NULL, title text NOT NULL,
                     ref text NOT NULL, PRIMARY KEY (subject_kind, subject_id, year, title));
CREATE TABLE initiatives (event text PRIMARY KEY, officer_id text NOT NULL, unit_id text NOT NULL, year int NOT NULL,
                          scope text NOT NULL);
CREATE TABLE disciplines (event text PRIMARY KEY, officer_id text NOT NULL, unit_id text NOT NULL, year int NOT NULL,
                          form text NOT NULL);
CREATE TABLE grievances (case_key text PRIMARY KEY, unit_id text NOT NULL, officer_id text, is_open boolean NOT NULL,
                         substantiated boolean, event text NOT NULL, occurred_at timestamptz NOT NULL);
-- The latest year standing of each unit (from standings.changed.v1).
CREATE TABLE standings (unit_id text NOT NULL, year int NOT NULL, rank_in_cluster int, band text NOT NULL,
                        score double precision NOT NULL, event text NOT NULL, occurred_at timestamptz NOT NULL,
                        PRIMARY KEY (unit_id, year));

CREATE TABLE closed_years (year int PRIMARY KEY, closed_at timestamptz NOT NULL, rule_version text NOT NULL);

CREATE TABLE nominations (
    id             text PRIMARY KEY,      -- title:year:kind:subject
    title          text NOT NULL,
    year           int  NOT NULL,
    subject_kind   text NOT NULL,
    subject_id     text NOT NULL,
    unit_id        text NOT NULL,
    status         text NOT NULL CHECK (status IN ('proposed', 'approved', 'rejected', 'revoked')),
    cash_multiple  double precision NOT NULL,
    rule_version   text NOT NULL,
    criteria       jsonb NOT NULL,
    evidence_ids   jsonb NOT NULL,
    votes          jsonb,
    reason         text,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    UNIQUE (title, year, subject_kind, subject_id)
);
CREATE INDEX nominations_unit_idx ON nominations (unit_id, year);

-- Every transition of every nomination, for audit.
CREATE TABLE audit (
    id            bigserial PRIMARY KEY,
    nomination_id text NOT NULL REFERENCES nominations (id),
    from_status   text,
    to_status     text NOT NULL,
    reason        text NOT NULL,
    actor         text NOT NULL,
    at            timestamptz NOT NULL
);

-- Last signal sent per unit, year and title (on track / at risk), so only transitions are sent.
CREATE TABLE signals (unit_id text NOT NULL, year int NOT NULL, title text NOT NULL, state text NOT NULL,
                      PRIMARY KEY (unit_id, year, title));
