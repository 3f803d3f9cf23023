"""HTTP face of an agency's own Decree 335/2025 rating (public: unit-level figures only, no officer named)."""

import json
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Query

from services.scoring import views
from services.scoring.adapters.rulefiles import RulesCache
from services.scoring.domain.agency_rating import INDICES, HrRating, agency_rating
from thidua.runtime.http import ApiError
from thidua.runtime.service import Runtime


async def unit_hr_rating(conn: asyncpg.Connection, unit_id: str, year: int) -> HrRating | None:
    """The HR office's latest live rating of the unit itself for the year (evaluation.recorded without an officer)."""
    row = await conn.fetchrow(
        "SELECT source, event_id, data::text AS data FROM facts WHERE kind = 'evaluation' AND unit_id = $1"
        " AND officer_id IS NULL AND NOT retracted AND data->>'year' = $2 ORDER BY at DESC, event_id DESC LIMIT 1",
        unit_id,
        str(year),
    )
    if row is None:
        return None
    data = json.loads(row["data"])
    score = data.get("score")
    return HrRating(
        str(data["level"]), float(score) if score is not None else None, f"{row['source']}:{row['event_id']}"
    )


def router(runtime: Runtime, cache: RulesCache) -> APIRouter:
    """The agency-rating endpoint under /v1."""
    api = APIRouter(prefix="/v1", tags=["scoring"])

    @api.get(
        "/units/{unit_id}/agency-rating",
        summary="A unit's own Decree 335/2025 rating of a year: TTHC results from the service index, the parts "
        "without evidence said, the HR office's rating beside (public)",
    )
    async def unit_agency_rating(unit_id: str, year: Annotated[int, Query(ge=2000, le=2100)]) -> dict[str, Any]:
        async with runtime.pool.acquire() as conn:
            rules = await cache.active(conn)
            agency = rules.book.agency
            if not agency.applies(year):
                raise ApiError(
                    422,
                    "invalid year",
                    [{"field": "year", "message": f"Decree 335/2025 rates agencies from {agency.effective_from.year}"}],
                )
            names = await views.unit_names(conn, [unit_id])
            if unit_id not in names:
                raise ApiError(404, "unknown unit", [{"field": "unit_id", "message": f"{unit_id} is not registered"}])
            row = await views.unit_card(conn, unit_id, str(year))
            hr = await unit_hr_rating(conn, unit_id, year)
        card = json.loads(row["card"]) if row else {}
        indices = {name: card.get(name) for name in INDICES}
        rating = agency_rating(unit_id, year, indices, hr, agency)
        return {
            **rating.as_json(),
            "name": names[unit_id],
            "rule_version": card.get("rule_version", rules.version),
            "scorecard_period": str(year) if row else None,
            "as_of": row["updated_at"] if row else None,
        }

    return api
