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
import json
import math
import unicodedata
from collections.abc import Generator
from datetime import datetime
from typing import Any

from schemas.errors import EvidenceInvalid
from schemas.evidence import parse_evidence
from schemas.vietnam import VN_TZ
from services.dashboard import sheet_reader
from services.dashboard.ratings_model import (
    _OFFICER_ID,
    _SCORE_TEXT,
    _UNIT_ID,
    _YEAR_TEXT,
    BATCH_SIZE,
    COL_LEVEL,
    COL_NAME,
    COL_OFFICER,
    COL_SCORE,
    COL_UNIT,
    COL_YEAR,
    EVENT_PREFIX,
    FIRST_YEAR,
    HEADERS,
    LAST_YEAR,
    LEVEL_ABBREVIATIONS,
    LEVEL_NAMES,
    LISTS_SHEET,
    MAX_CELL_CHARS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    NOTES_SHEET,
    REQUIRED_HEADERS,
    SHEET,
    CellProblem,
    EvidenceUnavailable,
    ImportPlan,
    ImportReport,
    Level,
    PlannedRow,
    RatingsFileError,
    RefusedRow,
    RowResult,
    _problem,
    _shown,
)
from services.dashboard.ratings_send import send
from services.dashboard.ratings_template import EXAMPLE_ROW, template_xlsx
from services.dashboard.sheet_reader import Limits, WorkbookError

# The import's whole vocabulary, from here as before the modules were split (tests and the worker use it).
__all__ = [
    "BATCH_SIZE",
    "COL_LEVEL",
    "COL_NAME",
    "COL_OFFICER",
    "COL_SCORE",
    "COL_UNIT",
    "COL_YEAR",
    "EVENT_PREFIX",
    "EXAMPLE_ROW",
    "FIRST_YEAR",
    "HEADERS",
    "LAST_YEAR",
    "LEVEL_ABBREVIATIONS",
    "LEVEL_NAMES",
    "LISTS_SHEET",
    "MAX_CELL_CHARS",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "NOTES_SHEET",
    "REQUIRED_HEADERS",
    "SHEET",
    "CellProblem",
    "EvidenceUnavailable",
    "ImportPlan",
    "ImportReport",
    "Level",
    "PlannedRow",
    "RatingsFileError",
    "RefusedRow",
    "RowResult",
    "level_code",
    "parse",
    "rating_event_id",
    "send",
    "template_xlsx",
]


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
