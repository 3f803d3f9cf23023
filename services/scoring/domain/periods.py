"""Periods of the movement (kỳ thi đua): year, quarter, month and the 2019–2025 stage, in Vietnam time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from schemas.periods import FORMS, PERIOD_PATTERN, STAGE
from schemas.vietnam import VN_TZ


@dataclass(frozen=True, order=True)
class Period:
    """A half-open interval [start, end) with its contract label (2025, 2025-Q1, 2025-03, 2019-2025)."""

    start: datetime
    end: datetime
    label: str

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


def _local(year: int, month: int = 1) -> datetime:
    return datetime(year, month, 1, tzinfo=VN_TZ)


def _next_month(moment: datetime) -> datetime:
    return _local(moment.year + moment.month // 12, moment.month % 12 + 1)


def parse_period(label: str) -> Period:
    """The period named by label; ValueError with the accepted forms otherwise."""
    if label == STAGE:
        return Period(_local(2019), _local(2026), STAGE)
    match = PERIOD_PATTERN.match(label)
    if match is None:
        raise ValueError(f"period '{label}' must be {FORMS}")
    year = int(match["year"])
    if match["q"]:
        first = 3 * (int(match["q"]) - 1) + 1
        start = _local(year, first)
        return Period(start, _next_month(_next_month(_next_month(start))), label)
    if match["m"]:
        start = _local(year, int(match["m"]))
        return Period(start, _next_month(start), label)
    return Period(_local(year), _local(year + 1), label)


def periods_of(moment: datetime) -> tuple[Period, ...]:
    """Every period containing moment: month, quarter, year and, for 2019–2025, the stage."""
    local = moment.astimezone(VN_TZ)
    return _periods_of_month(local.year, local.month)


@lru_cache(maxsize=4096)
def _periods_of_month(year: int, month: int) -> tuple[Period, ...]:
    # Hot path of scoring (every case of every batch): a month's periods are computed once.
    labels = [f"{year}-{month:02d}", f"{year}-Q{(month - 1) // 3 + 1}", str(year)]
    if 2019 <= year <= 2025:
        labels.append(STAGE)
    return tuple(parse_period(label) for label in labels)


def period_ends_between(after: datetime, until: datetime) -> tuple[Period, ...]:
    """Periods whose end falls in (after, until]: those a still-open case outlived (linear in the months)."""
    if until <= after:
        return ()
    found: dict[Period, None] = {}  # insertion-ordered set: each period once, in the order met
    cursor = _local(after.astimezone(VN_TZ).year, after.astimezone(VN_TZ).month)
    while cursor <= until:
        for period in periods_of(cursor):
            if after < period.end <= until:
                found[period] = None
        cursor = _next_month(cursor)
    return tuple(found)


def next_boundary(moment: datetime) -> datetime:
    """The start of the month after moment: the next time a period ends."""
    return _next_month(moment.astimezone(VN_TZ))


def period_fraction(label: str) -> float:
    """Length of a period in years, to prorate yearly targets."""
    if label == STAGE:
        return 7.0
    if "-Q" in label:
        return 0.25
    if "-" in label:
        return 1 / 12
    return 1.0
