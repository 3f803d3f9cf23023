"""Periods of the movements (kỳ thi đua): year, quarter, month and the configured movements' stages, in Vietnam time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from schemas.periods import FORMS, PERIOD_PATTERN, STAGE_PATTERN
from schemas.periods import STAGE as STAGE  # re-exported: the legacy stage label
from schemas.vietnam import VN_TZ


@dataclass(frozen=True, order=True)
class Period:
    """A half-open interval [start, end) with its contract label (2025, 2025-Q1, 2025-03, 2019-2025)."""

    start: datetime
    end: datetime
    label: str

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


@dataclass(frozen=True, eq=False)
class Stages:
    """The stage periods the rulebook's movements define, as (first year, last year) spans, labelled YYYY-YYYY.

    Fixed per rulebook: a month's periods are computed once per Stages (the hot path of scoring calls it per case)."""

    spans: tuple[tuple[int, int], ...]
    labels: frozenset[str] = field(init=False)
    _months: dict[tuple[int, int], tuple[Period, ...]] = field(init=False, repr=False)
    _hash: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        spans = tuple(sorted(set(self.spans)))
        object.__setattr__(self, "spans", spans)
        object.__setattr__(self, "labels", frozenset(stage_label(a, b) for a, b in spans))
        object.__setattr__(self, "_months", {})
        object.__setattr__(self, "_hash", hash(spans))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Stages) and other.spans == self.spans

    def __hash__(self) -> int:
        return self._hash

    def of_month(self, year: int, month: int) -> tuple[Period, ...]:
        """Month, quarter, year and every stage containing the month (cached: the movements never change here)."""
        found = self._months.get((year, month))
        if found is None:
            labels = [f"{year}-{month:02d}", f"{year}-Q{(month - 1) // 3 + 1}", str(year)]
            labels += [stage_label(a, b) for a, b in self.spans if a <= year <= b]
            found = self._months[(year, month)] = tuple(parse_period(label) for label in labels)
        return found


def stage_label(first: int, last: int) -> str:
    """The contract label of a stage spanning whole years: 2019-2025."""
    return f"{first:04d}-{last:04d}"


LEGACY = Stages(((2019, 2025),))
"""The stages of a rulebook that configures no movement (rule files before 2026.1): 2019–2025 alone."""


def _local(year: int, month: int = 1) -> datetime:
    return datetime(year, month, 1, tzinfo=VN_TZ)


def _next_month(moment: datetime) -> datetime:
    return _local(moment.year + moment.month // 12, moment.month % 12 + 1)


def parse_period(label: str, stages: Stages | None = None) -> Period:
    """The period named by label; ValueError with the accepted forms otherwise.

    stages: the configured movements' stages a stage label must be one of (what callers at the edge pass); None
    takes any well-formed stage (a label already stored: counters were fed under the rulebook that defined it)."""
    stage = STAGE_PATTERN.match(label)
    if stage is not None:
        first, last = int(stage["first"]), int(stage["last"])
        if stages is not None and label not in stages.labels:
            known = ", ".join(sorted(stages.labels)) or "none"
            raise ValueError(f"period '{label}' is not a stage of a configured movement (stages: {known})")
        if first >= last:
            raise ValueError(f"period '{label}': a stage's first year must come before its last")
        return Period(_local(first), _local(last + 1), label)
    match = PERIOD_PATTERN.match(label)
    if match is None:
        raise ValueError(f"period '{label}' must be {FORMS}")
    year = int(match["year"])
    if match["q"]:
        first_month = 3 * (int(match["q"]) - 1) + 1
        start = _local(year, first_month)
        return Period(start, _next_month(_next_month(_next_month(start))), label)
    if match["m"]:
        start = _local(year, int(match["m"]))
        return Period(start, _next_month(start), label)
    return Period(_local(year), _local(year + 1), label)


def periods_of(moment: datetime, stages: Stages = LEGACY) -> tuple[Period, ...]:
    """Every period containing moment: month, quarter, year and the configured stages that contain it."""
    local = moment.astimezone(VN_TZ)
    return stages.of_month(local.year, local.month)


def period_ends_between(after: datetime, until: datetime, stages: Stages = LEGACY) -> tuple[Period, ...]:
    """Periods whose end falls in (after, until]: those a still-open case outlived."""
    if until <= after:
        return ()
    a, u = after.astimezone(VN_TZ), until.astimezone(VN_TZ)
    if (a.year, a.month) == (u.year, u.month):  # every period ends at a month's start: none within one month
        return ()
    return _ends_between_months(a.year, a.month, u.year, u.month, stages)


@lru_cache(maxsize=4096)
def _ends_between_months(from_year: int, from_month: int, year: int, month: int, stages: Stages) -> tuple[Period, ...]:
    """Periods ending after the start of one month and at or before the start of a later one (an end is a month's
    start, so that is (after, until] for any moments in those months): computed once per pair of months — an open
    dossier judged long after its due date walked every month between, for every event of its unit (issue 29)."""
    first = cursor = _local(from_year, from_month)
    last = _local(year, month)
    found: dict[Period, None] = {}  # insertion-ordered set: each period once, in the order met
    while cursor <= last:
        for period in periods_of(cursor, stages):
            if first < period.end <= last:
                found[period] = None
        cursor = _next_month(cursor)
    return tuple(found)


def next_boundary(moment: datetime) -> datetime:
    """The start of the month after moment: the next time a period ends."""
    return _next_month(moment.astimezone(VN_TZ))


def period_fraction(label: str) -> float:
    """Length of a period in years, to prorate yearly targets (a stage: its whole years, 2019-2025 = 7)."""
    if stage := STAGE_PATTERN.match(label):
        return float(int(stage["last"]) - int(stage["first"]) + 1)
    if "-Q" in label:
        return 0.25
    if "-" in label:
        return 1 / 12
    return 1.0
