"""Facts from evidence (returns, trainings, inspections, catalogue...): kept, retracted, summed per period."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import asyncpg
import orjson

from services.scoring.adapters.directory_store import timelines_of_units
from services.scoring.domain.evidence import Fact
from services.scoring.domain.memberships import Registration, headcount
from services.scoring.domain.periods import Period


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
            # The revision tells the rescorers' memories (adapters/fact_memo.py) that the fact changed.
            "UPDATE facts f SET retracted = true, revision = (pg_current_xact_id()::text)::bigint"
            " FROM unnest($1::text[], $2::text[]) AS k(source, event_id)"
            " WHERE f.source = k.source AND f.event_id = k.event_id RETURNING f.kind, f.unit_id, f.officer_id, f.at,"
            " f.data::text AS data",
            [k[0] for k in keys],
            [k[1] for k in keys],
        )
    )


def _no_culture() -> dict[str, float]:
    """A unit's culture inputs before any fact is read."""
    return {
        "officers": 0,
        "trained": 0,
        "inspections": 0,
        "findings": 0.0,
        "disciplined": 0,
        "procedures": 0,
        "procedures_online": 0,
        "procedures_published": 0,
    }


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
    wanted = {"": (period, units)}
    sums = await culture_sums(conn, [("", period, u) for u in units], topics, weights)
    return (await with_headcounts(conn, wanted, sums, timelines))[""]


async def with_headcounts(
    conn: asyncpg.Connection,
    wanted: Mapping[str, tuple[Period, Sequence[str]]],
    sums: Mapping[tuple[str, str], Mapping[str, float]],
    timelines: Mapping[str, list[Registration]] | None = None,
) -> dict[str, dict[str, dict[str, float]]]:
    """The culture inputs of each (label, unit): the facts' sums and the officers in the unit at the period's end
    (a transfer leaves the periods before it with the old unit)."""
    found = {label: {u: {**sums[(label, u)], "officers": 0} for u in units} for label, (_, units) in wanted.items()}
    every = sorted({u for _, units in wanted.values() for u in units})
    if not every:
        return found
    if timelines is None:
        timelines = await timelines_of_units(conn, every)
    for label, (period, units) in wanted.items():
        for unit, n in headcount(timelines, units, period.end).items():
            found[label][unit]["officers"] = n
    return found


async def culture_sums(
    conn: asyncpg.Connection,
    pairs: Sequence[tuple[str, Period, str]],
    topics: Sequence[str],
    weights: Mapping[str, float],
) -> dict[tuple[str, str], dict[str, float]]:
    """What the facts say of each (label, period, unit)'s culture, in two statements: trained officers, weighted
    findings, inspections, disciplinary decisions, and the procedure catalogue as it stood at the period's end."""
    found = {(label, u): _no_culture() for label, _, u in pairs}
    if not pairs:
        return found
    labels = [label for label, _, _ in pairs]
    units = [u for _, _, u in pairs]
    ends = [period.end for _, period, _ in pairs]
    rows = await conn.fetch(
        "SELECT p.label, p.unit_id,"
        " count(DISTINCT f.officer_id) FILTER (WHERE f.kind = 'training' AND f.data->>'topic' = ANY($4::text[]))"
        " AS trained,"
        " count(*) FILTER (WHERE f.kind = 'inspection') AS inspections,"
        " count(*) FILTER (WHERE f.kind = 'discipline') AS disciplined,"
        " coalesce(sum((SELECT sum(coalesce((x->>'count')::float8, 1)"
        "   * coalesce(($5::jsonb->>(x->>'code'))::float8, 1))"
        "   FROM jsonb_array_elements(f.data->'findings') x)) FILTER (WHERE f.kind = 'inspection'), 0) AS findings"
        " FROM unnest($6::text[], $1::text[], $2::timestamptz[], $3::timestamptz[]) AS p(label, unit_id, start_at,"
        " end_at)"
        # Only the kinds counted here (a unit's returns, leaves and assessments are not read for its culture).
        " CROSS JOIN LATERAL (SELECT officer_id, kind, data FROM facts WHERE unit_id = p.unit_id"
        "  AND kind IN ('training', 'inspection', 'discipline') AND NOT retracted AND at >= p.start_at"
        "  AND at < p.end_at) f GROUP BY p.label, p.unit_id",
        units,
        [period.start for _, period, _ in pairs],
        ends,
        list(topics),
        json.dumps(dict(weights)),
        labels,
    )
    for r in rows:
        found[(r["label"], r["unit_id"])].update(
            trained=r["trained"],
            inspections=r["inspections"],
            disciplined=r["disciplined"],
            findings=float(r["findings"]),
        )
    # The procedure catalogue as it stood at each period's end: the latest statement of each procedure counts.
    for r in await conn.fetch(
        "SELECT p.label, p.unit_id, count(*) FILTER (WHERE c.active) AS procedures,"
        " count(*) FILTER (WHERE c.active AND c.online) AS online,"
        " count(*) FILTER (WHERE c.active AND c.published) AS published"
        " FROM unnest($3::text[], $1::text[], $2::timestamptz[]) AS p(label, unit_id, end_at) CROSS JOIN LATERAL"
        " (SELECT DISTINCT ON (data->>'procedure_code') coalesce((data->>'active')::bool, true) AS active,"
        "  (data->>'online')::bool AS online, (data->>'published')::bool AS published FROM facts"
        "  WHERE kind = 'catalogue' AND unit_id = p.unit_id AND NOT retracted AND at < p.end_at"
        "  ORDER BY data->>'procedure_code', at DESC, event_id DESC) c GROUP BY p.label, p.unit_id",
        units,
        ends,
        labels,
    ):
        found[(r["label"], r["unit_id"])].update(
            procedures=r["procedures"], procedures_online=r["online"], procedures_published=r["published"]
        )
    return found


async def officer_sums(
    conn: asyncpg.Connection, pairs: Sequence[tuple[str, Period, str]]
) -> dict[tuple[str, str], tuple[float, int]]:
    """Per (label, period, officer): training hours and disciplinary decisions, every period in one statement."""
    found = {(label, o): (0.0, 0) for label, _, o in pairs}
    if not pairs:
        return found
    rows = await conn.fetch(
        "SELECT p.label, p.officer_id,"
        " coalesce(sum((f.data->>'hours')::float8) FILTER (WHERE f.kind = 'training'), 0) AS hours,"
        " count(*) FILTER (WHERE f.kind = 'discipline') AS disciplined"
        " FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[]) AS p(label, officer_id, start_at,"
        " end_at) CROSS JOIN LATERAL (SELECT kind, data FROM facts WHERE officer_id = p.officer_id"
        "  AND kind IN ('training', 'discipline') AND NOT retracted AND at >= p.start_at AND at < p.end_at) f"
        " GROUP BY p.label, p.officer_id",
        [label for label, _, _ in pairs],
        [o for _, _, o in pairs],
        [period.start for _, period, _ in pairs],
        [period.end for _, period, _ in pairs],
    )
    for r in rows:
        found[(r["label"], r["officer_id"])] = (float(r["hours"]), int(r["disciplined"]))
    return found


UNIT_KINDS = ("training", "inspection", "discipline", "catalogue")
"""The kinds of fact culture_sums reads (a unit's other facts, returns, leaves, assessments, do not change them)."""
OFFICER_KINDS = ("training", "discipline")
"""The kinds of fact officer_sums reads."""


async def fact_revisions(conn: asyncpg.Connection, since: int | None) -> tuple[int, set[str], set[str]]:
    """(horizon, units, officers): the oldest transaction still running now (every fact written before it is
    visible from now on), and the units and officers whose sums may have changed: a fact of a kind their sums read,
    written at or after `since` (a previous horizon; None: none asked). One scan of the recent facts."""
    row = await conn.fetchrow(
        "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS horizon,"
        " array_agg(DISTINCT unit_id) FILTER (WHERE kind = ANY($2::text[])) AS units,"
        " array_agg(DISTINCT officer_id) FILTER (WHERE officer_id IS NOT NULL AND kind = ANY($3::text[]))"
        " AS officers FROM facts WHERE $1::bigint IS NOT NULL AND revision >= $1",
        since,
        list(UNIT_KINDS),
        list(OFFICER_KINDS),
    )
    return int(row["horizon"]), set(row["units"] or ()), set(row["officers"] or ())


async def fact_subjects(conn: asyncpg.Connection, period: Period) -> list[tuple[str, str | None]]:
    """(unit_id, officer_id) of every fact of the period."""
    rows = await conn.fetch(
        "SELECT DISTINCT unit_id, officer_id FROM facts WHERE at >= $1 AND at < $2", period.start, period.end
    )
    return [(r["unit_id"], r["officer_id"]) for r in rows]


async def facts_of(conn: asyncpg.Connection, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Fact]:
    """The kept facts of (source, event_id), retracted or not."""
    if not keys:
        return {}
    rows = await conn.fetch(
        "SELECT f.source, f.event_id, f.kind, f.unit_id, f.officer_id, f.at, f.data::text AS data FROM facts f"
        " JOIN unnest($1::text[], $2::text[]) AS k(source, event_id) USING (source, event_id)",
        [k[0] for k in keys],
        [k[1] for k in keys],
    )
    return {
        (r["source"], r["event_id"]): Fact(r["kind"], r["unit_id"], r["officer_id"], r["at"], orjson.loads(r["data"]))
        for r in rows
    }
