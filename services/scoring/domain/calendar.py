"""Working days in Vietnam (ngày làm việc): weekends and public holidays excluded, swaps honoured."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path

from schemas.vietnam import VN_TZ

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DAY_SECONDS = 86400.0


def _local(moment: datetime, name: str) -> datetime:
    """The moment in Vietnamese local time; naive datetimes are refused."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment.isoformat()}")
    return moment.astimezone(VN_TZ)


def _midnight(day: date) -> datetime:
    """The start of day in Vietnamese local time."""
    return datetime.combine(day, time(0), tzinfo=VN_TZ)


@lru_cache(maxsize=65536)
def _shift(calendar: WorkingCalendar, day: date, days: int) -> date:
    """The day `days` working days after day (a non-working day counts from the next); cached: every case of
    every batch asks the same few hundred (day, days) pairs."""
    step = 1 if days >= 0 else -1
    while not calendar.is_working_day(day):  # backwards counts from the previous working day
        day += timedelta(days=step)
    remaining = abs(days)
    while remaining:
        day += timedelta(days=step)
        if calendar.is_working_day(day):
            remaining -= 1
    return day


class CalendarYearMissing(ValueError):
    """A working-day clock reached a year the calendar has no file for (never silently weekends only)."""

    def __init__(self, year: int) -> None:
        super().__init__(f"no working-day calendar for year {year}: add calendar/{year}.toml")
        self.year = year


@dataclass(frozen=True)
class WorkingCalendar:
    """Holidays and weekend days made working days, as the government announces them each year."""

    holidays: frozenset[date]
    working_weekends: frozenset[date]
    years: frozenset[int]

    def is_working_day(self, day: date) -> bool:
        """Monday–Friday and not a holiday, or a weekend day swapped into a working day."""
        if isinstance(day, datetime):
            day = day.date()
        if self.years and day.year not in self.years:
            raise CalendarYearMissing(day.year)
        if day in self.working_weekends:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The moment `days` working days after start (same local time; a non-working start counts from the next)."""
        local = _local(start, "start")
        return datetime.combine(_shift(self, local.date(), days), local.time(), tzinfo=VN_TZ)

    def working_days_between(self, start: datetime, end: datetime) -> float:
        """Working days elapsed from start to end: only working-day time counts (24 h = 1 day)."""
        a, b = _local(start, "start"), _local(end, "end")
        if b <= a:
            return 0.0
        seconds = 0.0
        day = a.date()
        while day <= b.date():
            if self.is_working_day(day):
                lo = max(a, _midnight(day))
                hi = min(b, _midnight(day + timedelta(days=1)))
                seconds += max(0.0, (hi - lo).total_seconds())
            day += timedelta(days=1)
        return seconds / _DAY_SECONDS

    def next_working_day_before(self, due: datetime) -> datetime:
        """One working day before due (add_working_days by -1): when a "due tomorrow" alert is raised."""
        return self.add_working_days(due, -1)


def _dates(path: Path, key: str, values: object) -> set[date]:
    """The ISO dates listed under key, or a ValueError naming the file and the bad value."""
    if not isinstance(values, list):
        raise ValueError(f"{path.name}: {key} must be a list of ISO dates, got {values!r}")
    out: set[date] = set()
    for value in values:
        if isinstance(value, date) and not isinstance(value, datetime):
            out.add(value)  # a TOML date literal
            continue
        if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
            raise ValueError(f"{path.name}: {key} has {value!r}, not an ISO date (YYYY-MM-DD)")
        try:
            out.add(date.fromisoformat(value))
        except ValueError as exc:
            raise ValueError(f"{path.name}: {key} has invalid date {value!r} ({exc})") from exc
    return out


def _check_year(path: Path, year: int, key: str, days: Iterable[date]) -> None:
    """Dates of a year's file lie in that year or at its edges (a bridge day of the year before/after)."""
    for day in days:
        if abs(day.year - year) > 1:
            raise ValueError(f"{path.name}: {key} has {day.isoformat()}, far outside year {year}")


def load_calendar(directory: Path) -> WorkingCalendar:
    """Read every <year>.toml of directory: `year`, `holidays` and `working_weekends` (ISO dates)."""
    holidays: set[date] = set()
    swaps: set[date] = set()
    years: set[int] = set()
    paths = sorted(Path(directory).glob("*.toml"))
    if not paths:
        raise ValueError(f"{directory}: no calendar files (*.toml)")
    for path in paths:
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{path.name}: not valid TOML ({exc})") from exc
        year = doc.get("year")
        if not isinstance(year, int) or isinstance(year, bool) or not 1900 <= year <= 2200:
            raise ValueError(f"{path.name}: year must be an integer year, got {year!r}")
        if year in years:
            raise ValueError(f"{path.name}: year {year} is covered by another file too")
        unknown = set(doc) - {"year", "holidays", "working_weekends"}
        if unknown:
            raise ValueError(f"{path.name}: unknown keys {sorted(unknown)}")
        days_off = _dates(path, "holidays", doc.get("holidays", []))
        working = _dates(path, "working_weekends", doc.get("working_weekends", []))
        _check_year(path, year, "holidays", days_off)
        _check_year(path, year, "working_weekends", working)
        for day in sorted(working):
            if day.weekday() < 5:
                raise ValueError(f"{path.name}: working_weekends has {day.isoformat()}, which is not a Saturday/Sunday")
        both = days_off & working
        if both:
            raise ValueError(f"{path.name}: {sorted(d.isoformat() for d in both)} are both holidays and working days")
        holidays |= days_off
        swaps |= working
        years.add(year)
    clash = holidays & swaps
    if clash:
        raise ValueError(f"{directory}: {sorted(d.isoformat() for d in clash)} are both holidays and working days")
    return WorkingCalendar(frozenset(holidays), frozenset(swaps), frozenset(years))
