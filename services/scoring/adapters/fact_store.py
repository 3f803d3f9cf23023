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
            "UPDATE facts f SET retracted = true FROM unnest($1::text[], $2::text[]) AS k(source, event_id)"
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
    found = await culture_inputs_of_periods(conn, {"": (period, units)}, topics, weights, timelines)
    return found[""]


async def culture_inputs_of_periods(
    conn: asyncpg.Connection,
    wanted: Mapping[str, tuple[Period, Sequence[str]]],
    topics: Sequence[str],
    weights: Mapping[str, float],
    timelines: Mapping[str, list[Registration]] | None = None,
) -> dict[str, dict[str, dict[str, float]]]:
    """culture_inputs of several periods ({label: (period, units)}) in two statements, whatever their number (a
    unit pass asks for five periods: ten round trips, each waiting for the event loop, made it 60 ms longer)."""
    found = {label: {u: _no_culture() for u in units} for label, (_, units) in wanted.items()}
    every = sorted({u for _, units in wanted.values() for u in units})
    if not every:
        return found
    # The officers in each unit at the period's end (a transfer leaves the periods before it with the old unit).
    if timelines is None:
        timelines = await timelines_of_units(conn, every)
    for label, (period, units) in wanted.items():
        for unit, n in headcount(timelines, units, period.end).items():
            found[label][unit]["officers"] = n
    labels = list(wanted)
    starts = [wanted[label][0].start for label in labels]
    ends = [wanted[label][0].end for label in labels]
    rows = await conn.fetch(
        "SELECT p.label, f.unit_id,"
        " count(DISTINCT f.officer_id) FILTER (WHERE f.kind = 'training' AND f.data->>'topic' = ANY($4::text[]))"
        " AS trained,"
        " count(*) FILTER (WHERE f.kind = 'inspection') AS inspections,"
        " count(*) FILTER (WHERE f.kind = 'discipline') AS disciplined,"
        " coalesce(sum((SELECT sum(coalesce((x->>'count')::float8, 1)"
        "   * coalesce(($5::jsonb->>(x->>'code'))::float8, 1))"
        "   FROM jsonb_array_elements(f.data->'findings') x)) FILTER (WHERE f.kind = 'inspection'), 0) AS findings"
        " FROM unnest($6::text[], $2::timestamptz[], $3::timestamptz[]) AS p(label, start_at, end_at)"
        # Only the kinds counted here (a unit's returns, leaves and assessments are not read for its culture).
        " CROSS JOIN LATERAL (SELECT unit_id, officer_id, kind, data FROM facts WHERE unit_id = ANY($1::text[])"
        "  AND kind IN ('training', 'inspection', 'discipline') AND NOT retracted AND at >= p.start_at"
        "  AND at < p.end_at) f GROUP BY p.label, f.unit_id",
        every,
        starts,
        ends,
        list(topics),
        json.dumps(dict(weights)),
        labels,
    )
    for r in rows:
        if (got := found[r["label"]].get(r["unit_id"])) is not None:
            got.update(
                trained=r["trained"],
                inspections=r["inspections"],
                disciplined=r["disciplined"],
                findings=float(r["findings"]),
            )
    # The procedure catalogue as it stood at each period's end: the latest statement of each procedure counts.
    for r in await conn.fetch(
        "SELECT p.label, c.unit_id, count(*) FILTER (WHERE c.active) AS procedures,"
        " count(*) FILTER (WHERE c.active AND c.online) AS online,"
        " count(*) FILTER (WHERE c.active AND c.published) AS published"
        " FROM unnest($3::text[], $2::timestamptz[]) AS p(label, end_at) CROSS JOIN LATERAL"
        " (SELECT DISTINCT ON (unit_id, data->>'procedure_code') unit_id,"
        "  coalesce((data->>'active')::bool, true) AS active, (data->>'online')::bool AS online,"
        "  (data->>'published')::bool AS published FROM facts WHERE kind = 'catalogue'"
        "  AND unit_id = ANY($1::text[]) AND NOT retracted AND at < p.end_at"
        "  ORDER BY unit_id, data->>'procedure_code', at DESC, event_id DESC) c GROUP BY p.label, c.unit_id",
        every,
        ends,
        labels,
    ):
        if (got := found[r["label"]].get(r["unit_id"])) is not None:
            got.update(procedures=r["procedures"], procedures_online=r["online"], procedures_published=r["published"])
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
