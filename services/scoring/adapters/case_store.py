"""Cases and their counters: the merged state of each dossier or complaint, the clock's queue, counter sums."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import asyncpg
import orjson

from services.scoring.domain.contributions import CounterKey
from services.scoring.domain.periods import Period


async def lock_cases(
    conn: asyncpg.Connection, keys: Iterable[tuple[str, str, str]]
) -> dict[tuple[str, str, str], tuple[dict[str, Any], datetime]]:
    """Load (state, as_of) of the cases, locking them for this transaction (in key order: no deadlocks)."""
    ordered = sorted(set(keys))
    if not ordered:
        return {}
    # One primary-key probe per key, locked in the keys' order: a join let the planner hash the whole table (a scan
    # of every case per batch, growing with the history).
    rows = await conn.fetch(
        "SELECT c.kind, c.unit_id, c.case_id, c.state::text AS state, c.as_of"
        " FROM unnest($1::text[], $2::text[], $3::text[]) AS k(kind, unit_id, case_id) CROSS JOIN LATERAL"
        " (SELECT * FROM cases c WHERE c.kind = k.kind AND c.unit_id = k.unit_id AND c.case_id = k.case_id"
        "  FOR UPDATE) c",
        [k[0] for k in ordered],
        [k[1] for k in ordered],
        [k[2] for k in ordered],
    )
    return {(r["kind"], r["unit_id"], r["case_id"]): (orjson.loads(r["state"]), r["as_of"]) for r in rows}


async def save_cases(
    conn: asyncpg.Connection,
    rows: Sequence[tuple[str, str, str, str, datetime | None, datetime | None, datetime, datetime | None]],
) -> None:
    """Upsert (kind, unit_id, case_id, state json, opened_at, closed_at, as_of, next_tick), stamped with the
    transaction's id (the rebuild's "written since"; the table's trigger then has nothing to do)."""
    if not rows:
        return
    ordered = sorted(rows, key=lambda r: (r[0], r[1], r[2]))
    await conn.execute(
        "INSERT INTO cases (kind, unit_id, case_id, state, opened_at, closed_at, as_of, next_tick, revision)"
        " SELECT k, u, c, s::jsonb, o, cl, a, n, (SELECT pg_current_xact_id()::text::bigint) FROM unnest($1::text[],"
        " $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[], $7::timestamptz[],"
        " $8::timestamptz[]) AS x(k, u, c, s, o, cl, a, n)"
        " ON CONFLICT (kind, unit_id, case_id) DO UPDATE SET state = EXCLUDED.state, opened_at = EXCLUDED.opened_at,"
        " closed_at = EXCLUDED.closed_at, as_of = EXCLUDED.as_of, next_tick = EXCLUDED.next_tick,"
        " revision = EXCLUDED.revision",
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


async def officer_counters(
    conn: asyncpg.Connection, subjects: Iterable[tuple[str, str]]
) -> tuple[dict[tuple[str, str], dict[str, tuple[float, float]]], dict[tuple[str, str], set[str]]]:
    """For the given (officer_id, period): its counters summed over units, and the units they were sent under, in
    one read (an officer pass read the same rows twice, the second time by a join that scanned every officer)."""
    pairs = sorted(set(subjects))
    sums: dict[tuple[str, str], dict[str, tuple[float, float]]] = {p: {} for p in pairs}
    units: dict[tuple[str, str], set[str]] = {p: set() for p in pairs}
    if not pairs:
        return sums, units
    rows = await conn.fetch(
        "SELECT k.subject_id, k.period, c.unit_id, c.counter, c.num, c.den"
        " FROM unnest($1::text[], $2::text[]) AS k(subject_id, period) CROSS JOIN LATERAL"
        " (SELECT unit_id, counter, num, den FROM counters WHERE subject_kind = 'officer'"
        "  AND subject_id = k.subject_id AND period = k.period) c",
        [p[0] for p in pairs],
        [p[1] for p in pairs],
    )
    for r in rows:
        key = (r["subject_id"], r["period"])
        units[key].add(r["unit_id"])
        num, den = sums[key].get(r["counter"], (0.0, 0.0))
        sums[key][r["counter"]] = (num + float(r["num"]), den + float(r["den"]))
    return sums, units
