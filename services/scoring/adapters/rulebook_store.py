"""Rulebook versions and the locks that keep writers under the rules in force."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import asyncpg


async def active_rulebook(conn: asyncpg.Connection) -> tuple[str, dict[str, Any]] | None:
    row = await conn.fetchrow(
        "SELECT version, content::text AS content FROM rulebooks WHERE activated_at IS NOT NULL"
        " ORDER BY activated_at DESC, version DESC LIMIT 1"
    )
    return (row["version"], json.loads(row["content"])) if row else None


async def store_rulebook(conn: asyncpg.Connection, version: str, content: Mapping[str, Any], *, activate: bool) -> None:
    """Store a rulebook version (its content never changes once stored) and optionally activate it."""
    await conn.execute(
        "INSERT INTO rulebooks (version, content) VALUES ($1, $2::jsonb) ON CONFLICT (version) DO NOTHING",
        version,
        json.dumps(dict(content), ensure_ascii=False),
    )
    if activate:
        await conn.execute("UPDATE rulebooks SET activated_at = clock_timestamp() WHERE version = $1", version)


async def lock_for_rebuild(conn: asyncpg.Connection) -> None:
    """Writers (the consumer, the clock) wait until the transaction ends; readers go on. The rulebook first:
    writers hold it from the start of their transactions (hold_rulebook), so nothing else is held while waiting."""
    await conn.execute(
        "LOCK TABLE rulebooks, cases, counters, facts, unit_scores, officer_scores, standings"
        " IN SHARE ROW EXCLUSIVE MODE"
    )


async def hold_rulebook(conn: asyncpg.Connection) -> None:
    """Keep the active rulebook for this transaction: a rebuild's switch waits for it to end, and a transaction
    that starts during the switch waits for the switch, then reads the new rules (never writes under old ones)."""
    await conn.execute("LOCK TABLE rulebooks IN SHARE MODE")
