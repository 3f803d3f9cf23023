"""HTTP face of scoring's scorecards: a unit's, what it takes to reach the next band, an officer's."""

import json
from typing import Any

import asyncpg
from fastapi import APIRouter

from schemas.http.scoring import NextBand, OfficerScorecard, UnitScorecard
from schemas.lineage import Reorganization, ceased, listed
from services.scoring import views
from services.scoring.adapters.rulefiles import RulesCache
from services.scoring.domain.lineage import ended_message, lineage_json, lineage_units
from services.scoring.domain.next_band import MAX_SUCCESSES, inputs_from_card, what_it_takes
from services.scoring.domain.periods import Period
from services.scoring.domain.rulebook import build_rulebook
from services.scoring.web import Caller, Service, known_period
from thidua.runtime.http import ApiError, refuse
from thidua.runtime.policy import may_see_officer, officer_denial

router = APIRouter(prefix="/v1", tags=["scoring"])


def _found(row: asyncpg.Record | None, unit_id: str, period: str) -> asyncpg.Record:
    """A unit's stored scorecard, or 404 as every scorecard endpoint answers without one."""
    if row is None:
        raise refuse(404, "no score for this unit and period", "unit_id", f"{unit_id} has no evidence in {period}")
    return row


async def listed_card(
    conn: asyncpg.Connection, unit_id: str, period: Period, cache: RulesCache
) -> tuple[asyncpg.Record, list[Reorganization]]:
    """A unit's stored scorecard and the reorganizations; 404 naming what the unit became when the period no
    longer lists it (folded into a successor, split, dissolved), else 404 without a score."""
    changes = await views.reorganizations(conn)
    ended = ceased(unit_id, changes)
    if ended is not None:
        mode = (await cache.active(conn)).book.year_of_change
        if not listed(unit_id, period.start, period.end, changes, mode):
            names = await views.unit_names(conn, ended.successors)
            refused = refuse(
                404, "unit not listed in this period", "unit_id", ended_message(unit_id, ended, period.label, names)
            )
            if len(ended.successors) == 1:  # a machine-readable pointer for readers such as the dashboard
                refused.details[0]["successor"] = ended.successors[0]
            raise refused
    return _found(await views.unit_card(conn, unit_id, period.label), unit_id, period.label), changes


@router.get(
    "/units/{unit_id}/scorecard",
    response_model=UnitScorecard,
    response_model_exclude_unset=True,
    summary="Every indicator of a unit with the counts behind it",
)
async def unit_scorecard(unit_id: str, period: str, service: Service) -> dict[str, Any]:
    p = await known_period(service, period)
    async with service.runtime.pool.acquire() as conn:
        row, changes = await listed_card(conn, unit_id, p, service.cache)
        card = json.loads(row["card"])
        combined = card.pop("combined", [])
        mode = card.pop("year_of_change", None)
        lineage = None
        if changes:
            mode = mode or (await service.cache.active(conn)).book.year_of_change
            names = await views.unit_names(conn, lineage_units(unit_id, changes))
            lineage = lineage_json(unit_id, changes, names, combined, mode)
    return {
        **card,
        "name": row["name"],
        "cluster_id": row["cluster_id"],
        "cluster_name": row["cluster_name"],
        "as_of": row["updated_at"],
        **({"lineage": lineage} if lineage is not None else {}),
    }


@router.get(
    "/units/{unit_id}/scorecard/next-band",
    response_model=NextBand,
    summary="What it takes to reach the next band: per indicator of the unit's scorecard, whether it is capped and "
    "the fewest more successes this period that alone lift the unit there (public, unit-level figures only)",
)
async def next_band(unit_id: str, period: str, service: Service) -> dict[str, Any]:
    p = await known_period(service, period)
    async with service.runtime.pool.acquire() as conn:
        row, _ = await listed_card(conn, unit_id, p, service.cache)
        card = json.loads(row["card"])
        book = (await service.cache.active(conn)).book
        if card["rule_version"] != book.version:  # scored under an earlier rulebook: answer under that one
            content = await views.rulebook_content(conn, card["rule_version"])
            if content is None:
                raise ApiError(503, "the rulebook this scorecard was computed under is not stored")
            book = build_rulebook(json.loads(content))
    answer = what_it_takes(unit_id, period, inputs_from_card(card, book), book)
    return {
        **answer.as_json(),
        "name": row["name"],
        "cluster_id": row["cluster_id"],
        "as_of": row["updated_at"],
        "max_successes": MAX_SUCCESSES,
    }


@router.get(
    "/officers/{officer_id}/scorecard",
    response_model=OfficerScorecard,
    summary="An officer's evidence-based score (token required)",
)
async def officer_scorecard(officer_id: str, period: str, service: Service, principal: Caller = None) -> dict[str, Any]:
    await known_period(service, period)
    async with service.runtime.pool.acquire() as conn:
        row = await views.officer_card(conn, officer_id, period)
        # Without a score in the period the directory says whose officer it is (the unit may ask).
        home = row["unit_id"] if row else await views.officer_home(conn, officer_id)
    if not may_see_officer(principal, officer_id, home):  # the officer's own token too
        status, error, message = officer_denial(principal)
        raise refuse(status, error, "Authorization", message)
    if row is None:
        raise refuse(404, "no score for this officer and period", "officer_id", f"no evidence in {period}")
    return {
        **json.loads(row["card"]),
        "unit_id": row["unit_id"],
        "name": row["full_name"],
        "as_of": row["updated_at"],
    }
