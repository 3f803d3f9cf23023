"""A nomination's life, as pure rules: its statuses, its row, its message and the reasons people read."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from schemas.outputs import Criterion, NominationChanged
from schemas.vietnam import VN_TZ
from services.awards.domain.evaluate import cash_multiple
from services.awards.domain.rulebook import AwardRules, deadline
from services.awards.domain.titles import Verdict

PENDING = ("proposed", "needs_review")  # open to a council vote
LIVE = ("proposed", "needs_review", "on_hold", "approved")  # not yet rejected or revoked
RELEASED = "khiếu nại, tố cáo đã giải quyết xong, không có căn cứ: tiếp tục xét"
ON_HOLD_NO_VOTE = (
    "hồ sơ đang tạm dừng xét do có khiếu nại, tố cáo chưa giải quyết xong, không thể biểu "
    "quyết (on hold until the complaint or denunciation is closed)"
)


def vn_year(at: datetime) -> int:
    """The Vietnam calendar year of an instant (a decision at 23:30 on 31/12 UTC+7 belongs to that year)."""
    return at.astimezone(VN_TZ).year


def before_deadline(year: int, rules: AwardRules, now: datetime) -> bool:
    """Late input still creates nominations until the deadline of the following year."""
    return now.astimezone(VN_TZ).date() <= deadline(year + 1, rules.late_input_until)


def nomination_id(title: str, year: int, kind: str, subject: str) -> str:
    """A nomination's id: one per title, year and subject."""
    return f"{title}:{year}:{kind}:{subject}"


def failed_reasons(verdict: Verdict, effect: str) -> str:
    """The reasons of the unmet criteria with that effect (block, review or hold), joined for people."""
    return "; ".join(c.reason for c in verdict.checks if c.effect == effect and not c.met)


def nomination_row(
    nid: str, kind: str, subject: str, unit: str, year: int, verdict: Verdict, rules: AwardRules
) -> dict[str, Any]:
    """A nomination as stored and published: title, subject, cash, rule version, criteria and evidence."""
    return {
        "id": nid,
        "title": verdict.title,
        "year": year,
        "subject_kind": kind,
        "subject_id": subject,
        "unit_id": unit,
        "cash_multiple": cash_multiple(kind, verdict.title, rules),
        "rule_version": rules.version,
        "criteria": [{"code": c.code, "met": c.met, "reason": c.reason[:500]} for c in verdict.checks],
        "evidence_ids": verdict.evidence,
    }


def revocation_reason(verdict: Verdict, new_evidence: list[str]) -> str:
    """Why a live nomination no longer met is revoked, naming the evidence that arrived since."""
    reason = failed_reasons(verdict, "block")
    if new_evidence:
        reason += f" (căn cứ: {', '.join(new_evidence)})"
    return reason


def substantiated_reason(keys: list[str]) -> str:
    """Why a substantiated complaint or denunciation revokes the subject's nominations (Luật 06/2022, chương VII)."""
    return (
        f"khiếu nại, tố cáo được kết luận có căn cứ ({', '.join(keys)}): thu hồi theo Luật Thi đua, "
        "Khen thưởng 06/2022/QH15, chương VII"
    )


def nomination_changed(
    row: dict[str, Any], change: str, status: str, reason: str | None, now: datetime
) -> NominationChanged:
    """The nominations.v1 message of one transition (criteria and evidence as stored or as just built)."""
    criteria = row["criteria"] if isinstance(row["criteria"], list) else json.loads(row["criteria"])
    evidence = row["evidence_ids"] if isinstance(row["evidence_ids"], list) else json.loads(row["evidence_ids"])
    return NominationChanged(
        event_id=f"{row['id']}:{change}:{now.isoformat()}",
        nomination_id=row["id"],
        change=change,
        status=status,
        title=row["title"],
        year=row["year"],
        subject_kind=row["subject_kind"],
        subject_id=row["subject_id"],
        unit_id=row["unit_id"],
        cash_multiple=row["cash_multiple"],
        rule_version=row["rule_version"],
        criteria=[Criterion(**c) for c in criteria],
        evidence_ids=evidence,
        reason=reason[:500] if reason else None,
        occurred_at=now,
    )
