"""Scores and standings: what the rescorer keeps, its queue of subjects to score again, the leaderboard."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg


async def officer_periods_scored(conn: asyncpg.Connection, officers: Sequence[str]) -> list[tuple[str, str, str]]:
    """(officer_id, unit_id, period) of every period the officers are scored in."""
    rows = await conn.fetch(
        "SELECT officer_id, unit_id, period FROM officer_scores WHERE officer_id = ANY($1::text[])", list(officers)
    )
    return [(r["officer_id"], r["unit_id"], r["period"]) for r in rows]


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
    """Queue (kind, subject, unit, period) for the rescorer: an append, never an update (a subject the rescorer is
    working on does not hold the batch up; its rows are coalesced when taken)."""
    if not rows:
        return
    unique = sorted(set(rows))
    await conn.execute(
        "INSERT INTO dirty (subject_kind, subject_id, unit_id, period, accepted_at)"
        " SELECT k, s, u, p, $5 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS x(k, s, u, p)",
        *[[r[i] for r in unique] for i in range(4)],
        accepted_at,
    )


async def take_dirty(conn: asyncpg.Connection, kind: str, limit: int) -> list[asyncpg.Record]:
    """Claim the `limit` queued standings of kind with the oldest evidence, every queued row of each, for this
    transaction; one row per (subject, unit, period) with its oldest evidence time. None while another rescorer of
    kind holds its pass (it takes what is queued; rows queued meanwhile wait for the next pass)."""
    if not await conn.fetchval("SELECT pg_try_advisory_xact_lock(hashtext('scoring.dirty'), hashtext($1))", kind):
        return []
    # Chosen by standing, not by row: a standing queued by many batches leaves the queue in one pass (an index
    # lookup per standing, whatever the planner thinks of a queue that grew since its last statistics).
    return list(
        await conn.fetch(
            "WITH chosen AS (SELECT subject_id, period FROM dirty WHERE subject_kind = $1 GROUP BY subject_id, period"
            " ORDER BY min(accepted_at), subject_id, period LIMIT $2),"
            " taken AS (DELETE FROM dirty d USING chosen c WHERE d.subject_kind = $1 AND d.subject_id = c.subject_id"
            " AND d.period = c.period RETURNING d.*)"
            " SELECT subject_kind, subject_id, unit_id, period, min(accepted_at) AS accepted_at FROM taken"
            " GROUP BY subject_kind, subject_id, unit_id, period ORDER BY 5, 2, 4",
            kind,
            limit,
        )
    )


async def drop_first_dirty(conn: asyncpg.Connection, kind: str) -> asyncpg.Record | None:
    """Take the first queued subject of kind off the queue, every row of it (one that cannot be scored); return
    it."""
    first = await conn.fetchrow(
        "SELECT subject_kind, subject_id, unit_id, period, accepted_at FROM dirty WHERE subject_kind = $1"
        " ORDER BY accepted_at, id LIMIT 1",
        kind,
    )
    if first is not None:
        await conn.execute(
            "DELETE FROM dirty WHERE subject_kind = $1 AND subject_id = $2 AND period = $3",
            kind,
            first["subject_id"],
            first["period"],
        )
    return first


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


async def unit_scores_in(conn: asyncpg.Connection, period: str) -> dict[str, float]:
    """Score of every unit scored in the period (an unranked unit, whose score is NULL, has none)."""
    rows = await conn.fetch("SELECT unit_id, score FROM unit_scores WHERE period = $1 AND score IS NOT NULL", period)
    return {r["unit_id"]: float(r["score"]) for r in rows}


async def officers_scored(conn: asyncpg.Connection, period: str) -> list[tuple[str, str]]:
    """(officer_id, unit_id) of every officer scored in the period."""
    rows = await conn.fetch("SELECT officer_id, unit_id FROM officer_scores WHERE period = $1", period)
    return [(r["officer_id"], r["unit_id"]) for r in rows]


async def wake_rescorer(conn: asyncpg.Connection) -> None:
    """Delivered at commit: wakes a rescorer running in another process at once."""
    await conn.execute("SELECT pg_notify('scoring_dirty', '')")
