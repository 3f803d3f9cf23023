"""Operator tasks: register sources (HTTP token and Kafka user) and issue tokens (in the shared auth schema)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from services.evidence.adapters import postgres as pg
from thidua.runtime import auth, kafka_acl
from thidua.runtime.db import create_pool, prepare_schema
from thidua.runtime.kafka_access import KafkaAccess

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


@dataclass(frozen=True)
class SourceCredentials:
    """What a newly registered source is given, once: its HTTP token and its Kafka user, password and topic."""

    token: str
    topic: str
    kafka_user: str | None
    kafka_password: str | None


async def register_source(database_url: str, kafka: KafkaAccess, *, name: str, units: list[str]
                          ) -> SourceCredentials:
    """Register source `name` for `units` with an HTTP token and, on a SASL cluster, a Kafka user allowed to write
    its own topic evidence.inbound.v1.<name> only (kafka is an admin's access). Running it again for the same
    source gives a new token (the old one stays valid until revoked) and a new Kafka password (the old one stops
    working at once)."""
    password = kafka_acl.new_password()
    # Kafka first: if the broker refuses, nothing is registered and the operator simply runs it again.
    topic = await asyncio.to_thread(kafka_acl.provision_source, kafka, name, password)
    token = await add_source(database_url, name=name, units=units)
    if not kafka.uses_sasl:
        return SourceCredentials(token, topic, None, None)
    return SourceCredentials(token, topic, kafka_acl.source_user(name), password)


async def add_token(database_url: str, *, role: auth.Role, unit_id: str | None, label: str | None,
                    expires_days: float | None = None) -> str:
    """Issue a unit, council or admin token and return it (shown once)."""
    return (await issue_token(database_url, role=role, unit_id=unit_id, label=label, expires_days=expires_days))[1]


async def issue_token(database_url: str, *, role: auth.Role, unit_id: str | None, label: str | None,
                      expires_days: float | None = None) -> tuple[int, str]:
    """Issue a unit, council or admin token, valid for expires_days if given; return (its number, the token)."""
    token = auth.new_token()
    expires_at = datetime.now(UTC) + timedelta(days=expires_days) if expires_days is not None else None
    async with _auth(database_url) as conn:
        token_id = await auth.store_token(conn, token, role=role, unit_id=unit_id, label=label, expires_at=expires_at)
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
    pool = await create_pool(database_url, schema="evidence", max_size=1)
    try:
        await auth.ensure_schema(pool)
        async with pool.acquire() as conn:
            yield conn
    finally:
        await pool.close()
