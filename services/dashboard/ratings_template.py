"""The workbook the HR office fills in: the ratings sheet, the levels' drop-down, the notes and an example."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from services.dashboard import ratings_model as words


def template_xlsx() -> bytes:
    """The template the HR office fills in: sheet "Xếp loại", a drop-down of levels, notes and an example."""
    wb = Workbook()
    ws = wb.active
    ws.title = words.SHEET
    ws.append(list(words.HEADERS))
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for cell in ws[1]:
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for letter, width in zip("ABCDEF", (16, 16, 28, 8, 32, 8), strict=True):
        ws.column_dimensions[letter].width = width
    for letter in "ABC":  # identifiers are text: Excel must not drop leading zeros
        ws.column_dimensions[letter].number_format = "@"
    ws.freeze_panes = "A2"

    lists = wb.create_sheet(words.LISTS_SHEET)
    lists.append([words.COL_LEVEL, "Mã"])
    for code, name in words.LEVEL_NAMES.items():
        lists.append([name, code])
    lists.sheet_state = "hidden"

    last = words.MAX_ROWS + 1
    level = DataValidation(
        type="list",
        formula1=f"'{words.LISTS_SHEET}'!$A$2:$A${len(words.LEVEL_NAMES) + 1}",
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle=words.COL_LEVEL,
        error="Chọn một mức trong danh sách (hoặc mã excellent, good, complete, incomplete).",
    )
    year = DataValidation(
        type="whole",
        operator="between",
        formula1=str(words.FIRST_YEAR),
        formula2=str(words.LAST_YEAR),
        allow_blank=True,
    )
    year.error, year.errorTitle, year.showErrorMessage = (
        f"Năm từ {words.FIRST_YEAR} đến {words.LAST_YEAR}.",
        words.COL_YEAR,
        True,
    )
    score = DataValidation(type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True)
    score.error, score.errorTitle, score.showErrorMessage = (
        "Điểm từ 0 đến 100 (có thể để trống).",
        words.COL_SCORE,
        True,
    )
    for validation, column in ((level, "E"), (year, "D"), (score, "F")):
        validation.add(f"{column}2:{column}{last}")
        ws.add_data_validation(validation)

    notes = wb.create_sheet(words.NOTES_SHEET)
    notes.column_dimensions["A"].width = 110
    for line in _NOTES:
        notes.append([line])
    notes["A1"].font = Font(bold=True, size=13)
    notes.append([])
    notes.append(["Ví dụ (một dòng điền đúng):"])
    notes.append(list(words.HEADERS))
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
    words.LEVEL_NAMES["good"],
    86.5,
)
_NOTES: tuple[str, ...] = (
    "Mẫu nhập kết quả đánh giá, xếp loại cán bộ, công chức, viên chức hằng năm",
    f"Điền mỗi cán bộ một dòng ở trang '{words.SHEET}', bắt đầu từ dòng 2; giữ nguyên dòng tiêu đề.",
    f"{words.COL_UNIT}: mã định danh điện tử của đơn vị, chữ in hoa, số và dấu chấm (ví dụ H40.12.05). Bắt buộc.",
    f"{words.COL_OFFICER}: mã cán bộ, 1–64 ký tự gồm chữ, số và . _ : - (ví dụ CB-004512). Bắt buộc.",
    f"{words.COL_NAME}: để đối chiếu, không bắt buộc.",
    f"{words.COL_YEAR}: năm được đánh giá, từ {words.FIRST_YEAR} đến năm hiện tại. Bắt buộc.",
    f"{words.COL_LEVEL}: chọn trong danh sách: "
    + "; ".join(words.LEVEL_NAMES.values())
    + ". Cũng nhận mã excellent, good, complete, incomplete và các chữ viết tắt HTXSNV, HTTNV, HTNV, KHTNV. Bắt buộc.",
    f"{words.COL_SCORE}: điểm đánh giá từ 0 đến 100 nếu có (dấu phẩy hoặc dấu chấm thập phân), có thể để trống.",
    f"Mỗi tệp tối đa {words.MAX_ROWS} dòng. Mỗi đơn vị, cán bộ và năm chỉ một dòng.",
    "Tải lại cùng một tệp không thay đổi gì (các dòng được báo là đã gửi trước đó). "
    "Sửa mức xếp loại hoặc điểm rồi tải lên lại: kết quả mới được ghi nhận và thay kết quả cũ.",
)
