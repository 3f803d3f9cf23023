"""The present demo's units as they behave (a quality per unit drives every rate) and the office's calendar."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from thidua.operator.demo_additions import _Additions
from thidua.operator.demo_units import VN, Unit

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


def catalogue_codes(seed: int, unit_id: str) -> list[str]:
    """The unit's procedure codes as the closed year's catalogue states them."""
    return [body["payload"]["procedure_code"] for _, body in _Additions(seed, CLOSED_YEAR).catalogue(unit_id)]


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth), for small means."""
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k
