"""The present demo's cases: a dossier and its review, a complaint, an inspection (pure; time is a parameter)."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from thidua.operator.demo_profiles import (
    DUE_DAYS,
    FINDINGS,
    Event,
    Profile,
    _poisson,
    add_working_days,
    to_office_hours,
)
from thidua.operator.demo_units import SOURCE_HR, SOURCE_ONE_STOP, Unit, _env


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
