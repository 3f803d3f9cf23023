"""The national portal's door over HTTP: POST /v1/dvcqg/login, POST /v1/dvcqg and POST /v1/dvcqg/{service}.

An upstream one-stop system adds us as a second target of its sync by changing a URL and credentials: the body is
the portal's, the answer speaks the portal's manner (`error_code`, `message`) beside ours (`error`, `details`)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from schemas.dvcqg import MAX_DOSSIERS, SYNC_DOSSIERS, SYNC_STEPS, parse_call
from schemas.errors import EvidenceInvalid
from schemas.http.evidence import PortalAnswer, PortalError, PortalSession
from services.evidence.adapters.store import PostgresEvidenceStore
from services.evidence.api import Edge, Ingress, bounded_body, not_a_source
from services.evidence.handlers.dvcqg import Origin, take_call
from thidua.runtime import auth, policy
from thidua.runtime.decoding import BadInput, load_json
from thidua.runtime.http import ApiError, refuse, runtime_of
from thidua.runtime.service import Runtime

MAX_LOGIN_BYTES = 4096
ERROR_401 = "invalid credentials"


def refusals(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI note of the portal's refusals: each status answers the PortalError document."""
    return {status: {"model": PortalError} for status in statuses}


router = APIRouter(prefix="/v1/dvcqg", tags=["national portal (DVCQG)"])


@router.post(
    "/login",
    summary="The portal's sign-in: {username: source name, password: one of the source's tokens} → a session",
    responses=refusals(401, 413, 422),
    response_model=PortalSession,
)
async def login(request: Request, edge: Ingress) -> Any:
    sessions = timedelta(minutes=edge.settings.dvcqg_session_minutes)
    try:
        doc = _json(await bounded_body(request, MAX_LOGIN_BYTES))
        username, password = _credentials(doc)
        async with runtime_of(request).pool.acquire() as conn:
            principal = await auth.find_principal(conn, password)
            if not policy.may_open_portal_session(principal, username):
                raise refuse(401, ERROR_401, "password", "not a token of this source")
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
    return {"session": session, "error_code": 0, "message": "OK", "expires_in": int(sessions.total_seconds())}


async def call(request: Request, edge: Edge, service: str | None) -> Any:
    """Take one portal call (its service in the path, or named in the body); the portal's answer or its error."""
    settings = edge.settings
    try:
        runtime = runtime_of(request)
        bearer = request.headers.get("authorization")
        source = await _bearer_source(runtime, bearer) if bearer else None
        doc = _json(await bounded_body(request, settings.max_body_bytes))
        if source is None:
            source = await _session_source(runtime, _session_of(doc, request.headers.get("x-session")))
        data = doc.get("data") if isinstance(doc, dict) else doc
        limit = min(settings.max_items, MAX_DOSSIERS)
        if isinstance(data, list) and len(data) > limit:
            raise refuse(413, "too many items in one call", "data", f"at most {limit}")
        try:
            parsed = parse_call(doc, service=service)
        except EvidenceInvalid as invalid:
            raise ApiError(422, "not a portal call", [e.model_dump() for e in invalid.details]) from None
        async with runtime.pool.acquire() as conn:
            answers = await take_call(
                PostgresEvidenceStore(conn), parsed, source=source, origin=Origin("http"), now=datetime.now(UTC)
            )
    except ApiError as exc:
        return portal_error(exc)
    edge.wake()
    assert answers is not None  # only a Kafka record can have been applied before
    counts: dict[str, int] = {}
    for a in answers:
        counts[a.status] = counts.get(a.status, 0) + 1
    message = ", ".join(f"{n} {status}" for status, n in counts.items())
    return {"error_code": 0, "message": message, "results": [a.as_json() for a in answers]}


@router.post(
    "",
    summary="A portal call naming its service in the body (DongBoHoSoMC snapshots, CapNhatTienDoHoSoMC steps)",
    responses=refusals(401, 403, 413, 422),
    response_model=PortalAnswer,
)
async def post_call(request: Request, edge: Ingress) -> Any:
    return await call(request, edge, None)


@router.post(
    "/{service}",
    summary="A portal call for the service in the path: the body an object or a bare array of dossiers or steps",
    responses=refusals(401, 403, 404, 413, 422),
    response_model=PortalAnswer,
)
async def post_service_call(service: str, request: Request, edge: Ingress) -> Any:
    if service not in (SYNC_DOSSIERS, SYNC_STEPS):
        return portal_error(refuse(404, "no such service", "service", f"one of: {SYNC_DOSSIERS}, {SYNC_STEPS}"))
    return await call(request, edge, service)


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
        raise refuse(422, "body is not acceptable JSON", exc.field, exc.message) from exc


def _credentials(doc: Any) -> tuple[str, str]:
    if not isinstance(doc, dict):
        raise refuse(422, "not a sign-in", "body", "must be {username, password}")
    values = {k: doc.get(k) for k in ("username", "password")}
    for name, value in values.items():
        if not isinstance(value, str) or not 0 < len(value) <= 200:
            raise refuse(422, "not a sign-in", name, "must be a string of 1–200 characters")
    return str(values["username"]), str(values["password"])


async def _bearer_source(runtime: Runtime, authorization: str) -> str:
    """The source of a bearer token; 401 for another scheme or an unknown token, 403 for another role."""
    if not authorization.startswith("Bearer "):
        raise refuse(401, "malformed Authorization header", "Authorization", "Bearer <token>")
    async with runtime.pool.acquire() as conn:
        principal = await auth.find_principal(conn, authorization[7:].strip())
    if principal is None:
        raise refuse(401, "invalid or revoked token", "Authorization", "not recognised")
    if not policy.may_submit(principal):
        raise not_a_source(principal)
    assert principal.source is not None
    return principal.source


def _session_of(doc: Any, header: str | None) -> str:
    """The session of a call: the body's `session` (object form) or the X-Session header (either form)."""
    value = doc.get("session") if isinstance(doc, dict) else None
    value = value if isinstance(value, str) and value else header
    if not value:
        raise refuse(
            401, "no credentials", "session", "send a session from POST /v1/dvcqg/login, or Authorization: Bearer"
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
        raise refuse(401, "invalid or expired session", "session", "sign in again")
    return str(source)
