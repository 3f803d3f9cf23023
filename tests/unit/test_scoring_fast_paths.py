"""The batch's shortcuts give what the long way gives: the counters' deltas in one pass, the remembered result
deadline, the periods a case outlived, the one record of a slot."""

from __future__ import annotations

import dataclasses
import tomllib
from datetime import datetime, timedelta
from pathlib import Path

from schemas.vietnam import VN_TZ
from services.scoring.domain.calendar import WorkingCalendar, load_calendar
from services.scoring.domain.cases import Dossier, effective, empty, merge, retract
from services.scoring.domain.contributions import (
    CounterKey,
    Tally,
    accumulate,
    accumulate_change,
    difference,
    result_deadline,
)
from services.scoring.domain.periods import LEGACY, period_ends_between, periods_of
from services.scoring.domain.rulebook import build_rulebook

RULES_DIR = Path(__file__).resolve().parents[2] / "services" / "scoring" / "rules"
RB = build_rulebook(tomllib.loads((RULES_DIR / "rulebook.toml").read_text(encoding="utf-8")))
CAL = load_calendar(RULES_DIR / "calendar")


def _key(counter: str, period: str = "2025-03") -> CounterKey:
    return ("unit", "U1", "U1", period, counter)


def test_accumulate_change_adds_what_accumulate_of_the_difference_adds() -> None:
    new: Tally = {_key("on_time"): (1.0, 1.0), _key("digitised"): (0.0, 1.0), _key("data_reuse"): (0.0, 0.0)}
    for old in ({}, {_key("on_time"): (1.0, 1.0), _key("dossier_ok"): (1.0, 1.0)}):
        long_way: dict[CounterKey, list[float]] = {_key("on_time"): [2.0, 3.0]}
        short_way = {k: list(v) for k, v in long_way.items()}
        accumulate(long_way, difference(new, old))
        accumulate_change(short_way, new, old)
        assert short_way == long_way
    assert _key("data_reuse") not in short_way  # an unchanged cell is left out


def test_the_remembered_result_deadline_is_the_calendars_own() -> None:
    finished = datetime(2025, 4, 29, 16, tzinfo=VN_TZ)  # before the 30 April and 1 May holidays
    d = Dossier("U1", "HS", None, None, None, None, finished, "resolved", 0, 0.0, False, False, False, False, None,
                False, ())  # fmt: skip
    no_holidays = WorkingCalendar(frozenset(), frozenset(), frozenset(CAL.years), CAL.provisional)
    with_holidays = result_deadline(d, RB, CAL)
    assert result_deadline(d, RB, CAL) == with_holidays
    without = result_deadline(d, RB, no_holidays)
    assert without is not None and with_holidays is not None and without < with_holidays
    later = dataclasses.replace(d, finished_at=finished + timedelta(days=1))
    assert result_deadline(later, RB, no_holidays) != without


def _outlived_the_long_way(after: datetime, until: datetime) -> tuple[str, ...]:
    found: dict[str, None] = {}
    cursor = after
    while cursor <= until + timedelta(days=31):
        for p in periods_of(cursor, LEGACY):
            if after < p.end <= until:
                found[p.label] = None
        cursor += timedelta(days=1)
    return tuple(sorted(found))


def test_the_periods_a_case_outlived_are_those_ending_in_between() -> None:
    # Mid-month, an hour before a month's end, exactly at a month's start (local time), at a year's end.
    starts = [datetime(2025, 3, 30, 23, tzinfo=VN_TZ), datetime(2025, 5, 1, tzinfo=VN_TZ)]
    starts += [datetime(2025, 6, 17, 10, tzinfo=VN_TZ), datetime(2024, 12, 31, 23, 59, tzinfo=VN_TZ)]
    for start in starts:
        for hours in (0, 1, 2, 24, 25, 24 * 31, 24 * 40, 24 * 95, 24 * 400, 24 * 800):
            until = start + timedelta(hours=hours)
            for _ in range(2):  # the second answer comes from the months' cache
                got = tuple(sorted(p.label for p in period_ends_between(start, until, LEGACY)))
                assert got == _outlived_the_long_way(start, until), (start, until)


def test_the_one_record_of_a_slot_counts_until_it_is_retracted() -> None:
    state = merge(empty(), "received", "src:e1", {"occurred_at": "2025-03-01T08:00:00+07:00"})
    assert effective(state, "received") == ("src:e1", {"occurred_at": "2025-03-01T08:00:00+07:00"})
    assert effective(retract(state, "src:e1"), "received") is None
    assert effective(state, "processed") is None
