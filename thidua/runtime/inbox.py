"""The consumer inbox shared by the services: a message's key recorded in the transaction of its effects.

Each consuming service has a table `inbox (key text PRIMARY KEY, ...)` in its own schema; what is claimed
here is skipped on redelivery, so effects apply once whatever Kafka delivers twice."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg


async def claim(conn: asyncpg.Connection, keys: Sequence[str]) -> set[str]:
    """Record keys in the inbox (inside the transaction of their effects); return those not seen before."""
    if not keys:
        return set()
    rows = await conn.fetch(
        "INSERT INTO inbox (key) SELECT DISTINCT unnest($1::text[]) ON CONFLICT DO NOTHING RETURNING key", list(keys)
    )
    return {r["key"] for r in rows}
