"""The national portal's door over HTTP: POST /v1/dvcqg/login, POST /v1/dvcqg and POST /v1/dvcqg/{service}.

An upstream one-stop system adds us as a second target of its sync by changing a URL and credentials: the body is
the portal's, the answer speaks the portal's manner (`error_code`, `message`) beside ours (`error`, `details`)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from schemas.dvcqg import MAX_DOSSIERS, SYNC_DOSSIERS, SYNC_STEPS, parse_call
from schemas.errors import EvidenceInvalid
from services.evidence.api import bounded_body
from services.evidence.config import Settings
from services.evidence.handlers.dvcqg import Origin, take_call
from thidua.runtime import auth
from thidua.runtime.decoding import BadInput, load_json
from thidua.runtime.http import ApiError
from thidua.runtime.service import Runtime

MAX_LOGIN_BYTES = 4096
ERROR_401 = "invalid credentials"


def router(runtime: Runtime, settings: Settings, on_commit: Callable[[], None]) -> APIRouter:
    """The portal-format endpoints, bound to the service's runtime."""
    api = APIRouter(prefix="/v1/dvcqg", tags=["national portal (DVCQG)"])
    sessions = timedelta(minutes=settings.dvcqg_session_minutes)

    @api.post(
        "/login",
        summary="The portal's sign-in: {username: source name, password: one of the source's tokens} → a session",
        responses={401: {}, 413: {}, 422: {}},
    )
    async def login(request: Request) -> JSONResponse:
        try:
            doc = _json(await bounded_body(request, MAX_LOGIN_BYTES))
            username, password = _credentials(doc)
            async with runtime.pool.acquire() as conn:
                principal = await auth.find_principal(conn, password)
                if principal is None or principal.role != "source" or principal.source != username:
                    raise ApiError(401, ERROR_401, [{"field": "password", "message": "not a token of this source"}])
                session, now = secrets.token_urlsafe(32), datetime.now(UTC)
                await conn.execute(
                    "INSERT INTO dvcqg_sessions (session_hash, source, created_at, expires_at) VALUES ($1, $2, $3, $4)",
                    _hash(session),
                    username,
                    now,
                    now + sessions,
                )
                # Sessions ended a day ago are of no use to anyone: forget them as new ones come.
                await conn.execute("DELETE FROM dvcqg_sessions WHERE expires_at < $1", now - timedelta(days=1))
        except ApiError as exc:
            return portal_error(exc)
        return JSONResponse(
            {"session": session, "error_code": 0, "message": "OK", "expires_in": int(sessions.total_seconds())}
        )

    async def call(request: Request, service: str | None) -> JSONResponse:
        try:
            bearer = request.headers.get("authorization")
            source = await _bearer_source(runtime, bearer) if bearer else None
            doc = _json(await bounded_body(request, settings.max_body_bytes))
            if source is None:
                source = await _session_source(runtime, _session_of(doc, request.headers.get("x-session")))
            data = doc.get("data") if isinstance(doc, dict) else doc
            if isinstance(data, list) and len(data) > min(settings.max_items, MAX_DOSSIERS):
                limit = min(settings.max_items, MAX_DOSSIERS)
                raise ApiError(413, "too many items in one call", [{"field": "data", "message": f"at most {limit}"}])
            try:
                parsed = parse_call(doc, service=service)
            except EvidenceInvalid as invalid:
                raise ApiError(422, "not a portal call", [e.model_dump() for e in invalid.details]) from None
            async with runtime.pool.acquire() as conn:
                answers = await take_call(conn, parsed, source=source, origin=Origin("http"), now=datetime.now(UTC))
        except ApiError as exc:
            return portal_error(exc)
        on_commit()
        assert answers is not None  # only a Kafka record can have been applied before
        counts: dict[str, int] = {}
        for a in answers:
            counts[a.status] = counts.get(a.status, 0) + 1
        message = ", ".join(f"{n} {status}" for status, n in counts.items())
        return JSONResponse({"error_code": 0, "message": message, "results": [a.as_json() for a in answers]})

    @api.post(
        "",
        summary="A portal call naming its service in the body (DongBoHoSoMC snapshots, CapNhatTienDoHoSoMC steps)",
        responses={401: {}, 403: {}, 413: {}, 422: {}},
    )
    async def post_call(request: Request) -> JSONResponse:
        return await call(request, None)

    @api.post(
        "/{service}",
        summary="A portal call for the service in the path: the body an object or a bare array of dossiers or steps",
        responses={401: {}, 403: {}, 413: {}, 422: {}},
    )
    async def post_service_call(service: str, request: Request) -> JSONResponse:
        if service not in (SYNC_DOSSIERS, SYNC_STEPS):
            return portal_error(
                ApiError(
                    404, "no such service", [{"field": "service", "message": f"one of: {SYNC_DOSSIERS}, {SYNC_STEPS}"}]
                )
            )
        return await call(request, service)

    return api


def portal_error(exc: ApiError) -> JSONResponse:
    """The portal's error fields (error_code = the HTTP status, message) beside the contract's error document."""
    body = {"error_code": exc.status, "message": exc.error, "error": exc.error, "details": exc.details}
    return JSONResponse(body, status_code=exc.status)


def _hash(session: str) -> str:
    return hashlib.sha256(session.encode()).hexdigest()


def _json(body: bytes) -> Any:
    try:
        return load_json(body)
    except BadInput as exc:
        raise ApiError(422, "body is not acceptable JSON", [{"field": exc.field, "message": exc.message}]) from exc


def _credentials(doc: Any) -> tuple[str, str]:
    if not isinstance(doc, dict):
        raise ApiError(422, "not a sign-in", [{"field": "body", "message": "must be {username, password}"}])
    values = {k: doc.get(k) for k in ("username", "password")}
    for name, value in values.items():
        if not isinstance(value, str) or not 0 < len(value) <= 200:
            raise ApiError(422, "not a sign-in", [{"field": name, "message": "must be a string of 1–200 characters"}])
    return str(values["username"]), str(values["password"])


async def _bearer_source(runtime: Runtime, authorization: str) -> str:
    """The source of a bearer token; 401 for another scheme or an unknown token, 403 for another role."""
    if not authorization.startswith("Bearer "):
        raise ApiError(401, "malformed Authorization header", [{"field": "Authorization", "message": "Bearer <token>"}])
    async with runtime.pool.acquire() as conn:
        principal = await auth.find_principal(conn, authorization[7:].strip())
    if principal is None:
        raise ApiError(401, "invalid or revoked token", [{"field": "Authorization", "message": "not recognised"}])
    if principal.role != "source" or principal.source is None:
        raise ApiError(
            403,
            "a source token is required",
            [{"field": "Authorization", "message": f"role '{principal.role}' cannot submit evidence"}],
        )
    return principal.source


def _session_of(doc: Any, header: str | None) -> str:
    """The session of a call: the body's `session` (object form) or the X-Session header (either form)."""
    value = doc.get("session") if isinstance(doc, dict) else None
    value = value if isinstance(value, str) and value else header
    if not value:
        raise ApiError(
            401,
            "no credentials",
            [{"field": "session", "message": "send a session from POST /v1/dvcqg/login, or Authorization: Bearer"}],
        )
    return value


async def _session_source(runtime: Runtime, session: str) -> str:
    """The source a live session was opened for; 401 for an unknown or expired one."""
    async with runtime.pool.acquire() as conn:
        source = await conn.fetchval(
            "SELECT source FROM dvcqg_sessions WHERE session_hash = $1 AND expires_at > $2",
            _hash(session[:200]),
            datetime.now(UTC),
        )
    if source is None:
        raise ApiError(401, "invalid or expired session", [{"field": "session", "message": "sign in again"}])
    return str(source)
