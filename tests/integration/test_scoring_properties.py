"""Property: any permutation of a set of events, with repeats and any batching, gives the same standings
as applying each event once in order (real PostgreSQL, the service's own batch handler)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import asyncpg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.scoring.adapters.rulefiles import RulesCache, seed
from services.scoring.app import MIGRATIONS
from services.scoring.config import RULES
from services.scoring.handlers.consume import apply_batch
from services.scoring.handlers.rescore import rescore_dirty
from tests.integration.scoring_support import T, event, processed, records
from thidua.runtime.db import create_pool, prepare_schema
from thidua.testing.database import create_database
from thidua.testing.infra import Infrastructure

NOW = datetime(2025, 5, 5, 12, 0, tzinfo=UTC)
U, V = "P.01", "P.02"
EVENTS = [
    event("u1", "unit.registered", U, {"name": "Sở A", "level": "department", "cluster_id": "K"}),
    event("u2", "unit.registered", V, {"name": "Sở B", "level": "department", "cluster_id": "K"}),
    event("o1", "officer.registered", U, {"full_name": "A", "category": "civil_servant"}, officer="CB-1"),
    event(
        "r1",
        "procedure.received",
        U,
        {
            "dossier_code": "HS-1",
            "procedure_code": "1",
            "channel": "online",
            "received_at": f"2025-03-10T08:00:00{T}",
            "due_at": f"2025-03-14T17:00:00{T}",
            "fee_required": True,
        },
    ),
    processed(1, U, finished=f"2025-03-13T09:00:00{T}", code="HS-1"),
    event("rate1", "procedure.rated", U, {"dossier_code": "HS-1", "satisfied": False}),
    processed(2, U, finished=f"2025-04-02T09:00:00{T}", code="HS-2"),  # late, outlived March
    processed(3, V, finished=f"2025-03-12T09:00:00{T}", code="HS-3", supplement_requests=2),
    event(
        "open",
        "procedure.received",
        V,
        {
            "dossier_code": "HS-4",
            "procedure_code": "1",
            "channel": "counter",
            "received_at": f"2025-03-20T08:00:00{T}",
            "due_at": f"2025-03-25T17:00:00{T}",
            "fee_required": False,
        },
    ),
    event(
        "cr",
        "complaint.received",
        U,
        {"complaint_id": "PA-1", "category": "conduct", "received_at": f"2025-03-03T08:00:00{T}", "officer_id": "CB-1"},
    ),
    event(
        "cs",
        "complaint.resolved",
        U,
        {
            "complaint_id": "PA-1",
            "resolved_at": f"2025-03-05T08:00:00{T}",
            "outcome": "answered",
            "substantiated": True,
        },
    ),
    event("cf", "complaint.feedback", U, {"complaint_id": "PA-1", "satisfied": False, "re_complained": True}),
    event(
        "tr",
        "training.completed",
        U,
        {
            "course_code": "C",
            "title": "Văn hóa công sở",
            "hours": 6,
            "topic": "office_culture",
            "completed_at": f"2025-03-05T08:00:00{T}",
        },
        officer="CB-1",
    ),
    event("x2", "evidence.retracted", U, {"target_event_id": "e-2", "reason": "nhầm"}),
    event("xtr", "evidence.retracted", U, {"target_event_id": "e-tr", "reason": "nhầm"}),
]
TABLES = (
    "inbox, early_retractions, cases, counters, facts, units, officers, unit_scores, officer_scores, standings,"
    " outbox, dirty"
)


async def _snapshot(conn: asyncpg.Connection) -> dict[str, Any]:
    return {
        "counters": [
            tuple(r)
            for r in await conn.fetch(
                "SELECT subject_kind, subject_id, unit_id, period, counter, num, den FROM counters"
                " WHERE num <> 0 OR den <> 0 ORDER BY 1, 2, 3, 4, 5"
            )
        ],
        "units": [
            tuple(r)
            for r in await conn.fetch("SELECT unit_id, period, score, band, card::text FROM unit_scores ORDER BY 1, 2")
        ],
        "officers": [
            tuple(r)
            for r in await conn.fetch("SELECT officer_id, period, score, band FROM officer_scores ORDER BY 1, 2")
        ],
        "ranks": [
            tuple(r)
            for r in await conn.fetch(
                "SELECT subject_kind, subject_id, period, score, rank_in_cluster, rank_in_province FROM standings"
                " ORDER BY 1, 2, 3"
            )
        ],
    }


async def _run(url: str, batches: list[list[int]]) -> dict[str, Any]:
    pool = await create_pool(url, schema="scoring", max_size=1)
    try:
        async with pool.acquire() as conn:
            await conn.execute(f"TRUNCATE {TABLES}")
            rules = await RulesCache().active(conn)
            for batch in batches:
                await apply_batch(conn, records([EVENTS[i] for i in batch]), rules=rules, now=NOW)
                if len(batch) % 2:  # the rescorer sometimes runs between batches, sometimes not
                    while await rescore_dirty(conn, rules=rules, now=NOW):
                        pass
            while await rescore_dirty(conn, rules=rules, now=NOW):
                pass
            return await _snapshot(conn)
    finally:
        await pool.close()


async def _database(infra: Infrastructure) -> str:
    url = await create_database(infra.database_url)
    pool = await create_pool(url, schema="scoring", max_size=1)
    await prepare_schema(pool, schema="scoring", directory=MIGRATIONS)
    async with pool.acquire() as conn:
        await seed(conn, RULES)
    await pool.close()
    return url


@st.composite
def deliveries(draw: st.DrawFn) -> list[list[int]]:
    """A permutation of every event, some repeated, cut into batches."""
    order = draw(st.permutations(range(len(EVENTS))))
    repeats = draw(st.lists(st.sampled_from(range(len(EVENTS))), max_size=6))
    stream = list(order)
    for r in repeats:
        stream.insert(draw(st.integers(0, len(stream))), r)
    cuts = sorted(set(draw(st.lists(st.integers(1, len(stream) - 1), max_size=5))))
    return [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]


def test_any_order_with_repeats_gives_the_same_standings(infra: Infrastructure) -> None:
    url = asyncio.run(_database(infra))
    baseline = asyncio.run(_run(url, [[i] for i in range(len(EVENTS))]))
    assert baseline["counters"] and len(baseline["units"]) > 4 and baseline["ranks"]

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(deliveries())
    def same(batches: list[list[int]]) -> None:
        assert asyncio.run(_run(url, batches)) == baseline

    same()
