"""The ratings import's vocabulary: the sheet's columns and levels, the bounds, the plan and the report."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from schemas.common import OFFICER_ID_PATTERN, UNIT_ID_PATTERN
from schemas.errors import FieldError
from services.dashboard import sheet_reader

# The sheet and its columns, as the HR office reads them.
SHEET = "Xếp loại"
LISTS_SHEET = "Danh mục"
NOTES_SHEET = "Hướng dẫn"
COL_UNIT = "Mã đơn vị"
COL_OFFICER = "Mã cán bộ"
COL_NAME = "Họ và tên"
COL_YEAR = "Năm"
COL_LEVEL = "Mức xếp loại"
COL_SCORE = "Điểm"
HEADERS: tuple[str, ...] = (COL_UNIT, COL_OFFICER, COL_NAME, COL_YEAR, COL_LEVEL, COL_SCORE)
REQUIRED_HEADERS: tuple[str, ...] = (COL_UNIT, COL_OFFICER, COL_YEAR, COL_LEVEL)

Level = Literal["excellent", "good", "complete", "incomplete"]
LEVEL_NAMES: dict[Level, str] = {
    "excellent": "Hoàn thành xuất sắc nhiệm vụ",
    "good": "Hoàn thành tốt nhiệm vụ",
    "complete": "Hoàn thành nhiệm vụ",
    "incomplete": "Không hoàn thành nhiệm vụ",
}
"""The contract's level codes and the words of the HR rating (Decree 90/2020)."""
LEVEL_ABBREVIATIONS: dict[str, Level] = {
    "htxsnv": "excellent",
    "httnv": "good",
    "htnv": "complete",
    "khtnv": "incomplete",
}

# Bounds of what is read from an upload (the package's and the sheet's are sheet_reader's: see `Limits`).
MAX_FILE_BYTES = sheet_reader.MAX_FILE_BYTES
MAX_ROWS = 5000  # data rows (not blank) of one file
MAX_CELL_CHARS = 200  # of one field's text, after trimming
FIRST_YEAR, LAST_YEAR = 2000, 2100
BATCH_SIZE = 500
EVENT_PREFIX = "xeploai"

_UNIT_ID = re.compile(UNIT_ID_PATTERN)
_OFFICER_ID = re.compile(OFFICER_ID_PATTERN)
_YEAR_TEXT = re.compile(r"^\d{4}$")
_SCORE_TEXT = re.compile(r"^\d{1,3}(?:[.,]\d{1,6})?$")
# Evidence fields as the columns of the sheet (anything else concerns the whole row).
_FIELD_COLUMNS: dict[str, str] = {
    "unit_id": COL_UNIT,
    "officer_id": COL_OFFICER,
    "payload.year": COL_YEAR,
    "payload.level": COL_LEVEL,
    "payload.score": COL_SCORE,
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CellProblem(_Frozen):
    """Why a row is refused: the Excel row number, the column's header (None: the whole row), the value, why."""

    row: int
    column: str | None
    value: str
    reason: str


class PlannedRow(_Frozen):
    """A valid row and the envelope it becomes (JSON-ready, validated by the contract's model)."""

    row: int
    unit_id: str
    officer_id: str
    full_name: str | None
    year: int
    level: Level
    score: float | None
    event_id: str
    envelope: dict[str, Any]


class RefusedRow(_Frozen):
    """A row refused before sending, with every problem found in it."""

    row: int
    unit_id: str | None
    officer_id: str | None
    problems: tuple[CellProblem, ...]


class ImportPlan(_Frozen):
    """What `parse` read: the sheet, the valid rows to send and the refused ones, each in sheet order."""

    source: str | None
    sheet: str
    valid: tuple[PlannedRow, ...]
    refused: tuple[RefusedRow, ...]

    @property
    def rows_read(self) -> int:
        return len(self.valid) + len(self.refused)

    @property
    def envelopes(self) -> list[dict[str, Any]]:
        return [r.envelope for r in self.valid]


class RowResult(_Frozen):
    """The outcome of one row: `accepted`, `duplicate` (sent before with the same content: nothing changed) or
    `rejected`, by this page (`refused_by` "file") or by the evidence service ("evidence")."""

    row: int
    status: Literal["accepted", "duplicate", "rejected"]
    refused_by: Literal["file", "evidence"] | None
    event_id: str | None
    unit_id: str | None
    officer_id: str | None
    year: int | None
    level: str | None
    problems: tuple[CellProblem, ...] = ()


class ImportReport(_Frozen):
    """Every row's outcome in sheet order, and the counts."""

    rows: tuple[RowResult, ...]

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def accepted(self) -> int:
        return self.count("accepted")

    @property
    def duplicate(self) -> int:
        return self.count("duplicate")

    @property
    def rejected(self) -> int:
        return self.count("rejected")


class RatingsFileError(ValueError):
    """The upload as a whole cannot be read (not an XLSX, too large, no header row...); the message is Vietnamese.
    `status` is the HTTP status the page answers with."""

    status = 422


class EvidenceUnavailable(RuntimeError):
    """The evidence service could not answer (network, 5xx, 408/429, an answer outside the contract). `partial`
    has the rows answered before it failed; sending the same file again is safe (those rows come back duplicate)."""

    def __init__(self, message: str, partial: ImportReport) -> None:
        super().__init__(message)
        self.partial = partial


def _shown(value: object) -> str:
    """A cell's value as the page shows it back (bounded)."""
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _problem(row: int, error: FieldError, envelope: dict[str, Any]) -> CellProblem:
    """An evidence field error as the sheet's column, value and a Vietnamese reason."""
    column = _FIELD_COLUMNS.get(error.field)
    value: object = envelope
    for part in error.field.split(".") if column else ():
        value = value.get(part) if isinstance(value, dict) else None
    return CellProblem(row=row, column=column, value=_shown(value if column else None), reason=_reason(error))


def _reason(error: FieldError) -> str:
    if error.field == "unit_id" and "is not registered for unit" in error.message:
        return "tài khoản tải lên không được gửi minh chứng cho đơn vị này"
    if error.field == "source" and "must match the caller's source" in error.message:
        return "tài khoản tải lên không phải nguồn dữ liệu của tệp này"
    if error.field == "Authorization":
        return f"tài khoản tải lên không được gửi minh chứng ({error.message})"
    return f"dịch vụ minh chứng từ chối {error.field}: {error.message}"
