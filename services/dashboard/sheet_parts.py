"""The bounds and small parts of the XLSX reader: limits, the error, a cell, capped streams, the text of an item."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import IO
from xml.etree.ElementTree import Element

# Bounds of what is read from an upload (the defaults of `Limits`).
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ZIP_MEMBERS = 500
MAX_MEMBER_BYTES = 25 * 1024 * 1024
MAX_UNPACKED_BYTES = 60 * 1024 * 1024
MAX_PACKING_RATIO = 100  # Excel's own parts pack 5–30 times; a bomb packs 1,000 times
RATIO_CHECKED_FROM_BYTES = 1024 * 1024  # smaller parts may pack as they like: they cannot hurt
MAX_SHEETS = 100
MAX_SHEET_ROWS = 20_000  # the last row number read, blank rows included (the ratings need at most 5,001)
MAX_SHEET_CELLS = 200_000  # cell elements in the sheet, in every column
MAX_COLUMNS = 50  # columns read per row, from A; cells further right are skipped unread
MAX_SHARED_STRINGS = 60_000
MAX_SHARED_CHARS = 5_000_000
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
MAX_XML_ELEMENTS = 1_000_000  # per part
MAX_CELL_FORMATS = 65_000  # Excel allows 64,000
_MAX_NUMBER_CHARS = 40
_EXCEL_LAST_DAY = 2_958_466  # 10000-01-01 as an Excel serial: dates stop before it
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Limits:
    """Every bound of `Workbook`; the defaults are the module's constants (tests and the bench may lower them)."""

    max_file_bytes: int = MAX_FILE_BYTES
    max_zip_members: int = MAX_ZIP_MEMBERS
    max_member_bytes: int = MAX_MEMBER_BYTES
    max_unpacked_bytes: int = MAX_UNPACKED_BYTES
    max_packing_ratio: int = MAX_PACKING_RATIO
    ratio_checked_from_bytes: int = RATIO_CHECKED_FROM_BYTES
    max_sheets: int = MAX_SHEETS
    max_sheet_rows: int = MAX_SHEET_ROWS
    max_sheet_cells: int = MAX_SHEET_CELLS
    max_columns: int = MAX_COLUMNS
    max_shared_strings: int = MAX_SHARED_STRINGS
    max_shared_chars: int = MAX_SHARED_CHARS
    max_cell_chars: int = MAX_CELL_CHARS
    max_xml_elements: int = MAX_XML_ELEMENTS
    max_cell_formats: int = MAX_CELL_FORMATS


class WorkbookError(ValueError):
    """The upload cannot be read as a workbook within the limits; the message (Vietnamese) says what and where."""


@dataclass(frozen=True)
class Cell:
    """A cell as written in the sheet, not yet converted: its reference, type (`t`), text and format index."""

    ref: str
    kind: str
    text: str | None
    style: int


Value = str | int | float | bool | datetime | time | timedelta | None
NOT_XLSX = "Tệp không phải Excel .xlsx; hãy dùng mẫu tải về hoặc lưu lại dưới dạng .xlsx."
_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
_DIGITS = re.compile(r"[0-9]{1,9}")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?")
_READ_AT_END = frozenset({"c", "is", "r", "si"})  # elements read from their children when they end: kept till then


def _local(tag: str) -> str:
    """The tag without its namespace (transitional and strict OOXML use different ones)."""
    return tag.rpartition("}")[2]


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def _shown(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


class _Capped:
    """A member's stream that refuses to give more than `cap` bytes, its declared size (zipfile stops there too:
    kept so that no reader of a part depends on that)."""

    def __init__(self, stream: IO[bytes], cap: int, name: str) -> None:
        self.stream, self.left, self.name = stream, cap, name

    def read(self, size: int = _CHUNK) -> bytes:
        data = self.stream.read(min(max(size, 1), _CHUNK))
        self.left -= len(data)
        if self.left < 0:
            raise WorkbookError(f"Phần {self.name} của tệp Excel giải nén ra nhiều hơn kích thước khai báo.")
        return data

    def close(self) -> None:
        self.stream.close()


@dataclass
class _Rows:
    """Where the sheet's stream is: the current row number and the counts so far."""

    sheet: str
    number: int = 0
    cells: int = 0
    column: int = 0
    current: dict[int, Cell] = field(default_factory=dict)


def _letters(column: int) -> str:
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _text(element: Element) -> str:
    """The text of a string item: its <t>, or its runs' <t> in order; phonetic hints (<rPh>) are not text."""
    parts: list[str] = []
    for child in element:
        name = _local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return "".join(parts)
