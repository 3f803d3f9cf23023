"""The demo province's present: the current year from 1 January up to today, and the live day after it.

Pure: no I/O, time is a parameter. `present_events(seed, today)` is the backfill, `live_events(seed, start, tick)`
(demo_live_day.py) the endless stream the live feeder plays in real time (demo_live.py sends both).

Design (README, "Five minutes with it"):
- Units and officers are the closed year's (`province(random.Random(seed))`); their registrations are re-sent
  byte for byte as the closed-year demo sends them, so they are duplicates when that ran and the present year
  stands on its own when it did not. So is the map of 1 July 2025 (the former units, their merger or dissolution,
  every unit restated with its level, code and rebuilt cluster, the former officers transferred): the present year
  is ranked in the rebuilt clusters, the former units send nothing, their officers work in the unit they joined.
- Each unit has a quality `q` in [0, 1], spread within its cluster (stratified), that drives every rate it shows:
  on-time, online, digitised, data reuse, online payment, satisfaction, publication, PAKN clocks, training,
  inspection findings, discipline; so the standings spread over bands rather than all landing in one.
- Everything of a day is drawn from a generator of its own (seed, unit, day), so the events of a day never depend
  on the date the backfill runs: tomorrow's backfill re-sends today's as duplicates and adds yesterday's. A case
  whose next step falls on or after today (a dossier not finished yet) is left out until the step has happened.
- Event ids and dossier codes carry the year with a prefix the closed-year demo never uses (`y<year>-`, `-HS<year>-`,
  `-PA<year>-`); the live stream's carry its start (`live<yymmddHHMMSS>-`), so nothing collides.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from thidua.operator.demo_cases import (
    _complaint,
    _dossier,
    _inspection,
    _review,
)
from thidua.operator.demo_map import former_directory, new_map, transferred
from thidua.operator.demo_original import _original_events
from thidua.operator.demo_profiles import (
    CLOSED_YEAR,
    Event,
    Profile,
    _office_moment,
    catalogue_codes,
    is_working_day,
    profiles,
)
from thidua.operator.demo_staff import (
    _assessments,
    _late_discipline,
    _leave,
    _leave_officer,
    _ratings,
    _staff_year,
    _trainings,
    _unit_year_start,
    _weights,
)
from thidua.operator.demo_units import SOURCE_HR, VN, Unit, _env, province


def directory(seed: int) -> Iterator[Event]:
    """The closed year's unit and officer registrations and its map of 1 July 2025, byte for byte (duplicates where
    that year was sent)."""
    for channel, body in _original_events(seed, CLOSED_YEAR, 0):
        if body["type"] not in ("unit.registered", "officer.registered"):
            break
        yield channel, body
    yield from former_directory(seed, CLOSED_YEAR)
    yield from new_map(seed)


def present_events(seed: int, today: date) -> Iterator[Event]:
    """(channel, envelope) of the current year from 1 January up to the start of today (Vietnam time).

    The same (seed, today) gives the same events; every occurred_at is before today's midnight in Vietnam.
    """
    units = province(random.Random(seed))
    rates = profiles(seed, units)
    codes = {u.unit_id: catalogue_codes(seed, u.unit_id) for u in units}
    cutoff = datetime.combine(today, time(0), tzinfo=VN)
    year = today.year
    yield from directory(seed)
    for u in units:
        yield from _unit_year_start(seed, year, u, rates[u.unit_id], cutoff)
    day = date(year, 1, 1)
    while day < today:
        for u in units:
            yield from _unit_day(seed, u, rates[u.unit_id], codes[u.unit_id], day, cutoff)
        day += timedelta(days=1)
    # The former units' officers work in the unit they were transferred to (after its own: its draws never move).
    joined = transferred(seed)
    staff = [replace(u, officers=u.officers + joined.get(u.unit_id, ())) for u in units]
    for u in staff:
        yield from _trainings(seed, year, u, rates[u.unit_id], cutoff)
    names = {b["officer_id"]: b["payload"]["full_name"] for _, b in directory(seed) if b.get("officer_id")}
    for u in staff:
        yield from _staff_year(seed, year, u, names, cutoff)
    for u in staff:
        yield from _ratings(seed, year, u, rates[u.unit_id], cutoff)
    on_leave = _leave_officer(seed, year, units[0])
    for u in units:
        yield from _weights(seed, year, u, rates[u.unit_id], cutoff)
        yield from _assessments(seed, year, u, rates[u.unit_id], on_leave, cutoff)
    yield from _leave(seed, year, units[0], cutoff)


def _unit_day(seed: int, u: Unit, p: Profile, codes: Sequence[str], day: date, cutoff: datetime) -> Iterator[Event]:
    """What a unit's day adds: dossiers received (sent once finished), complaints, now and then an inspection."""
    rng = random.Random(f"{seed}|present|{u.unit_id}|{day.isoformat()}")
    if not is_working_day(day):
        return
    year = day.year
    count = int(p.dossiers_per_day) + (rng.random() < p.dossiers_per_day % 1)
    for k in range(count):
        received = _office_moment(day, rng)
        code = f"{u.unit_id}-HS{year}-{day:%m%d}-{k:02d}"
        made = list(_dossier(rng, u, p, codes, code, f"y{year}-{code}", received, cutoff))
        yield from made
        yield from _review(seed, u, p, made, cutoff)
    if rng.random() < p.complaints_per_day:
        cid = f"{u.unit_id}-PA{year}-{day:%m%d}"
        yield from _complaint(rng, u, p, cid, f"y{year}-{cid}", _office_moment(day, rng), cutoff)
    # About one office-culture inspection (kiểm tra công vụ) per unit a quarter.
    if rng.random() < 1 / 62:
        yield from _inspection(rng, u, p, f"y{year}-KT-{u.unit_id}-{day:%m%d}", _office_moment(day, rng), cutoff)
    if rng.random() < p.disciplined / 250:
        when = _office_moment(day, rng)
        o = rng.choice(u.officers)
        if when < cutoff:
            yield (
                "kafka",
                _env(
                    SOURCE_HR,
                    f"y{year}-disc-{o}-{day:%m%d}",
                    "discipline.recorded",
                    u.unit_id,
                    when,
                    {
                        "decision_no": f"{rng.randint(1, 99)}/QĐ-KL",
                        "form": rng.choice(["reprimand", "warning"]),
                        "decided_at": when.isoformat(),
                        "reason": "Uống rượu, bia trong giờ làm việc",
                        # Decree 335/2025 Art. 20: a breach in working hours is tied to public duty.
                        "violation_at": max(
                            when - timedelta(days=rng.randint(3, 20)), datetime(year, 1, 1, tzinfo=VN)
                        ).isoformat(),
                        "duty_related": True,
                    },
                    officer=o,
                ),
            )


def after_close_events(seed: int, today: date) -> Iterator[Event]:
    """What the demo sends once the closed year is closed: January's decision on a violation of that year, which
    revokes the closed year's nominations it touches (the law counts a violation in the year it happened)."""
    units = province(random.Random(seed))
    yield from _late_discipline(today.year, units[0], datetime.combine(today, time(0), tzinfo=VN))
