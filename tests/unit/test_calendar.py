"""Working-day calendar: weekends, holidays, swapped Saturdays, and the shipped per-year files."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from schemas.vietnam import VN_TZ
from services.scoring.domain.calendar import WorkingCalendar, load_calendar

CALENDAR_DIR = Path(__file__).resolve().parents[2] / "services" / "scoring" / "rules" / "calendar"


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    """The shipped calendar, 2019–2026."""
    return load_calendar(CALENDAR_DIR)


def vn(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    """A moment in Vietnamese local time."""
    return datetime(y, m, d, hh, mm, tzinfo=VN_TZ)


def test_loader_reads_shipped_years(cal: WorkingCalendar) -> None:
    assert cal.years == frozenset(range(2019, 2027))
    assert date(2025, 4, 26) in cal.working_weekends


def test_weekends_are_not_working_days(cal: WorkingCalendar) -> None:
    assert not cal.is_working_day(date(2025, 3, 8))  # Saturday
    assert not cal.is_working_day(date(2025, 3, 9))  # Sunday
    assert cal.is_working_day(date(2025, 3, 10))  # Monday
    empty = WorkingCalendar(frozenset(), frozenset(), frozenset())
    assert [empty.is_working_day(date(2025, 3, d)) for d in range(3, 10)] == [True] * 5 + [False] * 2


def test_tet_and_holidays_are_not_working_days(cal: WorkingCalendar) -> None:
    assert not cal.is_working_day(date(2025, 1, 29))  # mùng 1 Tết Ất Tỵ
    for lunar_new_year in [
        "2019-02-05",
        "2020-01-25",
        "2021-02-12",
        "2022-02-01",
        "2023-01-22",
        "2024-02-10",
        "2025-01-29",
        "2026-02-17",
    ]:
        assert not cal.is_working_day(date.fromisoformat(lunar_new_year))
    for day in [
        "2025-01-01",
        "2025-04-07",
        "2025-04-30",
        "2025-05-01",
        "2025-05-02",
        "2025-09-01",
        "2025-09-02",
        "2021-05-03",
        "2022-04-11",
        "2026-04-27",
    ]:
        assert not cal.is_working_day(date.fromisoformat(day)), day
    # Each year has 5 weekday Tết days off (the statutory five, compensations included).
    for year, (lo, hi) in {
        2024: (date(2024, 2, 1), date(2024, 2, 29)),
        2025: (date(2025, 1, 20), date(2025, 2, 10)),
        2026: (date(2026, 2, 1), date(2026, 2, 28)),
    }.items():
        off = [d for d in cal.holidays if lo <= d <= hi and d.weekday() < 5]
        assert len(off) == 5, year


def test_working_weekend_counts(cal: WorkingCalendar) -> None:
    assert date(2025, 4, 26).weekday() == 5
    assert cal.is_working_day(date(2025, 4, 26))
    assert cal.is_working_day(date(2024, 5, 4))
    assert not cal.is_working_day(date(2025, 4, 27))  # the Sunday after stays off


def test_add_working_days_across_tet_2025(cal: WorkingCalendar) -> None:
    # Fri 24/1 → the break runs Sat 25/1 – Sun 2/2 → Mon 3/2 is the next working day.
    assert cal.add_working_days(vn(2025, 1, 24, 10), 1) == vn(2025, 2, 3, 10)
    assert cal.add_working_days(vn(2025, 1, 22, 9, 30), 5) == vn(2025, 2, 5, 9, 30)  # Thu, Fri, Mon, Tue, Wed
    # Starting inside the break counts from Mon 3/2.
    assert cal.add_working_days(vn(2025, 1, 29, 8), 0) == vn(2025, 2, 3, 8)
    assert cal.add_working_days(vn(2025, 1, 29, 8), 1) == vn(2025, 2, 4, 8)


def test_add_working_days_across_30_4_and_1_5_2025(cal: WorkingCalendar) -> None:
    # Fri 25/4 → Sat 26/4 (made up), Mon 28/4, Tue 29/4; then 30/4, 1/5, 2/5 off and the weekend → Mon 5/5.
    assert cal.add_working_days(vn(2025, 4, 25, 14), 1) == vn(2025, 4, 26, 14)
    assert cal.add_working_days(vn(2025, 4, 25, 14), 3) == vn(2025, 4, 29, 14)
    assert cal.add_working_days(vn(2025, 4, 25, 14), 4) == vn(2025, 5, 5, 14)
    assert cal.add_working_days(vn(2025, 4, 29, 9), 1) == vn(2025, 5, 5, 9)


def test_add_working_days_converts_to_vietnam_time(cal: WorkingCalendar) -> None:
    # 20:00 UTC on Fri 24/1 is 03:00 on Sat 25/1 in Hanoi: inside the break, so counting starts Mon 3/2.
    result = cal.add_working_days(datetime(2025, 1, 24, 20, tzinfo=UTC), 1)
    assert result == vn(2025, 2, 4, 3)
    assert result.tzinfo == VN_TZ
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.add_working_days(datetime(2025, 1, 24, 20), 1)


def test_next_working_day_before(cal: WorkingCalendar) -> None:
    assert cal.next_working_day_before(vn(2025, 2, 3, 17)) == vn(2025, 1, 24, 17)
    assert cal.next_working_day_before(vn(2025, 5, 5, 9)) == vn(2025, 4, 29, 9)
    assert cal.next_working_day_before(vn(2025, 4, 28, 9)) == vn(2025, 4, 26, 9)  # the made-up Saturday
    due = cal.add_working_days(vn(2025, 4, 22, 11), 7)
    assert cal.next_working_day_before(due) == cal.add_working_days(vn(2025, 4, 22, 11), 6)


def test_working_days_between_week_with_holiday(cal: WorkingCalendar) -> None:
    # Mon 7/4/2025 is Giỗ Tổ Hùng Vương: the week Mon–Mon holds 4 working days.
    assert cal.working_days_between(vn(2025, 4, 7), vn(2025, 4, 14)) == pytest.approx(4.0)
    # Fri 12:00 → Tue 06:00: half of Friday, nothing for the weekend or the holiday, a quarter of Tuesday.
    assert cal.working_days_between(vn(2025, 4, 4, 12), vn(2025, 4, 8, 6)) == pytest.approx(0.75)
    # Same instant in another zone gives the same answer.
    assert cal.working_days_between(datetime(2025, 4, 4, 5, tzinfo=UTC), vn(2025, 4, 8, 6)) == pytest.approx(0.75)
    assert cal.working_days_between(vn(2025, 4, 8, 6), vn(2025, 4, 4, 12)) == 0.0
    assert cal.working_days_between(vn(2025, 4, 8, 6), vn(2025, 4, 8, 6)) == 0.0
    assert cal.working_days_between(vn(2025, 1, 25), vn(2025, 2, 3)) == 0.0  # the whole Tết break


def test_add_and_between_agree_from_a_working_day(cal: WorkingCalendar) -> None:
    start = vn(2025, 4, 24, 10)
    for n in range(12):
        assert cal.working_days_between(start, cal.add_working_days(start, n)) == pytest.approx(n)


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ('year = 2025\nholidays = ["2025-02-30"]\n', "2025-02-30"),
        ('year = 2025\nholidays = ["2025-1-5"]\n', "2025-1-5"),
        ("year = 2025\nholidays = [20250101]\n", "20250101"),
        ('year = 2025\nholidays = ["2025-01-01"]\nworking_weekends = ["2025-04-25"]\n', "2025-04-25"),
        ('year = 2025\nholidays = ["2025-04-26"]\nworking_weekends = ["2025-04-26"]\n', "2025-04-26"),
        ('year = "2025"\nholidays = []\n', "year"),
        ('year = 2025\nholidays = ["2025-01-01"\n', "TOML"),
    ],
)
def test_loader_refuses_malformed_file(tmp_path: Path, body: str, needle: str) -> None:
    (tmp_path / "2025.toml").write_text(body, encoding="utf-8")
    with pytest.raises(ValueError, match=r"2025\.toml") as info:
        load_calendar(tmp_path)
    assert needle in str(info.value)


def test_loader_reads_a_minimal_file(tmp_path: Path) -> None:
    (tmp_path / "2030.toml").write_text('year = 2030\nholidays = ["2030-01-01"]\n', encoding="utf-8")
    cal = load_calendar(tmp_path)
    assert cal == WorkingCalendar(frozenset({date(2030, 1, 1)}), frozenset(), frozenset({2030}))
