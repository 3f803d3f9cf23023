"""The present demo's staff records: registrations at the year's start, trainings, ratings, Decree 335 weights and
assessments, leave and a late discipline (pure; time is a parameter)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from thidua.operator.demo_additions import _Additions
from thidua.operator.demo_profiles import (
    CLOSED_YEAR,
    Event,
    Profile,
    _office_moment,
    is_working_day,
)
from thidua.operator.demo_units import SOURCE_HR, SOURCE_ONE_STOP, VN, Unit, _env, province


def _unit_year_start(seed: int, year: int, u: Unit, p: Profile, cutoff: datetime) -> Iterator[Event]:
    """The unit's catalogue restated for the year and its registration for the year's titles (đăng ký thi đua)."""
    rng = random.Random(f"{seed}|present|{year}|start|{u.unit_id}")
    when = datetime(year, 1, 2, 8, tzinfo=VN)
    if when >= cutoff:
        return
    names = {
        b["payload"]["procedure_code"]: b["payload"]["name"]
        for _, b in _Additions(seed, CLOSED_YEAR).catalogue(u.unit_id)
    }
    for code, name in names.items():
        yield (
            "http",
            _env(
                SOURCE_ONE_STOP,
                f"y{year}-cat-{u.unit_id}-{code}",
                "procedure.catalogued",
                u.unit_id,
                when,
                {
                    "procedure_code": code,
                    "name": name,
                    "online": rng.random() < p.catalogue_online,
                    "published": rng.random() < 0.9 + 0.1 * p.quality,
                },
            ),
        )
    titles = (
        ["tap_the_lao_dong_tien_tien"]
        + (["tap_the_lao_dong_xuat_sac"] if p.quality > 0.5 else [])
        + (["co_thi_dua_tinh"] if p.quality > 0.8 else [])
    )
    yield (
        "http",
        _env(
            SOURCE_HR,
            f"y{year}-emu-{u.unit_id}",
            "emulation.registered",
            u.unit_id,
            when + timedelta(hours=1),
            {"year": year, "titles": titles},
        ),
    )


def _trainings(seed: int, year: int, u: Unit, p: Profile, cutoff: datetime) -> Iterator[Event]:
    """Officers who complete the year's office-culture or professional course, spread over the year."""
    for o in u.officers:
        rng = random.Random(f"{seed}|present|{year}|training|{o}")
        trains = rng.random() < p.trained
        done = _office_moment(date(year, 1, 12) + timedelta(days=rng.randint(0, 320)), rng)
        topic = rng.choice(["office_culture", "professional"])
        if trains and done < cutoff:
            yield (
                "kafka",
                _env(
                    SOURCE_HR,
                    f"y{year}-train-{o}",
                    "training.completed",
                    u.unit_id,
                    done,
                    {
                        "course_code": f"VHCS-{year}",
                        "title": "Văn hóa công sở và kỹ năng giao tiếp"
                        if topic == "office_culture"
                        else "Bồi dưỡng chuyên môn, nghiệp vụ một cửa",
                        "hours": 8,
                        "topic": topic,
                        "completed_at": done.isoformat(),
                    },
                    officer=o,
                ),
            )


PEER_GROUPS = ("Lãnh đạo, quản lý", "Bộ phận một cửa", "Chuyên môn, nghiệp vụ")
"""Groups with similar duties inside a unit (Decree 335/2025 Art. 20(5): the excellence cap holds per group too)."""


PEER_GROUP_SHARES = (0.08, 0.25, 0.67)


def _staff_year(seed: int, year: int, u: Unit, names: dict[str, str], cutoff: datetime) -> Iterator[Event]:
    """Each officer restated on 2 January with what the 2026 law needs: công chức or viên chức, and peer group."""
    when = datetime(year, 1, 2, 7, 30, tzinfo=VN)
    if when >= cutoff:
        return
    for o in u.officers:
        rng = random.Random(f"{seed}|present|{year}|staff|{o}")
        kind = "public_employee" if rng.random() < 0.12 else "civil_servant"
        yield (
            "kafka",
            _env(
                SOURCE_HR,
                f"y{year}-officer-{o}",
                "officer.registered",
                u.unit_id,
                when,
                {
                    "full_name": names.get(o, o),
                    "category": kind,
                    "staff_kind": kind,
                    "peer_group": rng.choices(PEER_GROUPS, PEER_GROUP_SHARES)[0],
                },
                officer=o,
            ),
        )


def _late_discipline(year: int, u: Unit, cutoff: datetime) -> Iterator[Event]:
    """A violation of the closed year decided in January: it counts against that year (and its titles)."""
    decided = datetime(year, 1, 12, 9, tzinfo=VN)
    if decided >= cutoff:
        return
    o = u.officers[0]
    yield (
        "kafka",
        _env(
            SOURCE_HR,
            f"y{year}-disc-late-{o}",
            "discipline.recorded",
            u.unit_id,
            decided,
            {
                "decision_no": f"3/{year}/QĐ-KL",
                "form": "reprimand",
                "decided_at": decided.isoformat(),
                "reason": "Vi phạm quy trình tiếp nhận hồ sơ một cửa (phát hiện qua kiểm tra cuối năm)",
                "violation_at": datetime(year - 1, 11, 20, 10, tzinfo=VN).isoformat(),
                "duty_related": True,
            },
            officer=o,
        ),
    )


def _ratings(seed: int, year: int, u: Unit, p: Profile, cutoff: datetime) -> Iterator[Event]:
    """The year's ratings (đánh giá, xếp loại), on the unit's own rating day in the first half of December; a few
    officers are not rated (under six months' work)."""
    rng = random.Random(f"{seed}|present|{year}|ratings|{u.unit_id}")
    day = date(year, 12, 1) + timedelta(days=rng.randint(0, 10))
    while not is_working_day(day):
        day += timedelta(days=1)
    when = datetime.combine(day, time(15), tzinfo=VN)
    if when >= cutoff:
        return
    q = p.quality
    weights = (0.08 + 0.12 * q, 0.72, 0.18 - 0.1 * q, 0.02)
    for o in u.officers:
        if rng.random() < 0.03:
            continue
        level = rng.choices(["excellent", "good", "complete", "incomplete"], weights)[0]
        yield (
            "kafka",
            _env(
                SOURCE_HR,
                f"y{year}-eval-{o}",
                "evaluation.recorded",
                u.unit_id,
                when,
                {"year": year, "level": level},
                officer=o,
            ),
        )
    level = "excellent" if q > 0.75 else "good" if q > 0.35 else "complete"
    yield (
        "kafka",
        _env(
            SOURCE_HR,
            f"y{year}-eval-{u.unit_id}",
            "evaluation.recorded",
            u.unit_id,
            when,
            {"year": year, "level": level},
        ),
    )


WEIGHTED_PROCEDURES = 3
"""Procedures per unit the office gives a converted-unit weight other than 1 (Decree 335/2025 Art. 14)."""


WEIGHTS = (0.5, 1.5, 2.0, 3.0)


ASSESSED_OFFICERS = 4
"""Officers per unit whose head sends monthly general points (officer.assessed) in the demo."""


LEAVE_MONTH = 8
"""The month the demo's one leave (leave.recorded) covers whole: that period leaves the officer's year."""


def _weights(seed: int, year: int, u: Unit, p: Profile, cutoff: datetime) -> Iterator[Event]:
    """Issue 26: on 5 January the office restates a few procedures of its catalogue with their converted-unit weight
    (the year-start statement of the same procedure, with the weight added)."""
    when = datetime(year, 1, 5, 8, tzinfo=VN)
    if when >= cutoff:
        return
    stated = {
        b["payload"]["procedure_code"]: b["payload"]
        for _, b in _unit_year_start(seed, year, u, p, cutoff)
        if b["type"] == "procedure.catalogued"
    }
    rng = random.Random(f"{seed}|present|{year}|weights|{u.unit_id}")
    for code in rng.sample(sorted(stated), min(WEIGHTED_PROCEDURES, len(stated))):
        yield (
            "http",
            _env(
                SOURCE_ONE_STOP,
                f"y{year}-catw-{u.unit_id}-{code}",
                "procedure.catalogued",
                u.unit_id,
                when,
                stated[code] | {"weight": rng.choice(WEIGHTS)},
            ),
        )


def _assessment_day(year: int, month: int) -> datetime:
    """The third working day of the next month, 16:00: when the head scores the month's general criteria."""
    day, counted = date(year, month, 1) + timedelta(days=32), 0
    day = day.replace(day=1)
    while True:
        counted += is_working_day(day)
        if counted == 3:
            return datetime.combine(day, time(16), tzinfo=VN)
        day += timedelta(days=1)


def _assessments(seed: int, year: int, u: Unit, p: Profile, on_leave: str, cutoff: datetime) -> Iterator[Event]:
    """Issue 26: the unit head's general points (Decree 335/2025 Art. 12-13, three criteria of 10) for a few
    officers, January to November, each month on the third working day of the next."""
    rng = random.Random(f"{seed}|present|{year}|assessed|{u.unit_id}")
    officers = rng.sample(u.officers, min(ASSESSED_OFFICERS, len(u.officers)))
    for month in range(1, 12):
        when = _assessment_day(year, month)
        for o in officers:
            criteria = {
                code: float(round(min(10.0, max(4.0, rng.gauss(6.5 + 3 * p.quality, 1.0))), 1))
                for code in ("pham_chat", "nang_luc", "doi_moi")
            }
            if when >= cutoff or (o == on_leave and month == LEAVE_MONTH):
                continue
            yield (
                "kafka",
                _env(
                    SOURCE_HR,
                    f"y{year}-assessed-{o}-{month:02d}",
                    "officer.assessed",
                    u.unit_id,
                    when,
                    {"period": f"{year}-{month:02d}", "criteria": criteria, "assessor": f"Thủ trưởng {u.name}"[:200]},
                    officer=o,
                ),
            )


def _leave_officer(seed: int, year: int, u: Unit) -> str:
    """The assessed officer of the unit who takes the demo's leave (the first unit's: the one leave sent)."""
    rng = random.Random(f"{seed}|present|{year}|assessed|{u.unit_id}")
    return rng.sample(u.officers, min(ASSESSED_OFFICERS, len(u.officers)))[0]


def assessed_officer(seed: int, year: int, unit_id: str) -> str:
    """An officer of the unit whose head sends monthly general points all year (the demo's officer who signs in)."""
    u = next(u for u in province(random.Random(seed)) if u.unit_id == unit_id)
    rng = random.Random(f"{seed}|present|{year}|assessed|{u.unit_id}")
    officers = rng.sample(u.officers, min(ASSESSED_OFFICERS, len(u.officers)))
    # The first unit's first assessed officer takes the demo's leave: the next one keeps every month.
    return officers[1] if u.unit_id == province(random.Random(seed))[0].unit_id and len(officers) > 1 else officers[0]


def _leave(seed: int, year: int, u: Unit, cutoff: datetime) -> Iterator[Event]:
    """Issue 26: one officer's sick leave covering a whole month (Decree 335/2025 Art. 21: that month leaves the
    year's mean), recorded by HR the day it starts."""
    start = datetime(year, LEAVE_MONTH, 1, tzinfo=VN)
    until = datetime(year, LEAVE_MONTH + 1, 1, tzinfo=VN) - timedelta(days=1)
    if start >= cutoff:
        return
    o = _leave_officer(seed, year, u)
    yield (
        "kafka",
        _env(
            SOURCE_HR,
            f"y{year}-leave-{o}-{LEAVE_MONTH:02d}",
            "leave.recorded",
            u.unit_id,
            start,
            {"kind": "sick", "leave_from": start.isoformat(), "leave_until": until.isoformat()},
            officer=o,
        ),
    )
