"""Working days in Vietnam (ngày làm việc): weekends and public holidays excluded, swaps honoured."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(frozen=True)
class WorkingCalendar:
    """Holidays and weekend days made working days, as the government announces them each year."""

    holidays: frozenset[date]
    working_weekends: frozenset[date]
    years: frozenset[int]

    def is_working_day(self, day: date) -> bool:
        if day in self.working_weekends:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The moment `days` working days after start (same time of day), counted from a working day."""
        local = start.astimezone(VN_TZ)
        day = local.date()
        step = 1 if days >= 0 else -1
        while not self.is_working_day(day):
            day += timedelta(days=step)
        remaining = abs(days)
        while remaining:
            day += timedelta(days=step)
            if self.is_working_day(day):
                remaining -= 1
        return datetime.combine(day, local.timetz()).replace(tzinfo=VN_TZ)

    def working_days_between(self, start: datetime, end: datetime) -> float:
        """Working days elapsed from start to end: only working-day time counts (24 h = 1 day)."""
        if end <= start:
            return 0.0
        a, b = start.astimezone(VN_TZ), end.astimezone(VN_TZ)
        total = 0.0
        day = a.date()
        while day <= b.date():
            if self.is_working_day(day):
                lo = max(a, datetime.combine(day, time(0), tzinfo=VN_TZ))
                hi = min(b, datetime.combine(day + timedelta(days=1), time(0), tzinfo=VN_TZ))
                total += max(0.0, (hi - lo).total_seconds() / 86400)
            day += timedelta(days=1)
        return total

    def next_working_day_before(self, due: datetime) -> datetime:
        """One working day before due: when a "due tomorrow" alert is raised."""
        return self.add_working_days(due, -1)


def load_calendar(directory: Path) -> WorkingCalendar:
    """Read every <year>.toml of directory: `holidays` and `working_weekends` as ISO dates."""
    holidays: set[date] = set()
    swaps: set[date] = set()
    years: set[int] = set()
    for path in sorted(directory.glob("*.toml")):
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
        try:
            year = int(doc["year"])
            holidays.update(date.fromisoformat(d) for d in doc.get("holidays", []))
            swaps.update(date.fromisoformat(d) for d in doc.get("working_weekends", []))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path.name}: {exc}") from exc
        years.add(year)
    return WorkingCalendar(frozenset(holidays), frozenset(swaps), frozenset(years))
