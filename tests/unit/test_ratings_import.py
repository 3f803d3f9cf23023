"""The ratings import (services/dashboard/ratings_import.py) without a network: the template, the checks of every
cell, the deterministic event ids, and how send() batches and merges the evidence service's answers."""

from __future__ import annotations

import io
import json
import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import httpx
import pytest
from openpyxl import Workbook, load_workbook

from schemas.evidence import EvaluationRecordedEvent, parse_evidence
from schemas.vietnam import VN_TZ
from services.dashboard import ratings_import as ri
from services.dashboard import sheet_parts
from services.dashboard.sheet_reader import Limits
from tests import hostile_xlsx as hostile

NOW = datetime(2026, 11, 25, 10, 30, tzinfo=VN_TZ)
SOURCE = "hr-office"
Cell = str | int | float | datetime | None


def filled(rows: Sequence[Sequence[Cell]]) -> bytes:
    """The downloaded template with rows typed into its data sheet."""
    wb = load_workbook(io.BytesIO(ri.template_xlsx()))
    for row in rows:
        wb[ri.SHEET].append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def ratings(n: int) -> list[list[Cell]]:
    """n valid rows over 4 units and 2 years, the levels written in words, codes and abbreviations."""
    levels = [*ri.LEVEL_NAMES.values(), "good", "excellent", "HTTNV"]
    return [
        [
            f"H40.12.0{i % 4 + 1}",
            f"CB-{i:05d}",
            f"Cán bộ số {i}",
            2025 if i % 2 else "2024",
            levels[i % len(levels)],
            None if i % 3 == 0 else (80 + i % 20 if i % 5 else f"{80 + i % 20},5"),
        ]
        for i in range(n)
    ]


# --- the template ---------------------------------------------------------------------------------------------


def test_the_template_has_the_headers_a_hidden_level_list_and_notes_and_imports_nothing_untouched() -> None:
    data = ri.template_xlsx()
    wb = load_workbook(io.BytesIO(data))
    sheet = wb[ri.SHEET]
    assert [c.value for c in sheet[1]] == ["Mã đơn vị", "Mã cán bộ", "Họ và tên", "Năm", "Mức xếp loại", "Điểm"]
    lists = wb[ri.LISTS_SHEET]
    assert lists.sheet_state == "hidden"
    assert [lists.cell(r, 1).value for r in range(2, 6)] == [
        "Hoàn thành xuất sắc nhiệm vụ",
        "Hoàn thành tốt nhiệm vụ",
        "Hoàn thành nhiệm vụ",
        "Không hoàn thành nhiệm vụ",
    ]
    assert [lists.cell(r, 2).value for r in range(2, 6)] == ["excellent", "good", "complete", "incomplete"]
    level_list = next(v for v in sheet.data_validations.dataValidation if v.type == "list")
    assert str(level_list.sqref) == "E2:E5001" and "Danh mục" in level_list.formula1
    notes = "\n".join(str(c.value) for row in wb[ri.NOTES_SHEET].iter_rows() for c in row if c.value is not None)
    assert "Hoàn thành xuất sắc nhiệm vụ" in notes and "HTXSNV" in notes and "Nguyễn Văn An" in notes
    plan = ri.parse(data, source=SOURCE, now=NOW)
    assert plan.sheet == ri.SHEET and plan.rows_read == 0


def test_the_example_row_of_the_notes_imports_as_one_valid_rating() -> None:
    plan = ri.parse(filled([ri.EXAMPLE_ROW]), source=SOURCE, now=NOW)
    assert not plan.refused
    (row,) = plan.valid
    assert (row.row, row.unit_id, row.officer_id, row.full_name, row.year, row.level, row.score) == (
        2,
        "H40.12.05",
        "CB-004512",
        "Nguyễn Văn An",
        2025,
        "good",
        86.5,
    )
    event = parse_evidence(row.envelope, now=NOW, source_required=True)
    assert isinstance(event, EvaluationRecordedEvent)
    assert event.source == SOURCE and event.officer_id == "CB-004512"
    assert event.occurred_at == NOW and row.envelope["occurred_at"] == "2026-11-25T10:30:00+07:00"


# --- the checks -----------------------------------------------------------------------------------------------

BAD: dict[int, tuple[str, Cell, str]] = {  # data row index -> (column, bad value, words of the reason)
    17: (ri.COL_UNIT, "h40.12.05", "mã định danh"),
    58: (ri.COL_OFFICER, "CB 00058", "mã cán bộ"),
    99: (ri.COL_LEVEL, "Xuất sắc", "không phải mức xếp loại"),
    140: (ri.COL_SCORE, 101, "từ 0 đến 100"),
    181: (ri.COL_YEAR, 2027, "chưa đến"),
}


def two_hundred_with_five_bad() -> list[list[Cell]]:
    rows = ratings(200)
    for index, (column, value, _) in BAD.items():
        rows[index][ri.HEADERS.index(column)] = value
    return rows


def test_two_hundred_rows_with_five_bad_refuse_exactly_those_five_naming_the_cell() -> None:
    plan = ri.parse(filled(two_hundred_with_five_bad()), source=SOURCE, now=NOW)
    assert plan.rows_read == 200 and len(plan.valid) == 195
    refused = {r.row: r.problems for r in plan.refused}
    assert sorted(refused) == sorted(index + 2 for index in BAD)  # Excel rows: the header is row 1
    for index, (column, value, words) in BAD.items():
        (problem,) = refused[index + 2]
        assert (problem.row, problem.column, problem.value) == (index + 2, column, str(value))
        assert words in problem.reason
    for row in plan.valid:  # every envelope passes the contract's own model
        assert isinstance(parse_evidence(row.envelope, now=NOW, source_required=True), EvaluationRecordedEvent)
    assert len({r.event_id for r in plan.valid}) == 195


def test_a_row_can_have_several_problems_and_every_one_is_named() -> None:
    plan = ri.parse(filled([["", "CB:1/2", None, "20x5", "", -1]]), source=SOURCE, now=NOW)
    (row,) = plan.refused
    assert [p.column for p in row.problems] == [ri.COL_UNIT, ri.COL_OFFICER, ri.COL_YEAR, ri.COL_LEVEL, ri.COL_SCORE]
    assert row.problems[0].reason == "bắt buộc, đang để trống"


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("Hoàn thành xuất sắc nhiệm vụ", "excellent"),
        ("  hoàn thành  TỐT nhiệm vụ ", "good"),
        (unicodedata.normalize("NFD", "Hoàn thành nhiệm vụ"), "complete"),  # decomposed accents, as some PCs type
        ("Không hoàn thành nhiệm vụ", "incomplete"),
        ("excellent", "excellent"),
        ("GOOD", "good"),
        ("complete", "complete"),
        ("incomplete", "incomplete"),
        ("HTXSNV", "excellent"),
        ("K.H.T.N.V", "incomplete"),
    ],
)
def test_levels_in_vietnamese_words_codes_and_abbreviations(written: str, code: str) -> None:
    plan = ri.parse(filled([["H40.12.05", "CB-1", None, 2025, written, None]]), source=SOURCE, now=NOW)
    assert [r.level for r in plan.valid] == [code]
    assert plan.valid[0].envelope["payload"] == {"year": 2025, "level": code}


@pytest.mark.parametrize("written", ["Hoàn thành", "tốt", "good enough", 3])
def test_anything_else_is_not_a_level(written: Cell) -> None:
    plan = ri.parse(filled([["H40.12.05", "CB-1", None, 2025, written, None]]), source=SOURCE, now=NOW)
    assert [(p.column, p.value) for r in plan.refused for p in r.problems] == [(ri.COL_LEVEL, str(written))]


def test_cells_as_text_or_numbers() -> None:
    plan = ri.parse(
        filled(
            [
                [" H40.12.05 ", 4512, None, "2025", "good", "86,5"],
                ["H40.12.05", "CB-2", None, 2025.0, "good", "90.25"],
                ["H40.12.05", "CB-3", None, 2025, "good", 0],
                ["H40.12.05", "CB-4", None, 2025, "good", 100],
            ]
        ),
        source=SOURCE,
        now=NOW,
    )
    assert not plan.refused
    assert [(r.unit_id, r.officer_id, r.year, r.score) for r in plan.valid] == [
        ("H40.12.05", "4512", 2025, 86.5),
        ("H40.12.05", "CB-2", 2025, 90.25),
        ("H40.12.05", "CB-3", 2025, 0.0),
        ("H40.12.05", "CB-4", 2025, 100.0),
    ]


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        (ri.COL_YEAR, 1999, "từ 2000 đến 2100"),
        (ri.COL_YEAR, 2025.5, "từ 2000 đến 2100"),
        (ri.COL_YEAR, 2026, None),  # this year is fine (rated in December)
        (ri.COL_SCORE, "86,5,1", "số từ 0 đến 100"),
        (ri.COL_SCORE, -0.5, "từ 0 đến 100"),
        (ri.COL_SCORE, "nan", "số từ 0 đến 100"),
        (ri.COL_OFFICER, 12.5, "không phải số thập phân"),
        (ri.COL_OFFICER, "x" * 65, "mã cán bộ"),
        (ri.COL_UNIT, "H" * 33, "mã định danh"),
        (ri.COL_NAME, "A" * 201, "dài quá 200"),
    ],
)
def test_bounds_of_each_cell(column: str, value: Cell, words: str | None) -> None:
    row: list[Cell] = ["H40.12.05", "CB-1", "Tên", 2025, "good", 80]
    row[ri.HEADERS.index(column)] = value
    plan = ri.parse(filled([row]), source=SOURCE, now=NOW)
    if words is None:
        assert len(plan.valid) == 1 and not plan.refused
        return
    (refused,) = plan.refused
    (problem,) = refused.problems
    assert problem.column == column and words in problem.reason


def test_columns_are_found_by_their_header_in_any_order_and_blank_rows_are_skipped() -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["Ghi chú", "Điểm", "MỨC XẾP LOẠI", "năm", "Mã cán bộ", "Mã đơn vị"])
    ws.append(["", 75, "good", 2025, "CB-1", "H40.12.05"])
    ws.append([None, None, None, None, None, None])
    ws.append(["x", None, "complete", 2024, "CB-2", "H40.12.05"])
    out = io.BytesIO()
    wb.save(out)
    plan = ri.parse(out.getvalue(), source=SOURCE, now=NOW)
    assert plan.sheet == "Sheet1" and not plan.refused
    assert [(r.row, r.officer_id, r.level, r.score, r.full_name) for r in plan.valid] == [
        (2, "CB-1", "good", 75.0, None),
        (4, "CB-2", "complete", None, None),
    ]


def test_one_row_per_officer_and_year() -> None:
    plan = ri.parse(
        filled(
            [
                ["H40.12.05", "CB-1", None, 2025, "good", None],
                ["H40.12.05", "CB-1", None, 2025, "Hoàn thành tốt nhiệm vụ", None],  # the same: a repeat
                ["H40.12.05", "CB-2", None, 2025, "good", None],
                ["H40.12.05", "CB-2", None, 2025, "excellent", None],  # contradicts row 4: both refused
                ["H40.12.05", "CB-2", None, 2024, "excellent", None],  # another year
            ]
        ),
        source=SOURCE,
        now=NOW,
    )
    assert [r.row for r in plan.valid] == [2, 6]
    reasons = {r.row: r.problems[0].reason for r in plan.refused}
    assert reasons == {
        3: "trùng đơn vị, cán bộ và năm với dòng 2",
        4: "dòng 5 xếp loại khác cho cùng đơn vị, cán bộ và năm",
        5: "trùng đơn vị, cán bộ và năm với dòng 4",
    }


def test_without_a_source_name_the_envelopes_leave_it_to_the_token() -> None:
    plan = ri.parse(filled([ri.EXAMPLE_ROW]), source=None, now=NOW)
    (row,) = plan.valid
    assert plan.source is None and "source" not in row.envelope
    assert parse_evidence(row.envelope, now=NOW, source_required=False).source is None
    assert row.event_id == ri.parse(filled([ri.EXAMPLE_ROW]), source=SOURCE, now=NOW).valid[0].event_id


# --- identity ---------------------------------------------------------------------------------------------------


def test_event_ids_are_deterministic_and_a_corrected_rating_is_a_new_event() -> None:
    rows = ratings(30)
    first = ri.parse(filled(rows), source=SOURCE, now=NOW)
    later = ri.parse(filled(rows), source=SOURCE, now=datetime(2026, 12, 20, 8, 0, tzinfo=VN_TZ))
    assert [r.event_id for r in first.valid] == [r.event_id for r in later.valid]
    assert first.valid[0].event_id == ri.rating_event_id("H40.12.01", "CB-00000", 2024, "excellent", None)
    assert first.valid[0].event_id.startswith("xeploai:2024:H40.12.01:CB-00000:")
    corrected = [list(r) for r in rows]
    corrected[7][4], corrected[8][5] = "incomplete", 12
    again = ri.parse(filled(corrected), source=SOURCE, now=NOW)
    changed = [a.row for a, b in zip(first.valid, again.valid, strict=True) if a.event_id != b.event_id]
    assert changed == [9, 10]  # only the corrected level and the corrected score
    longest = ri.rating_event_id("H" * 32, "o" * 64, 2100, "incomplete", 99.999)
    assert len(longest) <= 128 and parse_evidence(
        {**first.valid[0].envelope, "event_id": longest}, now=NOW, source_required=True
    )


# --- whole-file refusals -----------------------------------------------------------------------------------------


def test_a_file_that_is_not_xlsx_or_too_large_or_without_headers_is_refused_as_a_whole() -> None:
    with pytest.raises(ri.RatingsFileError, match=r"\.xlsx"):
        ri.parse(b"Ma don vi;Ma can bo\n", source=SOURCE, now=NOW)
    with pytest.raises(ri.RatingsFileError, match="MB"):
        ri.parse(b"PK" + b"\0" * ri.MAX_FILE_BYTES, source=SOURCE, now=NOW)
    wb = Workbook()
    wb.active.title = ri.SHEET
    wb.active.append(["Mã đơn vị", "Họ và tên"])
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(ri.RatingsFileError, match="thiếu cột: Mã cán bộ, Năm, Mức xếp loại"):
        ri.parse(out.getvalue(), source=SOURCE, now=NOW)
    with pytest.raises(ValueError, match="timezone-aware"):
        ri.parse(ri.template_xlsx(), source=SOURCE, now=datetime(2026, 11, 25))


def test_more_than_five_thousand_rows_are_refused() -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(ri.SHEET)
    ws.append(list(ri.HEADERS))
    for i in range(ri.MAX_ROWS + 1):
        ws.append(["H40.12.05", f"CB-{i}", None, 2025, "good", None])
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(ri.RatingsFileError, match="5000"):
        ri.parse(out.getvalue(), source=SOURCE, now=NOW)


def test_a_zip_bomb_is_refused_before_parsing() -> None:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("xl/worksheets/sheet1.xml", b"\0" * (sheet_parts.MAX_UNPACKED_BYTES + 1))
    with pytest.raises(ri.RatingsFileError, match="giải nén"):
        ri.parse(out.getvalue(), source=SOURCE, now=NOW)


# --- hostile and malformed files (issue 23, finding 2 and finding 6) -----------------------------------------

HOSTILE_OUTCOMES: dict[str, str] = {  # file → words of the refusal, or "" when it imports (row counts checked)
    "200,000 empty rows": "nén bất thường",
    "200,000 empty rows, stored": "dòng số 20001 (tính cả dòng trống), tối đa 20000",
    "9,000,000 declared rows": "giải nén ra 51 MB, tối đa 25 MB",
    "300,000 shared strings": "nén bất thường",
    "300,000 shared strings, stored": "300000 chuỗi khác nhau, tối đa 60000",
    "300,000 shared strings, stored, count not declared": "60001 chuỗi khác nhau, tối đa 60000",
    "202,000 empty cells, stored": "hơn 200000 ô",
    "16,384 columns declared (5,000 valid rows)": "",
    "a cell in column XFD on every row": "",
    "a 50 MB member": "giải nén ra 50 MB",
    "entity expansion": "khai báo DTD hoặc thực thể XML",
}


@pytest.mark.parametrize("name", list(hostile.HOSTILE))
def test_a_tiny_file_declaring_a_huge_sheet_is_refused_or_read_within_the_bounds(name: str) -> None:
    """Finding 2: openpyxl padded every row to the declared 16,384 columns and never counted blank rows (200,000
    empty rows in a few KB took 10 s of CPU, 9,000,000 took minutes). Now blank rows count, only the first 50
    columns are read, the package is checked before any XML and the shared strings are capped."""
    data = hostile.HOSTILE[name]()
    words = HOSTILE_OUTCOMES[name]
    if not words:
        plan = ri.parse(data, source=SOURCE, now=NOW)
        assert plan.rows_read == len(plan.valid) in (2000, 5000) and not plan.refused
        return
    with pytest.raises(ri.RatingsFileError, match=re.escape(words)):
        ri.parse(data, source=SOURCE, now=NOW)


def test_each_bound_holds_by_itself_while_the_sheet_is_streamed() -> None:
    """With the package checks opened wide, the streaming bounds still stop the same files early."""
    wide_open = Limits(max_member_bytes=10**9, max_unpacked_bytes=10**9, max_packing_ratio=10**6)
    with pytest.raises(ri.RatingsFileError, match="dòng số 20001"):
        ri.parse(hostile.declared_rows(9_000_000), source=SOURCE, now=NOW, limits=wide_open)
    with pytest.raises(ri.RatingsFileError, match="60001 chuỗi"):
        ri.parse(hostile.many_shared_strings(300_000, declared=False), source=SOURCE, now=NOW, limits=wide_open)
    with pytest.raises(ri.RatingsFileError, match="dài quá 50 ký tự"):
        ri.parse(
            filled([["H40.12.05", "CB-1", "A" * 51, 2025, "good", None]]),
            source=SOURCE,
            now=NOW,
            limits=Limits(max_cell_chars=50),
        )
    with pytest.raises(ri.RatingsFileError, match="11 phần, tối đa 3"):
        ri.parse(ri.template_xlsx(), source=SOURCE, now=NOW, limits=Limits(max_zip_members=3))
    with pytest.raises(ri.RatingsFileError, match="phần tử XML"):
        ri.parse(filled(ratings(50)), source=SOURCE, now=NOW, limits=Limits(max_xml_elements=200))
    # Columns: only the first max_columns are read, wherever the file puts more.
    assert len(ri.parse(hostile.wide_cells(10), source=SOURCE, now=NOW, limits=Limits(max_columns=6)).valid) == 10


MALFORMED_OUTCOMES: dict[str, str] = {  # file → words of the refusal, naming the cell where there is one
    "non-numeric <v>": "Ô D2 (trang 'Xếp loại') ghi số 'abc' không phải là số",
    "5,000-digit number": "Ô D2 (trang 'Xếp loại') ghi số dài 5000 ký tự",
    "shared-string index out of range": "Ô E2 (trang 'Xếp loại') trỏ tới chuỗi dùng chung số '99', tệp chỉ có 6",
    "truncated XML": "xl/worksheets/sheet1.xml không phải XML hợp lệ hoặc bị cắt cụt",
    "rows out of order": "số dòng '2' sai thứ tự sau dòng 3",
    "bad ISO date": "Ô D2 (trang 'Xếp loại') có ngày '2025-13-45' không hợp lệ",
    "bad date serial": "Ô D2 (trang 'Xếp loại') có ngày (số 1e12) ngoài khoảng",
    "not a zip": "không phải Excel .xlsx",
    "zip without a sheet": "không có bảng tính",
    "workbook without its sheet": "thiếu phần xl/worksheets/sheet1.xml",
}


@pytest.mark.parametrize("name", list(hostile.MALFORMED))
def test_a_malformed_file_is_refused_with_a_vietnamese_message_naming_what_is_wrong(name: str) -> None:
    """Finding 6: a non-numeric <v>, a shared-string index out of range, truncated XML or a bad date raised
    ValueError, IndexError or ParseError from openpyxl (a 500); now each is a RatingsFileError (a 422)."""
    with pytest.raises(ri.RatingsFileError) as refused:
        ri.parse(hostile.MALFORMED[name](), source=SOURCE, now=NOW)
    assert MALFORMED_OUTCOMES[name] in str(refused.value)


def test_a_damaged_cell_outside_the_template_columns_costs_nothing() -> None:
    row = (
        hostile.row(2, hostile.GOOD_ROW)[: -len("</row>")]
        + '<c r="G2"><v>abc</v></c><c r="H2" t="s"><v>7</v></c></row>'
    )
    plan = ri.parse(hostile.package(hostile.sheet(row)), source=SOURCE, now=NOW)
    assert [r.officer_id for r in plan.valid] == ["CB-1"]


def test_dates_are_read_as_excel_shows_them() -> None:
    """A number in a date format is a date (as openpyxl gave it): a year typed as a date is refused in its cell."""
    plan = ri.parse(filled([["H40.12.05", "CB-1", None, datetime(2025, 1, 1), "good", None]]), source=SOURCE, now=NOW)
    ((problem,),) = [r.problems for r in plan.refused]
    assert (problem.column, problem.value) == (ri.COL_YEAR, "2025-01-01T00:00:00")
    styled = hostile.with_row(
        '<row r="2"><c r="A2" t="inlineStr"><is><t>H40.12.05</t></is></c><c r="B2" t="inlineStr"><is><t>CB-1</t>'
        '</is></c><c r="D2" s="1"><v>45658</v></c><c r="E2" t="inlineStr"><is><t>good</t></is></c></row>',
        styles=hostile.DATE_STYLES,
    )
    ((problem,),) = [r.problems for r in ri.parse(styled, source=SOURCE, now=NOW).refused]
    assert (problem.column, problem.value) == (ri.COL_YEAR, "2025-01-01T00:00:00")


def test_shared_strings_rich_text_and_booleans_are_read() -> None:
    strings = hostile.shared_strings([*hostile.HEADERS, "H40.12.05"], 7).replace(
        b"<si><t>H40.12.05</t></si>", b"<si><r><t>H40.</t></r><r><t>12.05</t></r><rPh><t>x</t></rPh></si>"
    )
    header = "".join(f'<c r="{"ABCDEF"[i]}1" t="s"><v>{i}</v></c>' for i in range(6))
    body = (
        f'<worksheet xmlns="{hostile.MAIN}"><sheetData><row r="1">{header}</row><row r="2"><c r="A2" t="s"><v>6</v>'
        '</c><c r="B2" t="str"><v>CB-1</v></c><c r="C2" t="b"><v>1</v></c><c r="D2"><v>2025</v></c>'
        '<c r="E2" t="inlineStr"><is><t>good</t></is></c></row></sheetData></worksheet>'
    )
    plan = ri.parse(hostile.package(body.encode(), shared=strings), source=SOURCE, now=NOW)
    assert [(r.unit_id, r.officer_id) for r in plan.refused] == [("H40.12.05", "CB-1")]
    assert [(p.column, p.reason) for r in plan.refused for p in r.problems] == [(ri.COL_NAME, "phải là chữ hoặc số")]


# --- sending (the evidence service faked at the transport) --------------------------------------------------


class FakeEvidence:
    """Answers POST /v1/events like the evidence service: accepted once, duplicate after; a chosen unit refused."""

    def __init__(self, *, refuse_unit: str | None = None, status: int = 200, fail_after: int | None = None) -> None:
        self.seen: set[str] = set()
        self.requests: list[httpx.Request] = []
        self.refuse_unit, self.status, self.fail_after = refuse_unit, status, fail_after

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.fail_after is not None and len(self.requests) > self.fail_after:
            raise httpx.ConnectError("connection refused", request=request)
        if self.status != 200:
            return httpx.Response(
                self.status, json={"error": "no", "details": [{"field": "Authorization", "message": "role 'unit'"}]}
            )
        answers: list[dict[str, Any]] = []
        for envelope in json.loads(request.content):
            if envelope["unit_id"] == self.refuse_unit:
                message = f"source 'hr-office' is not registered for unit '{self.refuse_unit}'"
                answers.append(
                    {
                        "event_id": envelope["event_id"],
                        "status": "rejected",
                        "errors": [{"field": "unit_id", "message": message}],
                    }
                )
                continue
            status = "duplicate" if envelope["event_id"] in self.seen else "accepted"
            self.seen.add(envelope["event_id"])
            answers.append({"event_id": envelope["event_id"], "status": status})
        return httpx.Response(200, json=answers)


async def send(plan: ri.ImportPlan, fake: FakeEvidence) -> ri.ImportReport:
    async with httpx.AsyncClient(transport=httpx.MockTransport(fake)) as http:
        return await ri.send(plan, evidence_url="http://evidence.test/", token="tok-123", http=http)


async def test_send_batches_with_the_uploaders_token_and_merges_every_row_in_order() -> None:
    rows = ratings(1200)
    rows[3][1] = "bad id"
    plan = ri.parse(filled(rows), source=SOURCE, now=NOW)
    fake = FakeEvidence(refuse_unit="H40.12.02")
    report = await send(plan, fake)
    assert [len(json.loads(r.content)) for r in fake.requests] == [500, 500, 199]
    assert {str(r.url) for r in fake.requests} == {"http://evidence.test/v1/events"}
    assert {r.headers["Authorization"] for r in fake.requests} == {"Bearer tok-123"}
    assert [r.row for r in report.rows] == list(range(2, 1202))
    refused_by_service = [r for r in report.rows if r.refused_by == "evidence"]
    assert len(refused_by_service) == 300 and {r.unit_id for r in refused_by_service} == {"H40.12.02"}
    problem = refused_by_service[0].problems[0]
    assert problem.column == ri.COL_UNIT and problem.value == "H40.12.02"
    assert problem.reason == "tài khoản tải lên không được gửi minh chứng cho đơn vị này"
    (local,) = [r for r in report.rows if r.refused_by == "file"]
    assert local.row == 5 and local.status == "rejected" and local.problems[0].column == ri.COL_OFFICER
    assert (report.accepted, report.duplicate, report.rejected) == (899, 0, 301)

    again = await send(ri.parse(filled(rows), source=SOURCE, now=NOW), fake)
    assert (again.accepted, again.duplicate, again.rejected) == (0, 899, 301)


async def test_a_refused_token_rejects_every_row_after_one_request() -> None:
    plan = ri.parse(filled(ratings(700)), source=SOURCE, now=NOW)
    fake = FakeEvidence(status=403)
    report = await send(plan, fake)
    assert len(fake.requests) == 1 and report.rejected == 700
    assert {p.reason for r in report.rows for p in r.problems} == {
        "tài khoản tải lên không được gửi minh chứng (role 'unit')"
    }
    assert {p.column for r in report.rows for p in r.problems} == {None}


@pytest.mark.parametrize("fake", [FakeEvidence(status=503), FakeEvidence(status=429), FakeEvidence(fail_after=1)])
async def test_an_unavailable_service_raises_with_the_rows_answered_so_far(fake: FakeEvidence) -> None:
    plan = ri.parse(filled([*ratings(600), ["h", "CB-X", None, 2025, "good", None]]), source=SOURCE, now=NOW)
    with pytest.raises(ri.EvidenceUnavailable) as raised:
        await send(plan, fake)
    partial = raised.value.partial
    answered = 500 if fake.fail_after == 1 else 0
    assert partial.accepted == answered and partial.rejected == 1  # the row refused by the file is always there


async def test_an_answer_outside_the_contract_raises() -> None:
    plan = ri.parse(filled(ratings(3)), source=SOURCE, now=NOW)
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=[{"status": "accepted"}]))
    async with httpx.AsyncClient(transport=transport) as http:
        with pytest.raises(ri.EvidenceUnavailable, match="hợp đồng"):
            await ri.send(plan, evidence_url="http://evidence.test", token="t", http=http)
