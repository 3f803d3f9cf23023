"""The directory: units, officers, their registrations over time, and reorganizations."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import asyncpg

from schemas.lineage import Reorganization
from services.scoring.domain.clusters import ClusterMembership
from services.scoring.domain.evidence import OfficerEntry, UnitEntry
from services.scoring.domain.memberships import Registration


async def upsert_units(conn: asyncpg.Connection, entries: Sequence[UnitEntry]) -> None:
    """Latest registration wins, whatever order registrations arrive in."""
    for e in sorted(entries, key=lambda x: x.occurred_at):
        await conn.execute(
            "INSERT INTO units (unit_id, name, level, parent_id, cluster_id, cluster_name, occurred_at, admin_code)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (unit_id) DO UPDATE SET"
            " name = EXCLUDED.name, level = EXCLUDED.level, parent_id = EXCLUDED.parent_id,"
            " cluster_id = EXCLUDED.cluster_id, cluster_name = EXCLUDED.cluster_name,"
            " occurred_at = EXCLUDED.occurred_at, admin_code = EXCLUDED.admin_code"
            " WHERE units.occurred_at <= EXCLUDED.occurred_at",
            e.unit_id,
            e.name,
            e.level,
            e.parent_id,
            e.cluster_id,
            e.cluster_name,
            e.occurred_at,
            e.admin_code,
        )


async def add_unit_memberships(conn: asyncpg.Connection, entries: Sequence[UnitEntry]) -> None:
    """Keep every unit registration with the date it places the unit in its cluster (a repeated one changes
    nothing)."""
    if not entries:
        return
    rows = sorted({e.event: e for e in entries}.values(), key=lambda e: e.event)
    await conn.execute(
        "INSERT INTO unit_memberships (event, unit_id, cluster_id, cluster_name, at) SELECT * FROM unnest($1::text[],"
        " $2::text[], $3::text[], $4::text[], $5::timestamptz[]) ON CONFLICT (event) DO NOTHING",
        [e.event for e in rows],
        [e.unit_id for e in rows],
        [e.cluster_id for e in rows],
        [e.cluster_name for e in rows],
        [e.since for e in rows],
    )


async def cluster_timelines(conn: asyncpg.Connection, units: Iterable[str]) -> dict[str, list[ClusterMembership]]:
    """{unit_id: its cluster memberships} of the given units."""
    found: dict[str, list[ClusterMembership]] = {}
    for r in await conn.fetch(
        "SELECT unit_id, at, event, cluster_id, cluster_name FROM unit_memberships WHERE unit_id = ANY($1::text[])",
        sorted(set(units)),
    ):
        found.setdefault(r["unit_id"], []).append(
            ClusterMembership(r["at"], r["event"], r["cluster_id"], r["cluster_name"])
        )
    return found


async def insert_reorganizations(conn: asyncpg.Connection, rows: Sequence[tuple[Reorganization, bool]]) -> None:
    """Store (reorganization, retracted already) rows (a repeated one changes nothing)."""
    if not rows:
        return
    for change, retracted in sorted(rows, key=lambda r: r[0].event):
        await conn.execute(
            "INSERT INTO reorganizations (event, kind, predecessors, successors, at, decision_no, retracted)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (event) DO NOTHING",
            change.event,
            change.kind,
            list(change.predecessors),
            list(change.successors),
            change.at,
            change.decision_no,
            retracted,
        )


def _reorganization(r: asyncpg.Record) -> Reorganization:
    return Reorganization(
        r["event"], r["kind"], tuple(r["predecessors"]), tuple(r["successors"]), r["at"], r["decision_no"]
    )


async def retract_reorganizations(conn: asyncpg.Connection, keys: Sequence[tuple[str, str]]) -> list[Reorganization]:
    """Mark the reorganizations of (source, event_id) retracted; return those that counted until now."""
    if not keys:
        return []
    rows = await conn.fetch(
        "UPDATE reorganizations SET retracted = true WHERE event = ANY($1::text[]) AND NOT retracted RETURNING *",
        sorted(f"{source}:{event_id}" for source, event_id in keys),
    )
    return [_reorganization(r) for r in rows]


async def reorganizations(conn: asyncpg.Connection) -> list[Reorganization]:
    """Every reorganization that counts (not retracted): few, read once per pass."""
    rows = await conn.fetch("SELECT * FROM reorganizations WHERE NOT retracted ORDER BY at, event")
    return [_reorganization(r) for r in rows]


async def unit_periods(conn: asyncpg.Connection, units: Sequence[str]) -> set[str]:
    """Every period in which one of the units has counters or a score."""
    rows = await conn.fetch(
        "SELECT DISTINCT period FROM counters WHERE subject_kind = 'unit' AND subject_id = ANY($1::text[])"
        " UNION SELECT period FROM unit_scores WHERE unit_id = ANY($1::text[])",
        sorted(set(units)),
    )
    return {r["period"] for r in rows}


async def upsert_officers(conn: asyncpg.Connection, entries: Sequence[OfficerEntry]) -> None:
    """Latest registration wins (an officer moving unit moves with it)."""
    latest: dict[str, OfficerEntry] = {}
    for e in sorted(entries, key=lambda x: x.occurred_at):
        latest[e.officer_id] = e
    if not latest:
        return
    rows = sorted(latest.values(), key=lambda e: e.officer_id)
    await conn.execute(
        "INSERT INTO officers SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],"
        " $6::timestamptz[]) ON CONFLICT (officer_id) DO UPDATE SET unit_id = EXCLUDED.unit_id,"
        " full_name = EXCLUDED.full_name, category = EXCLUDED.category, position = EXCLUDED.position,"
        " occurred_at = EXCLUDED.occurred_at WHERE officers.occurred_at <= EXCLUDED.occurred_at",
        [e.officer_id for e in rows],
        [e.unit_id for e in rows],
        [e.full_name for e in rows],
        [e.category for e in rows],
        [e.position for e in rows],
        [e.occurred_at for e in rows],
    )


async def add_memberships(conn: asyncpg.Connection, entries: Sequence[OfficerEntry]) -> None:
    """Keep every registration with its date (a repeated one changes nothing)."""
    if not entries:
        return
    rows = sorted({e.event: e for e in entries}.values(), key=lambda e: e.event)
    await conn.execute(
        "INSERT INTO officer_memberships (event, officer_id, unit_id, at) SELECT * FROM unnest($1::text[],"
        " $2::text[], $3::text[], $4::timestamptz[]) ON CONFLICT (event) DO NOTHING",
        [e.event for e in rows],
        [e.officer_id for e in rows],
        [e.unit_id for e in rows],
        [e.occurred_at for e in rows],
    )


async def timelines(conn: asyncpg.Connection, officers: Iterable[str]) -> dict[str, list[Registration]]:
    """{officer_id: its registrations} of the given officers."""
    found: dict[str, list[Registration]] = {}
    for r in await conn.fetch(
        "SELECT officer_id, at, event, unit_id FROM officer_memberships WHERE officer_id = ANY($1::text[])",
        sorted(set(officers)),
    ):
        found.setdefault(r["officer_id"], []).append(Registration(r["at"], r["event"], r["unit_id"]))
    return found


async def timelines_of_units(conn: asyncpg.Connection, units: Sequence[str]) -> dict[str, list[Registration]]:
    """{officer_id: its registrations} of every officer ever registered in one of the units."""
    found: dict[str, list[Registration]] = {}
    for r in await conn.fetch(
        "SELECT officer_id, at, event, unit_id FROM officer_memberships WHERE officer_id IN"
        " (SELECT officer_id FROM officer_memberships WHERE unit_id = ANY($1::text[]))",
        list(units),
    ):
        found.setdefault(r["officer_id"], []).append(Registration(r["at"], r["event"], r["unit_id"]))
    return found


async def every_reorganization(conn: asyncpg.Connection) -> dict[str, tuple[Reorganization, bool]]:
    """{event: (reorganization, retracted)} of every reorganization kept: few."""
    rows = await conn.fetch("SELECT * FROM reorganizations ORDER BY at, event")
    return {r["event"]: (_reorganization(r), r["retracted"]) for r in rows}


async def periods_of_units(conn: asyncpg.Connection, units: Sequence[str]) -> dict[str, set[str]]:
    """{unit: every period it has counters or a score in}."""
    found: dict[str, set[str]] = {}
    for r in await conn.fetch(
        "SELECT DISTINCT subject_id AS unit_id, period FROM counters WHERE subject_kind = 'unit'"
        " AND subject_id = ANY($1::text[])"
        " UNION SELECT unit_id, period FROM unit_scores WHERE unit_id = ANY($1::text[])",
        sorted(set(units)),
    ):
        found.setdefault(r["unit_id"], set()).add(r["period"])
    return found
