"""Biên bản họp Hội đồng Thi đua – Khen thưởng: the session, its quorum and every nomination's vote (pure, no I/O)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime

from schemas.http.awards import Nomination, Nominations
from schemas.vietnam import NO_VALUE, VN_TZ, moment, number, percent
from services.dashboard.documents.content import (
    NOT_VOTED,
    OUTCOMES,
    STATUS_WORDS,
    Issuer,
    Meeting,
    _heading,
    _subject_name,
    _unit_name,
    award_form,
    by_title,
    period_words,
    roman,
)
from services.dashboard.documents.model import Block, Column, Document, Paragraph, Row, Signature, Signer, Table, Title


def _mode(values: Sequence[int]) -> int | None:
    return Counter(values).most_common(1)[0][0] if values else None


MINUTES_COLUMNS = (
    Column("STT", 5, "center"),
    Column("Đề nghị khen thưởng", 24),
    Column("Đơn vị", 15),
    Column("Có mặt", 8, "right"),
    Column("Tán thành", 9, "right"),
    Column("Không tán thành", 10, "right"),
    Column("Tỷ lệ tán thành / tổng số thành viên", 12, "right"),
    Column("Kết quả", 17),
)


def minutes(data: Nominations, *, period: str, meeting: Meeting, issuer: Issuer, names: Mapping[str, str]) -> Document:
    """Biên bản họp Hội đồng Thi đua – Khen thưởng: the session, its quorum and every nomination's vote."""
    noms = data.nominations
    votes = [n.votes for n in noms if n.votes is not None]
    total = meeting.members_total or _mode([v.members_total for v in votes if v.members_total])
    present = meeting.members_present
    if present is None:
        present = _mode([v.members_present for v in votes])
    held = meeting.held_at.astimezone(VN_TZ) if meeting.held_at.tzinfo else meeting.held_at
    rows, tally = _vote_rows(noms, names)
    paragraphs = _session(meeting, held, total, present)
    paragraphs.append(
        Paragraph(
            f"Nội dung: Hội đồng xem xét {number(len(noms))} đề nghị khen thưởng {period_words(period)} và "
            "biểu quyết; tỷ lệ tán thành tính trên tổng số thành viên Hội đồng. Kết quả như sau:"
        )
    )
    voted = len(votes)
    summary = Paragraph(
        f"Tổng hợp: {number(voted)} đề nghị đã biểu quyết, trong đó {number(tally['approved'])} thông qua, "
        f"{number(tally['rejected'])} không thông qua; {number(tally['not_voted'])} đề nghị chưa biểu quyết."
    )
    blocks: list[Block] = [
        _heading(issuer, "BB-HĐTĐKT", held.date()),
        Title("BIÊN BẢN", (f"Họp Hội đồng Thi đua – Khen thưởng xét khen thưởng {period_words(period)}",)),
        *paragraphs,
        Table(MINUTES_COLUMNS, tuple(rows))
        if rows
        else Paragraph("Không có đề nghị khen thưởng nào được đưa ra xem xét.", italic=True, align="center"),
        summary,
        Paragraph("Biên bản đã được thông qua tại phiên họp.", italic=True),
        Signature(
            Signer(("CHỦ TRÌ",), meeting.chair),
            left=Signer(("THƯ KÝ",), meeting.secretary),
        ),
    ]
    return Document(
        f"Biên bản họp Hội đồng Thi đua – Khen thưởng {period_words(period)}", held, tuple(blocks), landscape=True
    )


def _vote_rows(noms: list[Nomination], names: Mapping[str, str]) -> tuple[list[Row], Counter[str]]:
    """One row per nomination under its title, with its vote; the count of outcomes."""
    rows: list[Row] = []
    tally: Counter[str] = Counter()
    for i, (title, group) in enumerate(by_title(noms), start=1):
        rows.append(Row((f"{roman(i)}. {award_form(title)} ({number(len(group))})",), "group"))
        for k, n in enumerate(group, start=1):
            v = n.votes
            if v is None:
                cells: tuple[str, ...] = (NO_VALUE, NO_VALUE, NO_VALUE, NO_VALUE, NOT_VOTED)
                tally["not_voted"] += 1
            else:
                share = v.votes_for / v.members_total if v.members_total else None
                outcome = OUTCOMES.get(n.status, STATUS_WORDS.get(n.status, NOT_VOTED))
                tally[n.status] += 1
                against = v.members_present - v.votes_for
                cells = (number(v.members_present), number(v.votes_for), number(against), percent(share), outcome)
            rows.append(Row((str(k), f"{_subject_name(n, names)}", _unit_name(n, names), *cells)))
    return rows, tally


def _session(meeting: Meeting, held: datetime, total: int | None, present: int | None) -> list[Block]:
    """When and where, who chaired, the attendance and whether the session had its quorum."""
    paragraphs: list[Block] = [
        Paragraph(f"Thời gian: {moment(held)}.", align="left"),
    ]
    if meeting.place:
        paragraphs.append(Paragraph(f"Địa điểm: {meeting.place}.", align="left"))
    if meeting.chair:
        paragraphs.append(Paragraph(f"Chủ trì: {meeting.chair}.", align="left"))
    if meeting.secretary:
        paragraphs.append(Paragraph(f"Thư ký: {meeting.secretary}.", align="left"))
    if total:
        absent = total - present if present is not None else None
        paragraphs.append(
            Paragraph(
                f"Thành phần: tổng số thành viên Hội đồng: {number(total)}; có mặt: {number(present)} "
                f"({percent(present / total if present is not None else None)}); vắng mặt: {number(absent)}."
            )
        )
        if meeting.quorum_share is not None:  # awards' published rule; no rule, no verdict on the quorum
            paragraphs.append(_quorum(meeting.quorum_share, total, present))
    else:
        paragraphs.append(Paragraph("Thành phần: chưa ghi nhận số thành viên Hội đồng (chưa có biểu quyết)."))
    return paragraphs


def _quorum(share: float, total: int, present: int | None) -> Paragraph:
    """Whether the session had its quorum: the share of all members present that awards' rule asks for."""
    quorate = present is not None and present >= share * total - 1e-9
    verdict = (
        "Phiên họp đủ điều kiện tiến hành" if quorate else "Phiên họp không đủ điều kiện biểu quyết (chưa đủ túc số)"
    )
    return Paragraph(f"{verdict}: số thành viên có mặt cần từ {percent(share)} tổng số thành viên trở lên.")
