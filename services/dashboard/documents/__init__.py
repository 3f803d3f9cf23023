"""The documents the emulation office files (issue 14, item 3), rendered from the services' JSON answers.

Pure functions: each takes the dicts an API answered (docs/contract.md) and returns the file's bytes; time is
passed in, nothing is read or written except the DejaVu font files a PDF embeds (located at call time under
``pdf_writer.FONT_DIRS``; ``FontMissing`` says to run ``make doc-deps`` when they are absent). Numbers are
written the Vietnamese way by ``schemas.vietnam`` (scores always with two decimals: 88,10) and titles are named
by ``schemas.labels.TITLE_NAMES``. DOCX and PDF draw the same layout (``model``): the heading of a Vietnamese
administrative document (the issuing body under its parent; "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM / Độc lập - Tự do
- Hạnh phúc"; "<place>, ngày … tháng … năm …"), the title, the tables and the signature block, as the forms in the
annexes of Decree 98/2023/NĐ-CP are laid out.

Documents (``data`` is the JSON of the endpoint named):

- ``nominations_docx(data, *, period, issued_on, issuer, names=None)`` and ``nominations_pdf``: danh sách
  đề nghị khen thưởng from ``GET /v1/nominations?period=YYYY`` (awards), grouped by title (STT, họ và tên / tên
  tập thể, đơn vị, thành tích, hình thức, ghi chú with status and cash). Nominations carry ids only: ``names``
  maps subject and unit ids to display names (from the standings); a nomination's own ``subject_name`` or
  ``unit_name`` is used too, else the id.
- ``minutes_docx(data, *, period, meeting, issuer, names=None)`` and ``minutes_pdf``: biên bản họp Hội
  đồng Thi đua – Khen thưởng from the same answer: the session (``Meeting``: time, place, chair, secretary,
  members total and present, read from the votes when not given; the quorum), and per nomination the members
  present, votes for, not for (present − for), the share of all members and the outcome.
- ``scorecard_docx(card, *, issued_on, issuer, groups)``, ``scorecard_pdf`` and ``scorecard_xlsx`` (the same
  arguments): phiếu chấm điểm from ``GET /v1/units/{unit_id}/scorecard?period=P`` (scoring): every indicator
  with numerator, denominator, rate, threshold, points and maximum, group subtotals (groups named by the rule
  file: ``groups`` is the published rulebook's {code: name}), the indices, score, band,
  rule version and notes; a card with ``lineage`` (issue 24) adds the section "Lịch sử sắp xếp đơn vị" (where the
  unit came from, what it became or that it was dissolved, whose evidence the figures include), worded by
  ``lineage_text`` from the unit page's shaping (``services/dashboard/lineage.py``).
- ``tracking_pdf(data, *, period, tasks, issued_on, issuer)`` and ``tracking_xlsx``: phiếu theo dõi, đánh giá công
  chức (Decree 335/2025, issue 26) of one period from ``GET /v1/officers/{officer_id}/tracking?year=Y`` and the
  tasks of ``…/tracking/tasks?period=P`` (scoring): officer, unit, period, the shares a, b, c, task points, the
  tasks, the deductions (cancelled ones with their confirmation), the general criteria with the evidence beside
  them, the total and the signatures of the officer and the unit head (``tracking_sheet``).
- ``standings_xlsx(data, *, issued_on, issuer)``: bảng xếp hạng from ``GET /v1/standings?period=P`` (units or officers;
  the unranked on a second sheet); when a row combines predecessors (``predecessors``), a column "Gồm đơn vị tiền
  thân" names them.

``Issuer`` names the issuing body, its parent, the place, the province and the signer; every renderer takes one,
built from the dashboard's settings by ``issuer_of(settings)`` (WEB_ISSUER_*: no province is named in code; the
xlsx files name it in their title lines). For HTTP answers: ``CONTENT_TYPES[ext]`` and ``filename(kind, period, unit)``
(ASCII, e.g. ``phieu-cham-diem_H40.05_2025.xlsx``); ``KINDS`` lists every kind with its renderer's extension.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date

from schemas.http.awards import Nominations
from schemas.http.scoring import Standings, UnitScorecard
from schemas.http.scoring_tracking import OfficerTracking, Sheet, TrackedTask
from services.dashboard import tracking
from services.dashboard.config import Settings
from services.dashboard.documents import content, docx_writer, minutes, pdf_writer, tracking_sheet, xlsx
from services.dashboard.documents.content import Issuer, Meeting
from services.dashboard.documents.pdf_writer import FontMissing, font_files

__all__ = [
    "CONTENT_TYPES",
    "KINDS",
    "FontMissing",
    "Issuer",
    "Meeting",
    "content_type",
    "filename",
    "font_files",
    "issuer_of",
    "minutes_docx",
    "minutes_pdf",
    "nominations_docx",
    "nominations_pdf",
    "scorecard_docx",
    "scorecard_pdf",
    "scorecard_xlsx",
    "standings_xlsx",
    "tracking_pdf",
    "tracking_xlsx",
]


CONTENT_TYPES: dict[str, str] = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
"""The media type of each file extension."""

KINDS: dict[str, tuple[str, str]] = {
    "nominations_docx": ("danh-sach-de-nghi-khen-thuong", "docx"),
    "nominations_pdf": ("danh-sach-de-nghi-khen-thuong", "pdf"),
    "minutes_docx": ("bien-ban-hop-hoi-dong-thi-dua-khen-thuong", "docx"),
    "minutes_pdf": ("bien-ban-hop-hoi-dong-thi-dua-khen-thuong", "pdf"),
    "scorecard_docx": ("phieu-cham-diem", "docx"),
    "scorecard_pdf": ("phieu-cham-diem", "pdf"),
    "scorecard_xlsx": ("phieu-cham-diem", "xlsx"),
    "standings_xlsx": ("bang-xep-hang", "xlsx"),
    "tracking_pdf": ("phieu-theo-doi-danh-gia", "pdf"),
    "tracking_xlsx": ("phieu-theo-doi-danh-gia", "xlsx"),
}
"""Each document kind (the name of its renderer here) → (file name stem, extension)."""

_SAFE = re.compile(r"[^A-Za-z0-9.-]+")


def filename(kind: str, period: str, unit: str | None = None) -> str:
    """The download name of a document: 'bang-xep-hang_2025-Q1.xlsx', 'phieu-cham-diem_H40.05_2025.pdf' (ASCII
    only, safe in a Content-Disposition header); KeyError for an unknown kind."""
    stem, ext = KINDS[kind]
    parts = [stem, *([_SAFE.sub("-", unit).strip("-.")] if unit else []), _SAFE.sub("-", period).strip("-.")]
    return "_".join(p for p in parts if p) + "." + ext


def content_type(kind: str) -> str:
    """The media type of a document kind."""
    return CONTENT_TYPES[KINDS[kind][1]]


def issuer_of(settings: Settings) -> Issuer:
    """The issuer the settings name: the agency "UBND <KIND> <PROVINCE>" and the place the province's name unless
    set apart."""
    province = f"{settings.issuer_province_kind} {settings.issuer_province}"
    return Issuer(
        parent=settings.issuer_agency or f"UBND {province}".upper(),
        body=settings.issuer_body,
        place=settings.issuer_place or settings.issuer_province,
        province=province,
        capacity=tuple(settings.issuer_signatory_titles),
        signer=settings.issuer_signer or "",
    )


def nominations_docx(
    data: Nominations, *, period: str, issued_on: date, issuer: Issuer, names: Mapping[str, str] | None = None
) -> bytes:
    """Danh sách đề nghị khen thưởng (DOCX) from GET /v1/nominations?period=YYYY."""
    doc = content.nominations(data, period=period, issued_on=issued_on, issuer=issuer, names=names or {})
    return docx_writer.render(doc)


def nominations_pdf(
    data: Nominations, *, period: str, issued_on: date, issuer: Issuer, names: Mapping[str, str] | None = None
) -> bytes:
    """Danh sách đề nghị khen thưởng (PDF) from GET /v1/nominations?period=YYYY."""
    doc = content.nominations(data, period=period, issued_on=issued_on, issuer=issuer, names=names or {})
    return pdf_writer.render(doc)


def minutes_docx(
    data: Nominations, *, period: str, meeting: Meeting, issuer: Issuer, names: Mapping[str, str] | None = None
) -> bytes:
    """Biên bản họp Hội đồng Thi đua – Khen thưởng (DOCX) from GET /v1/nominations?period=YYYY."""
    doc = minutes.minutes(data, period=period, meeting=meeting, issuer=issuer, names=names or {})
    return docx_writer.render(doc)


def minutes_pdf(
    data: Nominations, *, period: str, meeting: Meeting, issuer: Issuer, names: Mapping[str, str] | None = None
) -> bytes:
    """Biên bản họp Hội đồng Thi đua – Khen thưởng (PDF) from GET /v1/nominations?period=YYYY."""
    doc = minutes.minutes(data, period=period, meeting=meeting, issuer=issuer, names=names or {})
    return pdf_writer.render(doc)


def scorecard_docx(card: UnitScorecard, *, issued_on: date, issuer: Issuer, groups: Mapping[str, str]) -> bytes:
    """Phiếu chấm điểm thi đua of a unit (DOCX) from GET /v1/units/{unit_id}/scorecard?period=P."""
    return docx_writer.render(content.scorecard(card, issued_on=issued_on, issuer=issuer, groups=groups))


def scorecard_pdf(card: UnitScorecard, *, issued_on: date, issuer: Issuer, groups: Mapping[str, str]) -> bytes:
    """Phiếu chấm điểm thi đua of a unit (PDF) from GET /v1/units/{unit_id}/scorecard?period=P."""
    return pdf_writer.render(content.scorecard(card, issued_on=issued_on, issuer=issuer, groups=groups))


def scorecard_xlsx(card: UnitScorecard, *, issued_on: date, issuer: Issuer, groups: Mapping[str, str]) -> bytes:
    """Phiếu chấm điểm thi đua of a unit (XLSX) from GET /v1/units/{unit_id}/scorecard?period=P."""
    return xlsx.scorecard(card, issued_on=issued_on, issuer=issuer, groups=groups)


def standings_xlsx(data: Standings, *, issued_on: date, issuer: Issuer) -> bytes:
    """Bảng xếp hạng (XLSX) from GET /v1/standings?period=P."""
    return xlsx.standings(data, issued_on=issued_on, issuer=issuer)


def tracking_pdf(
    tracked: OfficerTracking, sheet: Sheet, *, tasks: Sequence[TrackedTask], issued_on: date, issuer: Issuer
) -> bytes:
    """Phiếu theo dõi, đánh giá công chức of one period (PDF) from GET /v1/officers/{id}/tracking and its tasks."""
    doc = tracking_sheet.document(tracked, sheet, tracking.tasks(tasks), issued_on=issued_on, issuer=issuer)
    return pdf_writer.render(doc)


def tracking_xlsx(
    tracked: OfficerTracking, sheet: Sheet, *, tasks: Sequence[TrackedTask], issued_on: date, issuer: Issuer
) -> bytes:
    """Phiếu theo dõi, đánh giá công chức of one period (XLSX) from GET /v1/officers/{id}/tracking and its tasks."""
    return tracking_sheet.xlsx(tracked, sheet, tracking.tasks(tasks), issued_on=issued_on, issuer=issuer)
