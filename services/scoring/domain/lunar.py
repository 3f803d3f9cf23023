"""The Vietnamese lunar calendar (âm lịch), computed from the astronomy in Vietnamese time (UTC+7).

A lunar month starts on the local day of a new moon; month 11 is the one containing the winter solstice; in a
year of 13 months the leap month is the first after month 11 without a major solar term (trung khí). This is the
rule Hồ Ngọc Đức published for the Vietnamese calendar; Chinese tables use UTC+8 and differ in some years
(1985: Tết 21 January in Vietnam, 20 February in China). New moons follow Meeus, Astronomical Algorithms
(2nd ed.) ch. 49, the sun's longitude ch. 25 (low accuracy, well under a minute of arc).
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from functools import lru_cache

TIMEZONE_HOURS = 7.0  # Vietnam: the day a new moon falls on is the local one
_SYNODIC = 29.530588861
_K0_JDE = 2451550.09766  # the mean new moon of 6 January 2000 (k = 0)
_ORDINAL_TO_JDN = 1721425  # date.toordinal() + this = the Julian day number of that date


def _sin(degrees: float) -> float:
    return math.sin(math.radians(degrees))


def _delta_t_days(year: float) -> float:
    """TT − UT in days (a smooth fit; a minute off moves a new moon across midnight only in rare years)."""
    t = (year - 2000.0) / 100.0
    return (62.92 + 32.217 * t + 55.89 * t * t) / 86400.0 if year >= 2005 else (63.86 + 33.45 * t) / 86400.0


def new_moon_jd(k: int) -> float:
    """The moment (Julian day, UT) of the k-th new moon after that of 6 January 2000 (Meeus 49.1 and table 49.A)."""
    t = k / 1236.85
    jde = _K0_JDE + _SYNODIC * k + 0.00015437 * t**2 - 0.000000150 * t**3 + 0.00000000073 * t**4
    e = 1 - 0.002516 * t - 0.0000074 * t**2
    m = 2.5534 + 29.10535670 * k - 0.0000014 * t**2 - 0.00000011 * t**3  # the sun's mean anomaly
    mp = 201.5643 + 385.81693528 * k + 0.0107582 * t**2 + 0.00001238 * t**3 - 0.000000058 * t**4  # the moon's
    f = 160.7108 + 390.67050284 * k - 0.0016118 * t**2 - 0.00000227 * t**3 + 0.000000011 * t**4
    om = 124.7746 - 1.56375588 * k + 0.0020672 * t**2 + 0.00000215 * t**3
    jde += (
        -0.40720 * _sin(mp)
        + 0.17241 * e * _sin(m)
        + 0.01608 * _sin(2 * mp)
        + 0.01039 * _sin(2 * f)
        + 0.00739 * e * _sin(mp - m)
        - 0.00514 * e * _sin(mp + m)
        + 0.00208 * e * e * _sin(2 * m)
        - 0.00111 * _sin(mp - 2 * f)
        - 0.00057 * _sin(mp + 2 * f)
        + 0.00056 * e * _sin(2 * mp + m)
        - 0.00042 * _sin(3 * mp)
        + 0.00042 * e * _sin(m + 2 * f)
        + 0.00038 * e * _sin(m - 2 * f)
        - 0.00024 * e * _sin(2 * mp - m)
        - 0.00017 * _sin(om)
        - 0.00007 * _sin(mp + 2 * m)
        + 0.00004 * _sin(2 * mp - 2 * f)
        + 0.00004 * _sin(3 * m)
        + 0.00003 * _sin(mp + m - 2 * f)
        + 0.00003 * _sin(2 * mp + 2 * f)
        - 0.00003 * _sin(mp + m + 2 * f)
        + 0.00003 * _sin(mp - m + 2 * f)
        - 0.00002 * _sin(mp - m - 2 * f)
        - 0.00002 * _sin(3 * mp + m)
        + 0.00002 * _sin(4 * mp)
    )
    # The planetary arguments (table 49.A, second part).
    planetary = (
        (299.77 + 0.107408 * k - 0.009173 * t**2, 0.000325),
        (251.88 + 0.016321 * k, 0.000165),
        (251.83 + 26.651886 * k, 0.000164),
        (349.42 + 36.412478 * k, 0.000126),
        (84.66 + 18.206239 * k, 0.000110),
        (141.74 + 53.303771 * k, 0.000062),
        (207.14 + 2.453732 * k, 0.000060),
        (154.84 + 7.306860 * k, 0.000056),
        (34.52 + 27.261239 * k, 0.000047),
        (207.19 + 0.121824 * k, 0.000042),
        (291.34 + 1.844379 * k, 0.000040),
        (161.72 + 24.198154 * k, 0.000037),
        (239.56 + 25.513099 * k, 0.000035),
        (331.55 + 3.592518 * k, 0.000023),
    )
    jde += sum(coefficient * _sin(angle) for angle, coefficient in planetary)
    return jde - _delta_t_days(2000.0 + k / 12.3685)


def _local_day(jd: float) -> int:
    """The Julian day number of the Vietnamese calendar day a moment (Julian day, UT) falls on."""
    return math.floor(jd + 0.5 + TIMEZONE_HOURS / 24.0)


def new_moon_day(k: int) -> int:
    """The Julian day number of the local day of the k-th new moon."""
    return _local_day(new_moon_jd(k))


def sun_longitude(jd: float) -> float:
    """The sun's apparent longitude in degrees [0, 360) at a moment (Julian day; Meeus ch. 25, low accuracy)."""
    t = (jd - 2451545.0) / 36525.0
    l0 = 280.46646 + 36000.76983 * t + 0.0003032 * t * t
    m = 357.52911 + 35999.05029 * t - 0.0001537 * t * t
    c = (
        (1.914602 - 0.004817 * t - 0.000014 * t * t) * _sin(m)
        + (0.019993 - 0.000101 * t) * _sin(2 * m)
        + 0.000289 * _sin(3 * m)
    )
    omega = 125.04 - 1934.136 * t
    return (l0 + c - 0.00569 - 0.00478 * _sin(omega)) % 360.0


def _sector(day: int) -> int:
    """Which 30° sector (0–11) the sun is in at the start of a local day: a new sector is a major term."""
    return int(sun_longitude(day - 0.5 - TIMEZONE_HOURS / 24.0) // 30)


def _k_on_or_before(day: int) -> int:
    """The index k of the last new moon whose local day is on or before day."""
    k = math.floor((day - _K0_JDE) / _SYNODIC)
    while new_moon_day(k + 1) <= day:
        k += 1
    while new_moon_day(k) > day:
        k -= 1
    return k


def _month_11(year: int) -> int:
    """The k of the new moon starting month 11 of a lunar year: the month containing the winter solstice."""
    k = _k_on_or_before(date(year, 12, 31).toordinal() + _ORDINAL_TO_JDN)
    return k - 1 if _sector(new_moon_day(k)) >= 9 else k


@lru_cache(maxsize=512)
def month_starts(year: int) -> tuple[tuple[int, bool, date], ...]:
    """Every month from month 11 of the lunar year before to month 10 of this one: (number, leap, first day)."""
    first, last = _month_11(year - 1), _month_11(year)
    days = [new_moon_day(k) for k in range(first, last + 1)]
    leap = 0
    if last - first == 13:  # 13 months between two solstice months: one is leap
        leap = next(i for i in range(1, 13) if _sector(days[i]) == _sector(days[i + 1]))
    out: list[tuple[int, bool, date]] = []
    number = 10
    for i, day in enumerate(days[:-1]):
        is_leap = i == leap and leap > 0
        if not is_leap:
            number = number % 12 + 1
        out.append((number, is_leap, date.fromordinal(day - _ORDINAL_TO_JDN)))
    return tuple(out)


def lunar_to_solar(year: int, month: int, day: int, *, leap: bool = False) -> date:
    """The solar date of a lunar date of the lunar year that starts in the given solar year."""
    if not 1 <= month <= 12 or not 1 <= day <= 30:
        raise ValueError(f"no lunar date {day}/{month}")
    months = month_starts(year) if month < 11 else month_starts(year + 1)
    for number, is_leap, first in months:
        if number == month and is_leap == leap:
            return first + timedelta(days=day - 1)
    raise ValueError(f"lunar year {year} has no {'leap ' if leap else ''}month {month}")


def lunar_new_year(year: int) -> date:
    """Tết Nguyên đán: the first day of month 1 of the lunar year that starts in the given solar year."""
    return lunar_to_solar(year, 1, 1)


def hung_kings_day(year: int) -> date:
    """Giỗ Tổ Hùng Vương: the 10th day of the 3rd lunar month (never the leap one)."""
    return lunar_to_solar(year, 3, 10)
