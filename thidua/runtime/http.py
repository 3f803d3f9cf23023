"""HTTP face shared by the services: the contract's JSON error shape, the common routes and the OpenAPI pages' guard."""

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Route

from thidua.runtime import common_api
from thidua.runtime.callers import (
    ApiError,
    Caller,
    OptionalCaller,
    admin_refusal,
    authenticated,
    bearer,
    error_body,
    is_admin,
    principal_of,
    refuse,
    require,
    require_officer_access,
    runtime_of,
)
from thidua.runtime.decoding import BadInput
from thidua.runtime.parking import is_transient
from thidua.runtime.policy import ANY_ROLE
from thidua.runtime.service import Runtime

# The callers' names are the services' way in (thidua.runtime.http) since before callers.py held them.
__all__ = [
    "ANY_ROLE",
    "ApiError",
    "Caller",
    "OptionalCaller",
    "authenticated",
    "bearer",
    "error_body",
    "install",
    "is_admin",
    "principal_of",
    "refuse",
    "require",
    "require_officer_access",
    "runtime_of",
]
log = logging.getLogger(__name__)


def _loc(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc if p not in ("body", "query", "path", "header"))


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


async def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse(error_body(exc.error, exc.details), status_code=exc.status)


async def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [{"field": _loc(tuple(e["loc"])), "message": e["msg"]} for e in exc.errors()]
    return JSONResponse(error_body("invalid request", details), status_code=422)


async def _http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return JSONResponse(error_body(str(exc.detail)), status_code=exc.status_code)


async def _bad_input(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, BadInput)
    return JSONResponse(error_body("invalid input", [{"field": exc.field, "message": exc.message}]), status_code=422)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, UnicodeError | asyncpg.DataError):
        # A value PostgreSQL cannot take (NUL, bad encoding, out of range) reached a query: the caller's input.
        return JSONResponse(
            error_body("invalid input", [{"field": "request", "message": "a value is malformed or out of range"}]),
            status_code=422,
        )
    # The contract's JSON shape even for a bug; 503 when the database or broker is what failed.
    log.exception("%s: unhandled error", runtime_of(request).name)
    status = 503 if is_transient(exc) else 500
    return JSONResponse(
        error_body("temporarily unavailable" if status == 503 else "internal error"), status_code=status
    )


HANDLERS: dict[type[Exception], Callable[[Request, Exception], Awaitable[JSONResponse]]] = {
    ApiError: _api_error,
    RequestValidationError: _validation,
    StarletteHTTPException: _http,
    BadInput: _bad_input,
    Exception: _unexpected,
}


def install(app: FastAPI, runtime: Runtime) -> None:
    """Add /healthz, /readyz, /metrics, whoami, sign-ins, parked and the error handlers to app; /docs private unless
    DOCS_PUBLIC."""
    app.state.runtime = runtime  # the routers' dependencies, operators' tools and tests reach the runtime here
    guard_docs(app, runtime)
    for kind, handler in HANDLERS.items():
        app.add_exception_handler(kind, handler)
    app.include_router(common_api.router)
