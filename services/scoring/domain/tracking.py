"""Officers' period tracking under Decree 335/2025/NĐ-CP: task shares, period sheets, the year and its cap (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from schemas.vietnam import VN_TZ

PeriodKind = Literal["month", "quarter"]
Level = Literal["excellent", "good", "complete", "incomplete"]
LEVEL_NAMES: Mapping[str, str] = {
    "excellent": "Hoàn thành xuất sắc nhiệm vụ",
    "good": "Hoàn thành tốt nhiệm vụ",
    "complete": "Hoàn thành nhiệm vụ",
    "incomplete": "Không hoàn thành nhiệm vụ",
}
NO_GENERAL = "chưa có điểm tiêu chí chung"
# Art. 20(1)(b) and (d) rest on facts no evidence type carries: the rating says so instead of passing them silently.
UNSEEN_CONDITIONS = (
    "Điều 20 khoản 1 điểm b (suy thoái tư tưởng, đạo đức, lối sống; vi phạm quy định đảng viên không được làm): "
    "không có trong minh chứng, chưa xét",
    "Điều 20 khoản 1 điểm d (chỉ với người lãnh đạo: đơn vị phụ trách bị xử lý tham nhũng, lãng phí): "
    "không có trong minh chứng, chưa xét",
)


@dataclass(frozen=True)
class Criterion:
    """A general criterion (tiêu chí chung, Art. 12-13): its code, name and maximum points."""

    code: str
    name: str
    max_points: float


DEFAULT_GENERAL = (
    Criterion("pham_chat", "Phẩm chất chính trị, đạo đức, văn hóa công vụ, kỷ luật", 10.0),
    Criterion("nang_luc", "Năng lực, thái độ phục vụ", 10.0),
    Criterion("doi_moi", "Tinh thần đổi mới, sáng tạo", 10.0),
)
DISCIPLINE_FORMS = frozenset({"reprimand", "warning", "demotion", "removal", "dismissal"})


@dataclass(frozen=True)
class TrackingRules:
    """The rule file's [tracking]: Decree 335/2025 as applied from `effective_from` (defaults: our reading)."""

    effective_from: date = date(2026, 1, 1)
    period_kind: PeriodKind = "month"
    task_max: float = 70.0
    deduction: float = 0.25  # Art. 14: −25 % of the item's points per failed review or per delay
    share_weights: tuple[float, float, float] = (1.0, 1.0, 1.0)  # a, b, c: the default formula is their mean
    formula_confirmed: bool = False  # the decree's formula is only seen as an image (the legal brief: L)
    general: tuple[Criterion, ...] = DEFAULT_GENERAL
    general_confirmed: bool = False  # the 10/10/10 split is ours
    excellent: float = 90.0
    good: float = 70.0
    complete: float = 50.0
    cap_share: float = 0.2  # Art. 20(5): excellent ≤ 20 % of the number rated good
    cap_base: Literal["good_or_better", "good"] = "good_or_better"
    discipline_forms: frozenset[str] = DISCIPLINE_FORMS  # khiển trách (reprimand) or above: Art. 20(1)(c)

    @property
    def general_max(self) -> float:
        """The general criteria's points at most (≤ 30)."""
        return sum(c.max_points for c in self.general)

    def applies(self, year: int) -> bool:
        """Whether the decree's tracking applies to the year (from the rule file's date on)."""
        return year >= self.effective_from.year

    def level(self, score: float) -> Level:
        """The level (Art. 20) a 0–100 score reaches, before the "not complete" conditions and the cap."""
        if score >= self.excellent:
            return "excellent"
        if score >= self.good:
            return "good"
        if score >= self.complete:
            return "complete"
        return "incomplete"


DEFAULT_TRACKING = TrackingRules()


def tracking_rules(raw: object) -> tuple[TrackingRules, list[str]]:
    """The rule file's [tracking] section (absent: the defaults, for rule files before 2026.3) and its problems."""
    if raw is None:
        return TrackingRules(), []
    if not isinstance(raw, Mapping):
        return TrackingRules(), ["tracking must be a table"]
    problems: list[str] = []
    base = TrackingRules()
    try:
        kind = raw.get("period", base.period_kind)
        if kind not in ("month", "quarter"):
            problems.append(f'tracking.period must be "month" or "quarter", not {kind!r}')
            kind = base.period_kind
        cap_base = raw.get("cap_base", base.cap_base)
        if cap_base not in ("good_or_better", "good"):
            problems.append(f'tracking.cap_base must be "good_or_better" or "good", not {cap_base!r}')
            cap_base = base.cap_base
        weights_raw = raw.get("share_weights", {"a": 1, "b": 1, "c": 1})
        weights = (float(weights_raw["a"]), float(weights_raw["b"]), float(weights_raw["c"]))
        general_raw = raw.get("general")
        general = base.general
        if general_raw is not None:
            general = tuple(
                Criterion(str(code), str(c["name"]), float(c["max"])) for code, c in dict(general_raw).items()
            )
        rules = TrackingRules(
            effective_from=date.fromisoformat(str(raw.get("from", base.effective_from.isoformat()))),
            period_kind=kind,
            task_max=float(raw.get("task_max", base.task_max)),
            deduction=float(raw.get("deduction", base.deduction)),
            share_weights=weights,
            formula_confirmed=raw.get("formula_confirmed", False) is True,
            general=general,
            general_confirmed=raw.get("general_confirmed", False) is True,
            excellent=float(raw.get("excellent", base.excellent)),
            good=float(raw.get("good", base.good)),
            complete=float(raw.get("complete", base.complete)),
            cap_share=float(raw.get("cap_share", base.cap_share)),
            cap_base=cap_base,
            discipline_forms=frozenset(str(f) for f in raw.get("discipline_forms", sorted(DISCIPLINE_FORMS))),
        )
    except (KeyError, TypeError, ValueError) as exc:
        return TrackingRules(), [f"tracking incomplete or malformed: {exc!r}"]
    if not 0 < rules.task_max <= 100 or rules.task_max + rules.general_max > 100 + 1e-9:
        problems.append("tracking: task_max plus the general criteria's maxima must be at most 100")
    if not 0 <= rules.deduction <= 1:
        problems.append("tracking.deduction must be in [0, 1]")
    if min(weights) < 0 or sum(weights) <= 0:
        problems.append("tracking.share_weights must be non-negative with a positive sum")
    if not rules.general or any(c.max_points <= 0 for c in rules.general):
        problems.append("tracking.general must name criteria with positive maxima")
    if not 0 <= rules.complete <= rules.good <= rules.excellent <= 100:
        problems.append("tracking: thresholds must be 0 ≤ complete ≤ good ≤ excellent ≤ 100")
    if not 0 <= rules.cap_share <= 1:
        problems.append("tracking.cap_share must be in [0, 1]")
    return rules, problems


# Periods (Vietnam time) ------------------------------------------------------------------------------------------


def periods_of(year: int, rules: TrackingRules) -> list[str]:
    """The tracking periods of a year: 2026-01..2026-12, or 2026-Q1..2026-Q4."""
    if rules.period_kind == "quarter":
        return [f"{year}-Q{q}" for q in range(1, 5)]
    return [f"{year}-{m:02d}" for m in range(1, 13)]


def period_of(moment: datetime, rules: TrackingRules) -> str:
    """The tracking period a moment falls in, in Vietnam time."""
    local = moment.astimezone(VN_TZ)
    if rules.period_kind == "quarter":
        return f"{local.year}-Q{(local.month - 1) // 3 + 1}"
    return f"{local.year}-{local.month:02d}"


def period_bounds(period: str) -> tuple[datetime, datetime]:
    """The period's [start, end) in Vietnam time; a month 2026-03 or a quarter 2026-Q1."""
    year, part = int(period[:4]), period[5:]
    first = (int(part[1]) - 1) * 3 + 1 if part.startswith("Q") else int(part)
    months = 3 if part.startswith("Q") else 1
    last_year, last_month = (year + 1, 1) if first + months > 12 else (year, first + months)
    return (
        datetime.combine(date(year, first, 1), time(0), tzinfo=VN_TZ),
        datetime.combine(date(last_year, last_month, 1), time(0), tzinfo=VN_TZ),
    )


def period_year(period: str) -> int:
    """The year a period belongs to."""
    return int(period[:4])


def leave_only(period: str, leaves: Iterable[tuple[date, date]]) -> bool:
    """Whether leave (inclusive days, Vietnam time) covers every day of the period (Art. 21: excluded)."""
    start, end = period_bounds(period)
    day, last = start.date(), end.date() - timedelta(days=1)
    spans = sorted(leaves)
    for first, until in spans:
        if first > day:
            return False
        if until >= day:
            day = until + timedelta(days=1)
        if day > last:
            return True
    return day > last


def is_civil_servant(staff_kind: str | None, category: str | None) -> bool:
    """Decree 335 rates công chức: staff_kind civil_servant, or category civil_servant when staff_kind is absent."""
    return staff_kind == "civil_servant" if staff_kind is not None else category == "civil_servant"


# Tasks and the task part (Art. 14) -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    """A dossier or complaint attributed to the officer in a period, in converted units (sản phẩm quy đổi)."""

    key: str
    weight: float
    done: bool
    late: bool  # finished after its due date, or not finished by it: one delay
    quality_failures: int  # returns for error, substantiated complaints about it
    excused_late: int  # objective causes confirmed against the delay
    excused_quality: int  # objective causes confirmed against quality failures
    events: tuple[str, ...] = ()  # every event behind the task (received, processed, returned, complaints, causes)
    kind: Literal["dossier", "complaint"] = "dossier"
    late_event: str = ""  # the event that finished it late ("" when not finished)
    quality_events: tuple[str, ...] = ()  # one per failed review, oldest first
    late_causes: tuple[str, ...] = ()  # objective_cause.confirmed events (deduction late), oldest first
    quality_causes: tuple[str, ...] = ()  # objective_cause.confirmed events (deduction quality), oldest first


@dataclass(frozen=True)
class Deduction:
    """One 25 % deduction of a task's share (b for quality, c for a delay), or its cancellation by a cause."""

    kind: Literal["late", "quality"]
    key: str
    event: str
    excused: bool
    cause_event: str | None = None
    units: float = 0.0  # converted units the share lost (0 when excused)


@dataclass(frozen=True)
class TaskPart:
    """The task results of a period (kết quả thực hiện nhiệm vụ, ≤ 70): units, shares a/b/c and points."""

    assigned: float
    done: float
    at_quality: float
    on_time: float
    a: float | None
    b: float | None
    c: float | None
    points: float | None
    deductions: list[Deduction] = field(default_factory=list)


def _r(x: float) -> float:
    return round(x + 0.0, 4)


def _earned(weight: float, failures: int, rules: TrackingRules) -> float:
    return weight * max(0.0, 1.0 - rules.deduction * failures)


def task_part(tasks: Sequence[Task], rules: TrackingRules) -> TaskPart:
    """Art. 14: a = % done, b = % done at quality (−25 % per unexcused failed review), c = % done on time (−25 % per
    unexcused delay), of the units assigned; points = the rule file's weighted mean of a, b, c × task_max ÷ 100."""
    assigned = done = quality = on_time = 0.0
    deductions: list[Deduction] = []
    for t in tasks:
        assigned += t.weight
        if not t.done:
            continue  # earns nothing: nothing left to deduct from
        delays = 1 if t.late else 0
        unexcused_q = max(0, t.quality_failures - t.excused_quality)
        unexcused_l = max(0, delays - t.excused_late)
        done += t.weight
        quality += _earned(t.weight, unexcused_q, rules)
        on_time += _earned(t.weight, unexcused_l, rules)
        unit = t.weight * rules.deduction
        for n in range(t.quality_failures):
            excused = n < t.excused_quality
            deductions.append(
                Deduction(
                    "quality",
                    t.key,
                    t.quality_events[n] if n < len(t.quality_events) else "",
                    excused,
                    t.quality_causes[n] if excused and n < len(t.quality_causes) else None,
                    0.0 if excused else unit,
                )
            )
        if delays:
            excused = t.excused_late > 0
            deductions.append(
                Deduction(
                    "late",
                    t.key,
                    t.late_event,
                    excused,
                    t.late_causes[0] if excused and t.late_causes else None,
                    0.0 if excused else unit,
                )
            )
    if assigned <= 0:
        return TaskPart(0.0, 0.0, 0.0, 0.0, None, None, None, None, deductions)
    a, b, c = (100 * done / assigned, 100 * quality / assigned, 100 * on_time / assigned)
    wa, wb, wc = rules.share_weights
    points = (wa * a + wb * b + wc * c) / (wa + wb + wc) * rules.task_max / 100
    return TaskPart(_r(assigned), _r(done), _r(quality), _r(on_time), _r(a), _r(b), _r(c), _r(points), deductions)


# The period sheet (Art. 12-16) -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    """An officer's sheet of one period: task part, the manager's general points, the total."""

    period: str
    task: TaskPart
    general: dict[str, Any] | None  # {criteria: {code: points}, max: {code: max}, capped: [codes]} or None
    general_points: float | None
    total: float | None
    below_complete: bool
    note: str | None = None  # "chưa có điểm tiêu chí chung" while the manager has not assessed

    def as_json(self) -> dict[str, Any]:
        """The sheet as the scoring API shows it (the service adds general_evidence, the assessor, unit_id)."""
        t = self.task
        return {
            "period": self.period,
            "tasks": {"assigned": t.assigned, "done": t.done, "at_quality": t.at_quality, "on_time": t.on_time},
            "shares": {"a": t.a, "b": t.b, "c": t.c},
            "task_points": t.points,
            "deductions": [
                {"kind": d.kind, "key": d.key, "event": d.event, "excused": d.excused, "cause_event": d.cause_event}
                for d in t.deductions
            ],
            "general": self.general,
            "general_points": self.general_points,
            "total": self.total,
            "below_complete": self.below_complete,
            "note": self.note,
        }


def general_part(
    assessment: Mapping[str, float] | None, rules: TrackingRules
) -> tuple[dict[str, Any] | None, float | None]:
    """The manager's points per criterion (Art. 12-13), each capped at its maximum (capped ones flagged); codes the
    rule file does not name are flagged and not counted."""
    if assessment is None:
        return None, None
    maxima = {c.code: c.max_points for c in rules.general}
    criteria = {code: min(float(points), maxima[code]) for code, points in assessment.items() if code in maxima}
    general = {
        "criteria": criteria,
        "max": maxima,
        "capped": sorted(code for code, p in assessment.items() if code in maxima and float(p) > maxima[code]),
        "unknown": sorted(code for code in assessment if code not in maxima),
    }
    return general, _r(sum(criteria.values()))


def period_sheet(
    period: str, tasks: Sequence[Task], assessment: Mapping[str, float] | None, rules: TrackingRules
) -> Sheet:
    """Total = task points + general points (Art. 12-16). Without an assessment the total is the task points alone
    with a note; below_complete then means even full general points cannot reach "complete"."""
    task = task_part(tasks, rules)
    general, general_points = general_part(assessment, rules)
    if task.points is None:  # nothing assigned in the period: no task result to rate from the evidence
        return Sheet(period, task, general, general_points, None, False, None)
    if general_points is None:
        total = task.points
        below = task.points + rules.general_max < rules.complete
        return Sheet(period, task, None, None, _r(total), below, NO_GENERAL)
    total = _r(task.points + general_points)
    return Sheet(period, task, general, general_points, total, total < rules.complete, None)
