"""When the calendar changes under the same rule file (an official year's file added or corrected, a provisional
setting changed): the new rulebook version's name and the periods whose judgments the changed days can touch."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from schemas.vietnam import VN_TZ
from services.scoring.domain.calendar import CLOCK_REACH_DAYS, CalendarYearMissing, WorkingCalendar
from services.scoring.domain.periods import Stages, periods_of

# The parts of a stored rulebook that make its calendar: the official files, the provisional rules, and the
# `years` list rule files before 2026.1 carried.
CALENDAR_PARTS = ("calendar", "working_days", "years")
SUFFIX = "+cal."  # <rule-file version>+cal.<8 hex of the calendar's hash>


def base_version(version: str) -> str:
    """The rule file's own version of a stored one (without the calendar suffix)."""
    return version.split(SUFFIX, 1)[0]


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def calendar_parts(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The calendar of a rulebook document (what a recalendar compares)."""
    return {k: doc[k] for k in CALENDAR_PARTS if k in doc}


def only_calendar_differs(new: Mapping[str, Any], active: Mapping[str, Any]) -> bool:
    """The same rule file (version and every other setting) with another calendar."""
    if base_version(str(new["version"])) != base_version(str(active["version"])):
        return False
    rest = [{k: v for k, v in d.items() if k not in CALENDAR_PARTS and k != "version"} for d in (new, active)]
    return _canonical(rest[0]) == _canonical(rest[1]) and _canonical(calendar_parts(new)) != _canonical(
        calendar_parts(active)
    )


def calendar_version(doc: Mapping[str, Any]) -> str:
    """The version a rulebook is stored under when only its calendar changed: <version>+cal.<hash8>."""
    digest = hashlib.sha256(_canonical(calendar_parts(doc)).encode()).hexdigest()[:8]
    return f"{base_version(str(doc['version']))}{SUFFIX}{digest}"


def _working(calendar: WorkingCalendar, day: date) -> bool | None:
    try:
        return calendar.is_working_day(day)
    except CalendarYearMissing:
        return None


def changed_days(old: WorkingCalendar, new: WorkingCalendar, years: Iterable[int]) -> list[date]:
    """The days of the years that are working days under one calendar and not the other."""
    out = []
    for year in sorted(set(years)):
        day = date(year, 1, 1)
        while day.year == year:
            if _working(old, day) != _working(new, day):
                out.append(day)
            day += timedelta(days=1)
    return out


def touched_periods(days: Iterable[date], stages: Stages) -> list[str]:
    """Every period (month, quarter, year, stage) of the months within CLOCK_REACH_DAYS of a changed day: a
    clock crossing the day was started, answered, outlived or left open there."""
    months: set[tuple[int, int]] = set()
    for day in days:
        cursor = date(day.year, day.month, 1) - timedelta(days=CLOCK_REACH_DAYS)
        cursor = date(cursor.year, cursor.month, 1)
        last = day + timedelta(days=CLOCK_REACH_DAYS)
        while cursor <= last:
            months.add((cursor.year, cursor.month))
            cursor = (cursor + timedelta(days=32)).replace(day=1)
    labels = {p.label for y, m in months for p in periods_of(datetime.combine(date(y, m, 1), time(12), VN_TZ), stages)}
    return sorted(labels)


def years_of(*calendars: WorkingCalendar) -> set[int]:
    """The years either calendar can judge (official files and provisional bounds)."""
    years: set[int] = set()
    for calendar in calendars:
        years |= set(calendar.years)
        if calendar.provisional is not None:
            years |= set(range(calendar.provisional.first_year, calendar.provisional.last_year + 1))
    return years
