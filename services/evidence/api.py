"""HTTP face of the evidence service: POST /v1/events and GET /v1/events/{event_id}."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Request, Response

from schemas.http.evidence import EventStatus, ItemResult
from services.evidence import views
from services.evidence.adapters.store import PostgresEvidenceStore
from services.evidence.config import Settings
from services.evidence.domain.intake import Submission
from services.evidence.handlers.ingest import ingest
from thidua.runtime import policy
from thidua.runtime.auth import Principal
from thidua.runtime.decoding import BadInput, load_json
from thidua.runtime.http import ApiError, Caller, refuse, runtime_of

router = APIRouter(prefix="/v1", tags=["evidence"])


@dataclass(frozen=True)
class Edge:
    """What evidence's routes need beside the runtime: its settings and the outbox relay's wake."""

    settings: Settings
    wake: Callable[[], None]


def edge_of(request: Request) -> Edge:
    """Evidence's edge, set on the app by create_app."""
    return cast(Edge, request.app.state.evidence)


async def source_caller(principal: Caller) -> Principal:
    """The caller, when the policy lets it submit evidence (a source token); else 403."""
    if not policy.may_submit(principal):
        raise not_a_source(principal)
    return principal


def not_a_source(principal: Principal) -> ApiError:
    """The 403 for a token the policy does not let submit evidence."""
    message = f"role '{principal.role}' cannot submit evidence"
    return refuse(403, "a source token is required", "Authorization", message)


Source = Annotated[Principal, Depends(source_caller)]
Ingress = Annotated[Edge, Depends(edge_of)]


@router.post(
    "/events",
    summary="Submit one evidence envelope or a JSON array of up to 1000",
    responses={401: {}, 403: {}, 413: {}, 422: {}},
    # `errors` is sent only for a rejected envelope: unset fields stay out of the answer.
    response_model=list[ItemResult],
    response_model_exclude_unset=True,
)
async def post_events(request: Request, principal: Source, edge: Ingress) -> Response:
    items = _items(await bounded_body(request, edge.settings.max_body_bytes), edge.settings.max_items)
    submissions = [
        Submission(item if isinstance(item, dict) else json.dumps(item).encode(), token_source=principal.source)
        for item in items
    ]
    async with runtime_of(request).pool.acquire() as conn:
        results = await ingest(PostgresEvidenceStore(conn), submissions, channel="http", now=datetime.now(UTC))
    edge.wake()
    # The answers are built here, already in ItemResult's shape: validating 1000 of them again through the response
    # model cost more than the JSON (the model still documents the answer).
    answer = json.dumps([r.as_json() for r in results], ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return Response(answer.encode(), media_type="application/json")


@router.get("/events/{event_id}", summary="What became of one of the caller's events", response_model=EventStatus)
async def get_event(request: Request, event_id: str, principal: Source) -> dict[str, Any]:
    assert principal.source is not None
    async with runtime_of(request).pool.acquire() as conn:
        found = await views.event_status(conn, source=principal.source, event_id=event_id)
    if found is None:
        raise refuse(404, "no such event from this source", "event_id", f"'{event_id}' not found")
    return found


async def bounded_body(request: Request, limit: int) -> bytes:
    """The raw body, refused with 413 as soon as it passes the limit."""
    declared = request.headers.get("content-length")
    if declared and declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise refuse(413, "request body too large", "body", f"at most {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise refuse(413, "request body too large", "body", f"at most {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _items(body: bytes, max_items: int) -> list[object]:
    """One envelope or an array of them, bounded (depth, sizes, numbers, UTF-8); anything else is a 422."""
    try:
        doc = load_json(body)
    except BadInput as exc:
        raise refuse(422, "body is not acceptable JSON", exc.field, exc.message) from exc
    if isinstance(doc, dict):
        return [doc]
    if isinstance(doc, list):
        if not doc:
            raise refuse(422, "empty array", "body", "send at least one envelope")
        if len(doc) > max_items:
            raise refuse(
                413,
                "too many events in one request",
                "body",
                f"at most {max_items} envelopes per request, got {len(doc)}",
            )
        return doc
    raise refuse(
        422,
        "body is not an envelope or an array of envelopes",
        "body",
        f"expected an object or an array, got {type(doc).__name__}",
    )
