"""The dashboard's reading of the portal's published 766 results (CSV or XLSX) and its reconciliation page."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from services.dashboard import official_file as of
from services.dashboard.rendering import render

GROUPS = {"timeliness": "Tiến độ, kết quả giải quyết", "online": "Cung cấp dịch vụ trực tuyến"}
BASE = {"user": None, "csrf": "x", "flash": None, "active": "", "refresh": None}


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_csv_with_semicolons_decimal_commas_a_bom_and_group_names_as_headers() -> None:
    data = "\ufeffMã đơn vị;Tên;Tiến độ, kết quả giải quyết;online;Tổng điểm\n13669;Phường A;18,5;;80,25\n\n".encode()
    parsed = of.parse(data, GROUPS)
    assert parsed.rows == [{"unit": "13669", "groups": {"timeliness": 18.5}, "total": 80.25}]
    assert parsed.lines == [2]


def test_xlsx_read_by_the_bounded_reader_numbers_as_excel_holds_them() -> None:
    data = _xlsx(
        [["MÃ ĐƠN VỊ", "Tổng điểm", "Timeliness"], ["H40.12.05", 77.5, 20], [None, None, None], ["37", 60, None]]
    )
    parsed = of.parse(data, GROUPS)
    assert parsed.rows == [
        {"unit": "H40.12.05", "groups": {"timeliness": 20.0}, "total": 77.5},
        {"unit": "37", "groups": {}, "total": 60.0},
    ]
    assert parsed.lines == [2, 4]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"Ten;Diem\nA;1\n", "thiếu cột: Mã đơn vị, Tổng điểm"),
        ("Mã đơn vị,Tổng điểm\n,50\n".encode(), "Dòng 2, cột Mã đơn vị: để trống"),
        ("Mã đơn vị,Tổng điểm\nA,năm mươi\n".encode(), "Dòng 2, cột Tổng điểm: “năm mươi” không phải số điểm"),
        ("Mã đơn vị,Tổng điểm,online\nA,50,120\n".encode(), "Dòng 2, cột online: 120 ngoài khoảng 0–100"),
        ("Mã đơn vị,Tổng điểm\n".encode(), "không có dòng dữ liệu"),
        ("Mã đơn vị;Tổng điểm\nĐ;1\n".encode("utf-16"), "UTF-8"),
        (b"", "Tệp trống"),
    ],
)
def test_a_file_is_refused_whole_naming_the_row_and_column(data: bytes, words: str) -> None:
    with pytest.raises(of.OfficialFileError) as refused:
        of.parse(data, GROUPS)
    assert words in str(refused.value)


def test_more_rows_than_one_import_takes_are_refused() -> None:
    data = ("Mã đơn vị,Tổng điểm\n" + "A,1\n" * (of.MAX_ROWS + 1)).encode()
    with pytest.raises(of.OfficialFileError, match="5000"):
        of.parse(data, GROUPS)


def test_the_reconciliation_page_shows_official_beside_ours_and_escapes_what_it_shows() -> None:
    report = {
        "period": "2025",
        "file_name": "<b>kq</b>.xlsx",
        "imported_at": "2026-02-03T09:00:00+07:00",
        "rows": 1,
        "rule_version": "2026.1",
        "groups": [{"code": "timeliness", "name": "Tiến độ", "max": 20}],
        "units": [
            {
                "unit_id": "H40.01",
                "name": "<script>x</script>",
                "given": "37",
                "status": "compared",
                "official": {"total": 80.0, "groups": {"timeliness": 20.0}},
                "ours": {"total": 68.53, "groups": {"timeliness": 18.0}},
                "difference": {"total": -11.47, "groups": {"timeliness": -2.0}},
                "explanations": [
                    {
                        "group": "timeliness",
                        "indicator": "on_time",
                        "name": "Tỷ lệ hồ sơ giải quyết đúng hạn",
                        "ours": {"numerator": 18, "denominator": 20, "rate": 0.9, "points": 18},
                        "note": "Cổng so sánh đúng hạn theo ngày",
                    }
                ],
                "notes": [],
            }
        ],
    }
    html = render("reconciliation.html", **BASE, title="t", panel=None, period="2025", unit_id=None, report=report)
    assert "<script>" not in html and "&lt;b&gt;kq&lt;/b&gt;.xlsx" in html
    assert "80,00" in html and "68,53" in html and "-11,47" in html and "Cổng ghi 37" in html
    assert "Cổng so sánh đúng hạn theo ngày" in html and "18 / 20" in html
    assert "/units/H40.01/reconciliation?period=2025" in html
