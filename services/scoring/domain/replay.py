"""Replaying stored cases under a rulebook (the rebuild's heavy phase): the counters a batch of case rows feeds in
chosen periods, partial sums that add up, and the progress figures shown to the operator."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

import orjson

from services.scoring.domain.contributions import CounterKey, accumulate
from services.scoring.domain.judging import case_view, contribution
from services.scoring.domain.periods import Period
from services.scoring.domain.rulebook import Rules

# kind, unit_id, case_id, state (json text), as_of, opened_at, closed_at: one stored case as the rebuild reads it
CaseRow = tuple[str, str, str, str, datetime, datetime | None, datetime | None]
Totals = dict[CounterKey, list[float]]


def envelope(periods: Iterable[Period]) -> tuple[datetime, datetime]:
    """The earliest start and the latest end of the periods (one range to select their cases by)."""
    chosen = list(periods)
    return min(p.start for p in chosen), max(p.end for p in chosen)


def tally(rows: Iterable[CaseRow], rules: Rules, periods: Mapping[str, Period], into: Totals | None = None) -> Totals:
    """Sum the counters the cases feed in the chosen periods (by label), each judged at its own as_of; only cases
    open at some moment between the periods' earliest start and latest end count (those a rebuild selects)."""
    totals: Totals = {} if into is None else into
    if not periods:
        return totals
    start, end = envelope(periods.values())
    for kind, unit, case_id, state, as_of, opened, closed in rows:
        if (opened is not None and opened >= end) or (closed is not None and closed < start):
            continue
        view = case_view(kind, unit, case_id, orjson.loads(state))
        accumulate(totals, {k: v for k, v in contribution(view, as_of, rules).items() if k[3] in periods})
    return totals


def add_totals(into: Totals, part: Mapping[CounterKey, Sequence[float]], sign: float = 1.0) -> None:
    """Add (or, with sign -1, take away) partial sums."""
    for key, (num, den) in part.items():
        got = into.setdefault(key, [0.0, 0.0])
        got[0] += sign * num
        got[1] += sign * den


def counter_rows(totals: Mapping[CounterKey, Sequence[float]]) -> list[tuple[str, str, str, str, str, float, float]]:
    """The rows of the counters table, in key order; counters at zero are left out (the live path has none)."""
    return [(*key, float(v[0]), float(v[1])) for key, v in sorted(totals.items()) if v[0] or v[1]]


def progress_text(done: int, total: int, seconds: float) -> str:
    """`425,062/850,123 cases (50%), 21,250 cases/s, about 20 s left`: one line for a log that is not a terminal."""
    rate = done / seconds if seconds > 0 else 0.0
    share = 100 * done // total if total else 100
    left = f", about {max(0.0, (total - done) / rate):.0f} s left" if rate and done < total else ""
    return f"{done:,}/{total:,} cases ({share}%), {rate:,.0f} cases/s{left}"
