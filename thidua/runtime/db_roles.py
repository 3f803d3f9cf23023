"""Least privilege in PostgreSQL: one login role per service, owning its own schema and nothing else.

Run as the database's admin (`thidua db provision`, `thidua run` for the local server). Each service's role owns
its schema (its migrations run as that role; an admin migrating it acts as the owner, thidua/runtime/db.py), has
no right on any other service's schema, and reaches the token store only through `auth.principal_of(hash)`, a
SECURITY DEFINER function granted to the services' group role (and the identity rules and sign-ins through
`auth.identity_rules_live()` and `auth.record_sign_in(...)`, likewise). The auth schema stays the admin's.
Idempotent: running it again sets each role's password to the one given (a rotation) and changes nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg

from thidua.runtime import auth
from thidua.runtime.db import create_pool

# The group role the services' roles belong to: what every service may do beyond its own schema.
SERVICES_GROUP = "thidua_services"
# The auth schema's other SECURITY DEFINER functions the services call (auth_migrations/005_identity.sql).
IDENTITY_FUNCTIONS = ("identity_rules_live()", "record_sign_in(text, text, text, text, text)")


def service_role(service: str) -> str:
    """The PostgreSQL role of a service, e.g. thidua_evidence."""
    return f"thidua_{service}"


def url_as(url: str, role: str, password: str) -> str:
    """url, signing in as role with password (host, port, database and options kept)."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{quote(role, safe='')}:{quote(password, safe='')}@{host}"))


# Hands every object of a schema (tables with their sequences, views, functions, types) to its owner: a schema
# made before the roles existed (everything the admin's) becomes the service's.
_HAND_OVER = """
DO $do$
DECLARE
    target name := %L;
    owner_role name := %L;
    obj record;
BEGIN
    EXECUTE format('ALTER SCHEMA %%I OWNER TO %%I', target, owner_role);
    FOR obj IN
        SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = target AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
          AND pg_get_userbyid(c.relowner) <> owner_role
          AND NOT (c.relkind = 'S' AND EXISTS (
              SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))
    LOOP
        EXECUTE format(
            CASE obj.relkind WHEN 'S' THEN 'ALTER SEQUENCE %%I.%%I OWNER TO %%I'
                             WHEN 'v' THEN 'ALTER VIEW %%I.%%I OWNER TO %%I'
                             WHEN 'm' THEN 'ALTER MATERIALIZED VIEW %%I.%%I OWNER TO %%I'
                             WHEN 'f' THEN 'ALTER FOREIGN TABLE %%I.%%I OWNER TO %%I'
                             ELSE 'ALTER TABLE %%I.%%I OWNER TO %%I' END,
            target, obj.relname, owner_role);
    END LOOP;
    FOR obj IN
        SELECT p.oid::regprocedure::text AS signature FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = target AND pg_get_userbyid(p.proowner) <> owner_role
    LOOP
        EXECUTE format('ALTER ROUTINE %%s OWNER TO %%I', obj.signature, owner_role);
    END LOOP;
    FOR obj IN
        SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = target AND t.typtype IN ('d', 'e', 'r') AND pg_get_userbyid(t.typowner) <> owner_role
    LOOP
        EXECUTE format('ALTER TYPE %%I.%%I OWNER TO %%I', target, obj.typname, owner_role);
    END LOOP;
END
$do$
"""


async def provision(admin_url: str, passwords: Mapping[str, str]) -> dict[str, str]:
    """Give each service in passwords (name -> password) its role and its own schema; migrate the token store and
    let the services' roles call its check. Returns each service's DATABASE_URL (admin_url signing in as it)."""
    pool = await create_pool(admin_url, schema=auth.SCHEMA, max_size=1)
    try:
        await auth.ensure_schema(pool)
        async with pool.acquire() as conn, conn.transaction():
            superuser = await _common(conn)
            for service, password in passwords.items():
                role = service_role(service)
                await _create_role(conn, role, login=True)
                await conn.execute(
                    await conn.fetchval(
                        "SELECT format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L',"
                        " $1::text, $2::text)",
                        role,
                        password,
                    )
                )
                await conn.execute(f"GRANT {SERVICES_GROUP} TO {role}")
                if not superuser:  # an admin that is no super user acts as a service's owner through membership
                    await conn.execute(f"GRANT {role} TO CURRENT_USER")
                await _own(conn, service, role)
    finally:
        await pool.close()
    return {service: url_as(admin_url, service_role(service), password) for service, password in passwords.items()}


async def reown(admin_url: str, services: Iterable[str]) -> list[str]:
    """Hand each service's schema back to its role, where the role exists (after `thidua restore`, which restores
    as the admin, without owners or grants); the grants on the token check again. Returns the services handed."""
    pool = await create_pool(admin_url, schema=auth.SCHEMA, max_size=1)
    handed: list[str] = []
    try:
        await auth.ensure_schema(pool)
        async with pool.acquire() as conn, conn.transaction():
            await _common(conn)
            for service in services:
                role = service_role(service)
                if await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role) is not None:
                    await _own(conn, service, role)
                    handed.append(service)
    finally:
        await pool.close()
    return handed


async def _common(conn: asyncpg.Connection) -> bool:
    """The services' group role and what it may do beyond the schemas; True when this admin is a super user."""
    # Roles are the cluster's, shared by its databases: two provisioning runs take turns.
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('thidua.db_roles'))")
    await _create_role(conn, SERVICES_GROUP, login=False)
    await conn.execute(f'REVOKE ALL ON SCHEMA "{auth.SCHEMA}" FROM PUBLIC')
    await conn.execute(f'GRANT USAGE ON SCHEMA "{auth.SCHEMA}" TO {SERVICES_GROUP}')
    await conn.execute(f'REVOKE ALL ON FUNCTION "{auth.SCHEMA}".principal_of(text) FROM PUBLIC')
    await conn.execute(f'GRANT EXECUTE ON FUNCTION "{auth.SCHEMA}".principal_of(text) TO {SERVICES_GROUP}')
    for function in IDENTITY_FUNCTIONS:  # provider sign-ins: the live identity rules, the sign-in record
        await conn.execute(f'REVOKE ALL ON FUNCTION "{auth.SCHEMA}".{function} FROM PUBLIC')
        await conn.execute(f'GRANT EXECUTE ON FUNCTION "{auth.SCHEMA}".{function} TO {SERVICES_GROUP}')
    # No role but the admin creates schemas or temporary tables; the public schema holds nothing of ours.
    await conn.execute(
        "DO $$ BEGIN EXECUTE format('REVOKE CREATE, TEMPORARY ON DATABASE %I FROM PUBLIC', current_database()); END $$"
    )
    await conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    return bool(await conn.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))


async def _own(conn: asyncpg.Connection, service: str, role: str) -> None:
    """service's schema, made or handed over to role with everything in it; nobody else may use it."""
    if await conn.fetchval("SELECT 1 FROM pg_namespace WHERE nspname = $1", service) is None:
        await conn.execute(f'CREATE SCHEMA "{service}" AUTHORIZATION {role}')
    else:
        await conn.execute(await conn.fetchval("SELECT format($1, $2::text, $3::text)", _HAND_OVER, service, role))
    await conn.execute(f'REVOKE ALL ON SCHEMA "{service}" FROM PUBLIC')


async def _create_role(conn: asyncpg.Connection, role: str, *, login: bool) -> None:
    if await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role) is None:
        await conn.execute(f"CREATE ROLE {role} {'LOGIN' if login else 'NOLOGIN'}")
