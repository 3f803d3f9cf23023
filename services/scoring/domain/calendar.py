"""Working days in Vietnam (ngày làm việc): weekends and public holidays excluded, swaps honoured."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from schemas.vietnam import VN_TZ
from services.scoring.domain import lunar

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
    """A working-day clock reached a year with neither an official file nor a provisional calendar (outside the
    rulebook's bounds): never silently weekends only."""

    def __init__(self, year: int) -> None:
        super().__init__(f"no working-day calendar for year {year}: add calendar/{year}.toml")
        self.year = year


NATIONAL_DAY_EXTRA = ("before", "after", "bridge")


@dataclass(frozen=True)
class HolidayRules:
    """The statutory days off (Labour Code 2019 art. 112) from a date on, as a provisional calendar places them."""

    since: date
    fixed: tuple[tuple[int, int], ...] = ((1, 1), (4, 30), (5, 1), (9, 2))  # (month, day)
    national_day_extra: str = "bridge"  # the day next to 2/9: 1/9, 3/9, or 3/9 when 2/9 is a Thursday else 1/9
    tet_before: int = 1  # Tết days before the lunar new year's day (the last day of the old year)
    tet_days: int = 5
    hung_kings: bool = True  # Giỗ Tổ Hùng Vương, 10/3 lunar
    compensate: bool = True  # art. 112(3): a statutory day on a weekend is taken the next working day
    culture_day: bool = False  # 24/11 Ngày Văn hóa Việt Nam (unconfirmed: default a working day)


@dataclass(frozen=True)
class Provisional:
    """How the rulebook computes the days off of a year without an official file, within its bounds."""

    first_year: int = 2000
    last_year: int = 2099
    rules: tuple[HolidayRules, ...] = (HolidayRules(date(2021, 1, 1)),)
    official_due: tuple[int, int] = (10, 1)  # (month, day) from which next year's missing file is reported

    def covers(self, year: int) -> bool:
        """The year is inside the bounds the provisional calendar is computed for."""
        return self.first_year <= year <= self.last_year

    def rules_for(self, year: int) -> HolidayRules:
        """The dated rules in force on 1 January of year (the earliest also for the years before it)."""
        start = date(year, 1, 1)
        chosen = self.rules[0]
        for entry in self.rules:
            if entry.since <= start:
                chosen = entry
        return chosen


def _national_day_extra(year: int, how: str) -> date:
    """The day adjacent to 2/9 (art. 112(1): 2/9 and one day before or after it)."""
    national = date(year, 9, 2)
    if how == "after" or (how == "bridge" and national.weekday() == 3):  # Thursday: the Friday bridges
        return national + timedelta(days=1)
    return national - timedelta(days=1)


@lru_cache(maxsize=256)
def provisional_days_off(rules: HolidayRules, year: int) -> frozenset[date]:
    """The days off of a year by the statutory rules: fixed days, Tết and Giỗ Tổ from the Vietnamese lunar
    calendar, each statutory day on a weekend compensated by the next day that is neither weekend nor off."""
    statutory = {date(year, m, d) for m, d in rules.fixed}
    if (9, 2) in rules.fixed:
        statutory.add(_national_day_extra(year, rules.national_day_extra))
    new_year = lunar.lunar_new_year(year)
    statutory |= {new_year + timedelta(days=i - rules.tet_before) for i in range(rules.tet_days)}
    if rules.hung_kings:
        statutory.add(lunar.hung_kings_day(year))
    if rules.culture_day:
        statutory.add(date(year, 11, 24))
    off = set(statutory)
    if rules.compensate:
        for day in sorted(statutory):
            if day.weekday() >= 5:
                extra = day + timedelta(days=1)
                while extra.weekday() >= 5 or extra in off:
                    extra += timedelta(days=1)
                off.add(extra)
    return frozenset(off)


@dataclass(frozen=True)
class WorkingCalendar:
    """Holidays and weekend days made working days, as the government announces them each year (`years`: the
    years of official files); any other year within the provisional bounds is computed by the statutory rules."""

    holidays: frozenset[date]
    working_weekends: frozenset[date]
    years: frozenset[int]
    provisional: Provisional | None = None

    def is_provisional(self, year: int) -> bool:
        """The year has no official file but a computed calendar."""
        return year not in self.years and self.provisional is not None and self.provisional.covers(year)

    def provisional_years(self, years: Iterable[int]) -> list[int]:
        """Those of the years judged under a provisional calendar, sorted."""
        return sorted(y for y in set(years) if self.is_provisional(y))

    def is_working_day(self, day: date) -> bool:
        """Monday–Friday and not a holiday, or a weekend day swapped into a working day."""
        if isinstance(day, datetime):
            day = day.date()
        if self.years and day.year not in self.years:
            if self.provisional is None or not self.provisional.covers(day.year):
                raise CalendarYearMissing(day.year)
            rules = self.provisional.rules_for(day.year)
            return day.weekday() < 5 and day not in provisional_days_off(rules, day.year)
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


_MONTH_DAY = re.compile(r"(\d{2})-(\d{2})")
_RULE_KEYS = frozenset(
    {"since", "fixed", "national_day_extra", "tet_before", "tet_days", "hung_kings", "compensate", "culture_day"}
)


def month_day(value: object, name: str) -> tuple[int, int]:
    """A "MM-DD" setting as (month, day), or a ValueError naming the setting."""
    match = _MONTH_DAY.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"{name} must be a day of the year as MM-DD, got {value!r}")
    month, day = int(match[1]), int(match[2])
    try:
        date(2024, month, day)  # a leap year: 02-29 is a day of some years
    except ValueError as exc:
        raise ValueError(f"{name} has no day {value!r}") from exc
    return month, day


def _int_in(entry: Mapping[str, Any], key: str, default: int, lo: int, hi: int) -> int:
    value = entry.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise ValueError(f"working_days.statutory.{key} must be an integer in [{lo}, {hi}], got {value!r}")
    return value


def _flag(entry: Mapping[str, Any], key: str, default: bool) -> bool:
    value = entry.get(key, default)
    if not isinstance(value, bool):
        raise ValueError(f"working_days.statutory.{key} must be true or false, got {value!r}")
    return value


def _holiday_rules(entry: object) -> HolidayRules:
    """One dated entry of working_days.statutory, checked."""
    if not isinstance(entry, Mapping):
        raise ValueError(f"working_days.statutory entries must be tables, got {entry!r}")
    unknown = set(entry) - _RULE_KEYS
    if unknown:
        raise ValueError(f"working_days.statutory has unknown keys {sorted(unknown)}")
    since = entry.get("since")
    if not isinstance(since, str) or not _ISO_DATE.fullmatch(since):
        raise ValueError(f"working_days.statutory.since must be an ISO date string, got {since!r}")
    fixed = entry.get("fixed", ["01-01", "04-30", "05-01", "09-02"])
    if not isinstance(fixed, list) or len(fixed) > 20:
        raise ValueError("working_days.statutory.fixed must be a list of MM-DD days")
    extra = entry.get("national_day_extra", "bridge")
    if extra not in NATIONAL_DAY_EXTRA:
        raise ValueError(f"working_days.statutory.national_day_extra must be in {NATIONAL_DAY_EXTRA}, not {extra!r}")
    return HolidayRules(
        date.fromisoformat(since),
        tuple(sorted({month_day(v, "working_days.statutory.fixed") for v in fixed})),
        str(extra),
        _int_in(entry, "tet_before", 1, 0, 5),
        _int_in(entry, "tet_days", 5, 1, 10),
        _flag(entry, "hung_kings", True),
        _flag(entry, "compensate", True),
        _flag(entry, "culture_day", False),
    )


def provisional_from(section: Mapping[str, Any] | None) -> Provisional:
    """The rule file's [working_days] section as the provisional calendar's rules (defaults when absent)."""
    if section is None:
        return Provisional()
    first = section.get("first_year", 2000)
    last = section.get("last_year", 2099)
    for name, value in (("first_year", first), ("last_year", last)):
        if not isinstance(value, int) or isinstance(value, bool) or not 1901 <= value <= 2199:
            raise ValueError(f"working_days.{name} must be a year in [1901, 2199], got {value!r}")
    if first > last:
        raise ValueError("working_days.first_year must not be after last_year")
    entries = section.get("statutory")
    rules = tuple(_holiday_rules(e) for e in entries) if entries is not None else Provisional().rules
    if not rules or [r.since for r in rules] != sorted({r.since for r in rules}):
        raise ValueError("working_days.statutory must list at least one entry, by increasing distinct `since`")
    due = month_day(section.get("official_due", "10-01"), "working_days.official_due")
    return Provisional(first, last, rules, due)


def culture_days(provisional: Provisional, years: Iterable[int]) -> frozenset[date]:
    """24/11 of the official years whose statutory rules make it a day off (the official files predate it)."""
    return frozenset(date(y, 11, 24) for y in years if provisional.rules_for(y).culture_day)


def missing_official_year(calendar: WorkingCalendar, today: date, due: tuple[int, int]) -> int | None:
    """Next year, when from the due day (MM-DD) of this year on it still has no official calendar file."""
    if not calendar.years or today < date(today.year, *due) or (today.year + 1) in calendar.years:
        return None
    return today.year + 1


# How far past a period's last day its cases' working-day clocks can run: the 15-working-day answer clock and the
# 2-day publication clock after it, with the year-end days off, stay well inside 45 calendar days.
CLOCK_REACH_DAYS = 45


def calendar_note(calendar: WorkingCalendar, start: date, last: date) -> dict[str, Any]:
    """What a scorecard says about its calendar: the provisional years its period's clocks can reach (the years
    from its first day to CLOCK_REACH_DAYS after its last day)."""
    years = range(start.year, (last + timedelta(days=CLOCK_REACH_DAYS)).year + 1)
    provisional = calendar.provisional_years(years)
    return {"provisional": bool(provisional), "provisional_years": provisional}
