"""The fast paths taken for speed decide exactly as the slow ones they shortcut."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from schemas.bounds import EARLIEST, LATEST, MAX_ABS_NUMBER, MAX_JSON_DEPTH, MAX_STRING_CHARS
from schemas.common import _bounded
from services.scoring.handlers.cadence import LIMITS, Cadence
from services.scoring.handlers.consume import accepted_moment
from thidua.runtime.decoding import BadInput, _locate_violation, _within_bounds, check_bounds


def _nested(depth: int) -> Any:
    doc: Any = {}
    for _ in range(depth - 1):
        doc = {"a": doc}
    return doc


@pytest.mark.parametrize(
    "doc",
    [
        {"a": "x" * MAX_STRING_CHARS},
        {"a": "x" * (MAX_STRING_CHARS + 1)},
        {"x" * (MAX_STRING_CHARS + 1): 1},
        {"a": ["ok", "nul\x00"]},
        {"a": MAX_ABS_NUMBER},
        {"a": -MAX_ABS_NUMBER * 10},
        {"a": float("inf")},
        {"a": [1, 2.5, True, None, {"b": [False]}]},
        _nested(MAX_JSON_DEPTH),
        _nested(MAX_JSON_DEPTH + 1),
        [[[]]],
    ],
)
def test_the_fast_bounds_walk_agrees_with_the_walk_that_names_the_field(doc: Any) -> None:
    try:
        _locate_violation(doc)
        precise_ok = True
    except BadInput:
        precise_ok = False
    assert _within_bounds(doc) is precise_ok
    if precise_ok:
        check_bounds(doc)
    else:
        with pytest.raises(BadInput):
            check_bounds(doc)


def test_a_top_level_string_is_checked_for_its_length() -> None:
    with pytest.raises(BadInput, match="longer than"):
        check_bounds("x" * (MAX_STRING_CHARS + 1))


@pytest.mark.parametrize("hours", [-24, -14, -7, 0, 7, 14, 24])
def test_the_year_shortcut_of_timestamp_bounds_agrees_at_every_offset(hours: int) -> None:
    almost_a_day = timedelta(hours=23, minutes=59)
    zone = timezone(timedelta(hours=hours) if abs(hours) < 24 else almost_a_day * (1 if hours > 0 else -1))
    for moment in (
        EARLIEST - timedelta(seconds=1),
        EARLIEST,
        EARLIEST + timedelta(days=366),
        datetime(2025, 6, 1, tzinfo=UTC),
        LATEST - timedelta(days=366),
        LATEST - timedelta(seconds=1),
        LATEST,
    ):
        local = moment.astimezone(zone)
        inside = EARLIEST <= local < LATEST
        if inside:
            assert _bounded(local) == local
        else:
            with pytest.raises(ValueError, match="must lie between"):
                _bounded(local)


def test_the_rescorer_pauses_half_as_long_as_a_unit_pass_took_and_as_long_as_an_officer_pass_at_least_a_floor() -> None:
    cadence = Cadence()
    assert cadence.due("unit", 0.0) and cadence.due("officer", 0.0) and cadence.delay(0.0) == 0.0
    cadence.ran("unit", 10.0, 10.5)  # a 0.5 s pass
    assert not cadence.due("unit", 10.74) and cadence.due("unit", 10.75)
    cadence.ran("officer", 10.0, 10.05)  # a short pass still waits the floor
    assert not cadence.due("officer", 10.2) and cadence.due("officer", 10.3)
    cadence.ran("officer", 20.0, 21.0)
    assert cadence.delay(21.0) == 0.0  # units are due again: nothing to wait for
    cadence.ran("unit", 21.0, 21.4)
    assert cadence.delay(21.4) == pytest.approx(0.2)  # the earlier of units (21.6) and officers (22.0)
    assert cadence.due("officer", 22.0) and not cadence.due("officer", 21.9)
    assert set(LIMITS) == {"unit", "officer"}


def test_behind_a_backlog_the_rescorer_publishes_less_often() -> None:
    cadence = Cadence()
    cadence.consumed(0.4, 0.0)  # live: the consumer applies evidence accepted under a second ago
    cadence.ran("unit", 0.0, 0.1)
    assert cadence.due("unit", 0.2)
    cadence.consumed(cadence.behind + 1, 1.0)  # a replay: evidence accepted long ago
    cadence.ran("unit", 1.0, 1.1)
    assert not cadence.due("unit", 1.1 + cadence.backlog_floor["unit"] - 0.01)
    assert cadence.due("unit", 1.1 + cadence.backlog_floor["unit"])
    cadence.ran("officer", 3.0, 3.5)
    cadence.consumed(cadence.behind + 1, 3.5)  # the replay goes on
    assert not cadence.due("officer", 3.5 + cadence.idle - 0.01)
    cadence.consumed(0.1, 4.0)  # caught up: the long pauses end at once, and the short ones come back
    assert cadence.due("officer", 4.1) and cadence.due("unit", 4.1)
    cadence.ran("officer", 20.0, 20.1)
    assert cadence.due("officer", 20.1 + cadence.floor["officer"])


def test_a_backlog_ends_when_no_batch_comes_for_a_while() -> None:
    cadence = Cadence()
    cadence.consumed(cadence.behind + 1, 0.0)  # the last batch of a burst, applied long after it was accepted
    cadence.ran("officer", 0.0, 1.0)  # its long pause would last until 11 s
    assert cadence.delay(1.0, "officer") == pytest.approx(cadence.backlog_floor["officer"])
    assert not cadence.due("officer", cadence.idle - 0.01)
    assert cadence.delay(cadence.idle + 0.01, "officer") == 0.0  # nothing came since: the burst is over
    assert not cadence.backlog
    cadence.ran("officer", 5.0, 5.1)
    assert cadence.due("officer", 5.1 + cadence.floor["officer"])  # the short pauses are back


@pytest.mark.parametrize(
    ("stamp", "sane"),
    [
        ("2026-11-25T10:00:00+07:00", True),
        ("2026-11-25T10:00:00", False),  # naive: would fail the subtraction from an aware now
        ("0001-01-01T00:00:00+00:00", False),
        ("2027-01-01T00:00:00+00:00", False),  # after now
        ("not a time", False),
        ("2026-11-25T10:00:00+07:00" + " " * 100, False),
        (None, False),
    ],
)
def test_an_accepted_at_header_counts_only_when_it_is_a_sane_moment(stamp: str | None, sane: bool) -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    assert (accepted_moment(stamp, now) is not None) is sane


def test_the_tracking_pass_keeps_to_its_share_of_the_process_and_waits_at_least_its_pause() -> None:
    from services.scoring.config import Settings
    from services.scoring.workers import tracking_pause

    settings = Settings(tracking_share=0.1, tracking_pause_seconds=1.0)
    assert tracking_pause(0.5, settings) == pytest.approx(4.5)  # 0.5 s of 5 s: a tenth
    assert tracking_pause(0.01, settings) == 1.0  # a short pass still waits the pause
    assert tracking_pause(2.0, Settings(tracking_share=0.5)) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="tracking_share"):
        Settings(tracking_share=0)
