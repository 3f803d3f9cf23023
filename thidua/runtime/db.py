"""PostgreSQL pool and plain-SQL migrations applied in order and recorded in a table."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg

from thidua.runtime.metrics import DB_QUERY

log = logging.getLogger(__name__)
_STATEMENTS = frozenset({"select", "insert", "update", "delete", "with", "begin", "commit", "rollback", "copy"})


def statement_kind(query: str) -> str:
    """The first keyword of a statement, lower case, from a small fixed set (else "other"): a bounded label."""
    head = query.lstrip(" \t\r\n(").split(None, 1)
    word = head[0].lower() if head else ""
    return word if word in _STATEMENTS else "other"


def query_timer(service: str) -> Callable[[Any], None]:
    """An asyncpg query logger observing thidua_db_query_seconds{service, statement} (called after each query)."""
    children: dict[str, Any] = {}

    def observe(logged: Any) -> None:
        kind = statement_kind(logged.query or "")
        child = children.get(kind)
        if child is None:
            child = children[kind] = DB_QUERY.labels(service, kind)
        child.observe(logged.elapsed)

    return observe


async def create_pool(url: str, *, schema: str, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """A pool whose connections see the service's own schema first and time their statements."""
    timer = query_timer(schema)

    async def init(conn: asyncpg.Connection) -> None:
        conn.add_query_logger(timer)

    pool = await asyncpg.create_pool(
        url,
        min_size=min_size,
        max_size=max_size,
        init=init,
        server_settings={"search_path": f"{schema},public", "application_name": f"thidua-{schema}"},
    )
    assert pool is not None
    return pool


async def migrate(pool: asyncpg.Pool, *, schema: str, directory: Path) -> list[str]:
    """Apply the *.sql files of directory not yet recorded, in name order; return those applied.

    An advisory lock serialises replicas starting together; a changed, already-applied file is an
    error rather than a silent divergence.
    """
    files = sorted(directory.glob("*.sql"))
    applied: list[str] = []
    async with pool.acquire() as conn:
        lock_key = int.from_bytes(hashlib.sha256(schema.encode()).digest()[:8], "big", signed=True)
        await conn.execute("SELECT pg_advisory_lock($1)", lock_key)
        try:
            owner = await schema_owner(conn, schema)
            if owner is None:
                await conn.execute(f'CREATE SCHEMA "{schema}"')
            elif owner != await conn.fetchval("SELECT current_user"):
                if not await conn.fetchval("SELECT pg_has_role(current_user, $1, 'MEMBER')", owner):
                    raise RuntimeError(
                        f"schema {schema} belongs to role {owner}: run its migrations as that role or as the database's"
                        " admin (`thidua db provision` hands each service its own schema)"
                    )
                # An operator (the admin) migrating a service's schema acts as its owner: what it creates stays the
                # service's, which has no rights on anything its owner does not own (thidua/runtime/db_roles.py).
                await conn.execute(f'SET ROLE "{owner}"')
            await conn.execute(
                f'CREATE TABLE IF NOT EXISTS "{schema}".schema_migrations ('
                " name text PRIMARY KEY, checksum text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {
                r["name"]: r["checksum"]
                for r in await conn.fetch(f'SELECT name, checksum FROM "{schema}".schema_migrations')
            }
            for file in files:
                sql = file.read_text(encoding="utf-8")
                checksum = hashlib.sha256(sql.encode()).hexdigest()
                if file.name in done:
                    if done[file.name] != checksum:
                        raise RuntimeError(f"migration {schema}/{file.name} changed after it was applied")
                    continue
                async with conn.transaction():
                    await conn.execute(f'SET LOCAL search_path TO "{schema}", public')
                    await conn.execute(sql)
                    await conn.execute(
                        f'INSERT INTO "{schema}".schema_migrations (name, checksum) VALUES ($1, $2)',
                        file.name,
                        checksum,
                    )
                applied.append(file.name)
                log.info("applied migration %s/%s", schema, file.name)
        finally:
            await conn.execute("RESET ROLE")
            await conn.execute("SELECT pg_advisory_unlock($1)", lock_key)
    return applied


async def schema_owner(conn: asyncpg.Connection, schema: str) -> str | None:
    """The role that owns schema, or None when there is no such schema."""
    owner: str | None = await conn.fetchval(
        "SELECT r.rolname FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner WHERE n.nspname = $1", schema
    )
    return owner


async def may_migrate(conn: asyncpg.Connection, schema: str) -> bool:
    """True when this connection's role may apply schema's migrations: it may act as the schema's owner, or create
    the schema when there is none (a super user may do both; a service role only for its own schema)."""
    owner = await schema_owner(conn, schema)
    if owner is None:
        return bool(await conn.fetchval("SELECT has_database_privilege(current_database(), 'CREATE')"))
    return bool(await conn.fetchval("SELECT pg_has_role(current_user, $1, 'MEMBER')", owner))


SHARED = Path(__file__).parent / "shared_migrations"


async def prepare_schema(pool: asyncpg.Pool, *, schema: str, directory: Path) -> list[str]:
    """A service's own migrations, then the tables every service shares the shape of (the outbox)."""
    return [
        *await migrate(pool, schema=schema, directory=directory),
        *await migrate(pool, schema=schema, directory=SHARED),
    ]
