"""The inbox of accepted evidence: which events are new, what each touched, retractions that came first."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import asyncpg


async def claim(
    conn: asyncpg.Connection, rows: Sequence[tuple[str, str, str, str, str | None, int | None]]
) -> set[tuple[str, str]]:
    """Record (source, event_id, type, unit_id, target, ledger_seq) in the inbox; return the keys that are new."""
    if not rows:
        return set()
    # Nearly always every row is new: then one count comes back instead of a row per event.
    found = await conn.fetchrow(
        "WITH new AS (INSERT INTO inbox (source, event_id, type, unit_id, target, ledger_seq)"
        " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])"
        " ON CONFLICT DO NOTHING RETURNING source, event_id)"
        " SELECT count(*) AS n, CASE WHEN count(*) < $7 THEN array_agg(source) END AS sources,"
        " CASE WHEN count(*) < $7 THEN array_agg(event_id) END AS ids FROM new",
        *[[r[i] for r in rows] for i in range(6)],
        len(rows),
    )
    if found is None:  # an aggregate always answers one row
        raise RuntimeError("the inbox claim answered no row")
    if found["n"] == len(rows):  # every row inserted: the keys were distinct and all new
        return {(r[0], r[1]) for r in rows}
    return set(zip(found["sources"] or [], found["ids"] or [], strict=True))


async def targets(conn: asyncpg.Connection, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str | None]:
    """What each (source, event_id) touched, for the ones the inbox knows."""
    pairs = sorted(set(keys))
    if not pairs:
        return {}
    # One primary-key probe per key (OFFSET 0 keeps it a nested loop): a join could hash the whole inbox.
    rows = await conn.fetch(
        "SELECT k.source, k.event_id, i.target FROM unnest($1::text[], $2::text[]) AS k(source, event_id)"
        " CROSS JOIN LATERAL (SELECT target FROM inbox i WHERE i.source = k.source AND i.event_id = k.event_id"
        " OFFSET 0) i",
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
