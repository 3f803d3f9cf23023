"""HTTP face of reconciliation: import a period's official 766 index (council, admin) and read it beside ours
(public, unit-level figures only)."""

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError

from services.scoring.adapters.rulefiles import RulesCache
from services.scoring.domain.periods import parse_period
from services.scoring.domain.reconcile import MAX_ROWS, RowIn
from services.scoring.handlers.reconcile import ImportRefused, import_official, reconciliation
from thidua.runtime.auth import Principal
from thidua.runtime.decoding import BadInput, load_json
from thidua.runtime.http import ApiError, bearer, require
from thidua.runtime.service import Runtime

MAX_BODY_BYTES = 4 * 1024 * 1024  # 5,000 rows of five groups are well under 1 MB
Points = Annotated[float, Field(ge=0, le=100, strict=True)]


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit: StrictStr = Field(min_length=1, max_length=64)
    groups: dict[Annotated[str, Field(min_length=1, max_length=64)], Points] = Field(
        default_factory=dict, max_length=20
    )
    total: Points


class _Import(BaseModel):
    """PUT /v1/periods/{period}/official-index: the portal's published results of the period, per unit."""

    model_config = ConfigDict(extra="forbid")

    file_name: StrictStr | None = Field(None, min_length=1, max_length=255)
    rows: list[_Row] = Field(min_length=1, max_length=MAX_ROWS)


def _field(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc) or "body"


async def _body(request: Request) -> Any:
    """The JSON body, bounded in bytes first, then in depth, strings and numbers; 413 or 422 otherwise."""
    too_large = ApiError(
        413, "request body too large", [{"field": "body", "message": f"at most {MAX_BODY_BYTES} bytes"}]
    )
    declared = request.headers.get("content-length")
    if declared and declared.isascii() and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise too_large
        chunks.append(chunk)
    try:
        return load_json(b"".join(chunks))
    except BadInput as exc:
        raise ApiError(422, "body is not acceptable JSON", [{"field": exc.field, "message": exc.message}]) from exc


def router(runtime: Runtime, cache: RulesCache, *, alert_points: float, on_commit: Any) -> APIRouter:
    """The reconciliation endpoints, bound to the service's runtime (on_commit wakes the outbox relay)."""
    api = APIRouter(prefix="/v1", tags=["reconciliation"])
    optional_caller = bearer(runtime)

    async def known_period(label: str) -> str:
        async with runtime.pool.acquire() as conn:
            rules = await cache.active(conn)
        try:
            return parse_period(label, rules.book.stages).label
        except ValueError as exc:
            raise ApiError(422, "invalid period", [{"field": "period", "message": str(exc)}]) from exc

    @api.put(
        "/periods/{period}/official-index",
        summary="Import the national portal's published Decision 766 results of a period (council or admin): "
        "replaces the period's previous import; alerts the units whose service index differs too much",
    )
    async def put_official(
        period: str, request: Request, principal: Annotated[Principal | None, Depends(optional_caller)]
    ) -> dict[str, Any]:
        who = require(principal)
        label = await known_period(period)
        try:
            body = _Import.model_validate(await _body(request))
        except ValidationError as exc:
            details = [{"field": _field(e["loc"]), "message": e["msg"]} for e in exc.errors()[:50]]
            raise ApiError(422, "not an official index", details) from exc
        rows = [RowIn(r.unit, r.total, r.groups) for r in body.rows]
        async with runtime.pool.acquire() as conn:
            book = (await cache.active(conn)).book
            try:
                done = await import_official(
                    conn,
                    label,
                    rows,
                    file_name=body.file_name,
                    who=f"{who.role}:{who.unit_id or ''}",
                    now=datetime.now(UTC),
                    book=book,
                    threshold=alert_points,
                )
            except ImportRefused as exc:
                raise ApiError(422, "the file names units or groups not known here", exc.problems[:200]) from exc
        on_commit()
        return {
            "period": label,
            "file_name": body.file_name,
            "rows": done.rows,
            "alerts": [{"unit_id": a.unit_id, "difference": a.data.get("difference")} for a in done.alerts],
            "alert_points": alert_points,
        }

    @api.get(
        "/periods/{period}/reconciliation",
        summary="The imported official Decision 766 figures beside ours, per unit and group, with the difference "
        "(ours − official) and the indicators that explain it (public, unit-level figures only)",
    )
    async def get_reconciliation(period: str, unit: str | None = None) -> dict[str, Any]:
        label = await known_period(period)
        async with runtime.pool.acquire() as conn:
            book = (await cache.active(conn)).book
            found = await reconciliation(conn, label, unit, book)
        if found is None:
            raise ApiError(
                404, "no official index imported", [{"field": "period", "message": f"none imported for {label}"}]
            )
        if unit is not None and not found["units"]:
            raise ApiError(
                404,
                "unit not in the official index",
                [{"field": "unit", "message": f"{unit} is not in {label}'s file"}],
            )
        return found

    return api
