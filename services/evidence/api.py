"""HTTP face of the evidence service: POST /v1/events and GET /v1/events/{event_id}."""

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from services.evidence import views
from services.evidence.config import Settings
from services.evidence.domain.intake import Submission
from services.evidence.handlers.ingest import ingest
from thidua.runtime.auth import Principal
from thidua.runtime.decoding import BadInput, load_json
from thidua.runtime.http import ApiError, authenticated
from thidua.runtime.service import Runtime


def router(runtime: Runtime, settings: Settings, on_commit: Callable[[], None]) -> APIRouter:
    """The evidence endpoints, bound to the service's runtime."""
    api = APIRouter(prefix="/v1", tags=["evidence"])

    caller = authenticated(runtime)

    async def source_caller(principal: Annotated[Principal, Depends(caller)]) -> Principal:
        if principal.role != "source" or principal.source is None:
            raise ApiError(
                403,
                "a source token is required",
                [{"field": "Authorization", "message": f"role '{principal.role}' cannot submit evidence"}],
            )
        return principal

    @api.post(
        "/events",
        summary="Submit one evidence envelope or a JSON array of up to 1000",
        responses={401: {}, 403: {}, 413: {}, 422: {}},
    )
    async def post_events(request: Request, principal: Annotated[Principal, Depends(source_caller)]) -> JSONResponse:
        items = _items(await bounded_body(request, settings.max_body_bytes), settings.max_items)
        submissions = [
            Submission(item if isinstance(item, dict) else json.dumps(item).encode(), token_source=principal.source)
            for item in items
        ]
        async with runtime.pool.acquire() as conn:
            results = await ingest(conn, submissions, channel="http", now=datetime.now(UTC))
        on_commit()
        return JSONResponse([r.as_json() for r in results])

    @api.get("/events/{event_id}", summary="What became of one of the caller's events")
    async def get_event(event_id: str, principal: Annotated[Principal, Depends(source_caller)]) -> dict[str, Any]:
        assert principal.source is not None
        async with runtime.pool.acquire() as conn:
            found = await views.event_status(conn, source=principal.source, event_id=event_id)
        if found is None:
            raise ApiError(
                404, "no such event from this source", [{"field": "event_id", "message": f"'{event_id}' not found"}]
            )
        return found

    return api


async def bounded_body(request: Request, limit: int) -> bytes:
    """The raw body, refused with 413 as soon as it passes the limit."""
    declared = request.headers.get("content-length")
    if declared and declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, "request body too large", [{"field": "body", "message": f"at most {limit} bytes"}])
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, "request body too large", [{"field": "body", "message": f"at most {limit} bytes"}])
        chunks.append(chunk)
    return b"".join(chunks)


def _items(body: bytes, max_items: int) -> list[object]:
    """One envelope or an array of them, bounded (depth, sizes, numbers, UTF-8); anything else is a 422."""
    try:
        doc = load_json(body)
    except BadInput as exc:
        raise ApiError(422, "body is not acceptable JSON", [{"field": exc.field, "message": exc.message}]) from exc
    if isinstance(doc, dict):
        return [doc]
    if isinstance(doc, list):
        if not doc:
            raise ApiError(422, "empty array", [{"field": "body", "message": "send at least one envelope"}])
        if len(doc) > max_items:
            raise ApiError(
                413,
                "too many events in one request",
                [{"field": "body", "message": f"at most {max_items} envelopes per request, got {len(doc)}"}],
            )
        return doc
    raise ApiError(
        422,
        "body is not an envelope or an array of envelopes",
        [{"field": "body", "message": f"expected an object or an array, got {type(doc).__name__}"}],
    )
