"""HTTP face of reconciliation: import a period's official 766 index (council, admin) and read it beside ours
(public, unit-level figures only)."""

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError

from schemas.http.scoring_tracking import OfficialImport, Reconciliation
from services.scoring.domain.reconcile import MAX_ROWS, RowIn
from services.scoring.handlers.reconcile import ImportRefused, import_official, reconciliation
from services.scoring.web import Caller, Service, known_period
from thidua.runtime.decoding import BadInput, load_json
from thidua.runtime.http import ApiError, refuse, require

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
    too_large = refuse(413, "request body too large", "body", f"at most {MAX_BODY_BYTES} bytes")
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
        raise refuse(422, "body is not acceptable JSON", exc.field, exc.message) from exc


router = APIRouter(prefix="/v1", tags=["reconciliation"])


@router.put(
    "/periods/{period}/official-index",
    response_model=OfficialImport,
    summary="Import the national portal's published Decision 766 results of a period (council or admin): "
    "replaces the period's previous import; alerts the units whose service index differs too much",
)
async def put_official(period: str, request: Request, service: Service, principal: Caller) -> dict[str, Any]:
    who = require(principal)
    label = (await known_period(service, period)).label
    try:
        body = _Import.model_validate(await _body(request))
    except ValidationError as exc:
        details = [{"field": _field(e["loc"]), "message": e["msg"]} for e in exc.errors()[:50]]
        raise ApiError(422, "not an official index", details) from exc
    rows = [RowIn(r.unit, r.total, r.groups) for r in body.rows]
    async with service.runtime.pool.acquire() as conn:
        book = (await service.cache.active(conn)).book
        try:
            done = await import_official(
                conn,
                label,
                rows,
                file_name=body.file_name,
                who=f"{who.role}:{who.unit_id or ''}",
                now=datetime.now(UTC),
                book=book,
                threshold=service.alert_points,
            )
        except ImportRefused as exc:
            raise ApiError(422, "the file names units or groups not known here", exc.problems[:200]) from exc
    service.wake_relay()
    return {
        "period": label,
        "file_name": body.file_name,
        "rows": done.rows,
        "alerts": [{"unit_id": a.unit_id, "difference": a.data.get("difference")} for a in done.alerts],
        "alert_points": service.alert_points,
    }


@router.get(
    "/periods/{period}/reconciliation",
    response_model=Reconciliation,
    summary="The imported official Decision 766 figures beside ours, per unit and group, with the difference "
    "(ours − official) and the indicators that explain it (public, unit-level figures only)",
)
async def get_reconciliation(period: str, service: Service, unit: str | None = None) -> dict[str, Any]:
    label = (await known_period(service, period)).label
    async with service.runtime.pool.acquire() as conn:
        book = (await service.cache.active(conn)).book
        found = await reconciliation(conn, label, unit, book)
    if found is None:
        raise refuse(404, "no official index imported", "period", f"none imported for {label}")
    if unit is not None and not found["units"]:
        raise refuse(404, "unit not in the official index", "unit", f"{unit} is not in {label}'s file")
    return found
