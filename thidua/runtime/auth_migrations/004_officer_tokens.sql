-- An officer's own token (role officer): bound to one officer id, it reads only that officer's scorecard and
-- Decree 335/2025 tracking (issue 26; groundwork for officials' own sign-in). principal_of returns the officer id
-- too: its result changes, so it is dropped and made again, and the services' group keeps its right to call it.
ALTER TABLE tokens ADD COLUMN officer_id text;
ALTER TABLE tokens DROP CONSTRAINT tokens_role_check;
ALTER TABLE tokens ADD CONSTRAINT tokens_role_check CHECK (role IN ('source', 'unit', 'council', 'admin', 'officer'));
ALTER TABLE tokens ADD CONSTRAINT tokens_officer_check CHECK ((role = 'officer') = (officer_id IS NOT NULL));
DROP FUNCTION principal_of(text);
CREATE FUNCTION principal_of(wanted_hash text)
RETURNS TABLE (id bigint, role text, source text, unit_id text, officer_id text)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT t.id, t.role, t.source, t.unit_id, t.officer_id FROM auth.tokens AS t
    WHERE t.token_hash = wanted_hash AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
$$;
REVOKE ALL ON FUNCTION principal_of(text) FROM PUBLIC;
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'thidua_services') THEN
        GRANT EXECUTE ON FUNCTION principal_of(text) TO thidua_services;
    END IF;
END
$$;
