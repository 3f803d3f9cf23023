"""The write side of notify in PostgreSQL: conditions, notifications, channels, keys and delivery claims."""

import json
from collections.abc import Mapping, Sequence
from datetime import datetime

import asyncpg

from services.notify.domain.rules import Candidate

NOTIFICATION_COLUMNS = (
    "id, unit_id, condition_key, occurrence, kind, priority, title, body, link, data::text AS data, created_at, read_at"
)


async def upsert_units(conn: asyncpg.Connection, rows: Sequence[tuple[str, str | None, str | None]]) -> None:
    """Keep the latest name and parent of each registered unit."""
    latest = {unit_id: (unit_id, name, parent) for unit_id, name, parent in rows}
    await conn.executemany(
        "INSERT INTO units (unit_id, name, parent_id) VALUES ($1, $2, $3) ON CONFLICT (unit_id)"
        " DO UPDATE SET name = EXCLUDED.name, parent_id = EXCLUDED.parent_id, updated_at = now()",
        list(latest.values()),
    )


async def unit(conn: asyncpg.Connection, unit_id: str) -> asyncpg.Record | None:
    """Name and parent of a unit, if registered."""
    return await conn.fetchrow("SELECT unit_id, name, parent_id FROM units WHERE unit_id = $1", unit_id)


async def insert_notification(
    conn: asyncpg.Connection, c: Candidate, occurrence: int, *, kind: str | None = None, priority: str | None = None
) -> int | None:
    """The inbox row; None when this occurrence is already there."""
    m = c.message
    return await conn.fetchval(
        "INSERT INTO notifications (unit_id, condition_key, occurrence, kind, priority, title, body, link, data)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb) ON CONFLICT DO NOTHING RETURNING id",
        c.unit_id,
        c.condition_key,
        occurrence,
        kind or c.kind,
        priority or c.priority,
        m.title,
        m.body,
        m.link,
        json.dumps(dict(m.data), ensure_ascii=False, default=str),
    )


async def insert_digest_item(conn: asyncpg.Connection, c: Candidate, occurrence: int) -> None:
    m = c.message
    await conn.execute(
        "INSERT INTO digest_items (unit_id, condition_key, occurrence, kind, title, body, link)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        c.unit_id,
        c.condition_key,
        occurrence,
        c.kind,
        m.title,
        m.body,
        m.link,
    )


async def add_deliveries(conn: asyncpg.Connection, notification_id: int, unit_id: str) -> int:
    """Queue the push deliveries the unit's channel preferences ask for; return how many."""
    rows = await conn.fetch(
        "INSERT INTO deliveries (notification_id, unit_id, channel, target)"
        " SELECT $1, $2, ch.channel, ch.target FROM channels c,"
        " LATERAL (VALUES ('webhook', c.webhook_url), ('email', c.email)"
        " UNION ALL SELECT key, value FROM jsonb_each_text(c.addresses)) AS ch (channel, target)"
        " WHERE c.unit_id = $2 AND ch.target IS NOT NULL ON CONFLICT DO NOTHING RETURNING id",
        notification_id,
        unit_id,
    )
    return len(rows)


async def mark_read(conn: asyncpg.Connection, notification_id: int) -> asyncpg.Record:
    """Set read_at once (a second call keeps the first time)."""
    return await conn.fetchrow(
        f"UPDATE notifications SET read_at = coalesce(read_at, now()) WHERE id = $1 RETURNING {NOTIFICATION_COLUMNS}",
        notification_id,
    )


CHANNEL_COLUMNS = "unit_id, webhook_url, webhook_secret, webhook_secret_sealed, email, addresses::text, updated_at"
# The channels that came first keep their own columns; every later one is a key of `addresses` (migration 004).
OWN_COLUMNS = {"webhook": "webhook_url", "email": "email"}


async def put_channels(
    conn: asyncpg.Connection, unit_id: str, *, addresses: Mapping[str, str], sealed_secret: str | None
) -> asyncpg.Record:
    """Store a unit's addresses by channel name (an absent channel is off) with the webhook secret sealed
    (adapters/sealing.py); no plain copy is kept."""
    others = {name: address for name, address in addresses.items() if name not in OWN_COLUMNS}
    return await conn.fetchrow(
        "INSERT INTO channels (unit_id, webhook_url, webhook_secret, webhook_secret_sealed, email, addresses)"
        " VALUES ($1, $2, NULL, $3, $4, $5::jsonb) ON CONFLICT (unit_id) DO UPDATE SET"
        " webhook_url = EXCLUDED.webhook_url, webhook_secret = NULL,"
        " webhook_secret_sealed = EXCLUDED.webhook_secret_sealed, email = EXCLUDED.email,"
        f" addresses = EXCLUDED.addresses, updated_at = now() RETURNING {CHANNEL_COLUMNS}",
        unit_id,
        addresses.get("webhook"),
        sealed_secret,
        addresses.get("email"),
        json.dumps(others, ensure_ascii=False),
    )


async def held_key(conn: asyncpg.Connection, name: str) -> str | None:
    """The encryption key kept in notify.keys under name, if any."""
    return await conn.fetchval("SELECT key FROM keys WHERE name = $1", name)


async def hold_key(conn: asyncpg.Connection, name: str, key: str) -> str:
    """Keep key under name unless one is there already (another instance started first); return the kept one."""
    await conn.execute("INSERT INTO keys (name, key) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING", name, key)
    return str(await conn.fetchval("SELECT key FROM keys WHERE name = $1", name))


async def stored_secrets(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """Every channels row with a webhook secret (plain or sealed), locked for re-sealing."""
    return list(
        await conn.fetch(
            "SELECT unit_id, webhook_secret, webhook_secret_sealed FROM channels WHERE webhook_secret IS NOT NULL"
            " OR webhook_secret_sealed IS NOT NULL ORDER BY unit_id FOR UPDATE"
        )
    )


async def store_sealed(conn: asyncpg.Connection, unit_id: str, sealed: str) -> None:
    """Replace a unit's secret by its sealed form (the plain column is cleared; updated_at is kept)."""
    await conn.execute(
        "UPDATE channels SET webhook_secret = NULL, webhook_secret_sealed = $2 WHERE unit_id = $1", unit_id, sealed
    )


async def claim_due(
    conn: asyncpg.Connection, *, now: datetime, lease_until: datetime, limit: int
) -> list[asyncpg.Record]:
    """Take due pending deliveries for one attempt: pushing next_attempt_at to the lease end hides them."""
    return list(
        await conn.fetch(
            "WITH due AS (SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= $1"
            " ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)"
            " UPDATE deliveries d SET next_attempt_at = $2 FROM due, notifications n, channels c"
            " WHERE d.id = due.id AND n.id = d.notification_id AND c.unit_id = d.unit_id"
            " RETURNING d.id, d.notification_id, d.unit_id, d.channel, d.target, d.attempts, c.webhook_secret,"
            " c.webhook_secret_sealed,"
            " n.kind, n.priority, n.condition_key, n.title, n.body, n.link, n.data::text AS data, n.created_at",
            now,
            lease_until,
            limit,
        )
    )


async def delivery_sent(conn: asyncpg.Connection, delivery_id: int, *, now: datetime) -> None:
    await conn.execute(
        "UPDATE deliveries SET status = 'sent', attempts = attempts + 1, sent_at = $2,"
        " last_error = NULL WHERE id = $1 AND status = 'pending'",
        delivery_id,
        now,
    )


async def delivery_failed(
    conn: asyncpg.Connection, delivery_id: int, *, error: str, retry_at: datetime | None, now: datetime
) -> None:
    """Count a failed attempt: retry at retry_at, or park (retry_at None) with the reason."""
    await conn.execute(
        "UPDATE deliveries SET attempts = attempts + 1, last_error = $2,"
        " status = CASE WHEN $3::timestamptz IS NULL THEN 'parked' ELSE 'pending' END,"
        " next_attempt_at = coalesce($3, next_attempt_at), parked_at = CASE WHEN $3::timestamptz IS NULL"
        " THEN $4::timestamptz END WHERE id = $1 AND status = 'pending'",
        delivery_id,
        error[:1000],
        retry_at,
        now,
    )


async def retry_parked(conn: asyncpg.Connection, delivery_id: int) -> asyncpg.Record | None:
    """An operator sends a parked delivery again: attempts start over."""
    return await conn.fetchrow(
        "UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = now(), parked_at = NULL"
        " WHERE id = $1 AND status = 'parked' RETURNING id",
        delivery_id,
    )


async def digest_units(conn: asyncpg.Connection, *, until: datetime, digest_key: str) -> list[str]:
    """Units with low-priority items waiting since before until and no digest under digest_key yet."""
    rows = await conn.fetch(
        "SELECT DISTINCT unit_id FROM digest_items d WHERE digest_id IS NULL AND created_at <= $1 AND NOT EXISTS"
        " (SELECT 1 FROM notifications n WHERE n.unit_id = d.unit_id AND n.condition_key = $2) ORDER BY unit_id",
        until,
        digest_key,
    )
    return [r["unit_id"] for r in rows]


async def lock_digest_items(conn: asyncpg.Connection, unit_id: str, *, until: datetime) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            "SELECT id, kind, title, link FROM digest_items WHERE unit_id = $1 AND digest_id IS NULL"
            " AND created_at <= $2 ORDER BY created_at, id FOR UPDATE",
            unit_id,
            until,
        )
    )


async def attach_digest(conn: asyncpg.Connection, item_ids: Sequence[int], digest_id: int) -> None:
    await conn.execute("UPDATE digest_items SET digest_id = $2 WHERE id = ANY($1::bigint[])", list(item_ids), digest_id)
