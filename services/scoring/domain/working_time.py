"""Working time: deadlines in working days, the citizen's waits pushing a dossier's due moment, on time or late."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from schemas.vietnam import VN_TZ
from services.scoring.domain.calendar import CalendarYearMissing, WorkingCalendar
from services.scoring.domain.cases import Dossier, Supplement


@lru_cache(maxsize=65536)
def _end_of_working_days(calendar: WorkingCalendar, day: date, days: int) -> datetime:
    """The end (next local midnight) of the working day `days` working days after day."""
    last = calendar.add_working_days(datetime.combine(day, time(0), tzinfo=VN_TZ), days)
    return datetime.combine(last.date() + _DAY, time(0), tzinfo=VN_TZ)


def working_deadline(calendar: WorkingCalendar, start: datetime, days: int) -> datetime:
    """A clock of `days` working days from start ends with its last working day (local midnight after it), not at
    start's clock time on that day; a start on a non-working day counts from the next working day."""
    return _end_of_working_days(calendar, start.astimezone(VN_TZ).date(), days)


_DAY = timedelta(days=1)


_ZERO = timedelta(0)


_MAX_WALK_DAYS = 40_000  # ~110 years: beyond every bounded timestamp; a loop guard, never reached by valid data


Wait = tuple[datetime, datetime | None]  # a stretch spent waiting for the citizen; None: still waiting


def _waits(supplements: tuple[Supplement, ...], until: datetime | None) -> list[Wait]:
    """The requests as disjoint stretches of waiting, sorted; an unanswered one runs to until (open when None)."""
    merged: list[Wait] = []
    for asked, supplied in supplements:
        end = supplied if supplied is not None else until
        if until is not None:
            if asked >= until:
                continue  # asked once already finished: no waiting counted
            end = min(end, until) if end is not None else until
        if merged and (merged[-1][1] is None or asked <= merged[-1][1]):
            last_end = merged[-1][1]
            merged[-1] = (merged[-1][0], None if last_end is None or end is None else max(last_end, end))
        else:
            merged.append((asked, end))
    return merged


def _working_time(working: Callable[[date], bool], start: datetime, end: datetime) -> timedelta:
    """Time from start to end that falls on working days (24 h a working day), exact."""
    a, b = start.astimezone(VN_TZ), end.astimezone(VN_TZ)
    total = _ZERO
    day = a.date()
    while a < b:
        nxt = datetime.combine(day + _DAY, time(0), tzinfo=VN_TZ)
        if working(day):
            total += min(b, nxt) - a
        a, day = nxt, day + _DAY
    return total


def _push(working: Callable[[date], bool], due: datetime, budget: timedelta, waits: list[Wait]) -> datetime | None:
    """The last moment the dossier is still on time: due pushed by budget of working time not spent waiting (the
    working time waited before due), skipping the waits after it; None while a wait that pauses it is open."""
    local = due.astimezone(VN_TZ)
    day, cursor = local.date(), local
    pending = [w for w in waits if w[1] is None or w[1] > local]
    for _ in range(_MAX_WALK_DAYS):
        day_end = datetime.combine(day + _DAY, time(0), tzinfo=VN_TZ)
        if working(day):
            while cursor < day_end:
                if pending and pending[0][0] <= cursor:  # inside a wait: the clock is paused
                    stop = pending[0][1]
                    if stop is None:
                        return None
                    cursor = max(cursor, stop)
                    pending.pop(0)
                    continue
                active_end = min(day_end, pending[0][0]) if pending else day_end
                if budget < active_end - cursor:
                    return cursor + budget
                budget -= active_end - cursor
                cursor = active_end
        else:
            while pending and pending[0][1] is not None and pending[0][1] <= day_end:
                pending.pop(0)  # a wait that ended on a day off paused nothing more
        day, cursor = day + _DAY, max(cursor, day_end)
    raise ValueError(f"due date {due.isoformat()} pushed beyond {_MAX_WALK_DAYS} days")


def _every_day(_: date) -> bool:
    return True


def dossier_due(d: Dossier, calendar: WorkingCalendar, until: datetime | None = None) -> datetime | None:
    """When the dossier stops being on time (Decision 766: finished − waiting ≤ due, in working time): due pushed
    by the working time waited for the citizen; None while it waits on an open request (paused, never overdue).
    until: when the dossier was finished (an unanswered request's wait ends there)."""
    assert d.due_at is not None
    waits = _waits(d.supplements, until) if d.supplements else []
    try:
        return _pushed(calendar.is_working_day, d, waits)
    except CalendarYearMissing:  # no calendar for those days: calendar time, as before working days were counted
        return _pushed(_every_day, d, waits)


def _pushed(working: Callable[[date], bool], d: Dossier, waits: list[Wait]) -> datetime | None:
    assert d.due_at is not None
    if d.supplements is None:
        budget = timedelta(days=d.supplement_days)  # working days waited, dates unknown: all before due
    else:
        budget = sum(
            (
                _working_time(working, a, min(b, d.due_at) if b is not None else d.due_at)
                for a, b in waits
                if a < d.due_at
            ),
            _ZERO,
        )
    if not budget and not waits:
        return d.due_at  # nothing waited: the due date as given
    return _push(working, d.due_at, budget, waits)


def dossier_on_time(d: Dossier, calendar: WorkingCalendar) -> bool:
    """On time: finished − time waiting for the citizen ≤ due, in working time, and at most one supplement request."""
    assert d.finished_at is not None and d.due_at is not None
    if d.supplement_requests > 1:
        return False
    if d.finished_at <= d.due_at:
        return True
    due = dossier_due(d, calendar, d.finished_at)
    return due is None or d.finished_at <= due
