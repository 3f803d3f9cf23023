"""The routes every service answers alike: probes, metrics, who a token speaks for, sign-ins and parked records."""

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, ConfigDict, Field

from schemas.http.common import SignIn, Whoami
from schemas.http.operations import Parked, Replayed
from thidua.runtime import identity_rules
from thidua.runtime.auth import Principal
from thidua.runtime.callers import OptionalCaller, is_admin, principal_of, refuse, require, runtime_of
from thidua.runtime.policy import ANY_ROLE

router = APIRouter()


class ReplayRequest(BaseModel):
    """Which parked records to replay: some ids, or all open ones."""

    model_config = ConfigDict(extra="forbid")

    ids: list[int] = Field(default_factory=list, max_length=10000)
    all: bool = False


def who_body(who: Principal) -> dict[str, Any]:
    """GET /v1/whoami's answer: the role and what it speaks for; subject for a provider's person."""
    return {
        "role": who.role,
        "unit_id": who.unit_id,
        "source": who.source,
        "officer_id": who.officer_id,
        "token_id": who.token_id,
        "subject": who.subject,
    }


@router.get("/healthz", tags=["probes"], summary="Process is up")
async def healthz(request: Request) -> dict[str, str]:
    return {"status": "ok", "service": runtime_of(request).name}


@router.get(
    "/readyz",
    tags=["probes"],
    summary="Kafka and PostgreSQL reachable, consumers not stalled (details: admin, or METRICS_PUBLIC=true)",
)
async def readyz(request: Request, authorization: Annotated[str | None, Header()] = None) -> JSONResponse:
    runtime = runtime_of(request)
    db_ok, kafka_ok = await asyncio.gather(runtime.db_ready(), runtime.kafka_ready())
    consumers = await runtime.consumers() if kafka_ok else []
    stalled = any(c["stalled"] for c in consumers)
    ready = db_ok and kafka_ok and not stalled
    # A probe learns ready or not; consumer groups, lag and parked counts are for operators.
    if not runtime.settings.metrics_public and not await is_admin(runtime, authorization):
        brief = {"service": runtime.name, "status": "ready" if ready else "not ready"}
        return JSONResponse(brief, status_code=200 if ready else 503)
    parked: int | None = None
    if db_ok:
        try:
            parked = await asyncio.wait_for(runtime.parking.open_count(), 2.0)
        except Exception:
            parked = None
    body = {
        "service": runtime.name,
        "postgres": "ok" if db_ok else "unreachable",
        "kafka": "ok" if kafka_ok else "unreachable",
        "consumers": consumers,
        "parked": parked,
        "status": "ready" if ready else "not ready",
    }
    return JSONResponse(jsonable_encoder(body), status_code=200 if ready else 503)


@router.get(
    "/v1/whoami", tags=["auth"], summary="Who the bearer token speaks for (any valid token)", response_model=Whoami
)
async def whoami(principal: OptionalCaller) -> dict[str, Any]:
    return who_body(require(principal, roles=ANY_ROLE))


@router.post(
    "/v1/sign-ins",
    tags=["auth"],
    summary="Record a person's sign-in through the identity provider (its token)",
    response_model=SignIn,
)
async def sign_ins(request: Request, principal: OptionalCaller) -> dict[str, Any]:
    who = require(principal, roles=ANY_ROLE)
    if who.subject is None:
        raise refuse(
            422,
            "only a person signed in through the identity provider signs in here",
            "authorization",
            "send the provider's access token, not a td_ token",
        )
    async with runtime_of(request).pool.acquire() as conn:
        sign_in_id = await identity_rules.record_sign_in(conn, who)
    return {**who_body(who), "sign_in_id": sign_in_id}


@router.get(
    "/v1/parked",
    tags=["operations"],
    summary="Parked (poison) records of this service (admin)",
    response_model=Parked,
)
async def parked(request: Request, principal: OptionalCaller, include_replayed: bool = False) -> dict[str, Any]:
    require(principal, roles=("admin",))
    runtime = runtime_of(request)
    return {"service": runtime.name, "parked": await runtime.parking.listing(include_replayed=include_replayed)}


# An outcome's `error` is sent only for a record that failed again: unset fields stay out of the answer.
@router.post(
    "/v1/parked/replay",
    tags=["operations"],
    summary="Replay parked records after a fix (admin)",
    response_model=Replayed,
    response_model_exclude_unset=True,
)
async def replay(request: Request, body: ReplayRequest, principal: OptionalCaller) -> dict[str, Any]:
    require(principal, roles=("admin",))
    if not body.all and not body.ids:
        raise refuse(422, "name the records to replay", "ids", "give ids or all=true")
    runtime = runtime_of(request)
    outcomes = await runtime.parking.replay(None if body.all else body.ids)
    return {"service": runtime.name, "replayed": sum(o["replayed"] for o in outcomes), "outcomes": outcomes}


@router.get("/metrics", tags=["probes"], summary="Prometheus metrics (admin, or anybody with METRICS_PUBLIC=true)")
async def metrics(request: Request, authorization: Annotated[str | None, Header()] = None) -> Response:
    runtime = runtime_of(request)
    if not runtime.settings.metrics_public:
        # The token is looked at only when metrics are private: a public scrape never fails on a stale one.
        require(await principal_of(runtime, authorization), roles=("admin",))
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
