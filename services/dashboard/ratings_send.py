"""The checked rows sent to the evidence service in batches with the uploader's token; every row's outcome."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import httpx

from schemas.errors import FieldError
from services.dashboard.ratings_model import (
    BATCH_SIZE,
    EvidenceUnavailable,
    ImportPlan,
    ImportReport,
    PlannedRow,
    RefusedRow,
    RowResult,
    _problem,
)


async def send(plan: ImportPlan, *, evidence_url: str, token: str, http: httpx.AsyncClient) -> ImportReport:
    """Send the plan's envelopes to the evidence service with the uploader's token; every row's outcome."""
    results: dict[int, RowResult] = {r.row: _file_result(r) for r in plan.refused}
    url = evidence_url.rstrip("/") + "/v1/events"
    headers = {"Authorization": f"Bearer {token}"}
    refused_all: list[FieldError] | None = None  # 401/403 answer every batch alike: sent once
    for start in range(0, len(plan.valid), BATCH_SIZE):
        batch = plan.valid[start : start + BATCH_SIZE]
        if refused_all is not None:
            results.update((r.row, _evidence_result(r, "rejected", refused_all)) for r in batch)
            continue
        try:
            answer = await http.post(url, json=[r.envelope for r in batch], headers=headers)
        except httpx.HTTPError as exc:
            raise _unavailable(f"không kết nối được dịch vụ minh chứng ({type(exc).__name__})", results) from exc
        if answer.status_code >= 500 or answer.status_code in (408, 429):
            raise _unavailable(f"dịch vụ minh chứng trả lời {answer.status_code}; hãy thử lại sau", results)
        if answer.status_code >= 400:
            details = _error_details(answer)
            results.update((r.row, _evidence_result(r, "rejected", details)) for r in batch)
            if answer.status_code in (401, 403):
                refused_all = details
            continue
        for row, item in zip(batch, _items(answer, batch, results), strict=True):
            status, errors = item
            results[row.row] = _evidence_result(row, status, errors)
    return ImportReport(rows=tuple(results[k] for k in sorted(results)))


def _unavailable(message: str, results: dict[int, RowResult]) -> EvidenceUnavailable:
    return EvidenceUnavailable(message, ImportReport(rows=tuple(results[k] for k in sorted(results))))


def _error_details(answer: httpx.Response) -> list[FieldError]:
    """The {field, message} pairs of a contract error document (or its status alone)."""
    try:
        doc = answer.json()
        details = [FieldError.model_validate(d) for d in doc.get("details") or []]
        return details or [FieldError(field="body", message=str(doc.get("error") or answer.status_code))]
    except (ValueError, AttributeError, TypeError):
        return [FieldError(field="body", message=f"HTTP {answer.status_code}")]


def _items(
    answer: httpx.Response, batch: Sequence[PlannedRow], results: dict[int, RowResult]
) -> list[tuple[Literal["accepted", "duplicate", "rejected"], list[FieldError]]]:
    """The 200 answer: one {event_id, status, errors?} per envelope, in order; anything else is unavailable."""
    try:
        doc = answer.json()
        if not isinstance(doc, list) or len(doc) != len(batch):
            raise ValueError("not one result per envelope")
        out: list[tuple[Literal["accepted", "duplicate", "rejected"], list[FieldError]]] = []
        for row, item in zip(batch, doc, strict=True):
            status = item.get("status")
            if item.get("event_id") != row.event_id or status not in ("accepted", "duplicate", "rejected"):
                raise ValueError(f"unexpected result for row {row.row}")
            out.append((status, [FieldError.model_validate(e) for e in item.get("errors") or []]))
        return out
    except (ValueError, AttributeError, TypeError) as exc:
        raise _unavailable(f"câu trả lời của dịch vụ minh chứng không đúng hợp đồng ({exc})", results) from None


def _file_result(row: RefusedRow) -> RowResult:
    return RowResult(
        row=row.row,
        status="rejected",
        refused_by="file",
        event_id=None,
        unit_id=row.unit_id,
        officer_id=row.officer_id,
        year=None,
        level=None,
        problems=row.problems,
    )


def _evidence_result(
    row: PlannedRow, status: Literal["accepted", "duplicate", "rejected"], errors: Sequence[FieldError]
) -> RowResult:
    problems = tuple(_problem(row.row, e, row.envelope) for e in errors) if status == "rejected" else ()
    return RowResult(
        row=row.row,
        status=status,
        refused_by="evidence" if status == "rejected" else None,
        event_id=row.event_id,
        unit_id=row.unit_id,
        officer_id=row.officer_id,
        year=row.year,
        level=row.level,
        problems=problems,
    )
