"""Import of annual ratings (đánh giá, xếp loại) from the HR office's Excel file as evidence (issue 14, item 4).

Three steps, the first two pure:

- `template_xlsx()` is the downloadable template: sheet "Xếp loại" with the Vietnamese headers, a drop-down of
  the four levels (kept on a hidden sheet "Danh mục"), and a sheet "Hướng dẫn" with the rules and an example row
  (the example is not on the data sheet, so uploading the template untouched imports nothing).
- `parse(data, source=, now=)` reads the workbook with `sheet_reader` (bounded before and while parsing: the
  package, physical rows, columns, shared strings, cell sizes), checks every cell and gives an `ImportPlan`: per
  row either an `evaluation.recorded` envelope validated by the contract's own model
  (`schemas.evidence.parse_evidence`), or its problems `{row, column, value, reason}` in Vietnamese.
  Whole-file problems (not an XLSX, too large, a limit passed, damaged XML, no header row) raise
  `RatingsFileError`. The dashboard runs it through `import_worker.parse_in_worker`: in a child process with a
  CPU, memory and wall-clock limit, so no file can stall the dashboard.
- `send(plan, evidence_url=, token=, http=)` posts the envelopes to the evidence service's `POST /v1/events` in
  batches of at most 500 with the uploader's own token, and merges the answers per row into an `ImportReport`.
  A network error, a 5xx, 408 or 429, or an answer that breaks the contract raises `EvidenceUnavailable`
  (carrying the rows answered so far); any other 4xx becomes a per-row `rejected` result.

Identity of a row (docs/contract.md, "Evidence envelope": (source, event_id) is the de-duplication key):
`event_id = "xeploai:<year>:<unit>:<officer>:<digest>"`, the digest being 12 hex digits of SHA-256 over the level
and the score. So re-uploading the same file answers `duplicate` for every row and changes nothing, while a
corrected level or score for the same officer and year is a new event, accepted, and the ledger keeps both.

`occurred_at` is the upload time (`now`, Vietnam time), not a fixed day of the rated year: the awards service
keeps, per officer and year, the rating with the latest (occurred_at, event key), so with a fixed time a
correction would win or lose by the alphabetical order of its event id. With the upload time, the later upload
wins. The rated year is the payload's `year`; nobody reads the rating's year from `occurred_at`.
Known limit: going back to a value sent before (A, then B, then A again) answers `duplicate` for the third upload
and B stays in force; that needs a retraction (`evidence.retracted`) of B, which this page does not send.

Rows that repeat (unit, officer, year) in one file are refused: the later repeats always, and the first one too
when their level or score differ (the file contradicts itself). Officer ids are required: a unit's own rating is
not imported from this sheet.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
import unicodedata
from collections.abc import Generator, Sequence
from datetime import datetime
from typing import Any, Literal

import httpx
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from pydantic import BaseModel, ConfigDict

from schemas.common import OFFICER_ID_PATTERN, UNIT_ID_PATTERN
from schemas.errors import EvidenceInvalid, FieldError
from schemas.evidence import parse_evidence
from schemas.vietnam import VN_TZ
from services.dashboard import sheet_reader
from services.dashboard.sheet_reader import Limits, WorkbookError

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


# --- the template -------------------------------------------------------------------------------------------


def template_xlsx() -> bytes:
    """The template the HR office fills in: sheet "Xếp loại", a drop-down of levels, notes and an example."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(list(HEADERS))
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for cell in ws[1]:
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for letter, width in zip("ABCDEF", (16, 16, 28, 8, 32, 8), strict=True):
        ws.column_dimensions[letter].width = width
    for letter in "ABC":  # identifiers are text: Excel must not drop leading zeros
        ws.column_dimensions[letter].number_format = "@"
    ws.freeze_panes = "A2"

    lists = wb.create_sheet(LISTS_SHEET)
    lists.append([COL_LEVEL, "Mã"])
    for code, name in LEVEL_NAMES.items():
        lists.append([name, code])
    lists.sheet_state = "hidden"

    last = MAX_ROWS + 1
    level = DataValidation(
        type="list",
        formula1=f"'{LISTS_SHEET}'!$A$2:$A${len(LEVEL_NAMES) + 1}",
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle=COL_LEVEL,
        error="Chọn một mức trong danh sách (hoặc mã excellent, good, complete, incomplete).",
    )
    year = DataValidation(
        type="whole", operator="between", formula1=str(FIRST_YEAR), formula2=str(LAST_YEAR), allow_blank=True
    )
    year.error, year.errorTitle, year.showErrorMessage = f"Năm từ {FIRST_YEAR} đến {LAST_YEAR}.", COL_YEAR, True
    score = DataValidation(type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True)
    score.error, score.errorTitle, score.showErrorMessage = "Điểm từ 0 đến 100 (có thể để trống).", COL_SCORE, True
    for validation, column in ((level, "E"), (year, "D"), (score, "F")):
        validation.add(f"{column}2:{column}{last}")
        ws.add_data_validation(validation)

    notes = wb.create_sheet(NOTES_SHEET)
    notes.column_dimensions["A"].width = 110
    for line in _NOTES:
        notes.append([line])
    notes["A1"].font = Font(bold=True, size=13)
    notes.append([])
    notes.append(["Ví dụ (một dòng điền đúng):"])
    notes.append(list(HEADERS))
    notes.append(list(EXAMPLE_ROW))
    for cell in notes[notes.max_row - 1]:
        cell.font, cell.fill = bold, fill
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


EXAMPLE_ROW: tuple[str | int | float, ...] = (
    "H40.12.05",
    "CB-004512",
    "Nguyễn Văn An",
    2025,
    LEVEL_NAMES["good"],
    86.5,
)
_NOTES: tuple[str, ...] = (
    "Mẫu nhập kết quả đánh giá, xếp loại cán bộ, công chức, viên chức hằng năm",
    f"Điền mỗi cán bộ một dòng ở trang '{SHEET}', bắt đầu từ dòng 2; giữ nguyên dòng tiêu đề.",
    f"{COL_UNIT}: mã định danh điện tử của đơn vị, chữ in hoa, số và dấu chấm (ví dụ H40.12.05). Bắt buộc.",
    f"{COL_OFFICER}: mã cán bộ, 1–64 ký tự gồm chữ, số và . _ : - (ví dụ CB-004512). Bắt buộc.",
    f"{COL_NAME}: để đối chiếu, không bắt buộc.",
    f"{COL_YEAR}: năm được đánh giá, từ {FIRST_YEAR} đến năm hiện tại. Bắt buộc.",
    f"{COL_LEVEL}: chọn trong danh sách: "
    + "; ".join(LEVEL_NAMES.values())
    + ". Cũng nhận mã excellent, good, complete, incomplete và các chữ viết tắt HTXSNV, HTTNV, HTNV, KHTNV. Bắt buộc.",
    f"{COL_SCORE}: điểm đánh giá từ 0 đến 100 nếu có (dấu phẩy hoặc dấu chấm thập phân), có thể để trống.",
    f"Mỗi tệp tối đa {MAX_ROWS} dòng. Mỗi đơn vị, cán bộ và năm chỉ một dòng.",
    "Tải lại cùng một tệp không thay đổi gì (các dòng được báo là đã gửi trước đó). "
    "Sửa mức xếp loại hoặc điểm rồi tải lên lại: kết quả mới được ghi nhận và thay kết quả cũ.",
)


# --- reading and checking -----------------------------------------------------------------------------------


def parse(data: bytes, *, source: str | None, now: datetime, limits: Limits | None = None) -> ImportPlan:
    """Read an uploaded workbook and check every row (pure: no I/O); raise RatingsFileError for the whole file.
    `source` is written into each envelope (the evidence service refuses it unless it is the token's source);
    None leaves it out and the evidence service takes the source from the uploader's token."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    try:
        with sheet_reader.Workbook(data, limits) as book:
            sheet, columns, rows = _find_sheet(book)
            try:
                return _plan(book, sheet, columns, rows, source=source, now=now)
            finally:
                rows.close()
    except WorkbookError as exc:
        raise RatingsFileError(str(exc)) from None


def _key(header: object) -> str:
    return " ".join(unicodedata.normalize("NFC", str(header)).casefold().split()) if header is not None else ""


_HEADER_KEYS = {_key(h): h for h in HEADERS}


_Rows = Generator[tuple[int, dict[int, sheet_reader.Cell]], None, None]


def _find_sheet(book: sheet_reader.Workbook) -> tuple[str, dict[str, int], _Rows]:
    """The data sheet ("Xếp loại", else the first whose row 1 has the required headers), the position of each
    known column, and an iterator over its data rows."""
    names = [SHEET] if SHEET in book.sheetnames else []
    names += [n for n in book.sheetnames if n not in (SHEET, LISTS_SHEET, NOTES_SHEET)]
    for name in names:
        rows = book.rows(name)
        number, first = next(rows, (0, {}))
        columns: dict[str, int] = {}
        for index in sorted(first) if number == 1 else ():
            known = _HEADER_KEYS.get(_key(book.value(first[index], name)))
            if known is not None and known not in columns:
                columns[known] = index
        missing = [h for h in REQUIRED_HEADERS if h not in columns]
        if not missing:
            return name, columns, rows
        rows.close()
        if name == SHEET:
            raise RatingsFileError(f"Trang '{SHEET}' thiếu cột: {', '.join(missing)} (dòng 1 là dòng tiêu đề).")
    raise RatingsFileError(f"Không tìm thấy trang '{SHEET}' với dòng tiêu đề {', '.join(HEADERS)}.")


def _plan(
    book: sheet_reader.Workbook,
    sheet: str,
    columns: dict[str, int],
    rows: _Rows,
    *,
    source: str | None,
    now: datetime,
) -> ImportPlan:
    checked: list[PlannedRow | RefusedRow] = []
    for number, values in rows:
        cells: dict[str, object] = {
            h: book.value(values[i], sheet) if i in values else None for h, i in columns.items()
        }
        if all(_blank(v) for v in cells.values()):
            continue
        if len(checked) == MAX_ROWS:
            raise RatingsFileError(f"Tệp có hơn {MAX_ROWS} dòng dữ liệu; hãy chia thành nhiều tệp.")
        checked.append(_check_row(number, cells, source=source, now=now))
    checked = _refuse_repeats(checked)
    return ImportPlan(
        source=source,
        sheet=sheet,
        valid=tuple(r for r in checked if isinstance(r, PlannedRow)),
        refused=tuple(r for r in checked if isinstance(r, RefusedRow)),
    )


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _shown(value: object) -> str:
    """A cell's value as the page shows it back (bounded)."""
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


class _Row:
    """Collects one row's problems while its cells are read."""

    def __init__(self, number: int, cells: dict[str, object]) -> None:
        self.number, self.cells = number, cells
        self.problems: list[CellProblem] = []

    def refuse(self, column: str | None, reason: str, value: object = None) -> None:
        shown = _shown(self.cells.get(column) if column is not None else value)
        self.problems.append(CellProblem(row=self.number, column=column, value=shown, reason=reason))

    def text(self, column: str, *, required: bool) -> str | None:
        """The cell as text (a whole number is taken as its digits), or None after refusing it."""
        value = self.cells.get(column)
        if _blank(value):
            if required:
                self.refuse(column, "bắt buộc, đang để trống")
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.refuse(column, "phải là chữ hoặc số")
            return None
        if isinstance(value, float):
            if not value.is_integer():
                self.refuse(column, "phải là chữ, không phải số thập phân")
                return None
            value = int(value)
        text = unicodedata.normalize("NFC", str(value)).strip()
        if len(text) > MAX_CELL_CHARS:
            self.refuse(column, f"dài quá {MAX_CELL_CHARS} ký tự")
            return None
        return text


def _check_row(number: int, cells: dict[str, object], *, source: str | None, now: datetime) -> PlannedRow | RefusedRow:
    row = _Row(number, cells)
    unit = row.text(COL_UNIT, required=True)
    if unit is not None and not _UNIT_ID.fullmatch(unit):
        row.refuse(COL_UNIT, "không đúng mã định danh: 2–32 ký tự gồm chữ in hoa, số và dấu chấm (ví dụ H40.12.05)")
        unit = None
    officer = row.text(COL_OFFICER, required=True)
    if officer is not None and not _OFFICER_ID.fullmatch(officer):
        row.refuse(COL_OFFICER, "không đúng mã cán bộ: 1–64 ký tự gồm chữ, số và . _ : - (ví dụ CB-004512)")
        officer = None
    name = row.text(COL_NAME, required=False) if COL_NAME in cells else None
    year = _year(row, now)
    level = _level(row)
    score = _score(row)
    if row.problems or unit is None or officer is None or year is None or level is None:
        return RefusedRow(row=number, unit_id=unit, officer_id=officer, problems=tuple(row.problems))
    event_id = rating_event_id(unit, officer, year, level, score)
    envelope: dict[str, Any] = {
        "event_id": event_id,
        "type": "evaluation.recorded",
        "schema_version": 1,
        "occurred_at": now.astimezone(VN_TZ).isoformat(),  # microseconds kept: two uploads in a second are ordered
        "unit_id": unit,
        "officer_id": officer,
        "payload": {"year": year, "level": level} | ({} if score is None else {"score": score}),
    } | ({} if source is None else {"source": source})
    try:
        parse_evidence(envelope, now=now, source_required=source is not None)
    except EvidenceInvalid as invalid:  # the contract's own model has the last word
        problems = tuple(_problem(number, d, envelope) for d in invalid.details)
        return RefusedRow(row=number, unit_id=unit, officer_id=officer, problems=problems)
    return PlannedRow(
        row=number,
        unit_id=unit,
        officer_id=officer,
        full_name=name,
        year=year,
        level=level,
        score=score,
        event_id=event_id,
        envelope=envelope,
    )


def _year(row: _Row, now: datetime) -> int | None:
    value = row.cells.get(COL_YEAR)
    if _blank(value):
        row.refuse(COL_YEAR, "bắt buộc, đang để trống")
        return None
    year: int | None = None
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        year = int(value)
    elif isinstance(value, str) and _YEAR_TEXT.match(value.strip()):
        year = int(value.strip())
    if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
        row.refuse(COL_YEAR, f"phải là năm từ {FIRST_YEAR} đến {LAST_YEAR}")
        return None
    this_year = now.astimezone(VN_TZ).year
    if year > this_year:
        row.refuse(COL_YEAR, f"năm {year} chưa đến (năm hiện tại là {this_year})")
        return None
    return year


def level_code(value: object) -> Level | None:
    """The contract's code of a level written as the Vietnamese words, the code or the usual abbreviation."""
    if not isinstance(value, str):
        return None
    key = _key(value)
    for code, name in LEVEL_NAMES.items():
        if key in (code, _key(name)):
            return code
    return LEVEL_ABBREVIATIONS.get(key.replace(".", "").replace(" ", ""))


def _level(row: _Row) -> Level | None:
    value = row.cells.get(COL_LEVEL)
    if _blank(value):
        row.refuse(COL_LEVEL, "bắt buộc, đang để trống")
        return None
    code = level_code(value)
    if code is None:
        row.refuse(COL_LEVEL, "không phải mức xếp loại: " + "; ".join(LEVEL_NAMES.values()))
    return code


def _score(row: _Row) -> float | None:
    value = row.cells.get(COL_SCORE)
    if _blank(value):
        return None
    score: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        score = float(value)
    elif isinstance(value, str) and _SCORE_TEXT.match(value.strip()):
        score = float(value.strip().replace(",", "."))
    if score is None or not math.isfinite(score):
        row.refuse(COL_SCORE, "phải là số từ 0 đến 100")
        return None
    if not 0 <= score <= 100:
        row.refuse(COL_SCORE, "phải từ 0 đến 100")
        return None
    return score


def rating_event_id(unit: str, officer: str, year: int, level: str, score: float | None) -> str:
    """The row's event id: who and which year in clear, the rated content as a digest (see the module's notes).
    At most 8 + 5 + 33 + 65 + 12 = 123 characters of the contract's event id grammar."""
    content = json.dumps([level, score])
    digest = hashlib.sha256(content.encode()).hexdigest()[:12]
    return f"{EVENT_PREFIX}:{year}:{unit}:{officer}:{digest}"


def _refuse_repeats(checked: list[PlannedRow | RefusedRow]) -> list[PlannedRow | RefusedRow]:
    """One row per (unit, officer, year): later repeats are refused, and the first too when they disagree."""
    first: dict[tuple[str, str, int], PlannedRow] = {}
    refused: dict[int, RefusedRow] = {}
    for item in checked:
        if not isinstance(item, PlannedRow):
            continue
        key = (item.unit_id, item.officer_id, item.year)
        earlier = first.setdefault(key, item)
        if earlier is item:
            continue
        reason = f"trùng đơn vị, cán bộ và năm với dòng {earlier.row}"
        refused[item.row] = _refused(item, reason)
        if earlier.event_id != item.event_id:
            refused[earlier.row] = _refused(earlier, f"dòng {item.row} xếp loại khác cho cùng đơn vị, cán bộ và năm")
    return [refused.get(r.row, r) for r in checked]


def _refused(row: PlannedRow, reason: str) -> RefusedRow:
    problem = CellProblem(row=row.row, column=COL_OFFICER, value=row.officer_id, reason=reason)
    return RefusedRow(row=row.row, unit_id=row.unit_id, officer_id=row.officer_id, problems=(problem,))


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


# --- sending --------------------------------------------------------------------------------------------------


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
