"""HTTP face of the officers' tracking under Decree 335/2025: an officer's year, the tasks behind a period, a unit's
period (the unit's token, council or admin; an officer's own sheets also for that officer's token: nothing about a
named officer is public)."""

import re
from datetime import UTC, datetime
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Query

from schemas.http.scoring_tracking import OfficerTracking, TrackedTask, UnitTracking
from services.scoring import views
from services.scoring.adapters.tracking_store import unit_officers
from services.scoring.domain.tracking import period_year
from services.scoring.handlers.tracking import officer_view, officer_year, officers_years, task_json
from services.scoring.web import Caller, Service
from thidua.runtime.auth import Principal
from thidua.runtime.http import ApiError, refuse
from thidua.runtime.policy import may_see_officer, may_see_officers, officer_denial

PERIOD = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2]|Q[1-4])$")


def _period(label: str) -> str:
    if not PERIOD.match(label):
        raise refuse(422, "invalid period", "period", "a month 2026-03 or a quarter 2026-Q1")
    return label


def _allowed(principal: Principal | None, unit_id: str | None, officer_id: str | None = None) -> None:
    # An officer's own token reads that officer's sheets (never a unit's page): policy.may_see_officer.
    seen = (
        may_see_officers(principal, unit_id) if officer_id is None else may_see_officer(principal, officer_id, unit_id)
    )
    if not seen:
        status, error, message = officer_denial(principal)
        raise refuse(status, error, "Authorization", message)


def _unknown(officer_id: str) -> ApiError:
    return refuse(404, "unknown officer", "officer_id", f"{officer_id} is not registered")


router = APIRouter(prefix="/v1", tags=["tracking"])


@router.get(
    "/officers/{officer_id}/tracking",
    response_model=OfficerTracking,
    summary="An officer's Decree 335 tracking sheets and year rating",
)
async def officer_tracking(
    officer_id: str,
    year: Annotated[int, Query(ge=2000, le=2100)],
    service: Service,
    principal: Caller = None,
) -> dict[str, Any]:
    async with service.runtime.pool.acquire() as conn:
        _allowed(principal, await views.officer_home(conn, officer_id), officer_id)
        rules = await service.cache.active(conn)
        found = await officer_view(conn, officer_id, year, rules, datetime.now(UTC))
    if found is None:
        raise _unknown(officer_id)
    return found


@router.get(
    "/officers/{officer_id}/tracking/tasks",
    response_model=list[TrackedTask],
    summary="The dossiers and complaints behind a period's sheet",
)
async def officer_tasks(
    officer_id: str, period: str, service: Service, principal: Caller = None
) -> list[dict[str, Any]]:
    label = _period(period)
    async with service.runtime.pool.acquire() as conn:
        _allowed(principal, await views.officer_home(conn, officer_id), officer_id)
        rules = await service.cache.active(conn)
        found = await officer_year(conn, officer_id, period_year(label), rules, datetime.now(UTC))
    if found is None:
        raise _unknown(officer_id)
    return [task_json(unit, t) for unit, t in found.tasks.get(label, [])]


@router.get(
    "/units/{unit_id}/tracking",
    response_model=UnitTracking,
    summary="A unit's officers' Decree 335 sheets of a period",
)
async def unit_tracking(unit_id: str, period: str, service: Service, principal: Caller = None) -> dict[str, Any]:
    label = _period(period)
    _allowed(principal, unit_id)
    now = datetime.now(UTC)
    officers = []
    async with service.runtime.pool.acquire() as conn:
        rules = await service.cache.active(conn)
        found = await officers_years(conn, await _members(conn, unit_id), period_year(label), rules, now)
        for officer_id, y in found.items():
            sheet = next((s for s in y.sheet_json if s["period"] == label), None)
            if sheet is None or sheet["unit_id"] != unit_id:
                continue
            officers.append(
                {
                    "officer_id": officer_id,
                    "name": y.name,
                    "task_points": sheet["task_points"],
                    "general_points": sheet["general_points"],
                    "total": sheet["total"],
                    "below_complete": sheet["below_complete"],
                }
            )
    return {"unit_id": unit_id, "period": label, "rule_version": rules.version, "officers": officers}


async def _members(conn: asyncpg.Connection, unit_id: str) -> list[str]:
    return await unit_officers(conn, [unit_id])
