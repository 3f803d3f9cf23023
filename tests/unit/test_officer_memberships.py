"""Officers belong to a unit through time: the unit an officer counts in for a period (scoring) and a year (awards);
a transfer leaves the periods and years before it with the old unit (pure rules, no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from schemas.vietnam import VN_TZ
from services.awards.domain.memberships import Membership, members_of, membership_in, years_moved
from services.scoring.domain.memberships import Registration, headcount, listed_under, members_at, unit_at
from services.scoring.domain.periods import parse_period

A, B = "H40.12.05", "H40.12.06"
FIRST = datetime(2025, 1, 2, 9, tzinfo=VN_TZ)  # the officer's first registration, in B


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VN_TZ)


def moved(at: datetime) -> list[Membership]:
    """In B from FIRST, transferred to A at."""
    return [Membership(FIRST, "hr:1", B, "civil_servant", "g-b"), Membership(at, "hr:2", A, "civil_servant", "g-a")]


@pytest.mark.parametrize(
    ("at", "year_2025", "year_2026"),
    [
        (vn(2026, 1, 1), B, A),  # 1 January: 2025 stays wholly with the old unit
        (vn(2026, 6, 30), B, A),  # mid-year: the new unit rates the year (Decree 335/2025 Art. 21)
        (vn(2026, 12, 31, 23, 30), B, A),  # the last evening of the year, Vietnam time (16:30 UTC)
        (vn(2025, 12, 31, 23, 59), A, A),  # 31/12/2025: the new unit rates 2025 already
    ],
)
def test_an_officer_counts_in_the_unit_it_belongs_to_at_the_years_end_decree_335_2025_art_21(
    at: datetime, year_2025: str, year_2026: str
) -> None:
    timeline = moved(at)
    assert getattr(membership_in(timeline, 2025), "unit_id", None) == year_2025
    assert getattr(membership_in(timeline, 2026), "unit_id", None) == year_2026
    in_b_2025 = members_of({"CB-1": timeline}, B, 2025)
    assert ("CB-1" in in_b_2025) is (year_2025 == B)
    assert ("CB-1" in members_of({"CB-1": timeline}, A, 2025)) is (year_2025 == A)


def test_a_membership_keeps_the_rating_group_it_was_given_in_its_unit() -> None:
    timeline = moved(vn(2026, 3, 1))
    assert members_of({"CB-1": timeline}, B, 2025)["CB-1"].peer_group == "g-b"
    assert members_of({"CB-1": timeline}, A, 2026)["CB-1"].peer_group == "g-a"


def test_the_first_registration_reaches_back_and_arrival_order_does_not_matter() -> None:
    timeline = moved(vn(2026, 3, 1))
    assert getattr(membership_in(timeline, 2019), "unit_id", None) == B  # registered in 2025, counted before
    assert membership_in(list(reversed(timeline)), 2025) == membership_in(timeline, 2025)
    assert membership_in([], 2025) is None


def test_a_repeated_or_same_unit_registration_moves_no_year() -> None:
    timeline = moved(vn(2026, 3, 1))
    assert years_moved(timeline, timeline) == set()
    restated = Membership(vn(2026, 9, 1), "hr:3", A)
    assert years_moved(timeline, [*timeline, restated]) == set()


def test_a_registration_dated_into_a_past_year_moves_that_year_and_after() -> None:
    before = [Membership(FIRST, "hr:1", B)]
    assert years_moved(before, moved(vn(2026, 3, 1))) == {(A, 2026), (B, 2026)}
    assert years_moved(before, moved(vn(2025, 6, 1))) == {(A, 2025), (B, 2025)}
    # An earlier registration elsewhere, arriving late: the years before FIRST change too (from the beginning).
    earlier = [Membership(vn(2023, 5, 1), "hr:0", A), *before]
    assert years_moved(before, earlier) == {(A, None), (B, None)}


MONTH_BEFORE, MONTH_OF = parse_period("2026-02"), parse_period("2026-03")


@pytest.mark.parametrize(
    ("at", "february", "march", "year_2025", "year_2026"),
    [
        (vn(2026, 3, 1), B, A, B, A),  # 00:00 on 1 March, Vietnam time: February stays with B
        (vn(2026, 2, 28, 23, 59), A, A, B, A),  # the last minute of February: February's end is in A
        (vn(2026, 3, 15), B, A, B, A),  # mid-March: March counts in A (its end), once
        (datetime(2025, 12, 31, 17, tzinfo=UTC), A, A, B, A),  # 00:00 on 1/1/2026 Vietnam time: 2025 stays with B
    ],
)
def test_a_period_counts_an_officer_in_the_unit_it_belongs_to_at_the_periods_end(
    at: datetime, february: str, march: str, year_2025: str, year_2026: str
) -> None:
    timeline = [Registration(FIRST, "hr:1", B), Registration(at, "hr:2", A)]
    assert unit_at(timeline, MONTH_BEFORE.end) == february
    assert unit_at(timeline, MONTH_OF.end) == march
    assert unit_at(timeline, parse_period("2025").end) == year_2025
    assert unit_at(timeline, parse_period("2026").end) == year_2026


def test_headcount_of_a_period_counts_each_officer_once_where_it_was_at_the_end() -> None:
    timelines = {
        "CB-1": [Registration(FIRST, "hr:1", B), Registration(vn(2026, 3, 1), "hr:2", A)],
        "CB-2": [Registration(FIRST, "hr:3", B)],
        "CB-3": [Registration(vn(2026, 5, 1), "hr:4", A)],  # registered later: counted back to the beginning
    }
    assert headcount(timelines, [A, B], parse_period("2025-12").end) == {A: 1, B: 2}
    assert headcount(timelines, [A, B], parse_period("2026").end) == {A: 2, B: 1}
    assert headcount(timelines, ["H40.99"], parse_period("2026").end) == {"H40.99": 0}
    assert members_at(timelines, parse_period("2026-02").end) == {"CB-1": B, "CB-2": B, "CB-3": A}


def test_equal_dates_are_ordered_by_the_registrations_key_whatever_their_arrival() -> None:
    same = [Registration(vn(2026, 3, 1), "hr:9", A), Registration(vn(2026, 3, 1), "hr:10", B)]
    assert unit_at(same, parse_period("2026").end) == unit_at(list(reversed(same)), parse_period("2026").end) == A


def test_an_officers_period_is_listed_where_it_was_at_the_end_when_evidence_was_sent_there() -> None:
    assert listed_under(A, {A, B}) == A
    assert listed_under(A, {B}) == B  # all the period's evidence came from the old unit: it stays there
    assert listed_under(None, {B, "H40.12.07"}) == B
