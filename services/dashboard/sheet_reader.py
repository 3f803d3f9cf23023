"""A bounded reader of an uploaded XLSX workbook: the cells of one sheet, streamed, never more than the limits.

An XLSX is a ZIP package of XML parts. openpyxl trusts what the file declares: it pads every row to the sheet's
declared width (16,384 columns), yields every blank row up to the declared last row, and loads every shared string
before the first cell; a file of a few KB can so hold the CPU for minutes. This reader checks the package before
any XML is parsed (members, each member's unpacked size and packing ratio), then streams each part with a
DTD-free parser (defusedxml) and stops at the first limit passed: physical rows (blank rows count: a row's
number is its place in the sheet), cells, columns read (only the first `max_columns`, whatever width the sheet
declares), shared strings (count and characters), each cell's length and XML elements per part. Values are
converted only for the cells the caller asks for, so a damaged cell elsewhere costs nothing; a damaged cell
asked for (a number that is not one, a shared-string index out of range, a date out of range) raises
`WorkbookError` naming the sheet and the cell. Every message is Vietnamese: it is shown to the uploader.
"""

from __future__ import annotations

import io
import math
import posixpath
import zipfile
import zlib
from collections.abc import Generator, Iterator
from datetime import datetime
from types import TracebackType
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

from services.dashboard.sheet_parts import (
    _DIGITS,
    _EXCEL_LAST_DAY,
    _MAX_NUMBER_CHARS,
    _NUMBER,
    _READ_AT_END,
    _REF,
    MAX_FILE_BYTES,
    NOT_XLSX,
    Cell,
    Limits,
    Value,
    WorkbookError,
    _Capped,
    _letters,
    _local,
    _mb,
    _Rows,
    _shown,
    _text,
)

# What importers use from here, as before the parts moved out.
__all__ = ["MAX_FILE_BYTES", "NOT_XLSX", "Cell", "Limits", "Value", "Workbook", "WorkbookError"]


class Workbook:
    """An uploaded workbook, checked as a package on opening; its sheets are read one row at a time."""

    def __init__(self, data: bytes, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        if len(data) > self.limits.max_file_bytes:
            raise WorkbookError(f"Tệp lớn hơn {_mb(self.limits.max_file_bytes)}; hãy chia thành nhiều tệp.")
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            members = self._zip.infolist()
        except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
            raise WorkbookError(NOT_XLSX) from None
        try:
            self._members = self._check_members(members)
            self._sheets: dict[str, str] = {}
            self._shared: list[str] | None = None
            self._dates: dict[int, bool] = {}  # cell format index → True for a duration, False for a date
            self._epoch = CALENDAR_WINDOWS_1900
            self._read_workbook()
        except BaseException:
            self._zip.close()
            raise

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._zip.close()

    @property
    def sheetnames(self) -> list[str]:
        return list(self._sheets)

    # --- the package ---------------------------------------------------------------------------------------------

    def _check_members(self, members: list[zipfile.ZipInfo]) -> dict[str, zipfile.ZipInfo]:
        """Refuse a package with too many members, a member too large or packed like a bomb, before any XML."""
        limits = self.limits
        if len(members) > limits.max_zip_members:
            raise WorkbookError(f"Tệp Excel có {len(members)} phần, tối đa {limits.max_zip_members}; hãy lưu lại tệp.")
        total = 0
        for info in members:
            if info.flag_bits & 0x1:
                raise WorkbookError("Tệp Excel đang đặt mật khẩu; hãy bỏ mật khẩu rồi tải lên lại.")
            if info.file_size > limits.max_member_bytes:
                raise WorkbookError(
                    f"Phần {info.filename} của tệp Excel giải nén ra {_mb(info.file_size)}, tối đa "
                    f"{_mb(limits.max_member_bytes)}; hãy chia thành nhiều tệp."
                )
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > limits.ratio_checked_from_bytes and ratio > limits.max_packing_ratio:
                raise WorkbookError(
                    f"Phần {info.filename} của tệp Excel nén bất thường (giải nén lớn gấp {ratio:.0f} lần, tối đa "
                    f"{limits.max_packing_ratio} lần); tệp không phải do Excel tạo ra."
                )
            total += info.file_size
        if total > limits.max_unpacked_bytes:
            raise WorkbookError(
                f"Tệp Excel quá lớn khi giải nén ({_mb(total)}, tối đa {_mb(limits.max_unpacked_bytes)}); "
                "hãy chia thành nhiều tệp."
            )
        return {info.filename: info for info in members}

    def _member(self, path: str) -> zipfile.ZipInfo | None:
        found = self._members.get(path)
        if found is None:  # some writers differ in case from their own relationships
            found = next((i for n, i in self._members.items() if n.casefold() == path.casefold()), None)
        return found

    def _parse(self, path: str) -> Iterator[tuple[str, Element]]:
        """The (event, element) stream of one part: DTD and entities refused, elements and bytes bounded."""
        info = self._member(path)
        if info is None:
            raise WorkbookError(f"Tệp Excel hỏng: thiếu phần {path}.")
        limit = self.limits.max_xml_elements
        stream: _Capped | None = None
        try:
            stream = _Capped(self._zip.open(info), min(info.file_size, self.limits.max_member_bytes), path)
            elements = 0
            for event, element in iterparse(stream, events=("start", "end"), forbid_dtd=True):
                if event == "start":
                    elements += 1
                    if elements > limit:
                        raise WorkbookError(f"Phần {path} của tệp Excel có hơn {limit} phần tử XML.")
                yield event, element
        except ParseError as exc:
            line, column = getattr(exc, "position", (0, 0))
            raise WorkbookError(
                f"Tệp Excel hỏng: phần {path} không phải XML hợp lệ hoặc bị cắt cụt (dòng {line}, cột {column} "
                "của XML); hãy mở bằng Excel và lưu lại."
            ) from None
        except DefusedXmlException:
            raise WorkbookError(
                f"Phần {path} của tệp Excel có khai báo DTD hoặc thực thể XML, điều Excel không bao giờ ghi."
            ) from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError):
            raise WorkbookError(f"Tệp Excel hỏng: không giải nén được phần {path}.") from None
        finally:
            if stream is not None:
                stream.close()

    def _walk(self, path: str) -> Iterator[tuple[str, str, Element, list[tuple[str, Element]]]]:
        """(event, local tag, element, its ancestors as (tag, element)) of a part; once an end event is handled, the
        parent is emptied (unless it is a cell or string item, read when it ends): nothing read is kept."""
        stack: list[tuple[str, Element]] = []
        for event, element in self._parse(path):
            tag = _local(element.tag)
            if event == "start":
                yield event, tag, element, stack
                stack.append((tag, element))
                continue
            stack.pop()
            yield event, tag, element, stack
            if stack and stack[-1][0] not in _READ_AT_END:
                stack[-1][1].clear()

    def _relationships(self, path: str) -> dict[str, tuple[str, str]]:
        """Id → (type's last word, target's path in the package) of a part's relationships ({} without them)."""
        folder, name = posixpath.split(path)
        rels = posixpath.join(folder, "_rels", name + ".rels")
        if self._member(rels) is None:
            return {}
        found: dict[str, tuple[str, str]] = {}
        for event, tag, element, _ in self._walk(rels):
            if event != "end" or tag != "Relationship":
                continue
            target, ident = element.get("Target", ""), element.get("Id", "")
            if element.get("TargetMode") != "External" and target and ident:
                joined = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
                found[ident] = (element.get("Type", "").rpartition("/")[2], posixpath.normpath(joined))
        return found

    def _read_workbook(self) -> None:
        """The sheets (name → part), the shared strings' and styles' parts, and the date system."""
        office = [t for kind, t in self._relationships("").values() if kind == "officeDocument"]
        path = office[0] if office else "xl/workbook.xml"
        if self._member(path) is None:
            raise WorkbookError("Tệp .xlsx không có bảng tính (thiếu xl/workbook.xml); hãy lưu lại bằng Excel.")
        rels = self._relationships(path)
        for event, tag, element, _ in self._walk(path):
            if event != "end":
                continue
            if tag == "workbookPr" and element.get("date1904") in ("1", "true"):
                self._epoch = CALENDAR_MAC_1904
            elif tag == "sheet":
                ident = next((v for k, v in element.attrib.items() if _local(k) == "id"), "")
                kind, target = rels.get(ident, ("", ""))
                name = element.get("name", "")
                if kind == "worksheet" and name and name not in self._sheets:
                    if len(self._sheets) == self.limits.max_sheets:
                        raise WorkbookError(f"Tệp Excel có hơn {self.limits.max_sheets} trang tính.")
                    self._sheets[name] = target
        if not self._sheets:
            raise WorkbookError("Tệp .xlsx không có trang tính nào; hãy dùng mẫu tải về.")
        self._shared_path = next((t for kind, t in rels.values() if kind == "sharedStrings"), None)
        styles = next((t for kind, t in rels.values() if kind == "styles"), None)
        if styles is not None and self._member(styles) is not None:
            self._read_styles(styles)

    def _read_styles(self, path: str) -> None:
        """Which cell formats show a date or a duration (their numbers are read as such, as Excel shows them)."""
        custom: dict[int, str] = {}
        formats: list[int] = []
        for event, tag, element, parents in self._walk(path):
            if event == "start":
                continue
            if tag == "numFmt":
                ident = element.get("numFmtId", "")
                if _DIGITS.fullmatch(ident):
                    custom[int(ident)] = element.get("formatCode", "")[:256]
            elif tag == "xf" and parents[-1][0] == "cellXfs":
                if len(formats) == self.limits.max_cell_formats:
                    raise WorkbookError(f"Tệp Excel có hơn {self.limits.max_cell_formats} định dạng ô.")
                number = element.get("numFmtId", "0")
                formats.append(int(number) if _DIGITS.fullmatch(number) else 0)
        for index, format_id in enumerate(formats):
            code = custom.get(format_id, BUILTIN_FORMATS.get(format_id))
            if code is not None and is_date_format(code):
                self._dates[index] = is_timedelta_format(code)

    def _strings(self) -> list[str]:
        """The shared strings, read once, bounded in count, each length and total characters."""
        if self._shared is not None:
            return self._shared
        shared: list[str] = []
        self._shared = shared
        path = self._shared_path
        if path is None or self._member(path) is None:
            return shared
        limits, chars = self.limits, 0
        for event, tag, element, _ in self._walk(path):
            if event == "start":
                if tag == "sst":
                    declared = element.get("uniqueCount", "0")
                    if _DIGITS.fullmatch(declared) and int(declared) > limits.max_shared_strings:
                        raise self._too_many_strings(int(declared))
                continue
            if tag != "si":
                continue
            if len(shared) == limits.max_shared_strings:
                raise self._too_many_strings(len(shared) + 1)
            text = _text(element)
            if len(text) > limits.max_cell_chars:
                raise WorkbookError(f"Chuỗi thứ {len(shared) + 1} của tệp Excel dài quá {limits.max_cell_chars} ký tự.")
            chars += len(text)
            if chars > limits.max_shared_chars:
                raise WorkbookError(f"Các chuỗi của tệp Excel dài hơn {limits.max_shared_chars} ký tự tổng cộng.")
            shared.append(text)
        return shared

    def _too_many_strings(self, count: int) -> WorkbookError:
        return WorkbookError(
            f"Tệp Excel có {count} chuỗi khác nhau, tối đa {self.limits.max_shared_strings}; hãy chia thành nhiều tệp."
        )

    # --- the rows ------------------------------------------------------------------------------------------------

    def rows(self, sheet: str) -> Generator[tuple[int, dict[int, Cell]], None, None]:
        """The sheet's rows in order: (row number, its cells by column index from 0, only the first
        `max_columns`). Rows without cells are not given, but their numbers count against `max_sheet_rows`."""
        self._strings()  # before the sheet's stream opens: one part at a time
        path = self._sheets[sheet]
        state = _Rows(sheet)
        for event, tag, element, parents in self._walk(path):
            depth, parent = len(parents), parents[-1][0] if parents else ""
            if event == "start":
                if depth == 2 and tag == "row" and parent == "sheetData":
                    self._start_row(state, element.get("r"))
                elif depth == 3 and tag == "c" and parent == "row":
                    state.cells += 1
                    if state.cells > self.limits.max_sheet_cells:
                        raise WorkbookError(
                            f"Trang '{sheet}' có hơn {self.limits.max_sheet_cells} ô; hãy xoá các ô thừa hoặc chia tệp."
                        )
                continue
            if depth == 3 and tag == "c" and parent == "row":
                self._end_cell(state, element)
            elif depth == 2 and tag == "row" and parent == "sheetData" and state.current:
                yield state.number, state.current

    def _start_row(self, state: _Rows, ref: str | None) -> None:
        number = state.number + 1
        if ref is not None:
            if not _DIGITS.fullmatch(ref) or int(ref) <= state.number:
                raise WorkbookError(
                    f"Tệp Excel hỏng: trang '{state.sheet}' có số dòng '{_shown(ref)}' sai thứ tự sau dòng "
                    f"{state.number}."
                )
            number = int(ref)
        if number > self.limits.max_sheet_rows:
            raise WorkbookError(
                f"Trang '{state.sheet}' có dòng số {number} (tính cả dòng trống), tối đa "
                f"{self.limits.max_sheet_rows} dòng; hãy xoá các dòng thừa ở cuối trang hoặc chia thành nhiều tệp."
            )
        state.number, state.column, state.current = number, 0, {}

    def _end_cell(self, state: _Rows, element: Element) -> None:
        ref = element.get("r")
        column = state.column + 1
        if ref is not None:
            found = _REF.fullmatch(ref)
            if found is None:
                raise WorkbookError(f"Tệp Excel hỏng: dòng {state.number} có ô tên '{_shown(ref)}' không hợp lệ.")
            column = 0
            for letter in found[1]:
                column = column * 26 + ord(letter) - 64
        state.column = column
        if column > self.limits.max_columns:
            return  # never read: whatever is there costs nothing more
        letters = _letters(column)
        text: str | None = None
        kind = element.get("t", "n")
        for child in element:
            name = _local(child.tag)
            if name == "v":
                text = child.text or ""
            elif name == "is" and kind == "inlineStr":
                text = _text(child)
        if text is not None and len(text) > self.limits.max_cell_chars:
            raise WorkbookError(
                f"Ô {letters}{state.number} (trang '{state.sheet}') dài quá {self.limits.max_cell_chars} ký tự."
            )
        style = element.get("s", "0")
        index = int(style) if _DIGITS.fullmatch(style) else 0
        state.current[column - 1] = Cell(f"{letters}{state.number}", kind, text, index)

    # --- values --------------------------------------------------------------------------------------------------

    def value(self, cell: Cell, sheet: str) -> Value:
        """The cell's value as Excel shows it: text, a number (int when written without a point), a bool, a date
        (or a duration) for a number in a date format; WorkbookError naming the cell when it cannot be one."""
        text, kind = cell.text, cell.kind
        if text is None:
            return None
        where = f"Ô {cell.ref} (trang '{sheet}')"
        if kind in ("inlineStr", "str", "e"):
            return text
        if kind == "s":
            strings = self._strings()
            if not _DIGITS.fullmatch(text.strip()) or int(text) >= len(strings):
                raise WorkbookError(
                    f"Tệp Excel hỏng: {where} trỏ tới chuỗi dùng chung số '{_shown(text)}', tệp chỉ có "
                    f"{len(strings)} chuỗi."
                )
            return strings[int(text)]
        if kind == "b":
            if text.strip() not in ("0", "1", "true", "false"):
                raise WorkbookError(f"Tệp Excel hỏng: {where} có giá trị đúng/sai '{_shown(text)}' không hợp lệ.")
            return text.strip() in ("1", "true")
        if kind == "d":
            try:
                if len(text) > _MAX_NUMBER_CHARS:
                    raise ValueError(text)
                return datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
            except ValueError:
                raise WorkbookError(f"Tệp Excel hỏng: {where} có ngày '{_shown(text)}' không hợp lệ.") from None
        if kind != "n":
            raise WorkbookError(f"Tệp Excel hỏng: {where} có kiểu ô '{_shown(kind)}' không hợp lệ.")
        return self._number(text.strip(), cell, where)

    def _number(self, text: str, cell: Cell, where: str) -> Value:
        if not text:
            return None
        if len(text) > _MAX_NUMBER_CHARS:
            raise WorkbookError(f"Tệp Excel hỏng: {where} ghi số dài {len(text)} ký tự, tối đa {_MAX_NUMBER_CHARS}.")
        if not _NUMBER.fullmatch(text):
            raise WorkbookError(f"Tệp Excel hỏng: {where} ghi số '{_shown(text)}' không phải là số.")
        number: int | float = float(text) if any(c in text for c in ".eE") else int(text)
        if not math.isfinite(number):
            raise WorkbookError(f"Tệp Excel hỏng: {where} ghi số '{_shown(text)}' quá lớn.")
        duration = self._dates.get(cell.style)
        if duration is None:
            return number
        if not 0 <= number < _EXCEL_LAST_DAY:
            raise WorkbookError(f"Tệp Excel hỏng: {where} có ngày (số {_shown(text)}) ngoài khoảng Excel ghi được.")
        converted: Any = from_excel(number, self._epoch, timedelta=duration)
        return converted
