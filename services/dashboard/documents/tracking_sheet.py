"""Phiếu theo dõi, đánh giá công chức (Decree 335/2025) for one period: the layout model (DOCX/PDF) and the XLSX,
from scoring's GET /v1/officers/{id}/tracking and …/tracking/tasks answers (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from schemas.http.scoring_tracking import OfficerTracking, Sheet
from schemas.vietnam import NO_VALUE, moment, number, score
from services.dashboard import tracking
from services.dashboard.documents.content import Issuer, _heading, _midnight, period_words
from services.dashboard.documents.model import Block, Column, Document, Paragraph, Row, Signature, Signer, Table, Title
from services.dashboard.documents.xlsx import SCORE_FORMAT, _bytes, _header, _issued_by, _put, _title

TITLE = "PHIẾU THEO DÕI, ĐÁNH GIÁ CÔNG CHỨC"
SOURCE = (
    "Căn cứ Nghị định số 335/2025/NĐ-CP: điểm kết quả thực hiện nhiệm vụ (tối đa 70) theo Điều 14, điểm tiêu chí "
    "chung (tối đa 30) theo Điều 12–13."
)
FORMULA_NOTE = (
    "Điểm kết quả thực hiện nhiệm vụ = trung bình ba tỷ lệ (a, b, c) × 0,7 theo bộ quy tắc (công thức chưa được "
    "xác nhận với văn bản gốc)."
)
SIGNERS = (("CÔNG CHỨC ĐƯỢC ĐÁNH GIÁ",), ("THỦ TRƯỞNG ĐƠN VỊ",))
TASK_COLUMNS = (
    Column("STT", 5, "center"),
    Column("Loại việc", 16),
    Column("Mã hồ sơ / phản ánh", 20),
    Column("Quy đổi", 8, "right"),
    Column("Hoàn thành", 10, "center"),
    Column("Trễ hạn", 8, "center"),
    Column("Bị trả lại", 9, "right"),
    Column("Được miễn trừ", 12, "right"),
)
SUMMARY_COLUMNS = (Column("Nội dung", 50), Column("Giá trị", 20, "right"), Column("Ghi chú", 30))


def _yes(flag: bool) -> str:
    return "Có" if flag else "Không"


def _excused(t: tracking.TaskRow) -> str:
    parts = [f"{t.excused_late} trễ hạn"] * bool(t.excused_late) + [f"{t.excused_quality} chất lượng"] * bool(
        t.excused_quality
    )
    return ", ".join(parts) or "—"


def who_line(tracked: OfficerTracking) -> str:
    """'Nguyễn Văn An (CB.0042)'."""
    officer = tracked.officer_id
    return f"{tracked.name} ({officer})" if tracked.name else officer or NO_VALUE


def _total_text(row: tracking.PeriodRow) -> str:
    return score(row.total) if row.total is not None else f"{score(row.task_points)} ({tracking.NO_GENERAL})"


def summary(row: tracking.PeriodRow) -> list[tuple[str, str, str]]:
    """The lines of the period's results: assigned, done, the three shares, task, general and total points."""
    return [
        ("Khối lượng nhiệm vụ được giao (sản phẩm quy đổi)", number(row.assigned), ""),
        ("Khối lượng đã hoàn thành", number(row.done), ""),
        ("a. Tỷ lệ hoàn thành về số lượng (%)", score(row.a), ""),
        ("b. Tỷ lệ hoàn thành bảo đảm chất lượng (%)", score(row.b), "trừ 25% mỗi lần bị trả lại do sai sót"),
        ("c. Tỷ lệ hoàn thành đúng hạn, vượt tiến độ (%)", score(row.c), "trừ 25% mỗi lần chậm tiến độ"),
        ("Điểm kết quả thực hiện nhiệm vụ (tối đa 70)", score(row.task_points), "Điều 14"),
        (
            "Điểm tiêu chí chung (tối đa 30)",
            score(row.general_points) if row.general_points is not None else NO_VALUE,
            "" if row.total_note is None else tracking.NO_GENERAL,
        ),
        ("Tổng điểm của kỳ (thang 100)", _total_text(row), "dưới mức hoàn thành" if row.below_complete else ""),
    ]


def document(
    tracked: OfficerTracking, sheet: Sheet, tasks: Sequence[tracking.TaskRow], *, issued_on: date, issuer: Issuer
) -> Document:
    """The sheet of one period as the office files it: heading, officer, unit, period, the task table, the
    deductions, the general criteria with the evidence beside them, the total and the two signatures."""
    period, row = sheet.period, tracking.period_row(sheet)
    unit = row.unit_id or tracked.unit_id
    task_rows, deduction_rows = _task_rows(tasks), _deduction_rows(sheet)
    criteria_rows, evidence_rows = _criteria_rows(sheet), _evidence_rows(sheet)
    assessor = sheet.general.assessor if sheet.general else None
    blocks: list[Block] = [
        _heading(issuer, None, issued_on),
        Title(TITLE, (f"{period_words(period).capitalize()}",)),
        Paragraph(f"Họ và tên: {who_line(tracked)}.", align="left"),
        Paragraph(f"Đơn vị: {unit or NO_VALUE}.", align="left"),
        Paragraph(
            f"Kỳ đánh giá: {period_words(period)}; bộ quy tắc {tracked.rule_version or NO_VALUE}; "
            f"số liệu đến {moment(tracked.as_of)}.",
            align="left",
        ),
        Paragraph(SOURCE, italic=True),
        Paragraph("I. Kết quả thực hiện nhiệm vụ", bold=True, align="left"),
        Table(SUMMARY_COLUMNS, tuple(Row(cells) for cells in summary(row)[:6])),
        Paragraph(FORMULA_NOTE, italic=True),
        Paragraph("Các việc được giao trong kỳ", bold=True, align="left"),
        Table(TASK_COLUMNS, task_rows or (Row(("", "Không có việc nào được giao trong kỳ.", *[""] * 6)),)),
        Paragraph("Các lần trừ điểm", bold=True, align="left"),
        Table(
            (
                Column("STT", 5, "center"),
                Column("Lý do trừ", 40),
                Column("Việc", 20),
                Column("Minh chứng", 20),
                Column("Nguyên nhân khách quan", 25),
            ),
            deduction_rows or (Row(("", "Không có lần trừ điểm nào.", "", "", "")),),
        ),
        Paragraph("II. Tiêu chí chung (điểm do thủ trưởng đơn vị chấm)", bold=True, align="left"),
        Table(
            (Column("Tiêu chí", 50), Column("Điểm", 12, "right"), Column("Tối đa", 12, "right"), Column("Ghi chú", 26)),
            criteria_rows,
        ),
        Paragraph(
            f"Người chấm: {assessor}." if assessor else f"Kỳ này {tracking.NO_GENERAL}.",
            align="left",
        ),
        Paragraph("Minh chứng hệ thống ghi nhận (để tham khảo, không tự tính điểm)", bold=True, align="left"),
        Table((Column("Minh chứng", 40), Column("Số lượng", 12, "right"), Column("Chi tiết", 48)), evidence_rows),
        Paragraph("III. Tổng hợp", bold=True, align="left"),
        Table(SUMMARY_COLUMNS, tuple(Row(c, "total" if i == 2 else "body") for i, c in enumerate(summary(row)[5:]))),
        Signature(Signer(SIGNERS[1]), left=Signer(SIGNERS[0], tracked.name or "")),
    ]
    return Document(
        f"Phiếu theo dõi, đánh giá {who_line(tracked)} {period_words(period)}", _midnight(issued_on), tuple(blocks)
    )


def _task_rows(tasks: Sequence[tracking.TaskRow]) -> tuple[Row, ...]:
    """The tasks assigned in the period: kind, key, weight, done, late, quality failures, excuse."""
    return tuple(
        Row(
            (
                str(n),
                t.kind,
                t.key,
                number(t.weight),
                _yes(t.done),
                _yes(t.late),
                str(t.quality_failures),
                _excused(t),
            )
        )
        for n, t in enumerate(tasks, start=1)
    )


def _deduction_rows(sheet: Sheet) -> tuple[Row, ...]:
    """Each deduction with its task, its evidence and the objective cause that excused it."""
    return tuple(
        Row(
            (
                str(n),
                d.name,
                d.key,
                d.event,
                f"Đã miễn trừ ({d.cause_event})" if d.excused and d.cause_event else "Đã miễn trừ" if d.excused else "",
            )
        )
        for n, d in enumerate(tracking.deductions(sheet), start=1)
    )


def _criteria_rows(sheet: Sheet) -> tuple[Row, ...]:
    """The general criteria the unit head scored, capped ones marked."""
    return tuple(
        Row(
            (
                c.name,
                score(c.points) if c.points is not None else NO_VALUE,
                score(c.max) if c.max is not None else NO_VALUE,
                "vượt mức tối đa, đã tính bằng mức tối đa" if c.capped else "",
            )
        )
        for c in tracking.criteria(sheet)
    )


def _evidence_rows(sheet: Sheet) -> tuple[Row, ...]:
    """What the system recorded beside the criteria (for reference, not scored)."""
    return tuple(Row((e.name, number(e.count), "; ".join(e.items) or NO_VALUE)) for e in tracking.evidence(sheet))


def xlsx(
    tracked: OfficerTracking, sheet: Sheet, tasks: Sequence[tracking.TaskRow], *, issued_on: date, issuer: Issuer
) -> bytes:
    """The same sheet as a workbook: the results and criteria on the first sheet, the tasks on the second."""
    period, row = sheet.period, tracking.period_row(sheet)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Phiếu theo dõi"
    title = f"{TITLE} {period_words(period).upper()}"
    at = _title(
        ws,
        [
            title,
            f"Họ và tên: {who_line(tracked)}; đơn vị: {row.unit_id or tracked.unit_id or NO_VALUE}",
            f"Bộ quy tắc {tracked.rule_version or NO_VALUE}; số liệu đến {moment(tracked.as_of)}; "
            f"ngày lập {issued_on:%d/%m/%Y}",
            _issued_by(issuer),
            SOURCE,
        ],
        4,
    )
    _header(ws, at, [("Nội dung", 52), ("Giá trị", 16), ("Tối đa", 12), ("Ghi chú", 44)])
    values: list[tuple[str, float | None, float | None, str]] = [
        ("Khối lượng được giao (sản phẩm quy đổi)", row.assigned, None, ""),
        ("Khối lượng đã hoàn thành", row.done, None, ""),
        ("a. Tỷ lệ hoàn thành về số lượng (%)", row.a, 100, ""),
        ("b. Tỷ lệ hoàn thành bảo đảm chất lượng (%)", row.b, 100, "trừ 25% mỗi lần bị trả lại do sai sót"),
        ("c. Tỷ lệ hoàn thành đúng hạn, vượt tiến độ (%)", row.c, 100, "trừ 25% mỗi lần chậm tiến độ"),
        ("Điểm kết quả thực hiện nhiệm vụ", row.task_points, 70, FORMULA_NOTE),
    ]
    values += [
        (f"Tiêu chí chung: {c.name}", c.points, c.max, "vượt tối đa" * c.capped) for c in tracking.criteria(sheet)
    ]
    values += [
        ("Điểm tiêu chí chung", row.general_points, 30, row.total_note or ""),
        ("Tổng điểm của kỳ", row.total, 100, "dưới mức hoàn thành" if row.below_complete else ""),
    ]
    for label, value, top, note in values:
        at += 1
        _put(ws, at, 1, label, bold=label.startswith(("Điểm", "Tổng")))
        _put(ws, at, 2, value, SCORE_FORMAT)
        _put(ws, at, 3, top)
        _put(ws, at, 4, note)
    at += 2
    _put(ws, at, 1, "Các lần trừ điểm", bold=True)
    for d in tracking.deductions(sheet):
        at += 1
        _put(ws, at, 1, f"{d.name}: {d.key}")
        _put(ws, at, 2, d.event)
        _put(ws, at, 4, f"Đã miễn trừ ({d.cause_event or 'nguyên nhân khách quan'})" if d.excused else "")
    at += 2
    _put(ws, at, 1, "Minh chứng hệ thống ghi nhận (để tham khảo, không tự tính điểm)", bold=True)
    for e in tracking.evidence(sheet):
        at += 1
        _put(ws, at, 1, e.name)
        _put(ws, at, 2, e.count)
        _put(ws, at, 4, "; ".join(e.items))
    at += 2
    for n, capacity in enumerate(SIGNERS):
        _put(ws, at, 1 + 3 * n, capacity[0], bold=True)
    listed = wb.create_sheet("Các việc được giao")
    head = [("STT", 6), ("Loại việc", 24), ("Mã", 24), ("Quy đổi", 10), ("Hoàn thành", 12), ("Trễ hạn", 10)]
    head += [("Số lần bị trả lại", 14), ("Miễn trừ trễ hạn", 14), ("Miễn trừ chất lượng", 16), ("Minh chứng", 40)]
    at = _title(listed, [f"CÁC VIỆC ĐƯỢC GIAO {period_words(period).upper()}", who_line(tracked)], len(head))
    _header(listed, at, head)
    first = at
    for n, t in enumerate(tasks, start=1):
        at += 1
        cells: list[object] = [n, t.kind, t.key, t.weight, _yes(t.done), _yes(t.late), t.quality_failures]
        cells += [t.excused_late, t.excused_quality, ", ".join(t.events)]
        for c, cell in enumerate(cells, start=1):
            _put(listed, at, c, cell)
    listed.freeze_panes = listed.cell(row=first + 1, column=1)
    listed.auto_filter.ref = f"A{first}:{get_column_letter(len(head))}{max(at, first)}"
    return _bytes(wb, title.capitalize(), issued_on)
