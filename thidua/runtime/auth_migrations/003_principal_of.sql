-- Services check bearer tokens through this function only: they may execute it (the provisioning grants EXECUTE
-- to the services' group role, thidua/runtime/db_roles.py), never read or write the table itself.
CREATE FUNCTION principal_of(wanted_hash text)
RETURNS TABLE (id bigint, role text, source text, unit_id text)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT t.id, t.role, t.source, t.unit_id FROM auth.tokens AS t
    WHERE t.token_hash = wanted_hash AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
$$;
REVOKE ALL ON FUNCTION principal_of(text) FROM PUBLIC;
