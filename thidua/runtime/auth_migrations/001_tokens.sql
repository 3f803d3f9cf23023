-- Bearer tokens shared by every service (an identity store, like an identity provider would be):
-- stored only as SHA-256 hashes. role: source | unit | council | admin.
CREATE TABLE tokens (
    token_hash text PRIMARY KEY,
    role       text NOT NULL CHECK (role IN ('source', 'unit', 'council', 'admin')),
    source     text,
    unit_id    text,
    label      text,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz,
    CHECK ((role = 'source') = (source IS NOT NULL)),
    CHECK ((role = 'unit') = (unit_id IS NOT NULL))
);
