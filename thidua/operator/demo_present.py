"""The demo province's present: the current year from 1 January up to today, and the live day after it.

Pure: no I/O, time is a parameter. `present_events(seed, today)` is the backfill, `live_events(seed, start, tick)`
the endless stream the live feeder plays in real time (thidua/demo_live.py sends both).

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

import heapq
import itertools
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from thidua.operator.demo_additions import _Additions
from thidua.operator.demo_map import former_directory, new_map, transferred
from thidua.operator.demo_original import _original_events
from thidua.operator.demo_units import SOURCE_HR, SOURCE_ONE_STOP, VN, Unit, _env, province

Event = tuple[str, dict[str, Any]]
"""(channel, envelope): channel is "http" (POST /v1/events) or "kafka" (the source's topic)."""
TimedEvent = tuple[datetime, str, dict[str, Any]]
"""(moment to send it, channel, envelope): the live stream; the envelope's occurred_at is never after the moment."""

CLOSED_YEAR = 2025
"""The closed demo year (`thidua demo --year`'s default): its registrations are the present's directory."""
OPEN_HOUR, CLOSE_HOUR = time(7, 30), time(17, 0)
"""Vietnamese office hours (giờ hành chính), lunch break ignored."""
DUE_DAYS = (1, 3, 5, 7, 10, 15)
"""Working days a procedure allows (thời hạn giải quyết), drawn per dossier."""
FINDINGS = ("late_or_absent", "no_name_badge", "dress_code", "hygiene", "conduct", "smoking")


@dataclass(frozen=True)
class Profile:
    """How well a unit keeps the movement's targets this year: every rate the demo draws it from."""

    quality: float
    dossiers_per_day: float
    on_time: float
    online: float
    catalogue_online: float
    paid_online: float
    digitised: float
    data_reused: float
    unsatisfied: float
    published: float
    published_quickly: float
    pakn_on_time: float
    pakn_satisfied: float
    complaints_per_day: float
    trained: float
    findings: float
    disciplined: float


def profile(quality: float, rng: random.Random) -> Profile:
    """The rates of a unit of this quality (0 weakest, 1 best), with a little noise of its own."""
    q = quality

    def around(low: float, high: float) -> float:
        return min(0.999, max(0.0, low + (high - low) * q + rng.uniform(-0.02, 0.02)))

    return Profile(
        quality=q,
        dossiers_per_day=rng.uniform(1.7, 2.6),
        on_time=around(0.78, 0.995),
        online=around(0.22, 0.85),
        catalogue_online=around(0.5, 0.97),
        paid_online=around(0.3, 0.95),
        digitised=around(0.45, 0.96),
        data_reused=around(0.3, 0.9),
        unsatisfied=around(0.14, 0.02),
        published=around(0.8, 0.995),
        published_quickly=around(0.6, 0.97),
        pakn_on_time=around(0.6, 0.98),
        pakn_satisfied=around(0.6, 0.95),
        complaints_per_day=rng.uniform(0.02, 0.04),
        trained=around(0.45, 0.95),
        findings=around(4.5, 0.3),
        disciplined=around(0.6, 0.0),
    )


def profiles(seed: int, units: Sequence[Unit]) -> dict[str, Profile]:
    """Each unit's profile: qualities stratified within each cluster, so every cluster has weak and strong units."""
    out: dict[str, Profile] = {}
    clusters: dict[str, list[Unit]] = {}
    for u in units:
        clusters.setdefault(u.cluster_id, []).append(u)
    for cluster_id, members in sorted(clusters.items()):
        rng = random.Random(f"{seed}|present|cluster|{cluster_id}")
        ranks = list(range(len(members)))
        rng.shuffle(ranks)
        for u, rank in zip(members, ranks, strict=True):
            quality = ((rank + rng.random()) / len(members)) ** 0.7  # more good units than weak ones
            out[u.unit_id] = profile(quality, random.Random(f"{seed}|present|profile|{u.unit_id}"))
    return out


def is_working_day(day: date) -> bool:
    """Monday to Friday (the demo ignores public holidays: a dossier may be received online on one)."""
    return day.weekday() < 5


def add_working_days(t: datetime, days: float) -> datetime:
    """t plus this many working days (weekends skipped), the fraction as a share of the office day."""
    whole, d = int(days), t
    while whole > 0:
        d += timedelta(days=1)
        whole -= is_working_day(d.date())
    d += timedelta(hours=(days - int(days)) * 9.5)
    while not is_working_day(d.date()):
        d += timedelta(days=1)
    return d


def in_office_hours(t: datetime) -> bool:
    """A working day between 7:30 and 17:00 in Vietnam."""
    local = t.astimezone(VN)
    return is_working_day(local.date()) and OPEN_HOUR <= local.time() < CLOSE_HOUR


def to_office_hours(t: datetime) -> datetime:
    """t if in office hours, else the next opening (plus t's minutes past the half hour, so moments stay apart)."""
    local = t.astimezone(VN)
    if in_office_hours(local):
        return local
    day = local.date() if local.time() < OPEN_HOUR else local.date() + timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return datetime.combine(day, OPEN_HOUR, tzinfo=VN) + timedelta(seconds=local.minute % 30 * 60 + local.second)


def _office_moment(day: date, rng: random.Random) -> datetime:
    """A moment of the office day."""
    return datetime.combine(day, OPEN_HOUR, tzinfo=VN) + timedelta(minutes=rng.uniform(0, 570))


def directory(seed: int) -> Iterator[Event]:
    """The closed year's unit and officer registrations and its map of 1 July 2025, byte for byte (duplicates where
    that year was sent)."""
    for channel, body in _original_events(seed, CLOSED_YEAR, 0):
        if body["type"] not in ("unit.registered", "officer.registered"):
            break
        yield channel, body
    yield from former_directory(seed, CLOSED_YEAR)
    yield from new_map(seed)


def catalogue_codes(seed: int, unit_id: str) -> list[str]:
    """The unit's procedure codes as the closed year's catalogue states them."""
    return [body["payload"]["procedure_code"] for _, body in _Additions(seed, CLOSED_YEAR).catalogue(unit_id)]


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


def _dossier(
    rng: random.Random,
    u: Unit,
    p: Profile,
    codes: Sequence[str],
    code: str,
    event_id: str,
    received: datetime,
    cutoff: datetime,
) -> Iterator[Event]:
    """A dossier's processing, publication and rating, each sent only once it has happened (before cutoff)."""
    due = add_working_days(received, rng.choice(DUE_DAYS))
    late = rng.random() > p.on_time
    finished = to_office_hours(
        add_working_days(due, rng.uniform(0.2, 4)) if late else received + (due - received) * rng.uniform(0.15, 0.95)
    )
    online = rng.random() < p.online
    channel = "online" if online else rng.choice(["counter", "counter", "counter", "postal"])
    fee = rng.random() < 0.6
    paid = fee and rng.random() < p.paid_online
    digitised = rng.random() < p.digitised
    fields = {
        "dossier_code": code,
        "procedure_code": rng.choice(codes),
        "channel": channel,
        "received_at": received.isoformat(),
        "due_at": due.isoformat(),
        "finished_at": finished.isoformat(),
        "status": "resolved",
        "supplement_requests": 0,
        "supplement_days": 0,
        "fee_required": fee,
        "paid_online": paid,
        "digitized": digitised,
        "e_result": digitised or rng.random() < 0.3,
        "data_reused": rng.random() < p.data_reused,
    }
    officer = rng.choice(u.officers)
    publish, quick = rng.random() < p.published, rng.random() < p.published_quickly
    published = add_working_days(finished, rng.uniform(0.05, 0.9) if quick else rng.uniform(1.5, 5))
    rated, satisfied = rng.random() < 0.3, rng.random() >= p.unsatisfied
    rated_at = finished + timedelta(hours=rng.uniform(0.1, 30))
    score = rng.randint(4, 5) if satisfied else rng.randint(1, 2)
    # Every draw is made above, whatever is sent: the next dossier's draws never depend on the cutoff.
    if finished >= cutoff:
        return
    yield (
        "http",
        _env(SOURCE_ONE_STOP, f"{event_id}-p", "procedure.processed", u.unit_id, finished, fields, officer=officer),
    )
    if publish and published < cutoff:
        yield (
            "http",
            _env(
                SOURCE_ONE_STOP,
                f"{event_id}-pub",
                "procedure.published",
                u.unit_id,
                published,
                {"dossier_code": code, "published_at": published.isoformat()},
            ),
        )
    if rated and rated_at < cutoff:
        yield (
            "http",
            _env(
                SOURCE_ONE_STOP,
                f"{event_id}-r",
                "procedure.rated",
                u.unit_id,
                rated_at,
                {"dossier_code": code, "satisfied": satisfied, "score": score},
            ),
        )


LATE_CAUSES = (
    "Hệ thống thông tin giải quyết thủ tục hành chính gián đoạn",
    "Chờ cơ quan phối hợp trả lời quá hạn",
    "Thiên tai, mưa bão làm gián đoạn việc đi lại",
)
"""Objective causes (nguyên nhân khách quan) the competent level confirms for a delay (Decree 335/2025 Art. 14)."""
QUALITY_CAUSES = ("Văn bản hướng dẫn thay đổi sau khi hồ sơ đã được giải quyết",)
RETURN_REASONS = (
    "Sai thông tin trên kết quả giải quyết",
    "Thiếu thành phần hồ sơ khi trình ký",
    "Áp dụng sai biểu mẫu",
)


def _review(seed: int, u: Unit, p: Profile, made: Sequence[Event], cutoff: datetime) -> Iterator[Event]:
    """Issue 26: a finished dossier returned for an error now and then (more in weak units), and an objective cause
    confirmed for some delays and returns (Decree 335/2025 Art. 14). Drawn from a generator of the dossier's own:
    the dossiers' draws never move."""
    processed = next((body for _, body in made if body["type"] == "procedure.processed"), None)
    if processed is None:
        return
    f, officer = processed["payload"], processed["officer_id"]
    code = f["dossier_code"]
    rng = random.Random(f"{seed}|present|review|{code}")
    finished = datetime.fromisoformat(f["finished_at"])
    late = finished > datetime.fromisoformat(f["due_at"])
    returned = rng.random() < 0.01 + 0.04 * (1 - p.quality)
    returned_at = add_working_days(finished, rng.uniform(0.2, 3))
    reason = rng.choice(RETURN_REASONS)
    quality_cause = returned and rng.random() < 0.25
    late_cause = late and rng.random() < 0.2
    cause_at = add_working_days(max(finished, returned_at if returned else finished), rng.uniform(1, 6))
    reasons = {"late": rng.choice(LATE_CAUSES), "quality": rng.choice(QUALITY_CAUSES)}  # drawn whatever is sent
    year = finished.year
    if returned and returned_at < cutoff:
        yield (
            "http",
            _env(
                SOURCE_ONE_STOP,
                f"y{year}-{code}-ret",
                "procedure.returned",
                u.unit_id,
                returned_at,
                {"dossier_code": code, "returned_at": returned_at.isoformat(), "reason": reason},
                officer=officer,
            ),
        )
    for deduction, happened in (("late", late_cause), ("quality", quality_cause)):
        if happened and cause_at < cutoff and (deduction == "late" or returned_at < cutoff):
            yield (
                "http",
                _env(
                    SOURCE_ONE_STOP,
                    f"y{year}-{code}-cause-{deduction}",
                    "objective_cause.confirmed",
                    u.unit_id,
                    cause_at,
                    {
                        "deduction": deduction,
                        "dossier_code": code,
                        "confirmed_by": f"Thủ trưởng {u.name}"[:200],
                        "reason": reasons[deduction],
                    },
                ),
            )


def _complaint(
    rng: random.Random, u: Unit, p: Profile, cid: str, event_id: str, received: datetime, cutoff: datetime
) -> Iterator[Event]:
    """A PAKN: received, answered (mostly within 15 working days), published, and the citizen's feedback."""
    conduct = rng.random() < 0.3
    officer = rng.choice(u.officers)
    on_time = rng.random() < p.pakn_on_time
    resolved = add_working_days(received, rng.uniform(1, 13) if on_time else rng.uniform(16, 24))
    substantiated = rng.random() < (0.35 if conduct else 0.2) * (1.5 - p.quality)
    published = add_working_days(resolved, rng.uniform(0.1, 1.8) if on_time else rng.uniform(2.5, 6))
    feedback, satisfied, again = rng.random() < 0.6, rng.random() < p.pakn_satisfied, rng.random() < 0.05
    answered_at = published + timedelta(days=rng.uniform(1, 5))
    if received >= cutoff:
        return
    yield (
        "http",
        _env(
            SOURCE_ONE_STOP,
            f"{event_id}-c",
            "complaint.received",
            u.unit_id,
            received,
            {
                "complaint_id": cid,
                "category": "conduct" if conduct else "procedure",
                "received_at": received.isoformat(),
            }
            | ({"officer_id": officer} if conduct else {}),
        ),
    )
    if resolved >= cutoff:
        return
    yield (
        "http",
        _env(
            SOURCE_ONE_STOP,
            f"{event_id}-s",
            "complaint.resolved",
            u.unit_id,
            resolved,
            {
                "complaint_id": cid,
                "resolved_at": resolved.isoformat(),
                "outcome": "answered",
                "substantiated": substantiated,
            },
        ),
    )
    if published < cutoff:
        yield (
            "http",
            _env(
                SOURCE_ONE_STOP,
                f"{event_id}-pub",
                "complaint.published",
                u.unit_id,
                published,
                {"complaint_id": cid, "published_at": published.isoformat()},
            ),
        )
    if feedback and answered_at < cutoff:
        yield (
            "http",
            _env(
                SOURCE_ONE_STOP,
                f"{event_id}-f",
                "complaint.feedback",
                u.unit_id,
                answered_at,
                {"complaint_id": cid, "satisfied": satisfied and not substantiated, "re_complained": again},
            ),
        )


def _inspection(
    rng: random.Random, u: Unit, p: Profile, inspection_id: str, when: datetime, cutoff: datetime
) -> Iterator[Event]:
    """An office-culture inspection: findings many where the unit is weak, alcohol now and then in the weakest."""
    findings: list[dict[str, Any]] = []
    for _ in range(_poisson(rng, p.findings * len(u.officers) / 100)):
        findings.append({"code": rng.choice(FINDINGS), "officer_id": rng.choice(u.officers), "count": 1})
    if rng.random() < 0.4 * max(0.0, 0.3 - p.quality) / 0.3:
        findings.append({"code": "alcohol", "officer_id": rng.choice(u.officers), "count": 1})
    if when < cutoff:
        yield (
            "http",
            _env(
                SOURCE_HR,
                f"{inspection_id}",
                "inspection.recorded",
                u.unit_id,
                when,
                {
                    "inspection_id": inspection_id.removeprefix(f"y{when.year}-"),
                    "inspected_at": when.isoformat(),
                    "findings": findings,
                },
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


def after_close_events(seed: int, today: date) -> Iterator[Event]:
    """What the demo sends once the closed year is closed: January's decision on a violation of that year, which
    revokes the closed year's nominations it touches (the law counts a violation in the year it happened)."""
    units = province(random.Random(seed))
    yield from _late_discipline(today.year, units[0], datetime.combine(today, time(0), tzinfo=VN))


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


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth), for small means."""
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


# ---------------------------------------------------------------- the live day


@dataclass(frozen=True)
class LiveMix:
    """Shares of what a tick brings when nothing scheduled is due; the rest (most): a dossier received days ago is
    finished now, which is what moves the standings."""

    received_quick: float = 0.03  # a same-day dossier is received now (due soon; some run late: overdue)
    received: float = 0.12  # a dossier with a longer deadline is received now (finished later in the stream)
    complaint: float = 0.05  # a PAKN is received now, answered within the hour
    training: float = 0.03  # an officer completes a course
    inspection: float = 0.002  # an office-culture inspection


QUICK_DUE = (timedelta(minutes=3), timedelta(minutes=25))
"""Same-day procedures in the live stream fall due within minutes (a demo licence: alerts show while you watch)."""
LONG_FINISH = (timedelta(minutes=5), timedelta(minutes=90))
"""Dossiers received live with a longer deadline are finished within this (a compressed day: a demo licence)."""


def live_events(
    seed: int, start: datetime, tick: timedelta, *, units: Sequence[Unit] | None = None, mix: LiveMix = LiveMix()
) -> Iterator[TimedEvent]:
    """The live day from start on, one event a tick: (moment, channel, envelope), moments never decreasing.

    A follow-up whose time has come (a dossier finished, a result published, a complaint answered) goes first;
    otherwise something new happens, drawn from `mix`. In office hours dossiers arrive at every channel; outside
    them only online (the portal never closes) and the office keeps finishing its backlog (a demo licence, so the
    demo moves at night). occurred_at is the event's own moment, never after the tick that sends it.
    """
    assert tick > timedelta(0), "tick must be positive"
    province_units = list(units) if units is not None else province(random.Random(seed))
    rates = profiles(seed, province(random.Random(seed)))
    default = profile(0.7, random.Random(seed))
    rng = random.Random(f"{seed}|live|{start.isoformat()}")
    stamp = start.astimezone(VN).strftime("%y%m%d%H%M%S")
    codes = {u.unit_id: catalogue_codes(seed, _home(u.unit_id)) for u in province_units}
    pending: list[tuple[datetime, int, Event]] = []
    seq = itertools.count()
    for k in itertools.count():
        now = start + tick * k
        if pending and pending[0][0] <= now:
            _, _, (channel, body) = heapq.heappop(pending)
            yield now, channel, body
            continue
        u = rng.choice(province_units)
        p = rates.get(_home(u.unit_id), default)
        ident = f"live{stamp}-{k:08d}"
        made = list(_live_happening(rng, u, p, codes[u.unit_id], ident, now, mix))
        if not made:
            continue
        (_, channel, body), *later = made
        for item in later:
            heapq.heappush(pending, (item[0], next(seq), (item[1], item[2])))
        yield now, channel, body


def _home(unit_id: str) -> str:
    """The demo unit a (possibly renamed, e.g. in tests) unit id stands for: H40 plus the id's tail."""
    return "H40" + unit_id[unit_id.index(".") :] if "." in unit_id else unit_id


def _live_happening(
    rng: random.Random, u: Unit, p: Profile, codes: Sequence[str], ident: str, now: datetime, mix: LiveMix
) -> Iterator[TimedEvent]:
    """One new happening at now, then its follow-ups with their moments (the first is now)."""
    draw = rng.random()
    if draw < mix.received_quick + mix.received:
        quick = draw < mix.received_quick
        due = now + (
            QUICK_DUE[0] + (QUICK_DUE[1] - QUICK_DUE[0]) * rng.random()
            if quick
            else timedelta(days=rng.choice(DUE_DAYS))
        )
        late = rng.random() > p.on_time
        if quick:
            finished = (
                due + timedelta(minutes=rng.uniform(1, 15)) if late else now + (due - now) * rng.uniform(0.3, 0.9)
            )
        else:
            finished = now + LONG_FINISH[0] + (LONG_FINISH[1] - LONG_FINISH[0]) * rng.random()
        yield from _live_dossier(
            rng, u, p, codes, ident, now, due, finished, now, send_received=True, online_only=not in_office_hours(now)
        )
        return
    draw -= mix.received_quick + mix.received
    if draw < mix.complaint:
        cid = f"{u.unit_id}-{ident}"
        for channel, body in _complaint(rng, u, p, cid, ident, now, now + timedelta(days=60)):
            yield _compressed(body, now), channel, _at_moment(body, _compressed(body, now))
        return
    draw -= mix.complaint
    if draw < mix.training:
        o = rng.choice(u.officers)
        topic = rng.choice(["office_culture", "professional", "it"])
        yield (
            now,
            "kafka",
            _env(
                SOURCE_HR,
                f"{ident}-train",
                "training.completed",
                u.unit_id,
                now,
                {
                    "course_code": f"BD-{now.year}-{rng.randint(1, 40):02d}",
                    "title": "Bồi dưỡng văn hóa công sở trực tuyến",
                    "hours": rng.choice([4, 8, 16]),
                    "topic": topic,
                    "completed_at": now.isoformat(),
                },
                officer=o,
            ),
        )
        return
    draw -= mix.training
    if draw < mix.inspection:
        for channel, body in _inspection(rng, u, p, f"{ident}-KT", now, now + timedelta(seconds=1)):
            yield now, channel, body
        return
    # Most ticks: a dossier received days ago is finished now, on time or (as the unit's rate has it) late.
    received = now - timedelta(days=rng.uniform(0.5, 12))
    late = rng.random() > p.on_time
    due = now - timedelta(hours=rng.uniform(1, 48)) if late else now + timedelta(days=rng.uniform(0.1, 10))
    yield from _live_dossier(rng, u, p, codes, ident, received, max(due, received), now, now, send_received=False)


def _live_dossier(
    rng: random.Random,
    u: Unit,
    p: Profile,
    codes: Sequence[str],
    ident: str,
    received: datetime,
    due: datetime,
    finished: datetime,
    now: datetime,
    *,
    send_received: bool,
    online_only: bool = False,
) -> Iterator[TimedEvent]:
    """A live dossier: received now (open until finished) or finished now, then published and maybe rated."""
    code = f"{u.unit_id}-{ident}"
    online = online_only or rng.random() < p.online
    channel = "online" if online else rng.choice(["counter", "counter", "counter", "postal"])
    fee = rng.random() < 0.6
    officer = rng.choice(u.officers)
    if send_received:
        yield (
            now,
            "http",
            _env(
                SOURCE_ONE_STOP,
                f"{ident}-n",
                "procedure.received",
                u.unit_id,
                received,
                {
                    "dossier_code": code,
                    "procedure_code": rng.choice(codes),
                    "channel": channel,
                    "received_at": received.isoformat(),
                    "due_at": due.isoformat(),
                    "fee_required": fee,
                },
                officer=officer,
            ),
        )
    digitised = rng.random() < p.digitised
    yield (
        finished,
        "http",
        _env(
            SOURCE_ONE_STOP,
            f"{ident}-p",
            "procedure.processed",
            u.unit_id,
            finished,
            {
                "dossier_code": code,
                "procedure_code": rng.choice(codes),
                "channel": channel,
                "received_at": received.isoformat(),
                "due_at": due.isoformat(),
                "finished_at": finished.isoformat(),
                "status": "resolved",
                "supplement_requests": 0,
                "supplement_days": 0,
                "fee_required": fee,
                "paid_online": fee and rng.random() < p.paid_online,
                "digitized": digitised,
                "e_result": digitised or rng.random() < 0.3,
                "data_reused": rng.random() < p.data_reused,
            },
            officer=officer,
        ),
    )
    if rng.random() < p.published:
        published = finished + timedelta(
            minutes=rng.uniform(1, 40) if rng.random() < p.published_quickly else rng.uniform(60, 180)
        )
        yield (
            published,
            "http",
            _env(
                SOURCE_ONE_STOP,
                f"{ident}-pub",
                "procedure.published",
                u.unit_id,
                published,
                {"dossier_code": code, "published_at": published.isoformat()},
            ),
        )
    if rng.random() < 0.3:
        rated = finished + timedelta(minutes=rng.uniform(1, 20))
        satisfied = rng.random() >= p.unsatisfied
        yield (
            rated,
            "http",
            _env(
                SOURCE_ONE_STOP,
                f"{ident}-r",
                "procedure.rated",
                u.unit_id,
                rated,
                {
                    "dossier_code": code,
                    "satisfied": satisfied,
                    "score": rng.randint(4, 5) if satisfied else rng.randint(1, 2),
                },
            ),
        )


def _compressed(body: dict[str, Any], now: datetime) -> datetime:
    """A complaint's step moved from working days to minutes after now (the live day is compressed)."""
    moment = datetime.fromisoformat(body["occurred_at"])
    return now + (moment - now) / (24 * 60) if moment > now else now


def _at_moment(body: dict[str, Any], moment: datetime) -> dict[str, Any]:
    """The envelope re-timed to moment (occurred_at and the payload's own time field)."""
    payload = dict(body["payload"])
    for name in ("received_at", "resolved_at", "published_at"):
        if name in payload:
            payload[name] = moment.isoformat()
    return {**body, "occurred_at": moment.isoformat(), "payload": payload}
