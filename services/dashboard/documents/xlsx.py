"""Standings and a unit's scorecard as XLSX (openpyxl): numbers stay numbers (scores with two decimals, rates as
percentages), Vietnamese headers, a frozen header row and a filter."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from schemas.http.scoring import Standings, UnitScorecard
from schemas.vietnam import moment
from services.dashboard.documents import lineage_text
from services.dashboard.documents.content import (
    INSUFFICIENT,
    PER_100_OFFICERS,
    Issuer,
    group_name,
    period_words,
    unit_label,
)
from services.dashboard.documents.text import printable

SCORE_FORMAT = "0.00"
COUNT_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.00%"
HEADER_FILL = PatternFill("solid", fgColor="E8EAED")
BOLD = Font(bold=True)


def _number(value: float | None) -> float | int | None:
    """A number as a cell value (whole floats as integers)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _put(ws: Worksheet, row: int, col: int, value: object, fmt: str | None = None, bold: bool = False) -> None:
    """Write a value; text is always text (a name starting with '=' is never taken for a formula) and holds only
    what XML can (a stored name with a control character never fails the download)."""
    if isinstance(value, str):
        value = printable(value)
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    if fmt and isinstance(value, int | float):
        cell.number_format = fmt
    if bold:
        cell.font = BOLD


def _title(ws: Worksheet, lines: Sequence[str], width: int) -> int:
    """Title lines across the table's width; the next free row (after a blank one)."""
    for r, text in enumerate(lines, start=1):
        _put(ws, r, 1, text)
        ws.cell(row=r, column=1).font = Font(bold=r == 1, size=14 if r == 1 else 11)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
    return len(lines) + 2


def _header(ws: Worksheet, row: int, headers: Sequence[tuple[str, float]]) -> None:
    for c, (text, width) in enumerate(headers, start=1):
        cell = ws.cell(row=row, column=c, value=printable(text))
        cell.font, cell.fill = BOLD, HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(c)].width = width


def _issued_by(issuer: Issuer) -> str:
    """The title line naming who issues the file: 'UBND TỈNH … – HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG'."""
    return f"{issuer.parent} – {issuer.body}"


def _bytes(wb: Workbook, title: str, created: date) -> bytes:
    when = datetime(created.year, created.month, created.day)
    wb.properties.title = printable(title)
    wb.properties.language = "vi-VN"
    wb.properties.creator = "Thi đua"
    wb.properties.created = wb.properties.modified = when
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def standings(data: Standings, *, issued_on: date, issuer: Issuer) -> bytes:
    """Bảng xếp hạng: rank, unit (or officer), cluster, score, band, previous rank; the unranked on a second sheet."""
    period = data.period
    officers = data.subject == "officer"
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Bảng xếp hạng"
    scope = (
        f"cụm, khối thi đua {data.cluster}"
        if data.cluster
        else f"đơn vị {data.unit}"
        if data.unit
        else f"toàn {issuer.province}"
    )
    headers = [
        ("Hạng", 8),
        ("Mã cán bộ" if officers else "Mã đơn vị", 16),
        ("Họ và tên" if officers else "Tên đơn vị", 40),
        ("Đơn vị" if officers else "Cụm, khối thi đua", 30),
        ("Điểm thi đua", 14),
        ("Xếp loại", 14),
        ("Hạng kỳ trước", 14),
    ]
    rows = data.rows
    # Issue 24: a column naming the predecessors a row combines, only when some row combines any.
    marked = not officers and any(lineage_text.row_mark(r) for r in rows)
    if marked:
        headers.append((lineage_text.MARK_HEADER, 30))
    title = f"BẢNG XẾP HẠNG THI ĐUA {period_words(period).upper()}"
    row = _title(
        ws,
        [
            title,
            f"Phạm vi xếp hạng: {scope}; bộ quy tắc {data.rule_version or '—'}; "
            f"số liệu đến {moment(data.as_of)}; ngày lập {issued_on:%d/%m/%Y}",
            _issued_by(issuer),
        ],
        len(headers),
    )
    _header(ws, row, headers)
    first = row
    for r in rows:
        row += 1
        _put(ws, row, 1, r.rank)
        _put(ws, row, 2, r.subject_id)
        _put(ws, row, 3, r.name or r.subject_id)
        _put(ws, row, 4, r.unit_id if officers else r.cluster_name or r.cluster_id)
        _put(ws, row, 5, None if r.score is None else float(r.score), SCORE_FORMAT)
        _put(ws, row, 6, r.band)
        _put(ws, row, 7, r.previous_rank)
        if marked:
            _put(ws, row, 8, lineage_text.row_mark(r))
    ws.freeze_panes = ws.cell(row=first + 1, column=1)
    ws.auto_filter.ref = f"A{first}:{get_column_letter(len(headers))}{max(row, first)}"
    unranked = data.unranked
    if unranked:
        extra = wb.create_sheet("Chưa xếp hạng")
        cols = [("Mã đơn vị", 16), ("Tên đơn vị", 40), ("Cụm, khối", 16), ("Tình trạng", 20)]
        cols += [("Hồ sơ đã giải quyết", 18), ("Tối thiểu", 12)]
        row = _title(extra, [f"ĐƠN VỊ CHƯA XẾP HẠNG {period_words(period).upper()}", _issued_by(issuer)], len(cols))
        _header(extra, row, cols)
        for u in unranked:
            row += 1
            _put(extra, row, 1, u.subject_id)
            _put(extra, row, 2, u.name or u.subject_id)
            _put(extra, row, 3, u.cluster_id)
            _put(extra, row, 4, u.status_label or INSUFFICIENT)
            _put(extra, row, 5, _number(u.dossiers), COUNT_FORMAT)
            _put(extra, row, 6, _number(u.min_dossiers), COUNT_FORMAT)
    return _bytes(wb, title.capitalize(), issued_on)


def _count_format(value: float | int | None) -> str:
    return COUNT_FORMAT if isinstance(value, int) else DECIMAL_FORMAT


def scorecard(card: UnitScorecard, *, issued_on: date, issuer: Issuer, groups: Mapping[str, str]) -> bytes:
    """Phiếu chấm điểm: every indicator (service index, then office culture) with numerator, denominator, rate,
    threshold, points and maximum; the indices, score, band and rule version below."""
    period = card.period
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Phiếu chấm điểm"
    headers = [
        ("Nhóm", 26),
        ("Mã chỉ tiêu", 22),
        ("Chỉ tiêu", 50),
        ("Tử số", 10),
        ("Mẫu số", 10),
        ("Tỷ lệ", 12),
        ("Ngưỡng", 12),
        ("Điểm", 10),
        ("Tối đa", 10),
    ]
    title = f"PHIẾU CHẤM ĐIỂM THI ĐUA {period_words(period).upper()}"
    row = _title(
        ws,
        [
            title,
            f"Đơn vị: {unit_label(card)}; cụm, khối thi đua: {card.cluster_name or card.cluster_id or '—'}",
            f"Bộ quy tắc {card.rule_version or '—'}; số liệu đến {moment(card.as_of)}; ngày lập {issued_on:%d/%m/%Y}",
            _issued_by(issuer),
        ],
        len(headers),
    )
    _header(ws, row, headers)
    first = row
    row = _indicator_rows(ws, row, card, groups)
    ws.freeze_panes = ws.cell(row=first + 1, column=1)
    ws.auto_filter.ref = f"A{first}:{get_column_letter(len(headers))}{row}"
    _scorecard_footer(ws, row + 2, card)
    return _bytes(wb, title.capitalize(), issued_on)


def _indicator_rows(ws: Worksheet, row: int, card: UnitScorecard, groups: Mapping[str, str]) -> int:
    """One row per indicator, service index then office culture; the last row written."""
    for i in (*card.indicators, *card.culture):
        row += 1
        rate_fmt = DECIMAL_FORMAT if i.code in PER_100_OFFICERS else PERCENT_FORMAT
        numerator, denominator = _number(i.numerator), _number(i.denominator)
        _put(ws, row, 1, group_name(i.group, groups))
        _put(ws, row, 2, i.code)
        _put(ws, row, 3, i.name)
        _put(ws, row, 4, numerator, _count_format(numerator))
        _put(ws, row, 5, denominator, _count_format(denominator))
        _put(ws, row, 6, _number(i.rate), rate_fmt)
        _put(ws, row, 7, _number(i.threshold), rate_fmt)
        _put(ws, row, 8, None if i.points is None else float(i.points), SCORE_FORMAT)
        _put(ws, row, 9, _number(i.max_points), SCORE_FORMAT)
    return row


def _scorecard_footer(ws: Worksheet, row: int, card: UnitScorecard) -> None:
    """The indices, score, band and rule version below the indicators; the unit's lineage and the notes."""
    band = card.band or card.status_label
    for label, value, text in (
        ("Chỉ số phục vụ người dân, doanh nghiệp", card.service_index, card.service_band),
        ("Chỉ số văn hóa công sở", card.culture_index, None),
        ("Điểm thi đua", card.score, band),
    ):
        _put(ws, row, 3, label, bold=True)
        _put(ws, row, 8, None if value is None else float(value), SCORE_FORMAT, bold=True)
        _put(ws, row, 9, text)
        row += 1
    _put(ws, row, 3, "Xếp loại", bold=True)
    _put(ws, row, 8, band or "—")
    row += 1
    _put(ws, row, 3, "Bộ quy tắc chấm điểm", bold=True)
    _put(ws, row, 8, card.rule_version)
    lineage = lineage_text.lines_of(card.lineage)  # issue 24: a unit merged, renamed, split or dissolved
    if lineage:
        row += 2
        _put(ws, row, 1, lineage_text.HEADING, bold=True)
        for line in lineage:
            row += 1
            _put(ws, row, 1, line)
    notes = card.notes
    if notes:
        row += 2
        _put(ws, row, 1, "Ghi chú", bold=True)
        for note in notes:
            row += 1
            _put(ws, row, 1, note)
