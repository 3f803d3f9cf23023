"""Evidence's writes (and the reads the write path needs): sources, ledger, rejections."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime

import asyncpg

from schemas import topics
from services.evidence.domain.officers import Home, HomeChange, is_transfer
from services.evidence.domain.principal import SourceScope
from services.evidence.store import LedgerRow, RejectionRow


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


async def append(
    conn: asyncpg.Connection, rows: Sequence[LedgerRow], *, channel: str, accepted_at: datetime
) -> dict[tuple[str, str], int]:
    """Insert the new events and queue them in the outbox, in one statement; {(source, event_id): seq} of those added.

    Rows whose key exists already are left alone (ON CONFLICT DO NOTHING): they are duplicates, and queue nothing.
    The outbox rows are store.accepted_message's, built here from the envelopes sent once (not a second array).
    """
    if not rows:
        return {}
    inserted = await conn.fetch(
        "WITH x AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],"
        " $6::timestamptz[], $7::text[]) WITH ORDINALITY AS x(s, e, t, u, o, oc, env, n)),"
        " added AS (INSERT INTO ledger (source, event_id, type, unit_id, officer_id, occurred_at, envelope, channel,"
        " accepted_at) SELECT s, e, t, u, o, oc, env::jsonb, $8, $9 FROM x ORDER BY n"
        " ON CONFLICT (source, event_id) DO NOTHING RETURNING source, event_id, seq),"
        " queued AS (INSERT INTO outbox (topic, key, value, headers)"
        " SELECT $10, x.u, convert_to(x.env, 'UTF8'),"
        " jsonb_build_object('ledger_seq', added.seq::text, 'accepted_at', $11::text, 'type', x.t)"
        " FROM added JOIN x ON x.s = added.source AND x.e = added.event_id ORDER BY added.seq)"
        " SELECT source, event_id, seq FROM added",
        [r.source for r in rows],
        [r.event_id for r in rows],
        [r.type for r in rows],
        [r.unit_id for r in rows],
        [r.officer_id for r in rows],
        [r.occurred_at for r in rows],
        [r.envelope for r in rows],
        channel,
        accepted_at,
        topics.EVIDENCE_ACCEPTED,
        accepted_at.isoformat(),
    )
    return {(r["source"], r["event_id"]): r["seq"] for r in inserted}


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


async def lock_officers(conn: asyncpg.Connection, officers: Iterable[str]) -> None:
    """Serialise registrations of the same officers until the transaction ends (in one order: no deadlock)."""
    ids = sorted(set(officers))
    if ids:
        await conn.execute(
            "SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtextextended('evidence.officer:' || o, 0) AS k"
            " FROM unnest($1::text[]) AS o ORDER BY k) AS keys",
            ids,
        )


async def officer_homes(conn: asyncpg.Connection, officers: Iterable[str]) -> dict[str, Home]:
    """The home unit of each registered officer among officers."""
    ids = sorted(set(officers))
    if not ids:
        return {}
    rows = await conn.fetch(
        "SELECT officer_id, unit_id, registered_at FROM officers WHERE officer_id = ANY($1::text[])", ids
    )
    return {r["officer_id"]: Home(r["unit_id"], r["registered_at"]) for r in rows}


async def save_homes(
    conn: asyncpg.Connection, changes: Sequence[tuple[str, HomeChange]], *, recorded_at: datetime
) -> None:
    """Store first registrations, restatements and transfers (source, change), decided in order: the last wins."""
    if not changes:
        return
    last = {c.officer_id: (source, c) for source, c in changes}
    rows = sorted(last.values(), key=lambda sc: sc[1].officer_id)
    await conn.execute(
        "INSERT INTO officers (officer_id, unit_id, registered_at, event)"
        " SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[])"
        " ON CONFLICT (officer_id) DO UPDATE SET unit_id = EXCLUDED.unit_id,"
        " registered_at = EXCLUDED.registered_at, event = EXCLUDED.event",
        [c.officer_id for _, c in rows],
        [c.unit_id for _, c in rows],
        [c.at for _, c in rows],
        [f"{source}:{c.event_id}" for source, c in rows],
    )
    moves = [(source, c) for source, c in changes if is_transfer(c)]
    if moves:
        await conn.execute(
            "INSERT INTO officer_transfers (officer_id, from_unit, to_unit, at, event, recorded_at)"
            " SELECT o, f, t, a, e, $6 FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[],"
            " $5::text[]) WITH ORDINALITY AS x(o, f, t, a, e, n) ORDER BY n ON CONFLICT (event) DO NOTHING",
            [c.officer_id for _, c in moves],
            [c.previous for _, c in moves],
            [c.unit_id for _, c in moves],
            [c.at for _, c in moves],
            [f"{source}:{c.event_id}" for source, c in moves],
            recorded_at,
        )
