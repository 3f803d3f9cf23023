"""The calendar that never runs out: the Vietnamese lunar calendar, the provisional days off of a year without its
official file (Labour Code 2019 art. 112), the corrected 2026 file and the October warning."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from schemas.vietnam import VN_TZ
from services.scoring.adapters.rulefiles import read_rules_file
from services.scoring.domain import lunar
from services.scoring.domain.alerts import calendar_missing_alert
from services.scoring.domain.calendar import (
    HolidayRules,
    Provisional,
    WorkingCalendar,
    calendar_note,
    missing_official_year,
    provisional_days_off,
    provisional_from,
)
from services.scoring.domain.periods import LEGACY
from services.scoring.domain.recalendar import (
    calendar_version,
    changed_days,
    only_calendar_differs,
    touched_periods,
    years_of,
)
from services.scoring.domain.rulebook import rules_from

RULES = Path(__file__).resolve().parents[2] / "services" / "scoring" / "rules" / "rulebook.toml"
SHIPPED = rules_from(read_rules_file(RULES)).calendar
DEFAULT = HolidayRules(date(2021, 1, 1))


def d(text: str) -> date:
    return date.fromisoformat(text)


# ------------------------------------------------------------------ the lunar calendar (UTC+7)


@pytest.mark.parametrize(
    ("year", "tet"),
    [
        (2019, "2019-02-05"),
        (2020, "2020-01-25"),
        (2021, "2021-02-12"),
        (2022, "2022-02-01"),
        (2023, "2023-01-22"),
        (2024, "2024-02-10"),
        (2025, "2025-01-29"),
        (2026, "2026-02-17"),
        (2027, "2027-02-06"),
    ],
)
def test_lunar_new_year_matches_the_announced_tet_labour_code_art_112(year: int, tet: str) -> None:
    """Labour Code 2019 art. 112(1)(b): Tết is placed on the lunar new year; the computed dates are the announced
    ones (2026: Notice 9441/TB-BNV, 17/2; 2027: Sat 6/2)."""
    assert lunar.lunar_new_year(year) == d(tet)


@pytest.mark.parametrize(
    ("year", "day"), [(2024, "2024-04-18"), (2025, "2025-04-07"), (2026, "2026-04-26"), (2027, "2027-04-16")]
)
def test_hung_kings_day_is_10_3_lunar_labour_code_art_112(year: int, day: str) -> None:
    """Labour Code 2019 art. 112(1)(đ): Giỗ Tổ Hùng Vương, 10/3 lunar (2026 Sun 26/4; 2027 Fri 16/4)."""
    assert lunar.hung_kings_day(year) == d(day)


def test_vietnam_time_not_china_time_1985() -> None:
    """Labour Code 2019 art. 112: the lunar days are Vietnam's (UTC+7): in 1985 the new moon fell before midnight
    in Vietnam, after it in China, so Tết was 21 January in Vietnam (20 February in Chinese tables)."""
    assert lunar.lunar_new_year(1985) == d("1985-01-21")


def test_leap_month_2025_and_2023() -> None:
    """The leap month is the first without a major solar term: 2025 had a leap 6th month, 2023 a leap 2nd."""
    assert [(n, leap) for n, leap, _ in lunar.month_starts(2025) if leap] == [(6, True)]
    assert [(n, leap) for n, leap, _ in lunar.month_starts(2023) if leap] == [(2, True)]
    assert not any(leap for _, leap, _ in lunar.month_starts(2026))
    assert lunar.lunar_to_solar(2025, 6, 1, leap=True) == d("2025-07-25")


def test_lunar_refuses_an_impossible_date() -> None:
    with pytest.raises(ValueError, match="1/13"):
        lunar.lunar_to_solar(2026, 13, 1)
    with pytest.raises(ValueError, match="leap month 3"):
        lunar.lunar_to_solar(2026, 3, 1, leap=True)


# ------------------------------------------------------------------ provisional days off


def test_provisional_2027_labour_code_art_112() -> None:
    """Labour Code 2019 art. 112: 2027 without its file: 1/1 (Fri); Tết 5/2–9/2 with Sat 6/2 and Sun 7/2 taken
    Wed 10/2 and Thu 11/2 (art. 112(3)); Giỗ Tổ Fri 16/4; 30/4 (Fri), 1/5 (Sat → Mon 3/5); 2/9 (Thu) and Fri 3/9."""
    off = provisional_days_off(DEFAULT, 2027)
    weekdays = sorted(x for x in off if x.weekday() < 5)
    assert weekdays == [
        d(x)
        for x in (
            "2027-01-01",
            "2027-02-05",
            "2027-02-08",
            "2027-02-09",
            "2027-02-10",
            "2027-02-11",
            "2027-04-16",
            "2027-04-30",
            "2027-05-03",
            "2027-09-02",
            "2027-09-03",
        )
    ]


@pytest.mark.parametrize(
    ("year", "extra"),
    [(2021, "2021-09-03"), (2022, "2022-09-01"), (2024, "2024-09-03"), (2025, "2025-09-01"), (2026, "2026-09-01")],
)
def test_national_day_bridge_matches_announced_years_labour_code_art_112(year: int, extra: str) -> None:
    """Labour Code 2019 art. 112(1)(e): 2/9 and one adjacent day; the default ("bridge") gives the announced
    weekday off of 2021–2026 (2024: 2/9 Mon, 1/9 Sun taken Tue 3/9 under art. 112(3))."""
    off = provisional_days_off(DEFAULT, year)
    assert d(extra) in off


@pytest.mark.parametrize(("how", "extra"), [("before", "2027-09-01"), ("after", "2027-09-03")])
def test_national_day_extra_is_a_setting(how: str, extra: str) -> None:
    """Labour Code 2019 art. 112(1)(e): before or after is the rule file's choice."""
    rules = HolidayRules(date(2021, 1, 1), national_day_extra=how)
    assert d(extra) in provisional_days_off(rules, 2027)


def test_compensation_is_a_setting_labour_code_art_112_3() -> None:
    """Labour Code 2019 art. 112(3): with compensate off, 1/5/2027 (Sat) gives no Monday."""
    rules = HolidayRules(date(2021, 1, 1), compensate=False)
    assert d("2027-05-03") not in provisional_days_off(rules, 2027)
    assert d("2027-05-03") in provisional_days_off(DEFAULT, 2027)


def test_tet_placement_is_a_setting() -> None:
    """Labour Code 2019 art. 112(1)(b): 5 Tết days; placing them is the rule file's (default 1 before)."""
    two_before = HolidayRules(date(2021, 1, 1), tet_before=2)
    assert d("2027-02-04") in provisional_days_off(two_before, 2027)
    assert d("2027-02-04") not in provisional_days_off(DEFAULT, 2027)


def test_provisional_year_is_never_weekends_only() -> None:
    """Labour Code 2019 art. 112: every computed year has at least the 11 statutory days off on weekdays or in
    lieu (1/1, 5 Tết, Giỗ Tổ, 30/4, 1/5, 2/9 and its neighbour)."""
    for year in range(2000, 2100):
        off = provisional_days_off(DEFAULT, year)
        assert len([x for x in off if x.weekday() < 5]) >= 11, year


# ------------------------------------------------------------------ the shipped calendar


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2025-12-31", True),
        ("2026-01-02", False),  # Fri 2/1 off (announced 2026)
        ("2026-01-05", True),
        ("2026-01-10", True),  # Sat 10/1 worked in exchange
        ("2026-01-17", False),
        ("2026-02-13", True),
        ("2026-02-16", False),  # Tết 2026: 16–20/2 statutory, 14–22/2 off
        ("2026-02-20", False),
        ("2026-02-23", True),
        ("2026-04-24", True),
        ("2026-04-27", False),  # Mon 27/4 off in lieu of Giỗ Tổ (Sun 26/4)
        ("2026-04-28", True),
        ("2026-04-30", False),
        ("2026-05-01", False),
        ("2026-05-04", True),
        ("2026-08-22", True),  # Sat 22/8 worked for Mon 31/8
        ("2026-08-28", True),
        ("2026-08-31", False),
        ("2026-09-02", False),
        ("2026-09-03", True),
        ("2026-11-24", True),  # Ngày Văn hóa Việt Nam: unconfirmed, a working day by default
    ],
)
def test_official_2026_as_announced_labour_code_art_112(day: str, working: bool) -> None:
    """Labour Code 2019 art. 112 and the government's 2026 notices (Notice 9441/TB-BNV for Tết; the swaps of
    2/1 → 10/1 and 31/8 → 22/8; Mon 27/4 in lieu of Giỗ Tổ): the 2026 file, just before, at and after each."""
    assert SHIPPED.is_working_day(d(day)) is working
    assert not SHIPPED.is_provisional(2026)


def test_a_pakn_of_14_december_2026_reaches_a_provisional_2027_decision_766() -> None:
    """Decision 766/QĐ-TTg (15 working days) + Labour Code 2019 art. 112: the clock of a PAKN received Mon
    14/12/2026 runs to Tue 5/1/2027 (1/1/2027 off, computed), judged on the provisional 2027 calendar."""
    start = datetime(2026, 12, 14, 9, tzinfo=VN_TZ)
    assert SHIPPED.add_working_days(start, 15) == datetime(2027, 1, 5, 9, tzinfo=VN_TZ)
    assert SHIPPED.is_provisional(2027)


def test_culture_day_24_11_is_a_dated_setting_resolution_80() -> None:
    """Resolution 80-NQ/TW / 30/NQ-CP: 24/11 a day off is unconfirmed: default a working day; switched on from
    2026 it is off in the official 2026 and provisional 2027 alike, never before its date."""
    doc = read_rules_file(RULES)
    assert rules_from(doc).calendar.is_working_day(d("2026-11-24"))
    doc["working_days"]["statutory"][1]["culture_day"] = True
    cal = rules_from(doc).calendar
    assert not cal.is_working_day(d("2026-11-24"))
    assert not cal.is_working_day(d("2027-11-24"))
    assert cal.is_working_day(d("2026-11-23")) and cal.is_working_day(d("2026-11-25"))
    assert cal.is_working_day(d("2025-11-24"))  # before its `since`


@pytest.mark.parametrize(
    ("section", "needle"),
    [
        ({"first_year": 2100, "last_year": 2099}, "first_year"),
        ({"statutory": [{"since": "2021-01-01", "national_day_extra": "middle"}]}, "national_day_extra"),
        ({"statutory": [{"since": "2021-01-01", "tet_days": 40}]}, "tet_days"),
        ({"statutory": [{"since": "2021-01-01", "fixed": ["13-01"]}]}, "fixed"),
        ({"statutory": [{"since": "2026-01-01"}, {"since": "2021-01-01"}]}, "increasing"),
        ({"statutory": [{"since": "2021-01-01", "holiday": True}]}, "unknown"),
        ({"statutory": [{"fixed": []}]}, "since"),
    ],
)
def test_provisional_settings_are_checked(section: dict[str, object], needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        provisional_from(section)


# ------------------------------------------------------------------ the October warning


@pytest.mark.parametrize(
    ("today", "missing"),
    [("2026-09-30", None), ("2026-10-01", 2027), ("2026-12-31", 2027), ("2027-01-01", None), ("2025-10-01", None)],
)
def test_next_years_official_file_missing_from_1_october(today: str, missing: int | None) -> None:
    """Labour Code 2019 art. 112: the days off are announced each year; from 1 October (the rule file's
    official_due) the operator is told next year's file is missing (2026 has its file: 2025 never warns)."""
    official = WorkingCalendar(frozenset(), frozenset(), frozenset(range(2019, 2027)), Provisional())
    assert missing_official_year(official, d(today), (10, 1)) == missing


# ------------------------------------------------------------------ what a scorecard says


@pytest.mark.parametrize(
    ("start", "last", "provisional"),
    [
        ("2026-10-01", "2026-10-31", False),  # 31/10 + 45 days stays in 2026
        ("2026-11-01", "2026-11-30", True),  # a late November clock can run into 2027
        ("2026-12-01", "2026-12-31", True),
        ("2026-01-01", "2026-12-31", True),
        ("2025-01-01", "2025-12-31", False),
    ],
)
def test_scorecard_says_when_its_clocks_reach_a_provisional_year(start: str, last: str, provisional: bool) -> None:
    """Labour Code 2019 art. 112: a period whose working-day clocks can reach a year without its official file
    (2027) is judged on the provisional calendar, and its scorecard says so."""
    note = calendar_note(SHIPPED, d(start), d(last))
    assert note == {"provisional": provisional, "provisional_years": [2027] if provisional else []}


def test_calendar_missing_alert_is_daily_and_named() -> None:
    """Labour Code 2019 art. 112: the office is told next year's file is missing, once a day (same alert_id all
    day: restarts repeat it, the inbox keeps one)."""
    a = calendar_missing_alert("H40.10", 2027, d("2026-10-01"), "2025.2")
    b = calendar_missing_alert("H40.10", 2027, d("2026-10-01"), "2025.2")
    c = calendar_missing_alert("H40.10", 2027, d("2026-10-02"), "2025.2")
    assert a == b and a.alert_id != c.alert_id and a.condition_key == c.condition_key
    assert a.kind == "calendar_missing" and a.unit_id == "H40.10" and a.title is not None and "2027" in a.title


# ------------------------------------------------------------------ re-judging when the calendar changes


def test_recalendar_only_a_calendar_change_makes_a_calendar_version_labour_code_art_112() -> None:
    """Labour Code 2019 art. 112: the official 2027 file added under the same rule file is a calendar change
    (<version>+cal.<hash8>, stable); any other change is not (it needs its own version and a rebuild)."""
    active = read_rules_file(RULES)
    new = read_rules_file(RULES)
    new["calendar"] = {**new["calendar"], "holidays": [*new["calendar"]["holidays"], "2027-01-04"]}
    new["calendar"]["years"] = [*new["calendar"]["years"], 2027]
    assert not only_calendar_differs(active, active)
    assert only_calendar_differs(new, active)
    version = calendar_version(new)
    assert version.startswith(f"{active['version']}+cal.") and len(version.split("+cal.")[1]) == 8
    assert calendar_version(new) == version and calendar_version(active) != version
    assert only_calendar_differs({**new, "version": version}, active)  # a later start compares the base version
    other = {**new, "complaints": {**new["complaints"], "answer_days": 10}}
    assert not only_calendar_differs(other, active)


def test_recalendar_rejudges_the_periods_near_each_changed_day_labour_code_art_112() -> None:
    """Labour Code 2019 art. 112: making Mon 4/1/2027 a day off changes that day, and re-judges the periods
    whose clocks can cross it (45 days either side: from November 2026 to February 2027, with their quarters and
    years)."""
    active = read_rules_file(RULES)
    new = read_rules_file(RULES)
    new["calendar"]["holidays"] = [*new["calendar"]["holidays"], "2027-01-01", "2027-01-04"]
    new["calendar"]["years"] = [*new["calendar"]["years"], 2027]
    old_cal, new_cal = rules_from(active).calendar, rules_from(new).calendar
    days = changed_days(old_cal, new_cal, years_of(old_cal, new_cal))
    # The official file is the whole year: 4/1 becomes a day off, the provisional days it does not list are worked.
    assert days[0] == d("2027-01-04") and d("2027-02-08") in days and {x.year for x in days} == {2027}
    periods = touched_periods(days[:1], LEGACY)
    assert {"2026-11", "2026-12", "2027-01", "2027-02", "2026-Q4", "2027-Q1", "2026", "2027"} == set(periods)
