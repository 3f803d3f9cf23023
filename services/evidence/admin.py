"""Operator tasks of the evidence service: register sources and issue tokens."""

from __future__ import annotations

from pathlib import Path

from services.evidence.adapters import postgres as pg
from services.evidence.domain.tokens import new_token, token_hash
from thidua.runtime.db import create_pool, migrate

MIGRATIONS = Path(__file__).parent / "migrations"


async def add_source(database_url: str, *, name: str, units: list[str]) -> str:
    """Register source `name` for `units` ('*' for all) and return its new token (shown once)."""
    token = new_token()
    pool = await create_pool(database_url, schema="evidence", max_size=1)
    try:
        await migrate(pool, schema="evidence", directory=MIGRATIONS)
        async with pool.acquire() as conn, conn.transaction():
            await pg.add_source(conn, name=name, units=units, token_hash=token_hash(token))
    finally:
        await pool.close()
    return token


async def add_token(database_url: str, *, role: str, unit_id: str | None, label: str | None) -> str:
    """Issue a unit, council or admin token and return it (shown once)."""
    token = new_token()
    pool = await create_pool(database_url, schema="evidence", max_size=1)
    try:
        await migrate(pool, schema="evidence", directory=MIGRATIONS)
        async with pool.acquire() as conn:
            await pg.add_token(conn, role=role, token_hash=token_hash(token), unit_id=unit_id, label=label)
    finally:
        await pool.close()
    return token
