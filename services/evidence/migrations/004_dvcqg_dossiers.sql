-- The national portal's door (issue 25): what the adapter keeps per (source, MaHoSo) to diff the next snapshot.
-- kept: the live event of each fact (dump_kept); snapshot: the last snapshot as read, which the parser has already
-- stripped of the applicant's personal data (kept so that steps arriving later can re-attribute the dossier).
CREATE TABLE dvcqg_dossiers (
    source       text        NOT NULL REFERENCES sources (name) ON DELETE CASCADE,
    dossier_code text        NOT NULL,
    unit_id      text        NOT NULL,
    officer_id   text,
    kept         jsonb       NOT NULL,
    snapshot     jsonb       NOT NULL,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (source, dossier_code)
);

-- Processing steps (CapNhatTienDoHoSoMC): who acted on a dossier and when; NguoiXuLy is the upstream user name
-- (mapped to an officer through dvcqg_officer_users when the dossier's events are made). What was done is dropped.
CREATE TABLE dvcqg_steps (
    source       text        NOT NULL REFERENCES sources (name) ON DELETE CASCADE,
    dossier_code text        NOT NULL,
    acted_at     timestamptz NOT NULL,
    handler      text        NOT NULL DEFAULT '',
    status       smallint,
    received_at  timestamptz NOT NULL,
    PRIMARY KEY (source, dossier_code, acted_at, handler)
);

-- Portal calls consumed from evidence.dvcqg.v1.<source>: a record's position, claimed in the transaction of its
-- effects (a redelivered record changes nothing and is not answered twice on evidence.rejected.v1).
CREATE TABLE inbox (key text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
