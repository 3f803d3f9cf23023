"""The demo year as first written: directory, dossiers, complaints, HR records, trainings.

Never change what this yields for a seed (nor the draws of its generator): add new evidence in demo_additions.
The pieces below draw from the one generator in the order the year was first written.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta

from thidua.operator.demo_units import FAMILY, GIVEN, SOURCE_HR, SOURCE_ONE_STOP, VN, Event, Unit, _env, province


def _original_events(seed: int, year: int, dossiers_per_unit: int) -> Iterator[Event]:
    """(channel, envelope) of the demo year as first written: directory, dossiers, complaints, HR, trainings.

    Never change what this yields for a seed (nor the draws of its generator): add new evidence in _Additions.
    """
    rng = random.Random(seed)
    units = province(rng)
    start = datetime(year, 1, 2, tzinfo=VN)
    yield from _directory(rng, units, start)
    for u in units:
        for n in range(dossiers_per_unit):
            yield from _dossier(rng, u, year, start, n)
        yield from _complaints(rng, u, start, dossiers_per_unit)
    for u in units:
        for o in u.officers:
            yield from _officer_records(rng, u, o, year, start)
        yield from _unit_records(rng, u, year, start)


def _directory(rng: random.Random, units: list[Unit], start: datetime) -> Iterator[Event]:
    """Each unit's registration, then its officers'."""
    for u in units:
        yield (
            "http",
            _env(
                SOURCE_HR,
                f"unit-{u.unit_id}",
                "unit.registered",
                u.unit_id,
                start,
                {
                    "name": u.name,
                    "level": u.level,
                    "parent_id": "H40",
                    "cluster_id": u.cluster_id,
                    "cluster_name": u.cluster_name,
                },
            ),
        )
        for o in u.officers:
            yield (
                "kafka",
                _env(
                    SOURCE_HR,
                    f"officer-{o}",
                    "officer.registered",
                    u.unit_id,
                    start,
                    {"full_name": f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}", "category": "civil_servant"},
                    officer=o,
                ),
            )


def _dossier(rng: random.Random, u: Unit, year: int, start: datetime, n: int) -> Iterator[Event]:
    """One dossier processed, and now and then its rating."""
    received = start + timedelta(days=rng.uniform(0, 330), hours=rng.uniform(0, 8))
    due = received + timedelta(days=rng.choice([3, 5, 7, 10, 15]))
    late = rng.random() > u.on_time
    finished = (
        due + timedelta(days=rng.uniform(0.5, 6)) if late else received + (due - received) * rng.uniform(0.2, 0.95)
    )
    code = f"{u.unit_id}-{year}-{n:05d}"
    channel = "online" if rng.random() < u.online else rng.choice(["counter", "counter", "postal"])
    fee = rng.random() < 0.6
    yield (
        "http",
        _env(
            SOURCE_ONE_STOP,
            f"{code}-p",
            "procedure.processed",
            u.unit_id,
            finished,
            {
                "dossier_code": code,
                "procedure_code": f"1.00{rng.randint(1000, 9999)}",
                "channel": channel,
                "received_at": received.isoformat(),
                "due_at": due.isoformat(),
                "finished_at": finished.isoformat(),
                "status": "resolved",
                "supplement_requests": 1 if rng.random() < 0.1 else 0,
                "supplement_days": 0,
                "fee_required": fee,
                "paid_online": fee and channel == "online" and rng.random() < 0.85,
                "digitized": rng.random() < u.digitised,
                "e_result": rng.random() < u.digitised + 0.05,
                "data_reused": rng.random() < u.digitised - 0.2,
            },
            officer=rng.choice(u.officers),
        ),
    )
    if rng.random() < 0.3:
        yield (
            "http",
            _env(
                SOURCE_ONE_STOP,
                f"{code}-r",
                "procedure.rated",
                u.unit_id,
                finished,
                {"dossier_code": code, "satisfied": rng.random() < 0.93, "score": rng.randint(3, 5)},
            ),
        )


def _complaints(rng: random.Random, u: Unit, start: datetime, dossiers_per_unit: int) -> Iterator[Event]:
    """A unit's complaints, each received and then resolved."""
    for n in range(max(2, dossiers_per_unit // 60)):
        received = start + timedelta(days=rng.uniform(0, 320))
        cid = f"{u.unit_id}-PA{n:03d}"
        conduct = rng.random() < 0.3
        yield (
            "http",
            _env(
                SOURCE_ONE_STOP,
                f"{cid}-c",
                "complaint.received",
                u.unit_id,
                received,
                {
                    "complaint_id": cid,
                    "category": "conduct" if conduct else "procedure",
                    "received_at": received.isoformat(),
                }
                | ({"officer_id": rng.choice(u.officers)} if conduct else {}),
            ),
        )
        resolved = received + timedelta(days=rng.uniform(2, 25))
        yield (
            "http",
            _env(
                SOURCE_ONE_STOP,
                f"{cid}-s",
                "complaint.resolved",
                u.unit_id,
                resolved,
                {
                    "complaint_id": cid,
                    "resolved_at": resolved.isoformat(),
                    "outcome": "answered",
                    "substantiated": conduct and rng.random() < 0.4,
                },
            ),
        )


def _officer_records(rng: random.Random, u: Unit, o: str, year: int, start: datetime) -> Iterator[Event]:
    """An officer's training, ratings of three years and, rarely, a recognised initiative."""
    if rng.random() < 0.7:
        done = start + timedelta(days=rng.uniform(10, 300))
        yield (
            "kafka",
            _env(
                SOURCE_HR,
                f"train-{o}",
                "training.completed",
                u.unit_id,
                done,
                {
                    "course_code": "VHCS-2025",
                    "title": "Văn hóa công sở và kỹ năng giao tiếp",
                    "hours": 8,
                    "topic": rng.choice(["office_culture", "professional"]),
                    "completed_at": done.isoformat(),
                },
                officer=o,
            ),
        )
    for y in (year - 2, year - 1, year):
        level = rng.choices(["excellent", "good", "complete", "incomplete"], [0.12, 0.7, 0.16, 0.02])[0]
        when = datetime(y, 12, 10, tzinfo=VN)
        yield (
            "kafka",
            _env(
                SOURCE_HR,
                f"eval-{o}-{y}",
                "evaluation.recorded",
                u.unit_id,
                when,
                {"year": y, "level": level},
                officer=o,
            ),
        )
    if rng.random() < 0.04:
        when = start + timedelta(days=rng.uniform(30, 300))
        yield (
            "kafka",
            _env(
                SOURCE_HR,
                f"init-{o}",
                "initiative.recognized",
                u.unit_id,
                when,
                {
                    "title": "Sáng kiến cải tiến quy trình một cửa",
                    "scope": rng.choice(["unit", "unit", "province"]),
                    "decided_at": when.isoformat(),
                },
                officer=o,
            ),
        )


def _unit_records(rng: random.Random, u: Unit, year: int, start: datetime) -> Iterator[Event]:
    """A unit's discipline now and then, its inspection and its own rating of the year."""
    if rng.random() < 0.3:
        o = rng.choice(u.officers)
        when = start + timedelta(days=rng.uniform(30, 300))
        yield (
            "kafka",
            _env(
                SOURCE_HR,
                f"disc-{o}",
                "discipline.recorded",
                u.unit_id,
                when,
                {
                    "decision_no": f"{rng.randint(1, 99)}/QĐ-KL",
                    "form": rng.choice(["reprimand", "warning"]),
                    "decided_at": when.isoformat(),
                    "reason": "Vi phạm quy định về giờ giấc làm việc",
                },
                officer=o,
            ),
        )
    inspected = start + timedelta(days=rng.uniform(60, 300))
    findings = [
        {
            "code": rng.choice(["late_or_absent", "no_name_badge", "dress_code", "hygiene"]),
            "count": rng.randint(1, 3),
        }
        for _ in range(rng.randint(0, 3))
    ]
    if rng.random() < 0.1:
        findings.append({"code": "alcohol", "officer_id": rng.choice(u.officers)})
    yield (
        "http",
        _env(
            SOURCE_HR,
            f"insp-{u.unit_id}",
            "inspection.recorded",
            u.unit_id,
            inspected,
            {"inspection_id": f"KT-{u.unit_id}", "inspected_at": inspected.isoformat(), "findings": findings},
        ),
    )
    yield (
        "kafka",
        _env(
            SOURCE_HR,
            f"eval-{u.unit_id}-{year}",
            "evaluation.recorded",
            u.unit_id,
            datetime(year, 12, 10, tzinfo=VN),
            {"year": year, "level": rng.choices(["excellent", "good", "complete"], [0.3, 0.6, 0.1])[0]},
        ),
    )
