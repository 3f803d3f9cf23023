"""PostgreSQL pool and plain-SQL migrations applied in order and recorded in a table."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import asyncpg

log = logging.getLogger(__name__)


async def create_pool(url: str, *, schema: str, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """A pool whose connections see the service's own schema first."""
    pool = await asyncpg.create_pool(
        url,
        min_size=min_size,
        max_size=max_size,
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
            await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
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
            await conn.execute("SELECT pg_advisory_unlock($1)", lock_key)
    return applied


SHARED = Path(__file__).parent / "shared_migrations"


async def prepare_schema(pool: asyncpg.Pool, *, schema: str, directory: Path) -> list[str]:
    """A service's own migrations, then the tables every service shares the shape of (the outbox)."""
    return [
        *await migrate(pool, schema=schema, directory=directory),
        *await migrate(pool, schema=schema, directory=SHARED),
    ]
