"""A nomination's life, as pure rules: its statuses, its row, its message and the reasons people read."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from schemas.outputs import Criterion, NominationChanged
from schemas.vietnam import VN_TZ
from services.awards.domain.money import Money, recover_vnd
from services.awards.domain.registry import title_money
from services.awards.domain.rulebook import AwardRules, deadline
from services.awards.domain.verdicts import Verdict

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
    nid: str,
    kind: str,
    subject: str,
    unit: str,
    year: int,
    verdict: Verdict,
    rules: AwardRules,
    on: date | None = None,
) -> dict[str, Any]:
    """A nomination as stored and published: title, subject, cash, rule version, criteria and evidence.

    The stored multiple is an estimate for a decision on `on` (default: the year's rating deadline) until the
    council decides; the API and messages show the estimate at the day's tables (cash_fields)."""
    estimate = title_money(rules, kind, verdict.title, on or deadline(year, rules.rating_deadline))
    return {
        "id": nid,
        "title": verdict.title,
        "year": year,
        "subject_kind": kind,
        "subject_id": subject,
        "unit_id": unit,
        "cash_multiple": estimate.multiple,
        "cash_vnd": estimate.cash_vnd,  # published with the creation, marked an estimate (no decision_date)
        "base_salary_vnd": estimate.base_salary_vnd,
        "cash_source": estimate.source,
        "rule_version": rules.version,
        "criteria": [{"code": c.code, "met": c.met, "reason": c.reason[:500]} for c in verdict.checks],
        "evidence_ids": verdict.evidence,
    }


def decided_money(row: Mapping[str, Any], rules: AwardRules, decision_date: date) -> Money:
    """The cash of a nomination decided on decision_date: the tables and base salary in force that day."""
    return title_money(rules, row["subject_kind"], row["title"], decision_date)


def cash_fields(row: Mapping[str, Any], rules: AwardRules, today: date) -> dict[str, Any]:
    """A nomination's money as shown: the amount fixed at its decision, else an estimate at today's tables
    (docs/rules.md, "Money and the year-end preview"); recover_vnd once revoked."""
    decided: date | None = row.get("decision_date")
    if decided is not None and row.get("cash_vnd") is not None:
        fields: dict[str, Any] = {
            "cash_multiple": row["cash_multiple"],
            "cash_vnd": row["cash_vnd"],
            "base_salary_vnd": row["base_salary_vnd"],
            "cash_source": row["cash_source"],
        }
    else:  # not decided yet, or decided before amounts were stored: the tables of that day
        m = decided_money(row, rules, decided or today)
        fields = {
            "cash_multiple": m.multiple,
            "cash_vnd": m.cash_vnd,
            "base_salary_vnd": m.base_salary_vnd,
            "cash_source": m.source,
        }
    fields["decision_date"] = decided
    fields["cash_estimate"] = decided is None
    if row.get("recover_vnd") is not None:
        fields["recover_vnd"] = row["recover_vnd"]
    elif row.get("status") == "revoked":  # revoked before amounts were recorded: what its decision paid
        fields["recover_vnd"] = fields["cash_vnd"] if decided is not None else 0
    return fields


def _stored_money(row: Mapping[str, Any]) -> dict[str, Any]:
    """The money fields a row carries (stored at the decision, or estimated when built), without the rules."""
    fields = {k: row.get(k) for k in ("cash_multiple", "cash_vnd", "base_salary_vnd", "decision_date", "cash_source")}
    fields = {k: v for k, v in fields.items() if v is not None}
    if "cash_vnd" in fields:
        fields["cash_estimate"] = row.get("decision_date") is None
    return fields


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
    row: dict[str, Any], change: str, status: str, reason: str | None, now: datetime, rules: AwardRules | None = None
) -> NominationChanged:
    """The nominations.v1 message of one transition (criteria and evidence as stored or as just built); with the
    rules, its money (decided or estimated at now) and, on a revocation, the amount to recover."""
    criteria = row["criteria"] if isinstance(row["criteria"], list) else json.loads(row["criteria"])
    evidence = row["evidence_ids"] if isinstance(row["evidence_ids"], list) else json.loads(row["evidence_ids"])
    money = cash_fields(row, rules, now.astimezone(VN_TZ).date()) if rules is not None else _stored_money(row)
    if change == "revoked":  # row: the nomination as it stood before (approved: what was paid is recovered)
        paid = money.get("cash_vnd") if row.get("decision_date") is not None else 0
        money["recover_vnd"] = recover_vnd(str(row.get("status")), paid)
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
        cash_multiple=money.get("cash_multiple", row["cash_multiple"]),
        rule_version=row["rule_version"],
        criteria=[Criterion(**c) for c in criteria],
        evidence_ids=evidence,
        reason=reason[:500] if reason else None,
        occurred_at=now,
        **{k: v for k, v in money.items() if k != "cash_multiple"},
    )
