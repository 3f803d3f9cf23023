"""The national portal's published Decision 766 results as an office uploads them (CSV or XLSX): one row per unit
with its code as the portal gives it, the group scores and the total, read bounded into scoring's import body."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from services.dashboard import sheet_reader
from services.dashboard.sheet_reader import Limits, WorkbookError

MAX_FILE_BYTES = sheet_reader.MAX_FILE_BYTES
MAX_ROWS = 5000  # scoring's bound of one import
MAX_COLUMNS = 50
MAX_CELL_CHARS = 200
MAX_PROBLEMS = 20
COL_UNIT = "Mã đơn vị"
COL_TOTAL = "Tổng điểm"
UNIT_HEADERS = ("mã đơn vị", "ma don vi", "madonvi", "unit", "mã định danh")
TOTAL_HEADERS = ("tổng điểm", "tong diem", "total", "tổng")
_NUMBER = re.compile(r"^[+-]?\d{1,3}(?:[.,]\d{1,6})?$")
LIMITS = Limits(max_sheet_rows=MAX_ROWS + 100, max_columns=MAX_COLUMNS)


class OfficialFileError(ValueError):
    """The whole file is refused; the message (Vietnamese) says where and why."""


@dataclass(frozen=True)
class OfficialFile:
    """The rows to send (scoring's body) and the file's row number of each (to name scoring's refusals)."""

    rows: list[dict[str, Any]]
    lines: list[int]


def key(header: object) -> str:
    """A header as compared: NFC, case-folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFC", str(header or "")).casefold().split())


def parse(data: bytes, groups: Mapping[str, str]) -> OfficialFile:
    """Read the file (XLSX by its bytes, else CSV in UTF-8); groups: {group code: its name}, either may head a
    column. OfficialFileError names the rows and columns at fault."""
    if len(data) > MAX_FILE_BYTES:
        raise OfficialFileError(f"Tệp lớn hơn {MAX_FILE_BYTES // (1024 * 1024)} MB.")
    table = _xlsx(data) if data[:4] == b"PK\x03\x04" else _csv(data)
    try:
        number, header = next(table)
    except StopIteration:
        raise OfficialFileError("Tệp trống: dòng 1 phải là dòng tiêu đề.") from None
    columns = _columns(header, groups)
    rows: list[dict[str, Any]] = []
    lines: list[int] = []
    problems: list[str] = []
    for number, cells in table:
        values = {name: cells[i].strip() if i < len(cells) else "" for name, i in columns.items()}
        if not any(values.values()):
            continue
        if len(rows) == MAX_ROWS:
            raise OfficialFileError(f"Tệp có hơn {MAX_ROWS} dòng dữ liệu; hãy chia theo kỳ hoặc theo đơn vị.")
        row, wrong = _row(number, values)
        problems += wrong
        rows.append(row)
        lines.append(number)
    if problems:
        more = f" (và {len(problems) - MAX_PROBLEMS} lỗi khác)" if len(problems) > MAX_PROBLEMS else ""
        raise OfficialFileError("; ".join(problems[:MAX_PROBLEMS]) + more + ".")
    if not rows:
        raise OfficialFileError("Tệp không có dòng dữ liệu nào dưới dòng tiêu đề.")
    return OfficialFile(rows, lines)


def _columns(header: list[str], groups: Mapping[str, str]) -> dict[str, int]:
    """{"unit" | "total" | group code: column index} from the header row."""
    wanted = {h: "unit" for h in UNIT_HEADERS} | {h: "total" for h in TOTAL_HEADERS}
    for code, name in groups.items():
        wanted[key(code)] = code
        wanted[key(name)] = code
    found: dict[str, int] = {}
    for i, cell in enumerate(header):
        column = wanted.get(key(cell))
        if column is not None and column not in found:
            found[column] = i
    missing = [label for name, label in (("unit", COL_UNIT), ("total", COL_TOTAL)) if name not in found]
    if missing:
        raise OfficialFileError(
            f"Dòng 1 thiếu cột: {', '.join(missing)} (các cột nhóm chỉ số ghi mã hoặc tên nhóm: "
            f"{', '.join(groups.values())})."
        )
    return found


def _row(number: int, values: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    problems: list[str] = []
    unit = values["unit"]
    if not unit:
        problems.append(f"Dòng {number}, cột {COL_UNIT}: để trống")
    elif len(unit) > 64:
        problems.append(f"Dòng {number}, cột {COL_UNIT}: dài quá 64 ký tự")
    points: dict[str, float] = {}
    for name, text in values.items():
        if name == "unit" or (not text and name != "total"):
            continue
        label = COL_TOTAL if name == "total" else name
        if not _NUMBER.match(text):
            problems.append(f"Dòng {number}, cột {label}: “{text[:40]}” không phải số điểm")
            continue
        value = float(text.replace(",", "."))
        if not 0 <= value <= 100:
            problems.append(f"Dòng {number}, cột {label}: {text} ngoài khoảng 0–100")
        points[name] = value
    total = points.pop("total", 0.0)
    return {"unit": unit, "groups": points, "total": total}, problems


def _csv(data: bytes) -> Iterator[tuple[int, list[str]]]:
    """The rows of a CSV file in UTF-8 (a BOM allowed), separated by commas or semicolons."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise OfficialFileError("Tệp CSV phải lưu với bảng mã UTF-8 (hoặc tải lên tệp Excel .xlsx).") from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, cells in enumerate(reader, 1):
            if len(cells) > MAX_COLUMNS or any(len(c) > MAX_CELL_CHARS for c in cells):
                raise OfficialFileError(f"Dòng {number}: quá {MAX_COLUMNS} cột hoặc ô dài quá {MAX_CELL_CHARS} ký tự.")
            yield number, cells
    except csv.Error as exc:
        raise OfficialFileError(f"Tệp CSV không đúng dạng: {exc}.") from None


def _xlsx(data: bytes) -> Iterator[tuple[int, list[str]]]:
    """The rows of the workbook's first sheet, every value as text (read by the bounded sheet reader)."""
    try:
        with sheet_reader.Workbook(data, LIMITS) as book:
            sheet = book.sheetnames[0] if book.sheetnames else None
            if sheet is None:
                raise OfficialFileError("Tệp Excel không có trang nào.")
            rows = book.rows(sheet)
            try:
                for number, cells in rows:
                    width = max(cells, default=-1) + 1
                    texts = [_text(book.value(cells[i], sheet)) if i in cells else "" for i in range(width)]
                    if any(len(t) > MAX_CELL_CHARS for t in texts):
                        raise OfficialFileError(f"Dòng {number}: ô dài quá {MAX_CELL_CHARS} ký tự.")
                    yield number, texts
            finally:
                rows.close()
    except WorkbookError as exc:
        raise OfficialFileError(str(exc)) from None


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return str(value)
