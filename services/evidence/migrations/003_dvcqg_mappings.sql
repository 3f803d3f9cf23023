-- The national portal's door (issue 25): what the operator maps, and the portal-style sessions.
-- An upstream unit code (the call's madonvi, a dossier's MaDonVi) that is not one of the source's unit ids is
-- mapped here by the operator; an unknown one is refused with its value, never guessed.
CREATE TABLE dvcqg_unit_codes (
    source     text        NOT NULL REFERENCES sources (name) ON DELETE CASCADE,
    code       text        NOT NULL,
    unit_id    text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, code)
);

-- An upstream user name (a step's NguoiXuLy) mapped to our officer id; an unmapped one attributes nobody.
CREATE TABLE dvcqg_officer_users (
    source     text        NOT NULL REFERENCES sources (name) ON DELETE CASCADE,
    username   text        NOT NULL,
    officer_id text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, username)
);

-- Sessions of POST /v1/dvcqg/login (the portal's own flow): only the session's SHA-256 is kept, like tokens.
CREATE TABLE dvcqg_sessions (
    session_hash text PRIMARY KEY,
    source       text        NOT NULL REFERENCES sources (name) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL
);
CREATE INDEX dvcqg_sessions_expiry_idx ON dvcqg_sessions (expires_at);
