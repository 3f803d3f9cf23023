"""The read side of the scoring API: standings, scorecards, the evidence behind a number, the rulebook (SQL only,
every value a parameter)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import asyncpg

from schemas.lineage import Reorganization
from services.scoring.domain.periods import Period


async def standings(conn: asyncpg.Connection, subject: str, period: str, group: str | None) -> list[asyncpg.Record]:
    """Ranked units (in a cluster, or the province when group is None) or officers (in a unit, or the province)."""
    return list(
        await conn.fetch(
            "SELECT CASE WHEN $3::text IS NULL THEN s.rank_in_province ELSE s.rank_in_cluster END AS rank,"
            " s.subject_id, coalesce(u.name, o.full_name) AS name, us.cluster_name, s.score, s.band,"
            " CASE WHEN $3::text IS NULL THEN s.previous_rank_in_province ELSE s.previous_rank_in_cluster END"
            " AS previous_rank, s.unit_id, s.cluster_id, s.rule_version, s.changed_at,"
            # The predecessors a unit's row combines (issue 24), kept on its scorecard.
            " (us.card->'combined')::text AS predecessors FROM standings s"
            " LEFT JOIN units u ON $1 = 'unit' AND u.unit_id = s.subject_id"
            # The cluster's name as of the period (clusters are rebuilt; a closed period keeps its own).
            " LEFT JOIN unit_scores us ON $1 = 'unit' AND us.unit_id = s.subject_id AND us.period = s.period"
            " LEFT JOIN officers o ON $1 = 'officer' AND o.officer_id = s.subject_id"
            " WHERE s.subject_kind = $1 AND s.period = $2"
            " AND ($3::text IS NULL OR $3 = CASE WHEN $1 = 'unit' THEN s.cluster_id ELSE s.unit_id END)"
            " ORDER BY 1, s.subject_id",
            subject,
            period,
            group,
        )
    )


async def unranked_units(conn: asyncpg.Connection, period: str, cluster: str | None) -> list[asyncpg.Record]:
    """Units scored without an emulation score (too few dossiers), with their count of finished dossiers."""
    return list(
        await conn.fetch(
            "SELECT s.unit_id, u.name, s.cluster_id, (s.card->'evidence'->>'dossiers_finished')::float8 AS dossiers"
            " FROM unit_scores s LEFT JOIN units u USING (unit_id) WHERE s.period = $1 AND s.score IS NULL"
            " AND ($2::text IS NULL OR s.cluster_id = $2) ORDER BY s.unit_id",
            period,
            cluster,
        )
    )


async def unit_card(conn: asyncpg.Connection, unit_id: str, period: str) -> asyncpg.Record | None:
    """A unit's stored scorecard with its name and the cluster it is ranked in for the period."""
    return await conn.fetchrow(
        "SELECT s.card::text AS card, s.updated_at, u.name, s.cluster_id, s.cluster_name FROM unit_scores s"
        " LEFT JOIN units u USING (unit_id) WHERE s.unit_id = $1 AND s.period = $2",
        unit_id,
        period,
    )


async def reorganizations(conn: asyncpg.Connection) -> list[Reorganization]:
    """Every reorganization that counts (not retracted)."""
    rows = await conn.fetch(
        "SELECT event, kind, predecessors, successors, at, decision_no FROM reorganizations WHERE NOT retracted"
        " ORDER BY at, event"
    )
    return [
        Reorganization(
            r["event"], r["kind"], tuple(r["predecessors"]), tuple(r["successors"]), r["at"], r["decision_no"]
        )
        for r in rows
    ]


async def unit_names(conn: asyncpg.Connection, units: Iterable[str]) -> dict[str, str]:
    """{unit_id: name} of the directory's units among the given ones."""
    rows = await conn.fetch("SELECT unit_id, name FROM units WHERE unit_id = ANY($1::text[])", sorted(set(units)))
    return {r["unit_id"]: r["name"] for r in rows}


async def fact_counts(
    conn: asyncpg.Connection, units: Sequence[str], kind: str, period: Period, tz: str
) -> list[asyncpg.Record]:
    """(month in the time zone tz, n) of the units' live facts of kind in the period (a unit and the predecessors
    its period combines)."""
    return list(
        await conn.fetch(
            "SELECT to_char(at AT TIME ZONE $5::text, 'YYYY-MM') AS month, count(*) AS n FROM facts"
            " WHERE unit_id = ANY($1::text[]) AND kind = $2 AND NOT retracted AND at >= $3 AND at < $4"
            " GROUP BY 1 ORDER BY 1",
            list(units),
            kind,
            period.start,
            period.end,
            tz,
        )
    )


async def facts(conn: asyncpg.Connection, units: Sequence[str], kind: str, period: Period) -> list[asyncpg.Record]:
    """The units' live facts of kind in the period, oldest first."""
    return list(
        await conn.fetch(
            "SELECT source, event_id, unit_id, officer_id, at, data::text AS data FROM facts"
            " WHERE unit_id = ANY($1::text[]) AND kind = $2 AND NOT retracted AND at >= $3 AND at < $4"
            " ORDER BY at, source, event_id",
            list(units),
            kind,
            period.start,
            period.end,
        )
    )


async def unit_cases(conn: asyncpg.Connection, units: Sequence[str], period: Period) -> list[asyncpg.Record]:
    """The units' cases open at some moment of the period, with their state and when they were last judged."""
    return list(
        await conn.fetch(
            "SELECT kind, unit_id, case_id, state::text AS state, as_of FROM cases WHERE unit_id = ANY($1::text[])"
            " AND (opened_at IS NULL OR opened_at < $3) AND (closed_at IS NULL OR closed_at >= $2)"
            " ORDER BY case_id, unit_id",
            list(units),
            period.start,
            period.end,
        )
    )


async def officer_card(conn: asyncpg.Connection, officer_id: str, period: str) -> asyncpg.Record | None:
    """An officer's stored scorecard with the unit it was scored in and the officer's name."""
    return await conn.fetchrow(
        "SELECT s.card::text AS card, s.unit_id, s.updated_at, o.full_name FROM officer_scores s"
        " LEFT JOIN officers o USING (officer_id) WHERE s.officer_id = $1 AND s.period = $2",
        officer_id,
        period,
    )


async def officer_home(conn: asyncpg.Connection, officer_id: str) -> str | None:
    """The unit the directory places the officer in."""
    unit: str | None = await conn.fetchval("SELECT unit_id FROM officers WHERE officer_id = $1", officer_id)
    return unit


async def active_rulebook(conn: asyncpg.Connection) -> asyncpg.Record | None:
    """The active rulebook as stored (version, content, activated_at)."""
    return await conn.fetchrow(
        "SELECT version, content::text AS content, activated_at FROM rulebooks"
        " WHERE activated_at IS NOT NULL ORDER BY activated_at DESC LIMIT 1"
    )


async def rulebook_content(conn: asyncpg.Connection, version: str) -> str | None:
    """A stored rulebook's content (JSON text) by version, active or not."""
    content: str | None = await conn.fetchval("SELECT content::text FROM rulebooks WHERE version = $1", version)
    return content
