"""Writes of the scoring service and the reads its handlers need: inbox, cases, counters, facts, directory, scores,
standings, rulebooks (the API's reads are in views.py)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import asyncpg
import orjson

from schemas.lineage import Reorganization
from services.scoring.domain.clusters import ClusterMembership
from services.scoring.domain.contributions import CounterKey
from services.scoring.domain.evidence import Fact, OfficerEntry, UnitEntry
from services.scoring.domain.memberships import Registration, headcount
from services.scoring.domain.periods import Period


async def claim(
    conn: asyncpg.Connection, rows: Sequence[tuple[str, str, str, str, str | None, int | None]]
) -> set[tuple[str, str]]:
    """Record (source, event_id, type, unit_id, target, ledger_seq) in the inbox; return the keys that are new."""
    if not rows:
        return set()
    inserted = await conn.fetch(
        "INSERT INTO inbox (source, event_id, type, unit_id, target, ledger_seq)"
        " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])"
        " ON CONFLICT DO NOTHING RETURNING source, event_id",
        *[[r[i] for r in rows] for i in range(6)],
    )
    return {(r["source"], r["event_id"]) for r in inserted}


async def targets(conn: asyncpg.Connection, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str | None]:
    """What each (source, event_id) touched, for the ones the inbox knows."""
    pairs = sorted(set(keys))
    if not pairs:
        return {}
    rows = await conn.fetch(
        "SELECT i.source, i.event_id, i.target FROM inbox i"
        " JOIN unnest($1::text[], $2::text[]) AS k(source, event_id) USING (source, event_id)",
        [p[0] for p in pairs],
        [p[1] for p in pairs],
    )
    return {(r["source"], r["event_id"]): r["target"] for r in rows}


async def remember_early_retractions(conn: asyncpg.Connection, rows: Sequence[tuple[str, str, str]]) -> None:
    if rows:
        await conn.execute(
            "INSERT INTO early_retractions (source, target_event_id, retraction_id)"
            " SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING",
            [r[0] for r in rows],
            [r[1] for r in rows],
            [r[2] for r in rows],
        )


async def early_retracted(conn: asyncpg.Connection, keys: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    pairs = sorted(set(keys))
    # Nearly always empty: one cheap look spares sending every key of the batch.
    if not pairs or not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM early_retractions)"):
        return set()
    rows = await conn.fetch(
        "SELECT e.source, e.target_event_id FROM early_retractions e"
        " JOIN unnest($1::text[], $2::text[]) AS k(source, target_event_id) USING (source, target_event_id)",
        [p[0] for p in pairs],
        [p[1] for p in pairs],
    )
    return {(r["source"], r["target_event_id"]) for r in rows}


async def lock_cases(
    conn: asyncpg.Connection, keys: Iterable[tuple[str, str, str]]
) -> dict[tuple[str, str, str], tuple[dict[str, Any], datetime]]:
    """Load (state, as_of) of the cases, locking them for this transaction (in key order: no deadlocks)."""
    ordered = sorted(set(keys))
    if not ordered:
        return {}
    rows = await conn.fetch(
        "SELECT c.kind, c.unit_id, c.case_id, c.state::text AS state, c.as_of FROM cases c"
        " JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(kind, unit_id, case_id) USING (kind, unit_id, case_id)"
        " ORDER BY c.kind, c.unit_id, c.case_id FOR UPDATE OF c",
        [k[0] for k in ordered],
        [k[1] for k in ordered],
        [k[2] for k in ordered],
    )
    return {(r["kind"], r["unit_id"], r["case_id"]): (orjson.loads(r["state"]), r["as_of"]) for r in rows}


async def save_cases(
    conn: asyncpg.Connection,
    rows: Sequence[tuple[str, str, str, str, datetime | None, datetime | None, datetime, datetime | None]],
) -> None:
    """Upsert (kind, unit_id, case_id, state json, opened_at, closed_at, as_of, next_tick)."""
    if not rows:
        return
    ordered = sorted(rows, key=lambda r: (r[0], r[1], r[2]))
    await conn.execute(
        "INSERT INTO cases (kind, unit_id, case_id, state, opened_at, closed_at, as_of, next_tick)"
        " SELECT k, u, c, s::jsonb, o, cl, a, n FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],"
        " $5::timestamptz[], $6::timestamptz[], $7::timestamptz[], $8::timestamptz[]) AS x(k, u, c, s, o, cl, a, n)"
        " ON CONFLICT (kind, unit_id, case_id) DO UPDATE SET state = EXCLUDED.state, opened_at = EXCLUDED.opened_at,"
        " closed_at = EXCLUDED.closed_at, as_of = EXCLUDED.as_of, next_tick = EXCLUDED.next_tick",
        *[[r[i] for r in ordered] for i in range(8)],
    )


async def add_counters(conn: asyncpg.Connection, deltas: Mapping[CounterKey, Sequence[float]]) -> None:
    """Add the deltas to the counters in one statement (additive, so concurrent batches compose)."""
    if not deltas:
        return
    keys = sorted(deltas)
    await conn.execute(
        "INSERT INTO counters (subject_kind, subject_id, unit_id, period, counter, num, den)"
        " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::float8[])"
        " ON CONFLICT (subject_kind, subject_id, unit_id, period, counter)"
        " DO UPDATE SET num = counters.num + EXCLUDED.num, den = counters.den + EXCLUDED.den",
        *[[k[i] for k in keys] for i in range(5)],
        [deltas[k][0] for k in keys],
        [deltas[k][1] for k in keys],
    )


async def insert_facts(conn: asyncpg.Connection, rows: Sequence[tuple[str, str, Fact, bool]]) -> None:
    """Store (source, event_id, fact, retracted) rows."""
    if not rows:
        return
    await conn.execute(
        "INSERT INTO facts (source, event_id, kind, unit_id, officer_id, at, data, retracted)"
        " SELECT s, e, k, u, o, a, d::jsonb, r FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],"
        " $6::timestamptz[], $7::text[], $8::bool[]) AS x(s, e, k, u, o, a, d, r) ON CONFLICT DO NOTHING",
        [r[0] for r in rows],
        [r[1] for r in rows],
        [r[2].kind for r in rows],
        [r[2].unit_id for r in rows],
        [r[2].officer_id for r in rows],
        [r[2].at for r in rows],
        [json.dumps(r[2].data) for r in rows],
        [r[3] for r in rows],
    )


async def retract_facts(conn: asyncpg.Connection, keys: Sequence[tuple[str, str]]) -> list[asyncpg.Record]:
    """Mark facts retracted; return them (kind, unit_id, officer_id, at, data as text)."""
    if not keys:
        return []
    return list(
        await conn.fetch(
            "UPDATE facts f SET retracted = true FROM unnest($1::text[], $2::text[]) AS k(source, event_id)"
            " WHERE f.source = k.source AND f.event_id = k.event_id RETURNING f.kind, f.unit_id, f.officer_id, f.at,"
            " f.data::text AS data",
            [k[0] for k in keys],
            [k[1] for k in keys],
        )
    )


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


async def officer_periods_scored(conn: asyncpg.Connection, officers: Sequence[str]) -> list[tuple[str, str, str]]:
    """(officer_id, unit_id, period) of every period the officers are scored in."""
    rows = await conn.fetch(
        "SELECT officer_id, unit_id, period FROM officer_scores WHERE officer_id = ANY($1::text[])", list(officers)
    )
    return [(r["officer_id"], r["unit_id"], r["period"]) for r in rows]


async def counters_of(
    conn: asyncpg.Connection, kind: str, subjects: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, tuple[float, float]]]:
    """{(subject_id, period): {counter: (num, den)}} for the given subjects and periods."""
    pairs = sorted(set(subjects))
    found: dict[tuple[str, str], dict[str, tuple[float, float]]] = {p: {} for p in pairs}
    if not pairs:
        return found
    rows = await conn.fetch(
        "SELECT k.subject_id, k.period, c.counter, sum(c.num) AS num, sum(c.den) AS den"
        " FROM unnest($2::text[], $3::text[]) AS k(subject_id, period) CROSS JOIN LATERAL"
        " (SELECT counter, num, den FROM counters WHERE subject_kind = $1 AND subject_id = k.subject_id"
        "  AND period = k.period) c GROUP BY 1, 2, 3",
        kind,
        [p[0] for p in pairs],
        [p[1] for p in pairs],
    )
    for r in rows:
        found[(r["subject_id"], r["period"])][r["counter"]] = (float(r["num"]), float(r["den"]))
    return found


async def culture_inputs(
    conn: asyncpg.Connection,
    period: Period,
    units: Sequence[str],
    topics: Sequence[str],
    weights: Mapping[str, float],
    timelines: Mapping[str, list[Registration]] | None = None,
) -> dict[str, dict[str, float]]:
    """Per unit, for one period: officers, trained officers, weighted findings, inspections, disciplined
    (timelines: the officers' registrations when the caller read them once for several periods)."""
    found: dict[str, dict[str, float]] = {
        u: {
            "officers": 0,
            "trained": 0,
            "inspections": 0,
            "findings": 0.0,
            "disciplined": 0,
            "procedures": 0,
            "procedures_online": 0,
            "procedures_published": 0,
        }
        for u in units
    }
    # The officers in each unit at the period's end (a transfer leaves the periods before it with the old unit).
    if timelines is None:
        timelines = await timelines_of_units(conn, units)
    for unit, n in headcount(timelines, units, period.end).items():
        found[unit]["officers"] = n
    rows = await conn.fetch(
        "SELECT unit_id,"
        " count(DISTINCT officer_id) FILTER (WHERE kind = 'training' AND data->>'topic' = ANY($4::text[])) AS trained,"
        " count(*) FILTER (WHERE kind = 'inspection') AS inspections,"
        " count(*) FILTER (WHERE kind = 'discipline') AS disciplined,"
        " coalesce(sum((SELECT sum(coalesce((x->>'count')::float8, 1)"
        "   * coalesce(($5::jsonb->>(x->>'code'))::float8, 1))"
        "   FROM jsonb_array_elements(data->'findings') x)) FILTER (WHERE kind = 'inspection'), 0) AS findings"
        " FROM facts WHERE unit_id = ANY($1::text[]) AND NOT retracted AND at >= $2 AND at < $3 GROUP BY unit_id",
        list(units),
        period.start,
        period.end,
        list(topics),
        json.dumps(dict(weights)),
    )
    for r in rows:
        found[r["unit_id"]].update(
            trained=r["trained"],
            inspections=r["inspections"],
            disciplined=r["disciplined"],
            findings=float(r["findings"]),
        )
    # The procedure catalogue as it stood at the period's end: the latest statement of each procedure counts.
    for r in await conn.fetch(
        "SELECT unit_id, count(*) FILTER (WHERE active) AS procedures,"
        " count(*) FILTER (WHERE active AND online) AS online, count(*) FILTER (WHERE active AND published)"
        " AS published FROM (SELECT DISTINCT ON (unit_id, data->>'procedure_code') unit_id,"
        " coalesce((data->>'active')::bool, true) AS active, (data->>'online')::bool AS online,"
        " (data->>'published')::bool AS published FROM facts WHERE kind = 'catalogue'"
        " AND unit_id = ANY($1::text[]) AND NOT retracted AND at < $2"
        " ORDER BY unit_id, data->>'procedure_code', at DESC, event_id DESC) latest GROUP BY unit_id",
        list(units),
        period.end,
    ):
        found[r["unit_id"]].update(
            procedures=r["procedures"], procedures_online=r["online"], procedures_published=r["published"]
        )
    return found


async def officer_inputs(
    conn: asyncpg.Connection, period: Period, officers: Sequence[str]
) -> dict[str, tuple[float, int]]:
    """Per officer, for one period: training hours and disciplinary decisions."""
    found = {o: (0.0, 0) for o in officers}
    rows = await conn.fetch(
        "SELECT officer_id, coalesce(sum((data->>'hours')::float8) FILTER (WHERE kind = 'training'), 0) AS hours,"
        " count(*) FILTER (WHERE kind = 'discipline') AS disciplined FROM facts WHERE officer_id = ANY($1::text[])"
        " AND kind IN ('training', 'discipline') AND NOT retracted AND at >= $2 AND at < $3 GROUP BY officer_id",
        list(officers),
        period.start,
        period.end,
    )
    for r in rows:
        found[r["officer_id"]] = (float(r["hours"]), int(r["disciplined"]))
    return found


async def officer_period_units(
    conn: asyncpg.Connection, subjects: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], set[str]]:
    """{(officer_id, period): units its counters of the period were sent under}."""
    pairs = sorted(set(subjects))
    found: dict[tuple[str, str], set[str]] = {p: set() for p in pairs}
    if not pairs:
        return found
    rows = await conn.fetch(
        "SELECT DISTINCT c.subject_id, c.period, c.unit_id FROM counters c"
        " JOIN unnest($1::text[], $2::text[]) AS k(subject_id, period) USING (subject_id, period)"
        " WHERE c.subject_kind = 'officer'",
        [p[0] for p in pairs],
        [p[1] for p in pairs],
    )
    for r in rows:
        found[(r["subject_id"], r["period"])].add(r["unit_id"])
    return found


async def periods_scored(conn: asyncpg.Connection, units: Sequence[str]) -> list[tuple[str, str]]:
    rows = await conn.fetch("SELECT unit_id, period FROM unit_scores WHERE unit_id = ANY($1::text[])", list(units))
    return [(r["unit_id"], r["period"]) for r in rows]


async def save_unit_scores(conn: asyncpg.Connection, rows: Sequence[tuple[Any, ...]], now: datetime) -> None:
    """Upsert (unit_id, period, score, band, service_index, culture_index, rule_version, card json, cluster_id,
    cluster_name): the cluster is the one the unit is ranked in for the period."""
    if not rows:
        return
    ordered = sorted(rows, key=lambda r: (r[0], r[1]))
    await conn.execute(
        "INSERT INTO unit_scores (unit_id, period, score, band, service_index, culture_index, rule_version, card,"
        " updated_at, cluster_id, cluster_name) SELECT u, p, s, b, si, ci, v, c::json, $11, k, kn FROM"
        " unnest($1::text[], $2::text[], $3::float8[], $4::text[], $5::float8[], $6::float8[], $7::text[],"
        " $8::text[], $9::text[], $10::text[]) AS x(u, p, s, b, si, ci, v, c, k, kn)"
        " ON CONFLICT (unit_id, period) DO UPDATE SET score = EXCLUDED.score, band = EXCLUDED.band,"
        " service_index = EXCLUDED.service_index, culture_index = EXCLUDED.culture_index,"
        " rule_version = EXCLUDED.rule_version, card = EXCLUDED.card, updated_at = EXCLUDED.updated_at,"
        " cluster_id = EXCLUDED.cluster_id, cluster_name = EXCLUDED.cluster_name",
        *[[r[i] for r in ordered] for i in range(10)],
        now,
    )


async def save_officer_scores(conn: asyncpg.Connection, rows: Sequence[tuple[Any, ...]], now: datetime) -> None:
    """Upsert (officer_id, unit_id, period, score, band, rule_version, card json)."""
    if not rows:
        return
    ordered = sorted(rows, key=lambda r: (r[0], r[2]))
    await conn.execute(
        "INSERT INTO officer_scores SELECT o, u, p, s, b, v, c::json, $8 FROM unnest($1::text[], $2::text[],"
        " $3::text[], $4::float8[], $5::text[], $6::text[], $7::text[]) AS x(o, u, p, s, b, v, c)"
        " ON CONFLICT (officer_id, period) DO UPDATE SET unit_id = EXCLUDED.unit_id, score = EXCLUDED.score,"
        " band = EXCLUDED.band, rule_version = EXCLUDED.rule_version, card = EXCLUDED.card,"
        " updated_at = EXCLUDED.updated_at",
        *[[r[i] for r in ordered] for i in range(7)],
        now,
    )


async def mark_dirty(
    conn: asyncpg.Connection, rows: Sequence[tuple[str, str, str, str]], accepted_at: datetime
) -> None:
    """Queue (kind, subject, unit, period) for the rescorer, keeping the oldest pending evidence time."""
    if not rows:
        return
    unique = {(r[0], r[1], r[3]): r for r in sorted(rows)}  # one row per subject and period
    ordered = [unique[k] for k in sorted(unique)]
    await conn.execute(
        "INSERT INTO dirty SELECT k, s, u, p, $5 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])"
        " AS x(k, s, u, p) ON CONFLICT (subject_kind, subject_id, period) DO UPDATE"
        " SET accepted_at = least(dirty.accepted_at, EXCLUDED.accepted_at)",
        *[[r[i] for r in ordered] for i in range(4)],
        accepted_at,
    )


async def take_dirty(conn: asyncpg.Connection, kind: str, limit: int) -> list[asyncpg.Record]:
    """Claim queued subjects of kind for this transaction (other rescorers skip them)."""
    return list(
        await conn.fetch(
            "DELETE FROM dirty WHERE (subject_kind, subject_id, period) IN (SELECT subject_kind, subject_id, period"
            " FROM dirty WHERE subject_kind = $1 ORDER BY accepted_at, subject_id, period LIMIT $2"
            " FOR UPDATE SKIP LOCKED) RETURNING *",
            kind,
            limit,
        )
    )


async def forget_scores(conn: asyncpg.Connection, subjects: Sequence[tuple[str, str, str]]) -> None:
    """Remove the scores and standings of (kind, subject, period) left without any evidence."""
    for kind, table, column in (("unit", "unit_scores", "unit_id"), ("officer", "officer_scores", "officer_id")):
        chosen = sorted((s, p) for k, s, p in subjects if k == kind)
        if not chosen:
            continue
        await conn.execute(
            f"DELETE FROM {table} t USING unnest($1::text[], $2::text[]) AS k(s, p) WHERE t.{column} = k.s"
            " AND t.period = k.p",
            [c[0] for c in chosen],
            [c[1] for c in chosen],
        )
        await conn.execute(
            "DELETE FROM standings t USING unnest($2::text[], $3::text[]) AS k(s, p) WHERE t.subject_kind = $1"
            " AND t.subject_id = k.s AND t.period = k.p",
            kind,
            [c[0] for c in chosen],
            [c[1] for c in chosen],
        )


async def forget_standings(conn: asyncpg.Connection, kind: str, subjects: Sequence[tuple[str, str]]) -> None:
    """Take (subject, period) off the leaderboard (e.g. a unit left with too few dossiers to be ranked)."""
    if subjects:
        await conn.execute(
            "DELETE FROM standings t USING unnest($2::text[], $3::text[]) AS k(s, p) WHERE t.subject_kind = $1"
            " AND t.subject_id = k.s AND t.period = k.p",
            kind,
            [s for s, _ in subjects],
            [p for _, p in subjects],
        )


async def ranked(
    conn: asyncpg.Connection, kind: str, periods: Sequence[str], min_coverage: float = 0.0
) -> list[asyncpg.Record]:
    """Current ranks of every subject of kind in the periods (units: cluster and province; officers: unit and
    province), joined with what was last published."""
    if kind == "unit":
        query = (
            # The cluster in force in the period (kept on its scores), not today's: rebuilt clusters leave closed
            # periods as they were.
            "SELECT s.unit_id AS subject_id, s.unit_id, s.period, s.cluster_id, s.score, s.band, s.rule_version,"
            " CASE WHEN s.cluster_id IS NULL THEN NULL ELSE"
            "   rank() OVER (PARTITION BY s.period, s.cluster_id ORDER BY s.score DESC)::int END AS rank_in_cluster,"
            " rank() OVER (PARTITION BY s.period ORDER BY s.score DESC)::int AS rank_in_province"
            " FROM unit_scores s WHERE s.period = ANY($1::text[])"
            " AND s.score IS NOT NULL"
        )
    else:
        query = (
            "SELECT s.officer_id AS subject_id, s.unit_id, s.period, s.unit_id AS cluster_id, s.score, s.band,"
            " s.rule_version,"
            " rank() OVER (PARTITION BY s.period, s.unit_id ORDER BY s.score DESC)::int AS rank_in_cluster,"
            " rank() OVER (PARTITION BY s.period ORDER BY s.score DESC)::int AS rank_in_province"
            " FROM officer_scores s WHERE s.period = ANY($1::text[])"
            " AND coalesce((s.card->>'weight_covered')::float8, 1) >= $3"
        )
    return list(
        await conn.fetch(
            f"SELECT r.*, st.score AS old_score, st.band AS old_band, st.rank_in_cluster AS old_rank_in_cluster,"
            f" st.rank_in_province AS old_rank_in_province, st.cluster_id AS old_cluster_id"
            f" FROM ({query}) r LEFT JOIN standings st"
            f" ON st.subject_kind = $2 AND st.subject_id = r.subject_id AND st.period = r.period",
            list(periods),
            kind,
            *([min_coverage] if kind == "officer" else []),
        )
    )


async def save_standings(conn: asyncpg.Connection, kind: str, rows: Sequence[tuple[Any, ...]], now: datetime) -> None:
    """Upsert changed standings (subject_id, period, unit_id, cluster_id, score, band, rank_c, rank_p, rule_version,
    prev_rank_c, prev_rank_p, prev_score, prev_band)."""
    if not rows:
        return
    ordered = sorted(rows, key=lambda r: (r[0], r[1]))
    await conn.execute(
        "INSERT INTO standings (subject_kind, subject_id, period, unit_id, cluster_id, score, band, rank_in_cluster,"
        " rank_in_province, rule_version, previous_rank_in_cluster, previous_rank_in_province, previous_score,"
        " previous_band, changed_at)"
        " SELECT $14, * , $15 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::text[],"
        " $7::int[], $8::int[], $9::text[], $10::int[], $11::int[], $12::float8[], $13::text[])"
        " ON CONFLICT (subject_kind, subject_id, period) DO UPDATE SET unit_id = EXCLUDED.unit_id,"
        " cluster_id = EXCLUDED.cluster_id, score = EXCLUDED.score, band = EXCLUDED.band,"
        " rank_in_cluster = EXCLUDED.rank_in_cluster, rank_in_province = EXCLUDED.rank_in_province,"
        " rule_version = EXCLUDED.rule_version, previous_rank_in_cluster = EXCLUDED.previous_rank_in_cluster,"
        " previous_rank_in_province = EXCLUDED.previous_rank_in_province, previous_score = EXCLUDED.previous_score,"
        " previous_band = EXCLUDED.previous_band, changed_at = EXCLUDED.changed_at",
        *[[r[i] for r in ordered] for i in range(13)],
        kind,
        now,
    )


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


async def wake_rescorer(conn: asyncpg.Connection) -> None:
    """Delivered at commit: wakes a rescorer running in another process at once."""
    await conn.execute("SELECT pg_notify('scoring_dirty', '')")


async def drop_first_dirty(conn: asyncpg.Connection, kind: str) -> asyncpg.Record | None:
    """Take the first queued subject of kind off the queue (one that cannot be scored); return it."""
    return await conn.fetchrow(
        "DELETE FROM dirty WHERE (subject_kind, subject_id, period) IN (SELECT subject_kind, subject_id, period"
        " FROM dirty WHERE subject_kind = $1 ORDER BY accepted_at, subject_id, period LIMIT 1) RETURNING *",
        kind,
    )


async def due_cases(conn: asyncpg.Connection, now: datetime, limit: int, *, lock: bool) -> list[tuple[str, str, str]]:
    """(kind, unit_id, case_id) of cases whose next tick has come, oldest first (locked, skipping locked ones)."""
    rows = await conn.fetch(
        "SELECT kind, unit_id, case_id FROM cases WHERE next_tick <= $1 ORDER BY next_tick LIMIT $2"
        + (" FOR UPDATE SKIP LOCKED" if lock else ""),
        now,
        limit,
    )
    return [(r["kind"], r["unit_id"], r["case_id"]) for r in rows]


async def take_off_clock(conn: asyncpg.Connection, case: tuple[str, str, str]) -> None:
    """The clock no longer looks at the case (one the rules cannot judge)."""
    await conn.execute("UPDATE cases SET next_tick = NULL WHERE kind = $1 AND unit_id = $2 AND case_id = $3", *case)


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


async def unit_scores_in(conn: asyncpg.Connection, period: str) -> dict[str, float]:
    """Score of every unit scored in the period (an unranked unit, whose score is NULL, has none)."""
    rows = await conn.fetch("SELECT unit_id, score FROM unit_scores WHERE period = $1 AND score IS NOT NULL", period)
    return {r["unit_id"]: float(r["score"]) for r in rows}


async def cases_in(conn: asyncpg.Connection, period: Period) -> list[asyncpg.Record]:
    """(kind, unit_id, case_id, state, as_of) of every case open at some moment of the period."""
    return list(
        await conn.fetch(
            "SELECT kind, unit_id, case_id, state::text AS state, as_of FROM cases"
            " WHERE (opened_at IS NULL OR opened_at < $2) AND (closed_at IS NULL OR closed_at >= $1)",
            period.start,
            period.end,
        )
    )


async def clear_counters(conn: asyncpg.Connection, period: str) -> None:
    await conn.execute("DELETE FROM counters WHERE period = $1", period)


async def fact_subjects(conn: asyncpg.Connection, period: Period) -> list[tuple[str, str | None]]:
    """(unit_id, officer_id) of every fact of the period."""
    rows = await conn.fetch(
        "SELECT DISTINCT unit_id, officer_id FROM facts WHERE at >= $1 AND at < $2", period.start, period.end
    )
    return [(r["unit_id"], r["officer_id"]) for r in rows]


async def officers_scored(conn: asyncpg.Connection, period: str) -> list[tuple[str, str]]:
    """(officer_id, unit_id) of every officer scored in the period."""
    rows = await conn.fetch("SELECT officer_id, unit_id FROM officer_scores WHERE period = $1", period)
    return [(r["officer_id"], r["unit_id"]) for r in rows]
