"""An officer's Decree 335/2025 tracking as its pages and documents show it: pure shaping of scoring's answers
(GET /v1/officers/{id}/tracking, …/tracking/tasks, GET /v1/units/{id}/tracking; docs/contract.md)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from schemas.common import OFFICER_ID_PATTERN
from schemas.http.scoring_tracking import UnitOfficerSheet, UnitTracking

Json = Mapping[str, Any]

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
itself, or by the name scoring sends beside it."""
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


def valid_officer_id(officer_id: str) -> bool:
    """An officer id in the contract's grammar (never '.' or '..'): the only ones an upstream URL is built from."""
    return bool(_OFFICER_ID.fullmatch(officer_id)) and officer_id not in (".", "..")


def _num(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _mapping(value: object) -> Json:
    return value if isinstance(value, Mapping) else {}


def _items(value: object) -> list[Json]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def level_name(level: object) -> str | None:
    """A rating's words ('Hoàn thành tốt nhiệm vụ'); None for no rating."""
    if not isinstance(level, str) or not level:
        return None
    return LEVEL_NAMES.get(level, level)


def sheets(body: Json) -> list[Json]:
    """The period sheets of a tracking answer, in the order scoring gives them."""
    return _items(body.get("periods"))


def sheet_of(body: Json, period: str | None) -> Json | None:
    """The sheet of one period, if the answer has it."""
    return next((s for s in sheets(body) if s.get("period") == period), None)


def chosen_period(body: Json, wanted: str | None) -> str | None:
    """The period whose detail the page opens: the one asked for, else the latest with assigned work, else the
    latest."""
    found = sheets(body)
    if wanted and any(s.get("period") == wanted for s in found):
        return wanted
    worked = [s for s in found if (_num(_tasks(s).get("assigned")) or 0) > 0]
    pick = (worked or found)[-1:] if found else []
    return str(pick[0].get("period")) if pick else None


def _tasks(sheet: Json) -> Json:
    tasks = sheet.get("tasks")
    return tasks if isinstance(tasks, Mapping) else {}


def _shares(sheet: Json) -> Json:
    shares = sheet.get("shares")
    return shares if isinstance(shares, Mapping) else {}


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


def period_row(sheet: Json) -> PeriodRow:
    """A sheet as one line of the year's table."""
    tasks, shares = _tasks(sheet), _shares(sheet)
    total = _num(sheet.get("total"))
    unit = sheet.get("unit_id")
    return PeriodRow(
        period=str(sheet.get("period") or ""),
        unit_id=unit if isinstance(unit, str) else None,
        assigned=_num(tasks.get("assigned")),
        done=_num(tasks.get("done")),
        a=_num(shares.get("a")),
        b=_num(shares.get("b")),
        c=_num(shares.get("c")),
        task_points=_num(sheet.get("task_points")),
        general_points=_num(sheet.get("general_points")),
        total=total,
        total_note=NO_GENERAL if sheet.get("general") is None else None,
        deductions=sum(1 for d in _items(sheet.get("deductions")) if not d.get("excused")),
        below_complete=sheet.get("below_complete") is True,
    )


def period_rows(body: Json) -> list[PeriodRow]:
    """Every period of the year, one line each."""
    return [period_row(s) for s in sheets(body)]


@dataclass(frozen=True)
class Criterion:
    """A general criterion: the manager's points (None before an assessment), its maximum, capped or not."""

    code: str
    name: str
    points: float | None
    max: float | None
    capped: bool


def criteria(sheet: Json, names: Mapping[str, str] | None = None) -> list[Criterion]:
    """The general criteria of a sheet (Art. 12–13): the assessed ones, else the rule file's default codes."""
    general = sheet.get("general")
    general = general if isinstance(general, Mapping) else {}
    given, maxima, sent_names = (_mapping(general.get(k)) for k in ("criteria", "max", "names"))
    known = {**GENERAL_NAMES, **(names or {}), **{str(k): str(v) for k, v in sent_names.items()}}
    codes = list(dict.fromkeys([*maxima, *given])) or list(GENERAL_NAMES)
    found = []
    for code in codes:
        points, top = _num(given.get(code)), _num(maxima.get(code))
        found.append(Criterion(str(code), known.get(str(code), str(code)), points, top, False))
    capped = general.get("capped")
    flagged = set(capped) if isinstance(capped, list) else set()
    return [Criterion(c.code, c.name, c.points, c.max, c.code in flagged) for c in found]


@dataclass(frozen=True)
class EvidenceLine:
    """One kind of evidence beside the general criteria: its name, how many (or how many hours), the items."""

    code: str
    name: str
    count: float
    items: tuple[str, ...]


def _evidence_item(item: object) -> str:
    """One piece of evidence as a line: its decision, form, reason or title and date, whatever it carries."""
    if not isinstance(item, Mapping):
        return str(item)
    parts = [
        str(item[k])
        for k in ("decision_no", "form", "complaint_id", "finding", "title", "reason", "at", "decided_at", "event")
        if item.get(k) not in (None, "")
    ]
    if item.get("duty_related") is False:
        parts.append("không gắn với thực thi công vụ")
    return "; ".join(parts) or "—"


def evidence(sheet: Json) -> list[EvidenceLine]:
    """The evidence the system holds beside the general criteria (shown, never scored)."""
    held = sheet.get("general_evidence")
    held = held if isinstance(held, Mapping) else {}
    lines = []
    for code, name in EVIDENCE_NAMES.items():
        value = held.get(code)
        if isinstance(value, list):
            lines.append(EvidenceLine(code, name, len(value), tuple(_evidence_item(v) for v in value)))
        else:
            lines.append(EvidenceLine(code, name, _num(value) or 0.0, ()))
    return lines


@dataclass(frozen=True)
class DeductionRow:
    kind: str
    name: str
    key: str
    event: str
    excused: bool
    cause_event: str | None


def deductions(sheet: Json) -> list[DeductionRow]:
    """The 25 % deductions of a sheet (Art. 14), cancelled ones with the confirmation that cancelled them."""
    rows = []
    for d in _items(sheet.get("deductions")):
        kind = str(d.get("kind") or "")
        cause = d.get("cause_event")
        rows.append(
            DeductionRow(
                kind,
                DEDUCTION_NAMES.get(kind, kind),
                str(d.get("key") or ""),
                str(d.get("event") or ""),
                d.get("excused") is True,
                cause if isinstance(cause, str) and cause else None,
            )
        )
    return rows


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


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def tasks(body: object) -> list[TaskRow]:
    """The tasks behind a period's numbers (GET …/tracking/tasks): a list, or {"tasks": [...]}."""
    listed = body.get("tasks") if isinstance(body, Mapping) else body
    return [
        TaskRow(
            key=str(t.get("key") or ""),
            kind=TASK_KINDS.get(str(t.get("kind")), str(t.get("kind") or "")),
            weight=_num(t.get("weight")),
            done=t.get("done") is True,
            late=t.get("late") is True,
            quality_failures=_count(t.get("quality_failures")),
            excused_late=_count(t.get("excused_late")),
            excused_quality=_count(t.get("excused_quality")),
            events=tuple(str(e) for e in t.get("events") or [] if isinstance(e, str)),
        )
        for t in _items(listed)
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


def year_view(body: Json) -> YearView:
    """The year's rating (Art. 20–21): score, level, periods counted, the "not complete" reasons, the cap."""
    rating = body.get("year_rating")
    rating = rating if isinstance(rating, Mapping) else {}
    periods = rating.get("periods")
    reasons = rating.get("not_complete")
    return YearView(
        score=_num(rating.get("score")),
        level=level_name(rating.get("level")),
        periods=tuple(str(p) for p in periods) if isinstance(periods, list) else (),
        not_complete=tuple(str(r) for r in reasons) if isinstance(reasons, list) else (),
        capped=rating.get("capped") is True,
        hr_level=level_name(rating.get("hr_rating")),
        cap_reason=str(rating["cap_reason"]) if rating.get("cap_reason") else None,
    )


def unit_rows(sheets: UnitTracking) -> list[UnitOfficerSheet]:
    """A unit's officers for one period (GET /v1/units/{id}/tracking), lowest total last, unassessed as such."""
    return sorted(sheets.officers, key=lambda r: -(r.total or r.task_points or 0.0))


def year_choices(year: int, this_year: int) -> Sequence[int]:
    """The years offered beside the chosen one: tracking starts in 2026 (Decree 335/2025 applies from then)."""
    return sorted({y for y in (this_year, this_year - 1, year) if y >= 2026}, reverse=True)
