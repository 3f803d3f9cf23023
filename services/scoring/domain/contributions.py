"""What one case adds to the counters of each period: the single source of every dossier number.

Used incrementally (new contribution minus old, per batch), for drill-down (which events are behind a
number) and for the from-scratch check; so all three agree by construction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache

from schemas.vietnam import VN_TZ
from services.scoring.domain.calendar import CalendarYearMissing, WorkingCalendar
from services.scoring.domain.cases import Complaint, Dossier
from services.scoring.domain.periods import Stages, next_boundary, period_ends_between
from services.scoring.domain.rulebook import Rulebook
from services.scoring.domain.working_time import dossier_due, dossier_on_time, working_deadline

# (subject kind, subject id, unit id, period, counter) -> (numerator, denominator)
CounterKey = tuple[str, str, str, str, str]
Tally = dict[CounterKey, tuple[float, float]]
# The counters cases feed: an indicator over any of them is added by the rulebook alone (`counter = ...`).
COUNTERS = frozenset(
    {
        "on_time",
        "online_submission",
        "online_payment",
        "digitised",
        "data_reuse",
        "dossier_ok",
        "result_publication",
        "pakn_on_time",
        "pakn_ok",
        "pakn_unjudged",
        "conduct_substantiated",
    }
)


class _Adder:
    def __init__(self) -> None:
        self.tally: Tally = {}

    def add(
        self, kind: str, subject: str, unit: str, periods: Iterable[str], counter: str, num: float, den: float = 1.0
    ) -> None:
        tally = self.tally
        for period in periods:
            key = (kind, subject, unit, period, counter)
            cell = tally.get(key)
            tally[key] = (num, den) if cell is None else (cell[0] + num, cell[1] + den)

    def result(self) -> Tally:
        return self.tally


def _labels(moment: datetime, stages: Stages) -> tuple[str, ...]:
    local = moment.astimezone(VN_TZ)
    return _month_labels(local.year, local.month, stages)


@lru_cache(maxsize=4096)
def _month_labels(year: int, month: int, stages: Stages) -> tuple[str, ...]:
    # Keyed by the rulebook's stages too (hashed once per rulebook): the movements decide which stages a month is in.
    return tuple(p.label for p in stages.of_month(year, month))


def _outlived(start: datetime, until: datetime, stages: Stages) -> tuple[str, ...]:
    """Periods that ended while the case was open and already overdue (judged late there)."""
    return tuple(p.label for p in period_ends_between(start, until, stages))


def dossier_contribution(d: Dossier, as_of: datetime, rules: Rulebook, calendar: WorkingCalendar) -> Tally:
    """Counters a dossier feeds; an open one is judged against as_of (open and overdue = late)."""
    out = _Adder()
    unit = d.unit_id
    if d.received_at is not None and d.channel is not None:
        out.add(
            "unit", unit, unit, _labels(d.received_at, rules.stages), "online_submission", float(d.channel == "online")
        )
    if d.due_at is None:
        return out.result()
    if d.finished_at is not None:
        if d.status == "withdrawn":  # withdrawn by the citizen: not judged
            return out.result()
        on_time = dossier_on_time(d, calendar)
        finished = _labels(d.finished_at, rules.stages)
        out.add("unit", unit, unit, finished, "on_time", float(on_time))
        if d.finished_at > d.due_at:  # overdue only once the due date pushed by the waiting has passed
            due = dossier_due(d, calendar, d.finished_at)
            if due is not None:
                out.add(
                    "unit",
                    unit,
                    unit,
                    _outlived(max(due, d.received_at or due), d.finished_at, rules.stages),
                    "on_time",
                    0.0,
                )
        if d.officer_id:
            out.add("officer", d.officer_id, unit, finished, "on_time", float(on_time))
        if d.fee_required:
            out.add("unit", unit, unit, finished, "online_payment", float(d.paid_online))
        out.add("unit", unit, unit, finished, "digitised", float(d.digitized and d.e_result))
        out.add("unit", unit, unit, finished, "data_reuse", float(d.data_reused))
        # Decision 766: satisfied = not rated unsatisfied, no substantiated PAKN about it, and not late.
        out.add("unit", unit, unit, finished, "dossier_ok", float(on_time and not d.unsatisfied and not d.complained))
        published = result_published_on_time(d, as_of, rules, calendar)
        if published is not None:
            out.add("unit", unit, unit, finished, "result_publication", float(published))
    elif as_of > d.due_at:
        due = dossier_due(d, calendar)  # None: waiting for the citizen, paused
        if due is not None and as_of > due:
            out.add(
                "unit",
                unit,
                unit,
                _outlived(max(due, d.received_at or due), as_of, rules.stages) + _labels(as_of, rules.stages),
                "on_time",
                0.0,
            )
    return out.result()


# The last result deadline worked out: a case is judged (its counters), then its next tick asked, with the same
# finish, days and calendar (held here by reference, so `is` can never match another calendar at the same address).
_last_result: list[tuple[datetime, int, WorkingCalendar, datetime | None]] = []


def result_deadline(d: Dossier, rules: Rulebook, calendar: WorkingCalendar) -> datetime | None:
    """When a finished dossier's result must be on the public portal; None when the calendar cannot say."""
    finished, days = d.finished_at, rules.result_days
    if finished is None:
        return None
    if _last_result and (last := _last_result[0])[2] is calendar and last[1] == days and last[0] == finished:
        return last[3]
    try:
        deadline: datetime | None = working_deadline(calendar, finished, days)
    except CalendarYearMissing:
        deadline = None
    _last_result[:] = [(finished, days, calendar, deadline)]
    return deadline


def result_published_on_time(d: Dossier, as_of: datetime, rules: Rulebook, calendar: WorkingCalendar) -> bool | None:
    """Published within result_days working days of finishing; None while it still may be, or cannot be judged."""
    deadline = result_deadline(d, rules, calendar)
    if deadline is None:
        return None
    if d.published_at is not None:
        return d.published_at <= deadline
    return False if as_of > deadline else None


def complaint_deadline(c: Complaint, rules: Rulebook, calendar: WorkingCalendar) -> datetime | None:
    """When an open complaint becomes late: the answer clock in working days (None: no calendar for it)."""
    if c.received_at is None:
        return None
    try:
        return working_deadline(calendar, c.received_at, rules.answer_days)
    except CalendarYearMissing:
        return None


def publication_deadline(c: Complaint, rules: Rulebook, calendar: WorkingCalendar) -> datetime | None:
    """When an answered complaint's answer must be public (publish_days working days after the answer)."""
    if c.resolved_at is None or c.outcome != "answered":
        return None
    return working_deadline(calendar, c.resolved_at, rules.publish_days)


def complaint_on_time(c: Complaint, rules: Rulebook, calendar: WorkingCalendar, as_of: datetime | None = None) -> bool:
    """Every clock that applies was met: rejected within reject_days or answered within answer_days, the first
    supplement request within supplement_days, an answer published within publish_days after it (working days;
    the clock starts on the first working day and ends with its last one). While the publication clock still runs
    the complaint is judged on the clocks that have run (on time); unpublished past it, late (the tick is that
    deadline)."""
    assert c.received_at is not None and c.resolved_at is not None
    limit = rules.reject_days if c.outcome == "rejected" else rules.answer_days
    if c.resolved_at > working_deadline(calendar, c.received_at, limit):
        return False
    if c.supplement_requested_at is not None and c.supplement_requested_at > working_deadline(
        calendar, c.received_at, rules.supplement_days
    ):
        return False
    deadline = publication_deadline(c, rules, calendar)
    if deadline is None:
        return True
    if c.published_at is not None:
        return c.published_at <= deadline
    return as_of is None or as_of <= deadline


def complaint_contribution(c: Complaint, as_of: datetime, rules: Rulebook, calendar: WorkingCalendar) -> Tally:
    """Counters a complaint (PAKN) feeds; one whose clocks fall in a year without a calendar is not judged."""
    out = _Adder()
    unit = c.unit_id
    if c.received_at is None:
        return out.result()
    try:
        return _complaint_counters(out, c, as_of, rules, calendar)
    except CalendarYearMissing:
        fresh = _Adder()  # counted as unjudged, never judged against weekends only
        fresh.add("unit", unit, unit, _labels(c.received_at, rules.stages), "pakn_unjudged", 1.0)
        return fresh.result()


def _complaint_counters(
    out: _Adder, c: Complaint, as_of: datetime, rules: Rulebook, calendar: WorkingCalendar
) -> Tally:
    unit = c.unit_id
    assert c.received_at is not None
    deadline = working_deadline(calendar, c.received_at, rules.answer_days)
    if c.resolved_at is not None:
        if c.category == "conduct" and c.substantiated:
            resolved = _labels(c.resolved_at, rules.stages)
            out.add("unit", unit, unit, resolved, "conduct_substantiated", 1.0)
            if c.officer_id:
                out.add("officer", c.officer_id, unit, resolved, "conduct_substantiated", 1.0)
        on_time = complaint_on_time(c, rules, calendar, as_of)
        resolved = _labels(c.resolved_at, rules.stages)
        outlived = _outlived(deadline, c.resolved_at, rules.stages)
        out.add("unit", unit, unit, resolved, "pakn_on_time", float(on_time))
        out.add("unit", unit, unit, outlived, "pakn_on_time", 0.0)
        out.add("unit", unit, unit, resolved, "pakn_ok", float(on_time and not c.unsatisfied and not c.re_complained))
        out.add("unit", unit, unit, outlived, "pakn_ok", 0.0)
    elif as_of > deadline:
        # Open and overdue at a period's end: late, and in the satisfaction denominator as not satisfied.
        late = _outlived(deadline, as_of, rules.stages) + _labels(as_of, rules.stages)
        out.add("unit", unit, unit, late, "pakn_on_time", 0.0)
        out.add("unit", unit, unit, late, "pakn_ok", 0.0)
    return out.result()


def difference(new: Tally, old: Tally) -> Tally:
    """new − old, without the cells that did not change."""
    if not old:  # a case seen for the first time: the common case of a backfill
        return {key: cell for key, cell in new.items() if cell != (0.0, 0.0)}
    keys = set(new) | set(old)
    delta: Tally = {}
    for key in keys:
        n, o = new.get(key, (0.0, 0.0)), old.get(key, (0.0, 0.0))
        d = (n[0] - o[0], n[1] - o[1])
        if d != (0.0, 0.0):
            delta[key] = d
    return delta


def accumulate_change(into: dict[CounterKey, list[float]], new: Tally, old: Tally) -> None:
    """Add new − old to a running total, without the cells that did not change (accumulate(difference(…)) in one
    pass for a case seen for the first time, the common case of a backfill)."""
    accumulate(into, difference(new, old) if old else new, changed_only=True)


def accumulate(into: dict[CounterKey, list[float]], tally: Tally, *, changed_only: bool = False) -> None:
    """Add tally to a running total (changed_only: leave out the cells (0, 0))."""
    for key, (num, den) in tally.items():
        if changed_only and num == 0.0 and den == 0.0:
            continue
        cell = into.get(key)
        if cell is None:
            into[key] = [num, den]
        else:
            cell[0] += num
            cell[1] += den


def next_dossier_tick(d: Dossier, as_of: datetime, rules: Rulebook, calendar: WorkingCalendar) -> datetime | None:
    """The next moment the clock alone changes a dossier's counters or alerts."""
    if d.finished_at is not None:
        deadline = result_deadline(d, rules, calendar) if d.published_at is None else None
        return deadline if deadline is not None and as_of < deadline else None
    if d.due_at is None:
        return None
    due = dossier_due(d, calendar)
    if due is None:  # waiting for the citizen: paused, the clock resumes when the supplement arrives (an event)
        return None
    try:
        due_soon: datetime | None = calendar.next_working_day_before(due)
    except CalendarYearMissing:
        due_soon = None
    for moment in (due_soon, due):
        if moment is not None and as_of < moment:
            return moment
    return next_boundary(as_of)


def next_complaint_tick(c: Complaint, as_of: datetime, rules: Rulebook, calendar: WorkingCalendar) -> datetime | None:
    """The next moment the clock alone changes a complaint's counters or alerts."""
    deadline = complaint_deadline(c, rules, calendar)
    if deadline is None:
        return None
    if c.resolved_at is not None:
        try:
            published = publication_deadline(c, rules, calendar) if c.published_at is None else None
        except CalendarYearMissing:
            return None
        return published if published is not None and as_of < published else None
    return deadline if as_of < deadline else next_boundary(as_of)
