"""HTTP face shared by the services: probes, metrics and the contract's JSON error shape."""

# No `from __future__ import annotations` here: FastAPI must resolve the Depends(bearer(runtime)) annotations
# of the routes defined inside install(), which refer to its local `runtime`.
import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import asyncpg
from fastapi import Depends, FastAPI, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Route

from thidua.runtime import auth, identity_rules, oidc
from thidua.runtime.auth import Principal
from thidua.runtime.decoding import BadInput
from thidua.runtime.identity import principal_for
from thidua.runtime.parking import is_transient
from thidua.runtime.policy import may_see_officers, officer_denial
from thidua.runtime.service import Runtime

log = logging.getLogger(__name__)


class ReplayRequest(BaseModel):
    """Which parked records to replay: some ids, or all open ones."""

    model_config = ConfigDict(extra="forbid")

    ids: list[int] = Field(default_factory=list, max_length=10000)
    all: bool = False


class ApiError(Exception):
    """An error answered as {"error", "details": [{"field", "message"}]} with an HTTP status."""

    def __init__(self, status: int, error: str, details: list[dict[str, str]] | None = None) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.details = details or []


def refuse(status: int, error: str, field: str, message: str) -> ApiError:
    """The one way to refuse a request over one field: `raise refuse(404, "no such unit", "unit_id", unit_id)`."""
    return ApiError(status, error, [{"field": field, "message": message}])


def error_body(error: str, details: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """The contract's error document."""
    return {"error": error, "details": details or []}


def _loc(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc if p not in ("body", "query", "path", "header"))


async def admin_refusal(runtime: Runtime, authorization: str | None) -> JSONResponse | None:
    """None when authorization is an admin's bearer token; else the 401/403 answer (contract's error shape)."""
    try:
        require(await bearer(runtime)(authorization), roles=("admin",))
    except ApiError as exc:
        return JSONResponse(error_body(exc.error, exc.details), status_code=exc.status)
    return None


async def is_admin(runtime: Runtime, authorization: str | None) -> bool:
    """True for an admin's bearer token; no token, another role or an unknown token is simply not an admin."""
    return bool(authorization) and await admin_refusal(runtime, authorization) is None


def guard_docs(app: FastAPI, runtime: Runtime) -> None:
    """The OpenAPI pages (/docs, /redoc, /openapi.json) for admins only unless DOCS_PUBLIC=true: the API's whole
    map is no business of the public's."""
    if runtime.settings.docs_public:
        return
    paths = {app.openapi_url, app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url} - {None}
    for index, route in enumerate(app.router.routes):
        if isinstance(route, Route) and route.path in paths:
            app.router.routes[index] = Route(
                route.path, _admin_only(runtime, route.endpoint), methods=route.methods, include_in_schema=False
            )


def _admin_only(runtime: Runtime, endpoint: Callable[[Request], Awaitable[Response]]) -> Callable[..., Any]:
    async def guarded(request: Request) -> Response:
        refused = await admin_refusal(runtime, request.headers.get("authorization"))
        return refused if refused is not None else await endpoint(request)

    return guarded


def install(app: FastAPI, runtime: Runtime) -> None:
    """Add /healthz, /readyz, /metrics and the error handlers to app; /docs private unless DOCS_PUBLIC."""
    app.state.runtime = runtime  # for operators' tools and tests that inspect a service's wiring
    guard_docs(app, runtime)

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(exc.error, exc.details), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [{"field": _loc(tuple(e["loc"])), "message": e["msg"]} for e in exc.errors()]
        return JSONResponse(error_body("invalid request", details), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(error_body(str(exc.detail)), status_code=exc.status_code)

    @app.get("/healthz", tags=["probes"], summary="Process is up")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": runtime.name}

    @app.exception_handler(BadInput)
    async def _bad_input(_: Request, exc: BadInput) -> JSONResponse:
        return JSONResponse(
            error_body("invalid input", [{"field": exc.field, "message": exc.message}]), status_code=422
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, UnicodeError | asyncpg.DataError):
            # A value PostgreSQL cannot take (NUL, bad encoding, out of range) reached a query: the caller's input.
            return JSONResponse(
                error_body("invalid input", [{"field": "request", "message": "a value is malformed or out of range"}]),
                status_code=422,
            )
        # The contract's JSON shape even for a bug; 503 when the database or broker is what failed.
        log.exception("%s: unhandled error", runtime.name)
        status = 503 if is_transient(exc) else 500
        return JSONResponse(
            error_body("temporarily unavailable" if status == 503 else "internal error"), status_code=status
        )

    @app.get(
        "/readyz",
        tags=["probes"],
        summary="Kafka and PostgreSQL reachable, consumers not stalled (details: admin, or METRICS_PUBLIC=true)",
    )
    async def readyz(authorization: Annotated[str | None, Header()] = None) -> JSONResponse:
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

    @app.get("/v1/whoami", tags=["auth"], summary="Who the bearer token speaks for (any valid token)")
    async def whoami(principal: Annotated[Principal | None, Depends(bearer(runtime))]) -> dict[str, Any]:
        return who_body(require(principal, roles=ANY_ROLE))

    @app.post(
        "/v1/sign-ins", tags=["auth"], summary="Record a person's sign-in through the identity provider (its token)"
    )
    async def sign_ins(principal: Annotated[Principal | None, Depends(bearer(runtime))]) -> dict[str, Any]:
        who = require(principal, roles=ANY_ROLE)
        if who.subject is None:
            raise ApiError(
                422,
                "only a person signed in through the identity provider signs in here",
                [{"field": "authorization", "message": "send the provider's access token, not a td_ token"}],
            )
        async with runtime.pool.acquire() as conn:
            sign_in_id = await identity_rules.record_sign_in(conn, who)
        return {**who_body(who), "sign_in_id": sign_in_id}

    @app.get("/v1/parked", tags=["operations"], summary="Parked (poison) records of this service (admin)")
    async def parked(
        principal: Annotated[Principal | None, Depends(bearer(runtime))], include_replayed: bool = False
    ) -> dict[str, Any]:
        require(principal, roles=("admin",))
        return {"service": runtime.name, "parked": await runtime.parking.listing(include_replayed=include_replayed)}

    @app.post("/v1/parked/replay", tags=["operations"], summary="Replay parked records after a fix (admin)")
    async def replay(
        body: ReplayRequest, principal: Annotated[Principal | None, Depends(bearer(runtime))]
    ) -> dict[str, Any]:
        require(principal, roles=("admin",))
        if not body.all and not body.ids:
            raise ApiError(422, "name the records to replay", [{"field": "ids", "message": "give ids or all=true"}])
        outcomes = await runtime.parking.replay(None if body.all else body.ids)
        return {"service": runtime.name, "replayed": sum(o["replayed"] for o in outcomes), "outcomes": outcomes}

    @app.get("/metrics", tags=["probes"], summary="Prometheus metrics (admin, or anybody with METRICS_PUBLIC=true)")
    async def metrics(authorization: Annotated[str | None, Header()] = None) -> Response:
        if not runtime.settings.metrics_public:
            # The token is looked at only when metrics are private: a public scrape never fails on a stale one.
            require(await bearer(runtime)(authorization), roles=("admin",))
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


ANY_ROLE = ("source", "unit", "council", "admin", "officer", "person")


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


def _refused() -> ApiError:
    return ApiError(401, "invalid or revoked token", [{"field": "Authorization", "message": "not recognised"}])


async def provider_principal(runtime: Runtime, token: str) -> Principal:
    """The Principal of a provider's access token (verified, then mapped by the live identity rules); 401/503."""
    issuer, audience = runtime.settings.oidc_issuer, runtime.settings.oidc_audience
    assert issuer is not None
    try:
        claims = await oidc.verifier_for(issuer, audience).verify(token)
    except oidc.TokenRefused as exc:
        raise _refused() from exc
    except oidc.ProviderUnavailable as exc:
        log.warning("%s: identity provider unavailable: %s", runtime.name, exc)
        raise ApiError(
            503,
            "temporarily unavailable",
            [{"field": "Authorization", "message": "the identity provider is unreachable"}],
        ) from exc
    async with runtime.pool.acquire() as conn:
        rules = await identity_rules.live_rules(conn)
    return principal_for(claims, rules, subject=claims["sub"], issuer=issuer)


def bearer(runtime: Runtime) -> Callable[..., Awaitable[Principal | None]]:
    """A FastAPI dependency: the caller's Principal, None without a token, 401 for an unknown one. A `td_` token is
    looked up in the token store; a provider's access token (a JWT, when OIDC_ISSUER is set) is verified and mapped."""

    async def caller(authorization: Annotated[str | None, Header()] = None) -> Principal | None:
        if not authorization:
            return None
        if not authorization.startswith("Bearer "):
            raise ApiError(
                401, "malformed Authorization header", [{"field": "Authorization", "message": "send 'Bearer <token>'"}]
            )
        token = authorization[7:].strip()
        if runtime.settings.oidc_issuer and oidc.looks_like_jwt(token):
            return await provider_principal(runtime, token)
        async with runtime.pool.acquire() as conn:
            principal = await auth.find_principal(conn, token)
        if principal is None:
            raise _refused()
        return principal

    return caller


def require(
    principal: Principal | None, *, roles: tuple[str, ...] = ("council", "admin"), unit_id: str | None = None
) -> Principal:
    """401 without a token; 403 unless the role is allowed or it is the unit's own token."""
    if principal is None:
        raise ApiError(
            401,
            "a bearer token is required",
            [{"field": "Authorization", "message": "send 'Authorization: Bearer <token>'"}],
        )
    if principal.role in roles or (unit_id is not None and principal.role == "unit" and principal.unit_id == unit_id):
        return principal
    raise ApiError(
        403,
        "this token may not do that",
        [{"field": "Authorization", "message": f"role '{principal.role}' is not allowed here"}],
    )


def require_officer_access(principal: Principal | None, unit_id: str | None) -> Principal:
    """401/403 unless the policy lets the caller see data about the named officers of unit_id."""
    if not may_see_officers(principal, unit_id):
        status, error, message = officer_denial(principal)
        raise ApiError(status, error, [{"field": "Authorization", "message": message}])
    assert principal is not None
    return principal


def authenticated(runtime: Runtime) -> Callable[..., Awaitable[Principal]]:
    """A FastAPI dependency: the caller's Principal; 401 without a valid token."""
    optional = bearer(runtime)

    async def caller(authorization: Annotated[str | None, Header()] = None) -> Principal:
        principal = await optional(authorization)
        if principal is None:
            raise ApiError(
                401,
                "missing bearer token",
                [{"field": "Authorization", "message": "send 'Authorization: Bearer <token>'"}],
            )
        return principal

    return caller
