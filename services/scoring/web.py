"""What scoring's routes depend on, taken from the app they run in: its state, the caller, the period asked for."""

# No `from __future__ import annotations`: FastAPI reads these dependencies' annotations at import time.
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, FastAPI, Header, Request

from services.scoring.adapters.rulefiles import RulesCache
from services.scoring.domain.periods import Period, parse_period
from thidua.runtime.auth import Principal
from thidua.runtime.http import bearer, refuse
from thidua.runtime.service import Runtime


@dataclass(frozen=True)
class Scoring:
    """The service's parts its routes use: set once by create_app on `app.state.scoring`."""

    runtime: Runtime
    cache: RulesCache
    alert_points: float  # reconciliation: a service index this far from the official one alerts the unit
    wake_relay: Callable[[], None]  # after a commit that wrote to the outbox


def attach(app: FastAPI, scoring: Scoring) -> None:
    """Give the app's routes the service's parts."""
    app.state.scoring = scoring


def scoring_of(request: Request) -> Scoring:
    """The service's parts, from the app serving the request."""
    found: Scoring = request.app.state.scoring
    return found


Service = Annotated[Scoring, Depends(scoring_of)]


async def caller(service: Service, authorization: Annotated[str | None, Header()] = None) -> Principal | None:
    """The caller's Principal, None without a token, 401 for an unknown one (thidua.runtime.http.bearer)."""
    return await bearer(service.runtime)(authorization)


Caller = Annotated[Principal | None, Depends(caller)]


async def known_period(service: Scoring, label: str) -> Period:
    """The period, a stage only of the active rulebook's movements; 422 naming `period` otherwise (called in the
    route, after FastAPI's own checks of the request, so those answer first as they always have)."""
    async with service.runtime.pool.acquire() as conn:
        rules = await service.cache.active(conn)
    try:
        return parse_period(label, rules.book.stages)
    except ValueError as exc:
        raise refuse(422, "invalid period", "period", str(exc)) from exc
