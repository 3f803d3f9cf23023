"""An officer's Decree 335/2025 tracking as its pages and documents show it: pure shaping of scoring's answers
parsed as their contract models (schemas.http.scoring_tracking: OfficerTracking, TrackedTask, UnitTracking)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import TypeAdapter, ValidationError

from schemas.common import OFFICER_ID_PATTERN
from schemas.http.common import Num
from schemas.http.scoring_tracking import (
    ConductSeen,
    DisciplineSeen,
    InspectionSeen,
    OfficerTracking,
    Sheet,
    TrackedTask,
    UnitOfficerSheet,
    UnitTracking,
)
from services.dashboard.upstream import Upstream

_OFFICER_ID = re.compile(OFFICER_ID_PATTERN)
NO_GENERAL = "chưa có điểm tiêu chí chung"
"""What a period's total says while the manager has not assessed the general criteria (Art. 12–13)."""
LEVEL_NAMES: dict[str, str] = {
    "excellent": "Hoàn thành xuất sắc nhiệm vụ",
    "good": "Hoàn thành tốt nhiệm vụ",
    "complete": "Hoàn thành nhiệm vụ",
    "incomplete": "Không hoàn thành nhiệm vụ",
}
"""The four ratings of Decree 335/2025 Art. 20–21 (the same words as the HR ratings import)."""
GENERAL_NAMES: dict[str, str] = {
    "pham_chat": "Phẩm chất chính trị, đạo đức, văn hóa công vụ, kỷ luật",
    "nang_luc": "Năng lực, thái độ phục vụ",
    "doi_moi": "Tinh thần đổi mới, sáng tạo",
}
"""The rule file's default general criteria (Art. 12–13; the split is unconfirmed): a code not here is shown as
itself."""
DEDUCTION_NAMES: dict[str, str] = {
    "late": "Chậm tiến độ (trừ 25% điểm của việc)",
    "quality": "Không đạt chất lượng, bị trả lại do sai sót (trừ 25% điểm của việc)",
}
TASK_KINDS: dict[str, str] = {"dossier": "Hồ sơ thủ tục hành chính", "complaint": "Phản ánh, kiến nghị"}
EVIDENCE_NAMES: dict[str, str] = {
    "disciplines": "Kỷ luật (gắn với thực thi công vụ)",
    "conduct_complaints": "Phản ánh về thái độ, tác phong có căn cứ",
    "inspection_findings": "Vi phạm phát hiện qua kiểm tra công vụ",
    "training_hours": "Giờ bồi dưỡng, tập huấn",
}
"""The evidence shown beside the general criteria: shown to the manager, never scored by the system."""
OFF_DUTY = "không gắn với thực thi công vụ"


TASK_LIST = TypeAdapter(list[TrackedTask])


def valid_officer_id(officer_id: str) -> bool:
    """An officer id in the contract's grammar (never '.' or '..'): the only ones an upstream URL is built from."""
    return bool(_OFFICER_ID.fullmatch(officer_id)) and officer_id not in (".", "..")


def _num(value: Num | None) -> float | None:
    return None if value is None else float(value)


def parsed_tasks(answer: Upstream) -> list[TrackedTask] | None:
    """GET …/tracking/tasks as its contract's list; None when failed or not parseable (scoring's panel then)."""
    if not answer.ok:
        return None
    try:
        return TASK_LIST.validate_python(answer.body)
    except ValidationError:
        return None


def level_name(level: str | None) -> str | None:
    """A rating's words ('Hoàn thành tốt nhiệm vụ'); None for no rating."""
    return LEVEL_NAMES.get(level, level) if level else None


def sheet_of(tracked: OfficerTracking, period: str | None) -> Sheet | None:
    """The sheet of one period, if the answer has it."""
    return next((s for s in tracked.periods if s.period == period), None)


def chosen_period(tracked: OfficerTracking, wanted: str | None) -> str | None:
    """The period whose detail the page opens: the one asked for, else the latest with assigned work, else the
    latest."""
    found = tracked.periods
    if wanted and any(s.period == wanted for s in found):
        return wanted
    worked = [s for s in found if s.tasks.assigned > 0]
    pick = (worked or found)[-1:]
    return pick[0].period if pick else None


@dataclass(frozen=True)
class PeriodRow:
    """One period of the year as the overview table lists it."""

    period: str
    unit_id: str | None
    assigned: float | None
    done: float | None
    a: float | None
    b: float | None
    c: float | None
    task_points: float | None
    general_points: float | None
    total: float | None
    total_note: str | None  # "chưa có điểm tiêu chí chung" while the manager has not assessed
    deductions: int
    below_complete: bool


def period_row(sheet: Sheet) -> PeriodRow:
    """A sheet as one line of the year's table."""
    tasks, shares = sheet.tasks, sheet.shares
    return PeriodRow(
        period=sheet.period,
        unit_id=sheet.unit_id,
        assigned=_num(tasks.assigned),
        done=_num(tasks.done),
        a=_num(shares.a),
        b=_num(shares.b),
        c=_num(shares.c),
        task_points=_num(sheet.task_points),
        general_points=_num(sheet.general_points),
        total=_num(sheet.total),
        total_note=NO_GENERAL if sheet.general is None else None,
        deductions=sum(1 for d in sheet.deductions if not d.excused),
        below_complete=sheet.below_complete,
    )


def period_rows(tracked: OfficerTracking) -> list[PeriodRow]:
    """Every period of the year, one line each."""
    return [period_row(s) for s in tracked.periods]


@dataclass(frozen=True)
class Criterion:
    """A general criterion: the manager's points (None before an assessment), its maximum, capped or not."""

    code: str
    name: str
    points: float | None
    max: float | None
    capped: bool


def criteria(sheet: Sheet) -> list[Criterion]:
    """The general criteria of a sheet (Art. 12–13): the assessed ones, else the rule file's default codes."""
    general = sheet.general
    given = general.criteria if general else {}
    maxima = general.max if general else {}
    capped = set(general.capped) if general else set()
    codes = list(dict.fromkeys([*maxima, *given])) or list(GENERAL_NAMES)
    return [
        Criterion(code, GENERAL_NAMES.get(code, code), _num(given.get(code)), _num(maxima.get(code)), code in capped)
        for code in codes
    ]


@dataclass(frozen=True)
class EvidenceLine:
    """One kind of evidence beside the general criteria: its name, how many (or how many hours), the items."""

    code: str
    name: str
    count: float
    items: tuple[str, ...]


def _line(parts: Sequence[str | None]) -> str:
    return "; ".join(p for p in parts if p) or "—"


def _discipline(item: DisciplineSeen) -> str:
    """A disciplinary decision as a line: its number, form and event, and whether it is outside official duty."""
    return _line([item.decision_no, item.form, item.event, None if item.duty_related else OFF_DUTY])


def _conduct(item: ConductSeen) -> str:
    return _line([item.complaint_id])


def _inspection(item: InspectionSeen) -> str:
    return _line([item.event])


def evidence(sheet: Sheet) -> list[EvidenceLine]:
    """The evidence the system holds beside the general criteria (shown, never scored)."""
    held = sheet.general_evidence
    listed = {
        "disciplines": tuple(_discipline(d) for d in held.disciplines),
        "conduct_complaints": tuple(_conduct(c) for c in held.conduct_complaints),
        "inspection_findings": tuple(_inspection(i) for i in held.inspection_findings),
    }
    lines = [EvidenceLine(code, EVIDENCE_NAMES[code], len(items), items) for code, items in listed.items()]
    return [*lines, EvidenceLine("training_hours", EVIDENCE_NAMES["training_hours"], float(held.training_hours), ())]


@dataclass(frozen=True)
class DeductionRow:
    kind: str
    name: str
    key: str
    event: str
    excused: bool
    cause_event: str | None


def deductions(sheet: Sheet) -> list[DeductionRow]:
    """The 25 % deductions of a sheet (Art. 14), cancelled ones with the confirmation that cancelled them."""
    return [
        DeductionRow(d.kind, DEDUCTION_NAMES.get(d.kind, d.kind), d.key, d.event, d.excused, d.cause_event or None)
        for d in sheet.deductions
    ]


@dataclass(frozen=True)
class TaskRow:
    key: str
    kind: str
    weight: float | None
    done: bool
    late: bool
    quality_failures: int
    excused_late: int
    excused_quality: int
    events: tuple[str, ...]


def tasks(listed: Sequence[TrackedTask]) -> list[TaskRow]:
    """The tasks behind a period's numbers (GET …/tracking/tasks)."""
    return [
        TaskRow(
            key=t.key,
            kind=TASK_KINDS.get(t.kind, t.kind),
            weight=float(t.weight),
            done=t.done,
            late=t.late,
            quality_failures=t.quality_failures,
            excused_late=t.excused_late,
            excused_quality=t.excused_quality,
            events=tuple(t.events),
        )
        for t in listed
    ]


@dataclass(frozen=True)
class YearView:
    score: float | None
    level: str | None
    periods: tuple[str, ...]
    not_complete: tuple[str, ...]
    capped: bool
    hr_level: str | None
    cap_reason: str | None = None


def year_view(tracked: OfficerTracking) -> YearView:
    """The year's rating (Art. 20–21): score, level, periods counted, the "not complete" reasons, the cap."""
    rating = tracked.year_rating
    if rating is None:
        return YearView(score=None, level=None, periods=(), not_complete=(), capped=False, hr_level=None)
    return YearView(
        score=_num(rating.score),
        level=level_name(rating.level),
        periods=tuple(rating.periods),
        not_complete=tuple(rating.not_complete),
        capped=rating.capped,
        hr_level=level_name(rating.hr_rating),
        cap_reason=rating.cap_reason or None,
    )


def unit_rows(sheets: UnitTracking) -> list[UnitOfficerSheet]:
    """A unit's officers for one period (GET /v1/units/{id}/tracking), lowest total last, unassessed as such."""
    return sorted(sheets.officers, key=lambda r: -(r.total or r.task_points or 0.0))


def year_choices(year: int, this_year: int) -> Sequence[int]:
    """The years offered beside the chosen one: tracking starts in 2026 (Decree 335/2025 applies from then)."""
    return sorted({y for y in (this_year, this_year - 1, year) if y >= 2026}, reverse=True)
