"""Evidence's writes (and the reads the write path needs): sources, ledger, rejections."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.evidence.domain.principal import SourceScope


async def load_scopes(conn: asyncpg.Connection) -> dict[str, SourceScope]:
    """Every registered source with its units (a few dozen rows: one query per batch)."""
    rows = await conn.fetch("SELECT name, units FROM sources")
    return {r["name"]: SourceScope(r["name"], frozenset(r["units"])) for r in rows}


async def add_source(conn: asyncpg.Connection, *, name: str, units: Sequence[str]) -> None:
    """Register a source, or replace the units it may submit for."""
    await conn.execute(
        "INSERT INTO sources (name, units) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET units = EXCLUDED.units",
        name,
        list(units),
    )


async def existing_events(conn: asyncpg.Connection, keys: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which (source, event_id) pairs are already in the ledger."""
    pairs = list(keys)
    if not pairs:
        return set()
    rows = await conn.fetch(
        "SELECT l.source, l.event_id FROM ledger l"
        " JOIN unnest($1::text[], $2::text[]) AS k(source, event_id) USING (source, event_id)",
        [p[0] for p in pairs],
        [p[1] for p in pairs],
    )
    return {(r["source"], r["event_id"]) for r in rows}


@dataclass(frozen=True)
class LedgerRow:
    """An accepted event as the ledger stores it."""

    source: str
    event_id: str
    type: str
    unit_id: str
    officer_id: str | None
    occurred_at: datetime
    envelope: str  # canonical JSON


async def append(
    conn: asyncpg.Connection, rows: Sequence[LedgerRow], *, channel: str, accepted_at: datetime
) -> dict[tuple[str, str], int]:
    """Insert the new events in one statement; return {(source, event_id): seq} of those inserted.

    Rows whose key exists already are left alone (ON CONFLICT DO NOTHING): they are duplicates.
    """
    if not rows:
        return {}
    inserted = await conn.fetch(
        "INSERT INTO ledger (source, event_id, type, unit_id, officer_id, occurred_at, envelope, channel,"
        " accepted_at)"
        " SELECT s, e, t, u, o, oc, env::jsonb, $8, $9 FROM unnest($1::text[], $2::text[], $3::text[],"
        " $4::text[], $5::text[], $6::timestamptz[], $7::text[]) WITH ORDINALITY AS x(s, e, t, u, o, oc, env, n)"
        " ORDER BY n"
        " ON CONFLICT (source, event_id) DO NOTHING RETURNING source, event_id, seq",
        [r.source for r in rows],
        [r.event_id for r in rows],
        [r.type for r in rows],
        [r.unit_id for r in rows],
        [r.officer_id for r in rows],
        [r.occurred_at for r in rows],
        [r.envelope for r in rows],
        channel,
        accepted_at,
    )
    return {(r["source"], r["event_id"]): r["seq"] for r in inserted}


@dataclass(frozen=True)
class RejectionRow:
    """A refused item with its reasons and original bytes."""

    source: str | None
    event_id: str | None
    unit_id: str | None
    reasons: list[dict[str, str]]
    original: bytes
    position: tuple[str, int, int] | None = None  # Kafka topic, partition, offset


async def record_rejections(
    conn: asyncpg.Connection, rows: Sequence[RejectionRow], *, channel: str, rejected_at: datetime
) -> list[int]:
    """Store refusals; a Kafka record refused before (same position) is not stored again.

    Returns the indexes (into rows) of the refusals that are new.
    """
    if not rows:
        return []
    inserted = await conn.fetch(
        "INSERT INTO rejections (source, event_id, unit_id, reasons, original, kafka_topic, kafka_partition,"
        " kafka_offset, channel, rejected_at)"
        " SELECT s, e, u, r::jsonb, o, kt, kp, ko, $9, $10 FROM unnest($1::text[], $2::text[], $3::text[],"
        " $4::text[], $5::bytea[], $6::text[], $7::int[], $8::bigint[]) AS x(s, e, u, r, o, kt, kp, ko)"
        " ON CONFLICT (kafka_topic, kafka_partition, kafka_offset) DO NOTHING"
        " RETURNING kafka_topic, kafka_partition, kafka_offset",
        [r.source for r in rows],
        [r.event_id for r in rows],
        [r.unit_id for r in rows],
        [json.dumps(r.reasons, ensure_ascii=False) for r in rows],
        [r.original for r in rows],
        [r.position[0] if r.position else None for r in rows],
        [r.position[1] if r.position else None for r in rows],
        [r.position[2] if r.position else None for r in rows],
        channel,
        rejected_at,
    )
    new = {(r["kafka_topic"], r["kafka_partition"], r["kafka_offset"]) for r in inserted}
    # HTTP refusals have no position and never conflict; Kafka ones are new unless seen before.
    return [i for i, r in enumerate(rows) if r.position is None or r.position in new]
