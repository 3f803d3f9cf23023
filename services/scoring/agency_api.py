"""HTTP face of an agency's own Decree 335/2025 rating (public: unit-level figures only, no officer named)."""

import json
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Query

from schemas.http.scoring_tracking import AgencyRating
from services.scoring import views
from services.scoring.domain.agency_rating import INDICES, HrRating, agency_rating
from services.scoring.web import Service
from thidua.runtime.http import refuse


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


router = APIRouter(prefix="/v1", tags=["scoring"])


@router.get(
    "/units/{unit_id}/agency-rating",
    response_model=AgencyRating,
    summary="A unit's own Decree 335/2025 rating of a year: TTHC results from the service index, the parts "
    "without evidence said, the HR office's rating beside (public)",
)
async def unit_agency_rating(
    unit_id: str, year: Annotated[int, Query(ge=2000, le=2100)], service: Service
) -> dict[str, Any]:
    async with service.runtime.pool.acquire() as conn:
        rules = await service.cache.active(conn)
        agency = rules.book.agency
        if not agency.applies(year):
            message = f"Decree 335/2025 rates agencies from {agency.effective_from.year}"
            raise refuse(422, "invalid year", "year", message)
        names = await views.unit_names(conn, [unit_id])
        if unit_id not in names:
            raise refuse(404, "unknown unit", "unit_id", f"{unit_id} is not registered")
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
