"""The demo's live day: from a start on, one event a tick, follow-ups first (pure; time is a parameter).

thidua/operator/demo_live.py plays it in real time."""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from thidua.operator.demo_cases import (
    _complaint,
    _inspection,
)
from thidua.operator.demo_profiles import (
    DUE_DAYS,
    Event,
    Profile,
    TimedEvent,
    catalogue_codes,
    in_office_hours,
    profile,
    profiles,
)
from thidua.operator.demo_units import SOURCE_HR, SOURCE_ONE_STOP, VN, Unit, _env, province


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
    yield _live_processed(rng, u, p, codes, ident, (code, channel, fee, officer), received, due, finished)
    yield from _live_followups(rng, u, p, ident, code, finished)


def _live_processed(
    rng: random.Random,
    u: Unit,
    p: Profile,
    codes: Sequence[str],
    ident: str,
    case: tuple[str, str, bool, str],
    received: datetime,
    due: datetime,
    finished: datetime,
) -> TimedEvent:
    """A live dossier finished: procedure.processed at its moment."""
    code, channel, fee, officer = case
    digitised = rng.random() < p.digitised
    return (
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


def _live_followups(
    rng: random.Random, u: Unit, p: Profile, ident: str, code: str, finished: datetime
) -> Iterator[TimedEvent]:
    """What follows a finished live dossier: its result published (mostly) and now and then its rating."""
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
