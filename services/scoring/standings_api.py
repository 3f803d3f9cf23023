"""HTTP face of scoring's standings and of the active rulebook."""

import json
from typing import Annotated, Any, Literal

import asyncpg
from fastapi import APIRouter, Query

from schemas.http.scoring import Rulebook, Standings
from services.scoring import views
from services.scoring.domain.rulebook import Movement, build_rulebook
from services.scoring.domain.scorecard import INSUFFICIENT
from services.scoring.web import Caller, Service, known_period
from thidua.runtime.http import ApiError, refuse
from thidua.runtime.policy import may_see_officers, officer_denial

router = APIRouter(prefix="/v1", tags=["scoring"])


@router.get(
    "/standings",
    response_model=Standings,
    response_model_exclude_unset=True,
    summary="Ranked units (public) or officers (the unit's token, council or admin)",
)
async def standings(
    service: Service,
    period: str,
    cluster: str | None = None,
    subject: Annotated[Literal["unit", "officer"], Query()] = "unit",
    unit: str | None = None,
    principal: Caller = None,
) -> dict[str, Any]:
    await known_period(service, period)
    if subject == "officer" and not may_see_officers(principal, unit):
        status, error, message = officer_denial(principal)
        raise refuse(status, error, "Authorization", message)
    by_group = cluster if subject == "unit" else unit
    async with service.runtime.pool.acquire() as conn:
        rows = await views.standings(conn, subject, period, by_group or None)
        rules = await service.cache.active(conn)
        unranked = [] if subject != "unit" else await views.unranked_units(conn, period, cluster)
    return {
        "period": period,
        "subject": subject,
        "cluster": cluster,
        "unit": unit,
        "rule_version": rows[0]["rule_version"] if rows else rules.version,
        "as_of": max((r["changed_at"] for r in rows), default=None),
        "rows": [_row(r, subject) for r in rows],
        # Not ranked: too few dossiers for the service index (rulebook index.min_dossiers).
        "unranked": [
            {
                "subject_id": r["unit_id"],
                "name": r["name"],
                "cluster_id": r["cluster_id"],
                "status": "insufficient_data",
                "status_label": INSUFFICIENT,
                "dossiers": r["dossiers"],
                "min_dossiers": rules.book.min_dossiers,
            }
            for r in unranked
        ],
    }


def _row(r: asyncpg.Record, subject: str) -> dict[str, Any]:
    """One ranked unit or officer."""
    return {
        "rank": r["rank"],
        "subject_id": r["subject_id"],
        "name": r["name"],
        "score": r["score"],
        "band": r["band"],
        "previous_rank": r["previous_rank"],
        "unit_id": r["unit_id"],
        "cluster_id": r["cluster_id"],
        "cluster_name": r["cluster_name"],
        # Units: the predecessors this row combines (issue 24), [] when none; officers: absent.
        **({"predecessors": json.loads(r["predecessors"] or "[]")} if subject == "unit" else {}),
    }


def movement_json(m: Movement) -> dict[str, Any]:
    """A configured movement as the API lists it: its period label and its stages' (unconfirmed dates marked)."""
    return {
        "code": m.code,
        "name": m.name,
        "source": m.source,
        "period": m.label,
        "closed": m.closed,
        "titles": list(m.titles),
        "indicators": list(m.indicators),
        "stages": [{"name": s.name, "period": s.label, "confirmed": s.confirmed} for s in m.stages],
    }


@router.get(
    "/rulebook",
    response_model=Rulebook,
    summary="The active rulebook (indicators, weights, bands, calendar, movements and their stages)",
)
async def rulebook(service: Service) -> dict[str, Any]:
    async with service.runtime.pool.acquire() as conn:
        row = await views.active_rulebook(conn)
    if row is None:
        raise ApiError(503, "no rulebook active yet")
    content = json.loads(row["content"])
    book = build_rulebook(content)
    return {
        "version": row["version"],
        "activated_at": row["activated_at"],
        "content": content,
        # The periods the movements add (GET /v1/standings?period=): every stage label, then each movement's.
        "stages": sorted(book.stages.labels),
        "movements": [movement_json(m) for m in book.movements],
    }
