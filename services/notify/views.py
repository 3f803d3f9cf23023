"""The read side of notify: the SQL behind the API's inbox, channels and delivery listings."""

import json
from collections.abc import Mapping
from typing import Any

import asyncpg

from services.notify.adapters.postgres import CHANNEL_COLUMNS, NOTIFICATION_COLUMNS, OWN_COLUMNS

DELIVERY_COLUMNS = (
    "d.id, d.notification_id, d.unit_id, d.channel, d.target, d.status, d.attempts,"
    " d.next_attempt_at, d.last_error, d.created_at, d.sent_at, d.parked_at"
)


def notification_json(r: asyncpg.Record) -> dict[str, Any]:
    """An inbox row as the API shows it."""
    return {
        "id": r["id"],
        "unit_id": r["unit_id"],
        "kind": r["kind"],
        "priority": r["priority"],
        "condition_key": r["condition_key"],
        "title": r["title"],
        "body": r["body"],
        "link": r["link"],
        "data": json.loads(r["data"]),
        "created_at": r["created_at"].isoformat(),
        "read": r["read_at"] is not None,
        "read_at": r["read_at"].isoformat() if r["read_at"] else None,
    }


async def inbox(
    conn: asyncpg.Connection, unit_id: str, *, unread: bool, limit: int, before: int | None
) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            f"SELECT {NOTIFICATION_COLUMNS} FROM notifications WHERE unit_id = $1"
            " AND ($2::bool IS FALSE OR read_at IS NULL) AND ($4::bigint IS NULL OR id < $4) ORDER BY id DESC LIMIT $3",
            unit_id,
            unread,
            limit,
            before,
        )
    )


async def unread_count(conn: asyncpg.Connection, unit_id: str) -> int:
    return int(
        await conn.fetchval("SELECT count(*) FROM notifications WHERE unit_id = $1 AND read_at IS NULL", unit_id)
    )


async def notification(conn: asyncpg.Connection, notification_id: int) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {NOTIFICATION_COLUMNS} FROM notifications WHERE id = $1", notification_id)


async def channels(conn: asyncpg.Connection, unit_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {CHANNEL_COLUMNS} FROM channels WHERE unit_id = $1", unit_id)


def addresses(row: Mapping[str, Any] | None) -> dict[str, str]:
    """A channels row's addresses by channel name (only the channels that have one)."""
    if row is None:
        return {}
    found = {name: row[column] for name, column in OWN_COLUMNS.items() if row[column] is not None}
    return {**found, **json.loads(row["addresses"] or "{}")}


async def deliveries(
    conn: asyncpg.Connection, *, status: str | None, unit_id: str | None, limit: int
) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            f"SELECT {DELIVERY_COLUMNS}, n.title FROM deliveries d JOIN notifications n ON n.id = d.notification_id"
            " WHERE ($1::text IS NULL OR d.status = $1) AND ($2::text IS NULL OR d.unit_id = $2)"
            " ORDER BY d.id DESC LIMIT $3",
            status,
            unit_id,
            limit,
        )
    )
