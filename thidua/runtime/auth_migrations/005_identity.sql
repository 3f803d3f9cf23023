-- Officials sign in through the province's identity provider (issue 27). The operator's identity rules map a
-- provider token's claims to a role (`thidua identity map`): claim (a name or dotted path), value (NULL: any value
-- present) -> role, with the unit fixed or read from a claim, or the officer id read from a claim. Removed rules
-- are kept (removed_at) so the mapping's history stays readable.
CREATE TABLE identity_rules (
    id            bigserial PRIMARY KEY,
    claim         text NOT NULL CHECK (length(claim) BETWEEN 1 AND 128),
    value         text CHECK (length(value) BETWEEN 1 AND 256),
    role          text NOT NULL CHECK (role IN ('unit', 'council', 'admin', 'officer')),
    unit_id       text CHECK (unit_id ~ '^[A-Z0-9.]{2,32}$' AND unit_id <> 'ADMIN'),
    unit_claim    text CHECK (length(unit_claim) BETWEEN 1 AND 128),
    officer_claim text CHECK (length(officer_claim) BETWEEN 1 AND 128),
    label         text CHECK (length(label) <= 200),
    created_at    timestamptz NOT NULL DEFAULT now(),
    removed_at    timestamptz,
    CHECK (CASE role
        WHEN 'unit' THEN (unit_id IS NULL) <> (unit_claim IS NULL) AND officer_claim IS NULL
        WHEN 'officer' THEN officer_claim IS NOT NULL AND unit_id IS NULL AND unit_claim IS NULL
        ELSE unit_id IS NULL AND unit_claim IS NULL AND officer_claim IS NULL
    END)
);
-- Every sign-in at the dashboard: who (the provider's subject and issuer) and what the rules made of them. No
-- other personal data (names, e-mail) is kept.
CREATE TABLE sign_ins (
    id         bigserial PRIMARY KEY,
    subject    text NOT NULL CHECK (length(subject) BETWEEN 1 AND 255),
    issuer     text NOT NULL CHECK (length(issuer) BETWEEN 1 AND 2048),
    role       text NOT NULL CHECK (role IN ('unit', 'council', 'admin', 'officer', 'person')),
    unit_id    text,
    officer_id text,
    at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sign_ins_subject ON sign_ins (subject, at);
-- The services read the live rules and record sign-ins through these functions only, like principal_of.
CREATE FUNCTION identity_rules_live()
RETURNS TABLE (id bigint, claim text, value text, role text, unit_id text, unit_claim text, officer_claim text)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT r.id, r.claim, r.value, r.role, r.unit_id, r.unit_claim, r.officer_claim FROM auth.identity_rules AS r
    WHERE r.removed_at IS NULL ORDER BY r.id
$$;
CREATE FUNCTION record_sign_in(subject text, issuer text, role text, unit_id text, officer_id text)
RETURNS bigint
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    INSERT INTO auth.sign_ins (subject, issuer, role, unit_id, officer_id)
    VALUES (subject, issuer, role, unit_id, officer_id) RETURNING id
$$;
REVOKE ALL ON FUNCTION identity_rules_live() FROM PUBLIC;
REVOKE ALL ON FUNCTION record_sign_in(text, text, text, text, text) FROM PUBLIC;
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'thidua_services') THEN
        GRANT EXECUTE ON FUNCTION identity_rules_live() TO thidua_services;
        GRANT EXECUTE ON FUNCTION record_sign_in(text, text, text, text, text) TO thidua_services;
    END IF;
END
$$;
