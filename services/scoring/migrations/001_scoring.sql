-- Every consumed evidence event once (the inbox): de-duplication in the same transaction as its effect,
-- and where a retraction finds what its target touched.
CREATE TABLE inbox (
    source     text NOT NULL,
    event_id   text NOT NULL,
    type       text NOT NULL,
    unit_id    text NOT NULL,
    target     text,            -- case key ("dossier|unit|code") or "fact", or NULL when not scored
    ledger_seq bigint,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, event_id)
);

-- Retractions that arrived before their target: the target is stored but never counts.
CREATE TABLE early_retractions (
    source          text NOT NULL,
    target_event_id text NOT NULL,
    retraction_id   text NOT NULL,
    PRIMARY KEY (source, target_event_id)
);

-- Dossiers and complaints merged from their events (rule-free raw state), with the moment the
-- clock last judged them (as_of) and the next moment the clock alone changes them (next_tick).
CREATE TABLE cases (
    kind      text NOT NULL CHECK (kind IN ('dossier', 'complaint')),
    unit_id   text NOT NULL,
    case_id   text NOT NULL,
    state     jsonb NOT NULL,
    opened_at timestamptz,
    closed_at timestamptz,
    as_of     timestamptz NOT NULL,
    next_tick timestamptz,
    PRIMARY KEY (kind, unit_id, case_id)
);
CREATE INDEX cases_tick_idx ON cases (next_tick) WHERE next_tick IS NOT NULL;
CREATE INDEX cases_unit_idx ON cases (unit_id, kind);

-- Additive counters per subject, period and counter: the numerators and denominators of every indicator.
CREATE TABLE counters (
    subject_kind text NOT NULL,
    subject_id   text NOT NULL,
    unit_id      text NOT NULL,
    period       text NOT NULL,
    counter      text NOT NULL,
    num          double precision NOT NULL,
    den          double precision NOT NULL,
    PRIMARY KEY (subject_kind, subject_id, unit_id, period, counter)
);
CREATE INDEX counters_period_idx ON counters (period, subject_kind);

-- Low-volume evidence kept row by row: trainings, inspections, disciplines.
CREATE TABLE facts (
    source     text NOT NULL,
    event_id   text NOT NULL,
    kind       text NOT NULL,
    unit_id    text NOT NULL,
    officer_id text,
    at         timestamptz NOT NULL,
    data       jsonb NOT NULL,
    retracted  boolean NOT NULL DEFAULT false,
    PRIMARY KEY (source, event_id)
);
CREATE INDEX facts_unit_idx ON facts (unit_id, at);
CREATE INDEX facts_officer_idx ON facts (officer_id, at);

-- Directory (latest registration wins).
CREATE TABLE units (
    unit_id      text PRIMARY KEY,
    name         text NOT NULL,
    level        text NOT NULL,
    parent_id    text,
    cluster_id   text NOT NULL,
    cluster_name text,
    occurred_at  timestamptz NOT NULL
);
CREATE TABLE officers (
    officer_id  text PRIMARY KEY,
    unit_id     text NOT NULL,
    full_name   text NOT NULL,
    category    text NOT NULL,
    position    text,
    occurred_at timestamptz NOT NULL
);
CREATE INDEX officers_unit_idx ON officers (unit_id);

-- Scores per subject and period, with the scorecard that explains them.
CREATE TABLE unit_scores (
    unit_id       text NOT NULL,
    period        text NOT NULL,
    score         double precision NOT NULL,
    band          text NOT NULL,
    service_index double precision,
    culture_index double precision NOT NULL,
    rule_version  text NOT NULL,
    card          json NOT NULL,  -- json, not jsonb: written often, only ever read whole
    updated_at    timestamptz NOT NULL,
    PRIMARY KEY (unit_id, period)
);
CREATE TABLE officer_scores (
    officer_id   text NOT NULL,
    unit_id      text NOT NULL,
    period       text NOT NULL,
    score        double precision NOT NULL,
    band         text NOT NULL,
    rule_version text NOT NULL,
    card         json NOT NULL,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (officer_id, period)
);
CREATE INDEX officer_scores_period_idx ON officer_scores (period, unit_id);

-- The standings last published on standings.changed.v1.
CREATE TABLE standings (
    subject_kind     text NOT NULL,
    subject_id       text NOT NULL,
    period           text NOT NULL,
    unit_id          text NOT NULL,
    cluster_id       text,
    score            double precision NOT NULL,
    band             text NOT NULL,
    rank_in_cluster  integer,
    rank_in_province integer NOT NULL,
    previous_rank_in_cluster  integer,
    previous_rank_in_province integer,
    previous_score   double precision,
    previous_band    text,
    rule_version     text NOT NULL,
    changed_at       timestamptz NOT NULL,
    PRIMARY KEY (subject_kind, subject_id, period)
);
CREATE INDEX standings_period_idx ON standings (period, subject_kind, cluster_id);

-- Rulebooks, versioned; the active one is the last activated (a stored one may never be activated).
CREATE TABLE rulebooks (
    version      text PRIMARY KEY,
    content      jsonb NOT NULL,
    stored_at    timestamptz NOT NULL DEFAULT now(),
    activated_at timestamptz
);
