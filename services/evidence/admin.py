"""Operator tasks: register sources and issue tokens (the tokens live in the shared auth schema)."""

from __future__ import annotations

from pathlib import Path

from services.evidence.adapters import postgres as pg
from thidua.runtime import auth
from thidua.runtime.db import create_pool, prepare_schema

MIGRATIONS = Path(__file__).parent / "migrations"


async def add_source(database_url: str, *, name: str, units: list[str]) -> str:
    """Register source `name` for `units` ('*' for all) and return its new token (shown once)."""
    token = auth.new_token()
    pool = await create_pool(database_url, schema="evidence", max_size=1)
    try:
        await prepare_schema(pool, schema="evidence", directory=MIGRATIONS)
        await auth.ensure_schema(pool)
        async with pool.acquire() as conn, conn.transaction():
            await pg.add_source(conn, name=name, units=units)
            await auth.store_token(conn, token, role="source", source=name, label=name)
    finally:
        await pool.close()
    return token


async def add_token(database_url: str, *, role: auth.Role, unit_id: str | None, label: str | None) -> str:
    """Issue a unit, council or admin token and return it (shown once)."""
    token = auth.new_token()
    pool = await create_pool(database_url, schema="evidence", max_size=1)
    try:
        await auth.ensure_schema(pool)
        async with pool.acquire() as conn:
            await auth.store_token(conn, token, role=role, unit_id=unit_id, label=label)
    finally:
        await pool.close()
    return token
