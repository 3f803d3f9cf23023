"""The SQL of `thidua scoring rebuild`: a snapshot of the cases streamed without blocking writers, the cases written
since a snapshot, the staged counters and the switch that copies them into counters."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

import asyncpg

from services.scoring.domain.replay import CaseRow

CaseKey = tuple[str, str, str]  # kind, unit_id, case_id
_COLUMNS = "kind, unit_id, case_id, state::text AS state, as_of, opened_at, closed_at"
_SPAN = "(opened_at IS NULL OR opened_at < $2) AND (closed_at IS NULL OR closed_at >= $1)"
_KEY = "subject_kind, subject_id, unit_id, period, counter"
REBUILD_LOCK = 0x7468_6964_7561_5242  # advisory lock: one rebuild at a time


async def try_lock_rebuild(conn: asyncpg.Connection) -> bool:
    """Take the session's rebuild lock unless another rebuild holds it."""
    return bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", REBUILD_LOCK))


async def unlock_rebuild(conn: asyncpg.Connection) -> None:
    await conn.execute("SELECT pg_advisory_unlock($1)", REBUILD_LOCK)


async def as_stored(conn: asyncpg.Connection, doc: dict[str, Any]) -> dict[str, Any]:
    """The rulebook document as the database will give it back (jsonb orders keys: scorecards list indicators in
    that order, so a rebuild must judge with the stored form)."""
    return dict(json.loads(await conn.fetchval("SELECT $1::jsonb::text", json.dumps(doc, ensure_ascii=False))))


async def periods_present(conn: asyncpg.Connection) -> list[str]:
    """Every period that has counters or scores."""
    rows = await conn.fetch(
        "SELECT period FROM (SELECT DISTINCT period FROM counters UNION SELECT DISTINCT period FROM unit_scores"
        " UNION SELECT DISTINCT period FROM officer_scores) p ORDER BY period"
    )
    return [r["period"] for r in rows]


async def snapshot(conn: asyncpg.Connection) -> str:
    """The transaction's snapshot (call first thing in a REPEATABLE READ transaction: it is the one it reads)."""
    return str(await conn.fetchval("SELECT pg_current_snapshot()::text"))


async def count_cases(conn: asyncpg.Connection, start: datetime, end: datetime) -> int:
    """How many cases were open at some moment of [start, end)."""
    return int(await conn.fetchval(f"SELECT count(*) FROM cases WHERE {_SPAN}", start, end))


async def stream_cases(
    conn: asyncpg.Connection, start: datetime, end: datetime, *, chunk: int
) -> AsyncIterator[list[CaseRow]]:
    """The cases open at some moment of [start, end), `chunk` rows at a time through a server-side cursor (inside
    the caller's transaction)."""
    cursor = await conn.cursor(f"SELECT {_COLUMNS} FROM cases WHERE {_SPAN}", start, end)
    while rows := await cursor.fetch(chunk):
        yield [tuple(r) for r in rows]


async def export_snapshot(conn: asyncpg.Connection) -> tuple[str, int]:
    """Export the transaction's snapshot for other sessions, with the cases table's size in blocks."""
    row = await conn.fetchrow(
        "SELECT pg_export_snapshot() AS id, pg_relation_size('cases') / current_setting('block_size')::int AS blocks"
    )
    assert row is not None
    return str(row["id"]), int(row["blocks"])


def read_blocks(
    url: str, exported: str, blocks: tuple[int, int | None], start: datetime, end: datetime
) -> list[CaseRow]:
    """In a worker process: the cases open at some moment of [start, end) stored in the block range [first, last)
    (last None: to the end), read in the exported snapshot over a connection of its own."""

    async def read() -> list[CaseRow]:
        conn = await asyncpg.connect(url, server_settings={"search_path": "scoring,public"})
        try:
            async with conn.transaction(isolation="repeatable_read", readonly=True):
                await conn.execute(f"SET TRANSACTION SNAPSHOT '{exported}'")
                first, last = blocks
                upper = "" if last is None else f" AND ctid < '({last},0)'::tid"
                rows = await conn.fetch(
                    f"SELECT {_COLUMNS} FROM cases WHERE ctid >= '({first},0)'::tid{upper} AND {_SPAN}", start, end
                )
        finally:
            await conn.close()
        return [tuple(r) for r in rows]

    return asyncio.run(read())


async def cases_written_since(conn: asyncpg.Connection, taken: str) -> list[CaseKey]:
    """Keys of the cases written by transactions the snapshot `taken` does not see (committed since, or running
    then), as this transaction sees them."""
    rows = await conn.fetch(
        "SELECT kind, unit_id, case_id FROM cases"
        " WHERE revision >= pg_snapshot_xmin($1::text::pg_snapshot)::text::bigint"
        " AND NOT pg_visible_in_snapshot(revision::text::xid8, $1::text::pg_snapshot) ORDER BY 1, 2, 3",
        taken,
    )
    return [(r["kind"], r["unit_id"], r["case_id"]) for r in rows]


async def cases_by_key(conn: asyncpg.Connection, keys: Sequence[CaseKey]) -> list[CaseRow]:
    """The cases of the keys, as this connection's transaction sees them (absent ones are left out)."""
    if not keys:
        return []
    rows = await conn.fetch(
        f"SELECT {', '.join('c.' + c for c in _COLUMNS.split(', '))} FROM cases c"
        " JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(kind, unit_id, case_id) USING (kind, unit_id, case_id)",
        [k[0] for k in keys],
        [k[1] for k in keys],
        [k[2] for k in keys],
    )
    return [tuple(r) for r in rows]


async def stage_counters(
    conn: asyncpg.Connection, rows: Sequence[tuple[str, str, str, str, str, float, float]]
) -> None:
    """Replace the staged counters with rows (COPY: one round trip per few thousand rows)."""
    await conn.execute("TRUNCATE rebuild_counters")
    await conn.copy_records_to_table("rebuild_counters", records=rows)
    await conn.execute("ANALYZE rebuild_counters")


async def add_staged(conn: asyncpg.Connection, rows: Sequence[tuple[str, str, str, str, str, float, float]]) -> None:
    """Add (catch-up) deltas to the staged counters."""
    if not rows:
        return
    await conn.execute(
        f"INSERT INTO rebuild_counters ({_KEY}, num, den)"
        " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::float8[])"
        f" ON CONFLICT ({_KEY}) DO UPDATE SET num = rebuild_counters.num + EXCLUDED.num,"
        " den = rebuild_counters.den + EXCLUDED.den",
        *[[r[i] for r in rows] for i in range(7)],
    )


async def lock_writers(conn: asyncpg.Connection) -> None:
    """The switch's locks: writers (the consumer, the clock) wait until the transaction ends; readers go on.
    The rulebook first: writers take it first (postgres.hold_rulebook), so neither side waits holding the other."""
    await conn.execute(
        "LOCK TABLE rulebooks, cases, counters, facts, unit_scores, officer_scores, standings"
        " IN SHARE ROW EXCLUSIVE MODE"
    )


async def switch_counters(conn: asyncpg.Connection, periods: Sequence[str]) -> int:
    """Make the counters of the periods what is staged, writing only the rows that differ; return how many."""
    removed = await conn.fetchval(
        "WITH gone AS (DELETE FROM counters c WHERE c.period = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM"
        " rebuild_counters s WHERE (s.subject_kind, s.subject_id, s.unit_id, s.period, s.counter)"
        " = (c.subject_kind, c.subject_id, c.unit_id, c.period, c.counter) AND (s.num <> 0 OR s.den <> 0))"
        " RETURNING 1) SELECT count(*) FROM gone",
        list(periods),
    )
    written = await conn.fetchval(
        "WITH put AS (INSERT INTO counters SELECT s.* FROM rebuild_counters s LEFT JOIN counters c"
        " USING (subject_kind, subject_id, unit_id, period, counter)"
        " WHERE (s.num <> 0 OR s.den <> 0) AND (c.num IS DISTINCT FROM s.num OR c.den IS DISTINCT FROM s.den)"
        f" ON CONFLICT ({_KEY}) DO UPDATE SET num = EXCLUDED.num, den = EXCLUDED.den RETURNING 1)"
        " SELECT count(*) FROM put"
    )
    return int(removed) + int(written)


async def retick(conn: asyncpg.Connection, now: datetime) -> int:
    """Make every open case, and every closed one still waiting for a tick, due for the clock at now."""
    status: str = await conn.execute(
        "UPDATE cases SET next_tick = $1 WHERE (next_tick IS NOT NULL AND next_tick > $1)"
        " OR (next_tick IS NULL AND closed_at IS NULL)",
        now,
    )
    return int(status.rsplit(" ", 1)[-1])


async def subjects_of(conn: asyncpg.Connection, periods: Sequence[str]) -> list[tuple[str, str, str, str]]:
    """(kind, subject_id, unit_id, period) of every subject scored, counted or with facts in the periods (the ones a
    rebuild rescores), read from the staged counters, the scores and the facts."""
    rows = await conn.fetch(
        "SELECT DISTINCT subject_kind, subject_id, unit_id, period FROM rebuild_counters"
        " UNION SELECT 'unit', unit_id, unit_id, period FROM unit_scores WHERE period = ANY($1::text[])"
        " UNION SELECT 'officer', officer_id, unit_id, period FROM officer_scores WHERE period = ANY($1::text[])",
        list(periods),
    )
    return [(r["subject_kind"], r["subject_id"], r["unit_id"], r["period"]) for r in rows]


async def fact_subjects(
    conn: asyncpg.Connection, start: datetime, end: datetime
) -> list[tuple[str, str | None, datetime]]:
    """(unit_id, officer_id, month) of the facts in [start, end), one row per subject and month."""
    rows = await conn.fetch(
        "SELECT DISTINCT unit_id, officer_id, date_trunc('month', at, 'Asia/Ho_Chi_Minh') AS month"
        " FROM facts WHERE at >= $1 AND at < $2",
        start,
        end,
    )
    return [(r["unit_id"], r["officer_id"], r["month"]) for r in rows]


async def unit_scores_of(conn: asyncpg.Connection, periods: Sequence[str]) -> dict[tuple[str, str], float]:
    """{(unit, period): score} of the units scored in the periods (an unranked unit has none)."""
    rows = await conn.fetch(
        "SELECT unit_id, period, score FROM unit_scores WHERE period = ANY($1::text[]) AND score IS NOT NULL",
        list(periods),
    )
    return {(r["unit_id"], r["period"]): float(r["score"]) for r in rows}
