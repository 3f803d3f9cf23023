"""What each document says, built from the services' JSON answers into the layout model (pure, no I/O)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time

from schemas.http.awards import Nomination, Nominations
from schemas.http.scoring import GroupPoints, IndicatorLine, UnitScorecard
from schemas.labels import TITLE_NAMES
from schemas.vietnam import NO_VALUE, VN_TZ, moment, money, number, percent, score
from services.dashboard.documents import lineage_text
from services.dashboard.documents.model import (
    Block,
    Column,
    Document,
    Heading,
    Paragraph,
    Row,
    Signature,
    Signer,
    Table,
    Title,
)

STATUS_WORDS: dict[str, str] = {
    "proposed": "Đề nghị",
    "approved": "Được duyệt",
    "rejected": "Không duyệt",
    "revoked": "Thu hồi",
    "needs_review": "Hội đồng xem xét",
    "on_hold": "Tạm dừng xét",
}
OUTCOMES: dict[str, str] = {"approved": "Thông qua", "rejected": "Không thông qua"}
NOT_VOTED = "Chưa biểu quyết"
NO_CASH_STATUSES = frozenset({"rejected", "revoked"})
INSUFFICIENT = "Chưa đủ dữ liệu"
AWARD_FORMS = frozenset({"bang_khen_chu_tich_tinh"})
"""Title codes that are a hình thức khen thưởng (named as they are); every other one is a danh hiệu thi đua."""
CULTURE_GROUP = "Văn hóa công sở"
"""The office-culture part's heading (its indicators carry the group "culture"); the service-index groups are named
by the rule file, through scoring's published rulebook (upstream.Services.group_names)."""


def group_name(code: str, names: Mapping[str, str]) -> str:
    """A group's name: the rule file's, the office-culture part's heading, else its code."""
    return names.get(code) or (CULTURE_GROUP if code == "culture" else code)


PER_100_OFFICERS = frozenset({"conduct_complaints", "inspection_findings"})
"""Office-culture parts whose rate is a count per 100 officers, not a share."""


@dataclass(frozen=True)
class Issuer:
    """Who issues the documents: the heading's two lines, the place of the date line, the province as text names
    it ("tỉnh …", "thành phố …") and the signer; never named here but by the dashboard's settings (WEB_ISSUER_*)."""

    parent: str
    body: str
    place: str
    province: str
    capacity: tuple[str, ...]
    signer: str = ""


@dataclass(frozen=True)
class Meeting:
    """A session of the council: when (Vietnam time unless the datetime says otherwise), the share of all members
    that must be present as awards publishes it (its rule file's quorum_present; None: no vote to judge), where,
    who chaired and kept the minutes, how many members it has and how many came (None: read from the votes)."""

    held_at: datetime
    quorum_share: float | None
    place: str = ""
    chair: str = ""
    secretary: str = ""
    members_total: int | None = None
    members_present: int | None = None


# ---------------------------------------------------------------------------------------------------- words


def place_date(place: str, on: date) -> str:
    """'<place>, ngày 05 tháng 01 năm 2026': a day below 10 and a month below 3 written with a leading zero."""
    dd = f"{on.day:02d}" if on.day < 10 else str(on.day)
    mm = f"{on.month:02d}" if on.month < 3 else str(on.month)
    return f"{place}, ngày {dd} tháng {mm} năm {on.year}"


def period_words(period: str) -> str:
    """'năm 2025', 'quý I năm 2025', 'tháng 3 năm 2025', 'giai đoạn 2019-2025'."""
    year, _, rest = period.partition("-")
    if not rest:
        return f"năm {year}"
    if rest.startswith("Q") and rest[1:].isdigit():
        return f"quý {roman(int(rest[1:]))} năm {year}"
    if len(rest) == 2 and rest.isdigit():
        return f"tháng {int(rest)} năm {year}"
    return f"giai đoạn {period}"


def roman(n: int) -> str:
    """1 → 'I', 4 → 'IV', 14 → 'XIV' (group numbers in tables)."""
    out = ""
    for value, letters in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + letters, n - value
    return out


def title_name(code: object) -> str:
    return TITLE_NAMES.get(str(code), str(code))


def award_form(code: object) -> str:
    """'Danh hiệu “Lao động tiên tiến”' or 'Bằng khen của Chủ tịch UBND tỉnh'."""
    if str(code) in AWARD_FORMS:
        return title_name(code)
    return f"Danh hiệu “{title_name(code)}”"


def _midnight(on: date) -> datetime:
    return datetime.combine(on, time(0), tzinfo=VN_TZ)


def _heading(issuer: Issuer, number_suffix: str | None, on: date) -> Heading:
    return Heading(
        issuer.parent,
        issuer.body,
        f"Số:        /{number_suffix}" if number_suffix else None,
        place_date(issuer.place, on),
    )


def _text(value: object) -> str:
    return NO_VALUE if value is None or value == "" else str(value)


# ---------------------------------------------------------------------------------------------- nominations


def _subject_name(n: Nomination, names: Mapping[str, str]) -> str:
    name = names.get(n.subject_id) or ""
    return f"{name} ({n.subject_id})" if name and name != n.subject_id else n.subject_id or NO_VALUE


def _unit_name(n: Nomination, names: Mapping[str, str]) -> str:
    return names.get(n.unit_id) or n.unit_id or NO_VALUE


def by_title(nominations: Iterable[Nomination]) -> list[tuple[str, list[Nomination]]]:
    """Nominations grouped by title, titles in TITLE_NAMES' order (unknown codes last), each group in API order."""
    groups: dict[str, list[Nomination]] = {}
    for n in nominations:
        groups.setdefault(n.title, []).append(n)
    order = list(TITLE_NAMES)
    return [(t, groups[t]) for t in sorted(groups, key=lambda t: (order.index(t) if t in order else len(order), t))]


def achievements(n: Nomination) -> str:
    """The criteria in words: what is met, then what is not ('Chưa đạt: …')."""
    met = [c.reason or c.code for c in n.criteria if c.met]
    unmet = [c.reason or c.code for c in n.criteria if not c.met]
    text = "; ".join(met)
    if unmet:
        text += ("\n" if text else "") + "Chưa đạt: " + "; ".join(unmet)
    return text or NO_VALUE


def _note(n: Nomination) -> str:
    """Status, the amount (an estimate until the council decides) and, once revoked, the amount to recover."""
    status = STATUS_WORDS.get(n.status, _text(n.status))
    if n.cash_vnd:
        status += f"\nTiền thưởng{' (ước tính)' if n.cash_estimate else ''}: {money(n.cash_vnd)}"
    if n.recover_vnd:
        status += f"\nPhải thu hồi: {money(n.recover_vnd)}"
    return status


NOMINATION_COLUMNS = (
    Column("STT", 5, "center"),
    Column("Họ và tên / Tên tập thể", 18),
    Column("Đơn vị", 15),
    Column("Thành tích, tiêu chuẩn đạt được", 36),
    Column("Hình thức đề nghị", 13),
    Column("Ghi chú", 13),
)


def nominations(
    data: Nominations, *, period: str, issued_on: date, issuer: Issuer, names: Mapping[str, str]
) -> Document:
    """Danh sách đề nghị khen thưởng: the year's nominations grouped by title."""
    noms = data.nominations
    rows: list[Row] = []
    for i, (title, group) in enumerate(by_title(noms), start=1):
        rows.append(Row((f"{roman(i)}. {award_form(title)} ({number(len(group))})",), "group"))
        for k, n in enumerate(group, start=1):
            rows.append(
                Row(
                    (
                        str(k),
                        _subject_name(n, names),
                        _unit_name(n, names),
                        achievements(n),
                        title_name(title),
                        _note(n),
                    )
                )
            )
    kinds = Counter(n.subject_kind for n in noms)
    cash = sum(n.cash_vnd or 0 for n in noms if n.status not in NO_CASH_STATUSES)
    recover = sum(n.recover_vnd or 0 for n in noms)
    summary = (
        f"Tổng số: {number(len(noms))} đề nghị ({number(kinds['officer'])} cá nhân, "
        f"{number(kinds['unit'])} tập thể); tổng tiền thưởng theo mức lương cơ sở tại ngày quyết định (đề nghị "
        f"chưa quyết định: ước tính theo mức hiện hành {money(data.base_salary_vnd)}), không tính đề nghị "
        f"không duyệt hoặc thu hồi: {money(cash)}."
        + (f" Tiền thưởng phải thu hồi do thu hồi khen thưởng: {money(recover)}." if recover else "")
        + f" Bộ quy tắc khen thưởng {_text(data.rule_version)}."
    )
    blocks: list[Block] = [
        _heading(issuer, "DS-HĐTĐKT", issued_on),
        Title(
            "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG",
            (f"Danh sách đề nghị khen thưởng {period_words(period)}, theo danh hiệu và hình thức khen thưởng",),
        ),
        Table(NOMINATION_COLUMNS, tuple(rows))
        if rows
        else Paragraph("Không có đề nghị khen thưởng nào trong kỳ.", italic=True, align="center"),
        Paragraph(summary),
        Signature(Signer(issuer.capacity, issuer.signer), recipients=("Như trên;", "Lưu: VT.")),
    ]
    return Document(
        f"Danh sách đề nghị khen thưởng {period_words(period)}", _midnight(issued_on), tuple(blocks), landscape=True
    )


# ---------------------------------------------------------------------------------------------- unit scorecard


def rate_text(code: str, value: float | None) -> str:
    """A rate as a percentage, or a plain number for the office-culture parts counted per 100 officers (their
    names say so: "… (trên 100 cán bộ)")."""
    if value is None:
        return NO_VALUE
    if code in PER_100_OFFICERS:
        return number(value)
    return percent(value)


SCORECARD_COLUMNS = (
    Column("STT", 6, "center"),
    Column("Chỉ tiêu", 36),
    Column("Tử số", 9, "right"),
    Column("Mẫu số", 9, "right"),
    Column("Tỷ lệ", 13, "right"),
    Column("Ngưỡng", 13, "right"),
    Column("Điểm", 9, "right"),
    Column("Tối đa", 9, "right"),
)


def indicator_cells(n: int, i: IndicatorLine) -> tuple[str, ...]:
    return (
        str(n),
        _text(i.name or i.code),
        number(i.numerator),
        number(i.denominator),
        rate_text(i.code, i.rate),
        rate_text(i.code, i.threshold),
        score(i.points),
        number(i.max_points),
    )


def _indicator_rows(
    indicators: list[IndicatorLine], groups: Mapping[str, GroupPoints], names: Mapping[str, str]
) -> list[Row]:
    rows: list[Row] = []
    by_group: dict[str, list[IndicatorLine]] = {}
    for i in indicators:
        by_group.setdefault(i.group, []).append(i)
    n = 0
    for k, (code, items) in enumerate(by_group.items(), start=1):
        rows.append(Row((f"{roman(k)}. {group_name(code, names)}",), "group"))
        for i in items:
            n += 1
            rows.append(Row(indicator_cells(n, i)))
        g = groups.get(code)
        if g is not None:
            rows.append(Row(("", "Cộng nhóm", "", "", "", "", score(g.points), number(g.max)), "total"))
    return rows


def unit_label(card: UnitScorecard) -> str:
    unit = _text(card.unit_id)
    return f"{card.name} (mã định danh {unit})" if card.name else unit


def _lineage_blocks(card: UnitScorecard) -> list[Block]:
    """The section 'Lịch sử sắp xếp đơn vị' of a unit merged, renamed, split or dissolved (issue 24); nothing for
    a card without a lineage."""
    lines = lineage_text.lines_of(card.lineage)
    if not lines:
        return []
    return [Paragraph(lineage_text.HEADING, bold=True, align="left"), *(Paragraph(f"- {t}") for t in lines)]


def scorecard(card: UnitScorecard, *, issued_on: date, issuer: Issuer, groups: Mapping[str, str]) -> Document:
    """Phiếu chấm điểm thi đua of one unit: every indicator with its counts, rate, points and maximum; groups are the
    rule file's {group code: name}."""
    period = card.period
    service = _indicator_rows(card.indicators, card.groups, groups)
    culture_rows = tuple(Row(indicator_cells(n, i)) for n, i in enumerate(card.culture, start=1))
    band = card.band or card.status_label
    totals = (
        Column("Kết quả", 50),
        Column("Điểm (thang 100)", 20, "right"),
        Column("Xếp loại", 30),
    )
    total_rows = (
        Row(("Chỉ số phục vụ người dân, doanh nghiệp", score(card.service_index), _text(card.service_band))),
        Row(("Chỉ số văn hóa công sở", score(card.culture_index), NO_VALUE)),
        Row(("Điểm thi đua", score(card.score), _text(band)), "total"),
    )
    info: list[Block] = [
        Paragraph(f"Đơn vị: {unit_label(card)}.", align="left"),
        Paragraph(f"Cụm, khối thi đua: {_text(card.cluster_name or card.cluster_id)}.", align="left"),
        Paragraph(f"Kỳ đánh giá: {period_words(period)}; số liệu đến {moment(card.as_of)}.", align="left"),
        Paragraph(f"Bộ quy tắc chấm điểm: phiên bản {_text(card.rule_version)}.", align="left"),
        *_lineage_blocks(card),
        Paragraph("A. Chỉ số phục vụ người dân, doanh nghiệp", bold=True, align="left"),
        Table(SCORECARD_COLUMNS, tuple(service)),
        Paragraph("B. Chỉ số văn hóa công sở", bold=True, align="left"),
        Table(SCORECARD_COLUMNS, culture_rows),
        Paragraph("C. Tổng hợp", bold=True, align="left"),
        Table(totals, total_rows),
    ]
    notes = [*card.notes, *(f"{m.name or m.code}: {m.reason}" for m in card.missing if m.reason)]
    if notes:
        info.append(Paragraph("Ghi chú:", bold=True, align="left"))
        info += [Paragraph(f"- {n}") for n in notes]
    who = card.name or card.unit_id
    blocks: list[Block] = [
        _heading(issuer, None, issued_on),
        Title("PHIẾU CHẤM ĐIỂM THI ĐUA", (f"{who} — {period_words(period)}",)),
        *info,
        Signature(Signer(issuer.capacity, issuer.signer)),
    ]
    return Document(f"Phiếu chấm điểm thi đua {who} {period_words(period)}", _midnight(issued_on), tuple(blocks))
