"""Token administration for operators: issue, list, revoke and rotate bearer tokens in the shared auth schema."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from thidua.runtime import auth
from thidua.runtime.db import create_pool


async def add_token(
    database_url: str,
    *,
    role: auth.Role,
    unit_id: str | None,
    label: str | None,
    expires_days: float | None = None,
    officer_id: str | None = None,
) -> str:
    """Issue a unit, officer, council or admin token and return it (shown once)."""
    return (
        await issue_token(
            database_url, role=role, unit_id=unit_id, label=label, expires_days=expires_days, officer_id=officer_id
        )
    )[1]


async def issue_token(
    database_url: str,
    *,
    role: auth.Role,
    unit_id: str | None,
    label: str | None,
    expires_days: float | None = None,
    officer_id: str | None = None,
) -> tuple[int, str]:
    """Issue a unit, officer, council or admin token, valid for expires_days if given; return (number, token)."""
    token = auth.new_token()
    expires_at = datetime.now(UTC) + timedelta(days=expires_days) if expires_days is not None else None
    async with _auth(database_url) as conn:
        token_id = await auth.store_token(
            conn, token, role=role, unit_id=unit_id, label=label, expires_at=expires_at, officer_id=officer_id
        )
    return token_id, token


async def list_tokens(database_url: str) -> list[dict[str, Any]]:
    """Every token (number, role, unit or source, label, dates, state); never the token itself."""
    async with _auth(database_url) as conn:
        return [dict(r) for r in await auth.list_tokens(conn)]


async def revoke_token(database_url: str, token_id: int) -> dict[str, Any] | None:
    """Revoke token number token_id; its holder gets 401 everywhere from now on. None if there is no such token."""
    async with _auth(database_url) as conn:
        row = await auth.revoke_token(conn, token_id)
    return dict(row) if row else None


async def rotate_token(database_url: str, token_id: int) -> tuple[int, str]:
    """Revoke token_id and issue its replacement (same role, unit or source, label, lifetime): (number, token).

    auth.TokenNotRotatable when it is unknown or already revoked."""
    async with _auth(database_url) as conn:
        return await auth.rotate_token(conn, token_id)


@asynccontextmanager
async def _auth(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """One connection to the token store, its schema migrated first (an operator's command may come first)."""
    # Every statement names auth.tokens, so the pool's own schema is the auth schema: no service's tables.
    pool = await create_pool(database_url, schema=auth.SCHEMA, max_size=1)
    try:
        await auth.ensure_schema(pool)
        async with pool.acquire() as conn:
            yield conn
    finally:
        await pool.close()
