"""PostgreSQL of the officers' tracking (Decree 335/2025): whose cases, profiles, the queue, a sheet's reads."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import asyncpg

from services.scoring.domain.evidence import OfficerEntry


async def attribute(conn: asyncpg.Connection, rows: Iterable[tuple[str, str, str, str]]) -> None:
    """Remember whose work each case is: (officer_id, kind, unit_id, case_id) rows (a dossier's officer, a
    complaint's handler)."""
    ordered = sorted(set(rows))
    if ordered:
        await conn.execute(
            "INSERT INTO tracking_cases (officer_id, kind, unit_id, case_id) SELECT * FROM unnest($1::text[],"
            " $2::text[], $3::text[], $4::text[]) ON CONFLICT DO NOTHING",
            *([r[i] for r in ordered] for i in range(4)),
        )


async def case_officers(
    conn: asyncpg.Connection, cases: Iterable[tuple[str, str, str]]
) -> dict[tuple[str, str, str], set[str]]:
    """{(kind, unit_id, case_id): the officers whose work the case is}."""
    keys = sorted(set(cases))
    found: dict[tuple[str, str, str], set[str]] = {}
    if not keys:
        return found
    # One index probe per case (OFFSET 0 keeps it a nested loop): a join let the planner hash every attribution.
    rows = await conn.fetch(
        "SELECT x.k AS kind, x.u AS unit_id, x.c AS case_id, t.officer_id FROM unnest($1::text[], $2::text[],"
        " $3::text[]) AS x(k, u, c) CROSS JOIN LATERAL (SELECT officer_id FROM tracking_cases t WHERE t.kind = x.k"
        " AND t.unit_id = x.u AND t.case_id = x.c OFFSET 0) t",
        *([k[i] for k in keys] for i in range(3)),
    )
    for r in rows:
        found.setdefault((r["kind"], r["unit_id"], r["case_id"]), set()).add(r["officer_id"])
    return found


async def save_profiles(conn: asyncpg.Connection, entries: Sequence[OfficerEntry]) -> None:
    """The latest registration's staff kind and peer group."""
    latest: dict[str, OfficerEntry] = {}
    for e in sorted(entries, key=lambda x: x.occurred_at):
        latest[e.officer_id] = e
    rows = sorted(latest.values(), key=lambda e: e.officer_id)
    if rows:
        await conn.execute(
            "INSERT INTO tracking_profiles SELECT * FROM unnest($1::text[], $2::text[], $3::text[],"
            " $4::timestamptz[]) ON CONFLICT (officer_id) DO UPDATE SET staff_kind = EXCLUDED.staff_kind,"
            " peer_group = EXCLUDED.peer_group, occurred_at = EXCLUDED.occurred_at"
            " WHERE tracking_profiles.occurred_at <= EXCLUDED.occurred_at",
            [e.officer_id for e in rows],
            [e.staff_kind for e in rows],
            [e.peer_group for e in rows],
            [e.occurred_at for e in rows],
        )


async def queue(conn: asyncpg.Connection, officers: Iterable[str], now: datetime) -> None:
    """Queue the registered ones among officers for the next tracking pass (a pass rates only officers the directory
    knows; a registration queues its officer, so the work done before it is rated then)."""
    names = sorted({o for o in officers if o})
    if names:
        await conn.execute(
            # Appended, never upserted: an upsert waited for a pass that had taken the officer (migration 014). Only
            # registered officers: a province's unregistered ones would otherwise add a row per batch each.
            "INSERT INTO tracking_dirty SELECT o.officer_id, $2 FROM officers o WHERE o.officer_id = ANY($1::text[])",
            names,
            now,
        )


async def take_queued(conn: asyncpg.Connection, limit: int) -> list[str]:
    """Take up to limit queued officers, every queued row of each, in the caller's transaction; none while another
    pass holds the queue (it takes what is queued; rows queued meanwhile wait for the next pass)."""
    if not await conn.fetchval("SELECT pg_try_advisory_xact_lock(hashtext('scoring.tracking_dirty'))"):
        return []
    rows = await conn.fetch(
        "WITH chosen AS (SELECT officer_id FROM tracking_dirty GROUP BY officer_id ORDER BY min(queued_at), officer_id"
        " LIMIT $1), taken AS (DELETE FROM tracking_dirty d USING chosen c WHERE d.officer_id = c.officer_id"
        " RETURNING d.officer_id) SELECT DISTINCT officer_id FROM taken ORDER BY 1",
        limit,
    )
    return [r["officer_id"] for r in rows]


async def queue_everyone(conn: asyncpg.Connection, now: datetime) -> None:
    """Queue every officer with tracked work (a period may have closed with nothing new arriving)."""
    await conn.execute(
        "INSERT INTO tracking_dirty SELECT DISTINCT t.officer_id, $1::timestamptz FROM tracking_cases t"
        " JOIN officers o USING (officer_id)",
        now,
    )


async def officers_cases(
    conn: asyncpg.Connection, officers: Sequence[str], start: datetime, end: datetime
) -> list[asyncpg.Record]:
    """The cases attributed to the officers that can count in [start, end): closed within it, or still open and
    opened before its end (an open case counts in the period of its due date, which only judging tells)."""
    return await conn.fetch(
        "SELECT t.officer_id, c.kind, c.unit_id, c.case_id, c.state::text AS state FROM tracking_cases t JOIN cases c"
        " ON c.kind = t.kind AND c.unit_id = t.unit_id AND c.case_id = t.case_id WHERE t.officer_id = ANY($1::text[])"
        " AND (c.closed_at >= $2 AND c.closed_at < $3 OR c.closed_at IS NULL AND (c.opened_at IS NULL"
        " OR c.opened_at < $3)) ORDER BY t.officer_id, c.kind, c.unit_id, c.case_id",
        sorted(set(officers)),
        start,
        end,
    )


async def officers_units(conn: asyncpg.Connection, officers: Sequence[str]) -> dict[str, set[str]]:
    """{officer_id: the units of every case attributed to the officer, of any year}."""
    found: dict[str, set[str]] = {}
    for r in await conn.fetch(
        "SELECT DISTINCT officer_id, unit_id FROM tracking_cases WHERE officer_id = ANY($1::text[])",
        sorted(set(officers)),
    ):
        found.setdefault(r["officer_id"], set()).add(r["unit_id"])
    return found


async def case_facts(conn: asyncpg.Connection, units: Sequence[str]) -> list[asyncpg.Record]:
    """Returns, objective causes and catalogue statements of the units (what the tasks of their cases need), their
    data as stored (JSON text: parsed by the caller, off the event loop)."""
    return await conn.fetch(
        "SELECT source || ':' || event_id AS event, kind, unit_id, officer_id, at, data::text AS data FROM facts"
        " WHERE unit_id = ANY($1::text[]) AND kind IN ('returned', 'cause', 'catalogue') AND NOT retracted"
        " ORDER BY at, source, event_id",
        sorted(set(units)),
    )


async def officers_facts(conn: asyncpg.Connection, officers: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """{officer_id: assessments, leave, disciplines, trainings and inspections, oldest first} (shown beside general
    criteria)."""
    rows = await conn.fetch(
        "SELECT source, event_id, kind, unit_id, officer_id, at, data::text AS data FROM facts"
        " WHERE officer_id = ANY($1::text[]) AND kind IN ('assessment', 'leave', 'discipline', 'training',"
        " 'inspection', 'evaluation') AND NOT retracted ORDER BY at, source, event_id",
        sorted(set(officers)),
    )
    found: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        found.setdefault(r["officer_id"], []).append(_fact(r))
    return found


async def conduct_complaints(
    conn: asyncpg.Connection, officers: Sequence[str], units: Sequence[str], start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Complaints of the units resolved in [start, end) that name one of the officers in complaint.received's
    payload, with the officers they name."""
    rows = await conn.fetch(
        "SELECT unit_id, case_id, state::text AS state, named FROM (SELECT unit_id, case_id, state, ARRAY(SELECT"
        " DISTINCT r.value->>'officer_id' FROM jsonb_each(state->'slots'->'received') r) AS named FROM cases"
        " WHERE kind = 'complaint' AND unit_id = ANY($2::text[]) AND closed_at >= $3 AND closed_at < $4) x"
        " WHERE named && $1::text[]",
        sorted(set(officers)),
        sorted(set(units)),
        start,
        end,
    )
    return [
        {"unit_id": r["unit_id"], "case_id": r["case_id"], "state": json.loads(r["state"]), "named": set(r["named"])}
        for r in rows
    ]


def _fact(r: asyncpg.Record) -> dict[str, Any]:
    return {
        "event": f"{r['source']}:{r['event_id']}",
        "kind": r["kind"],
        "unit_id": r["unit_id"],
        "officer_id": r["officer_id"],
        "at": r["at"],
        "data": json.loads(r["data"]),
    }


async def officer_entries(conn: asyncpg.Connection, officers: Sequence[str]) -> dict[str, asyncpg.Record]:
    """{officer_id: the directory's officer with its tracking profile} of those the directory knows."""
    rows = await conn.fetch(
        "SELECT o.officer_id, o.unit_id, o.full_name, o.category, p.staff_kind, p.peer_group FROM officers o"
        " LEFT JOIN tracking_profiles p USING (officer_id) WHERE o.officer_id = ANY($1::text[])",
        sorted(set(officers)),
    )
    return {r["officer_id"]: r for r in rows}


async def unit_officers(conn: asyncpg.Connection, unit_ids: Sequence[str]) -> list[str]:
    """Officers ever registered in the units."""
    rows = await conn.fetch(
        "SELECT DISTINCT officer_id FROM officer_memberships WHERE unit_id = ANY($1::text[]) ORDER BY 1",
        list(unit_ids),
    )
    return [r["officer_id"] for r in rows]


async def published(conn: asyncpg.Connection, officer_id: str, year: int) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT unit_id, rating::text AS rating, rule_version FROM tracking_ratings"
        " WHERE officer_id = $1 AND year = $2",
        officer_id,
        year,
    )


async def save_published(
    conn: asyncpg.Connection,
    officer_id: str,
    year: int,
    unit_id: str,
    rating: dict[str, Any],
    version: str,
    now: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO tracking_ratings VALUES ($1, $2, $3, $4::jsonb, $5, $6) ON CONFLICT (officer_id, year) DO UPDATE"
        " SET unit_id = EXCLUDED.unit_id, rating = EXCLUDED.rating, rule_version = EXCLUDED.rule_version,"
        " published_at = EXCLUDED.published_at",
        officer_id,
        year,
        unit_id,
        json.dumps(rating),
        version,
        now,
    )


async def claim_alert(conn: asyncpg.Connection, officer_id: str, period: str, now: datetime) -> bool:
    """True the first time an officer's period is alerted."""
    row = await conn.fetchrow(
        "INSERT INTO tracking_alerts VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING officer_id",
        officer_id,
        period,
        now,
    )
    return row is not None
