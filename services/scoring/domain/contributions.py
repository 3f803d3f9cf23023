"""What one case adds to the counters of each period: the single source of every dossier number.

Used incrementally (new contribution minus old, per batch), for drill-down (which events are behind a
number) and for the from-scratch check; so all three agree by construction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from services.scoring.domain.calendar import WorkingCalendar
from services.scoring.domain.cases import Complaint, Dossier
from services.scoring.domain.periods import next_boundary, period_ends_between, periods_of
from services.scoring.domain.rulebook import Rulebook

# (subject kind, subject id, unit id, period, counter) -> (numerator, denominator)
CounterKey = tuple[str, str, str, str, str]
Tally = dict[CounterKey, tuple[float, float]]


class _Adder:
    def __init__(self) -> None:
        self.tally: defaultdict[CounterKey, list[float]] = defaultdict(lambda: [0.0, 0.0])

    def add(self, kind: str, subject: str, unit: str, periods: Iterable[str], counter: str, num: float,
            den: float = 1.0) -> None:
        for period in periods:
            cell = self.tally[(kind, subject, unit, period, counter)]
            cell[0] += num
            cell[1] += den

    def result(self) -> Tally:
        return {k: (v[0], v[1]) for k, v in self.tally.items()}


def _labels(moment: datetime) -> list[str]:
    return [p.label for p in periods_of(moment)]


def _outlived(start: datetime, until: datetime) -> list[str]:
    """Periods that ended while the case was open and already overdue (judged late there)."""
    return [p.label for p in period_ends_between(start, until)]


def dossier_on_time(d: Dossier) -> bool:
    """On time: finished − supplement waiting time ≤ due, and at most one supplement request."""
    assert d.finished_at is not None and d.due_at is not None
    return d.supplement_requests <= 1 and d.finished_at - timedelta(days=d.supplement_days) <= d.due_at


def dossier_contribution(d: Dossier, as_of: datetime) -> Tally:
    """Counters a dossier feeds; an open one is judged against as_of (open and overdue = late)."""
    out = _Adder()
    unit = d.unit_id
    if d.received_at is not None and d.channel is not None:
        out.add("unit", unit, unit, _labels(d.received_at), "online_submission", float(d.channel == "online"))
    if d.due_at is None:
        return out.result()
    # Overdue only once the due date plus the time spent waiting for the citizen has passed.
    overdue_from = max(d.due_at + timedelta(days=d.supplement_days), d.received_at or d.due_at)
    if d.finished_at is not None:
        if d.status == "withdrawn":  # withdrawn by the citizen: not judged
            return out.result()
        on_time = dossier_on_time(d)
        finished = _labels(d.finished_at)
        out.add("unit", unit, unit, finished, "on_time", float(on_time))
        out.add("unit", unit, unit, _outlived(overdue_from, d.finished_at), "on_time", 0.0)
        if d.officer_id:
            out.add("officer", d.officer_id, unit, finished, "on_time", float(on_time))
        if d.fee_required:
            out.add("unit", unit, unit, finished, "online_payment", float(d.paid_online))
        out.add("unit", unit, unit, finished, "digitised", float(d.digitized and d.e_result))
        out.add("unit", unit, unit, finished, "data_reuse", float(d.data_reused))
        out.add("unit", unit, unit, finished, "dossier_ok", float(on_time and not d.unsatisfied))
    elif as_of > d.due_at:
        out.add("unit", unit, unit, _outlived(overdue_from, as_of) + _labels(as_of), "on_time", 0.0)
    return out.result()


def complaint_deadline(c: Complaint, rules: Rulebook, calendar: WorkingCalendar) -> datetime | None:
    """When an open complaint becomes late: the answer clock in working days."""
    if c.received_at is None:
        return None
    return calendar.add_working_days(c.received_at, rules.answer_days)


def complaint_on_time(c: Complaint, rules: Rulebook, calendar: WorkingCalendar) -> bool:
    """Rejected within reject_days or answered within answer_days working days (the clock starts on the first
    working day, so a complaint received on a Sunday gets its full number of working days)."""
    assert c.received_at is not None and c.resolved_at is not None
    limit = rules.reject_days if c.outcome == "rejected" else rules.answer_days
    return c.resolved_at <= calendar.add_working_days(c.received_at, limit)


def complaint_contribution(c: Complaint, as_of: datetime, rules: Rulebook, calendar: WorkingCalendar) -> Tally:
    """Counters a complaint (PAKN) feeds."""
    out = _Adder()
    unit = c.unit_id
    deadline = complaint_deadline(c, rules, calendar)
    if c.received_at is None or deadline is None:
        return out.result()
    if c.category == "procedure":
        out.add("unit", unit, unit, _labels(c.received_at), "pakn_procedure", 1.0)
    if c.resolved_at is not None:
        on_time = complaint_on_time(c, rules, calendar)
        resolved = _labels(c.resolved_at)
        out.add("unit", unit, unit, resolved, "pakn_on_time", float(on_time))
        out.add("unit", unit, unit, _outlived(deadline, c.resolved_at), "pakn_on_time", 0.0)
        out.add("unit", unit, unit, resolved, "pakn_ok",
                float(on_time and not c.unsatisfied and not c.re_complained))
        if c.category == "conduct" and c.substantiated:
            out.add("unit", unit, unit, resolved, "conduct_substantiated", 1.0)
            if c.officer_id:
                out.add("officer", c.officer_id, unit, resolved, "conduct_substantiated", 1.0)
    elif as_of > deadline:
        out.add("unit", unit, unit, _outlived(deadline, as_of) + _labels(as_of), "pakn_on_time", 0.0)
    return out.result()


def difference(new: Tally, old: Tally) -> Tally:
    """new − old, without the cells that did not change."""
    keys = set(new) | set(old)
    delta: Tally = {}
    for key in keys:
        n, o = new.get(key, (0.0, 0.0)), old.get(key, (0.0, 0.0))
        d = (n[0] - o[0], n[1] - o[1])
        if d != (0.0, 0.0):
            delta[key] = d
    return delta


def accumulate(into: dict[CounterKey, list[float]], tally: Tally) -> None:
    """Add tally to a running total."""
    for key, (num, den) in tally.items():
        cell = into.setdefault(key, [0.0, 0.0])
        cell[0] += num
        cell[1] += den


def next_dossier_tick(d: Dossier, as_of: datetime, calendar: WorkingCalendar) -> datetime | None:
    """The next moment the clock alone changes an open dossier's counters or alerts."""
    if not d.is_open or d.due_at is None:
        return None
    due_soon = calendar.next_working_day_before(d.due_at)
    for moment in (due_soon, d.due_at):
        if as_of < moment:
            return moment
    return next_boundary(as_of)


def next_complaint_tick(c: Complaint, as_of: datetime, rules: Rulebook, calendar: WorkingCalendar
                        ) -> datetime | None:
    """The next moment the clock alone changes an open complaint's counters."""
    deadline = complaint_deadline(c, rules, calendar)
    if c.resolved_at is not None or deadline is None:
        return None
    return deadline if as_of < deadline else next_boundary(as_of)
