"""Use case: record a council vote on a nomination and decide it by the quorum and thresholds of the rule file."""

from __future__ import annotations

from datetime import date, datetime

from schemas.vietnam import VN_TZ
from services.awards.domain.evaluate import council_decision
from services.awards.domain.lifecycle import ON_HOLD_NO_VOTE, PENDING, decided_money
from services.awards.domain.records import StatusChange
from services.awards.domain.rulebook import AwardRules
from services.awards.handlers.sync import nomination_message, reevaluate
from services.awards.store import AwardsStore, Row


class VoteRefused(Exception):
    """The session could not decide (no quorum, bad numbers) or the nomination is not open to a vote."""


async def vote(
    store: AwardsStore,
    nomination_id: str,
    *,
    members_total: int,
    members_present: int,
    votes_for: int,
    rules: AwardRules,
    now: datetime,
    actor: str,
    decision_date: date | None = None,
) -> Row:
    """Record a council vote and decide the nomination by the thresholds and quorum of the rule file.

    actor names the voter in the audit row: role and token number, e.g. `council:token#12`. A session that cannot
    decide (no quorum, bad numbers) is audited too: that row is committed, then VoteRefused is raised.
    The decision fixes the amount: the multiple and base salary in force on decision_date (default: the Vietnam
    date of the vote), rounded up to 10,000 VND (docs/rules.md, "Money and the year-end preview")."""
    undecided: str | None = None
    async with store.transaction():
        row = await store.lock_nomination(nomination_id)
        if row is None:
            raise KeyError(nomination_id)
        if row["status"] == "on_hold":
            raise VoteRefused(ON_HOLD_NO_VOTE)
        if row["status"] not in PENDING:
            raise VoteRefused(f"hồ sơ đang ở trạng thái {row['status']}, không thể biểu quyết")
        if decision_date is not None and decision_date.year < row["year"]:
            # An award of year Y is decided in Y or later: an earlier date would price it with older tables.
            raise VoteRefused(
                f"decision_date {decision_date.isoformat()} is before the nomination's year {row['year']}"
            )
        decision, reason = council_decision(row["title"], members_total, members_present, votes_for, rules)
        votes = {"members_total": members_total, "members_present": members_present, "votes_for": votes_for}
        if decision is None:
            await store.audit(
                nomination_id, row["status"], row["status"], f"phiên họp không quyết định: {reason}", actor, now
            )
            undecided = reason
        else:
            await store.set_status(nomination_id, StatusChange(decision, reason, votes=votes), now)
            day = decision_date or now.astimezone(VN_TZ).date()
            money = decided_money(row, rules, day)
            if decision == "approved":  # only an award that is granted has its amount fixed
                await store.fix_amount(nomination_id, money, day)
            await store.audit(nomination_id, row["status"], decision, reason, actor, now)
            if decision == "approved":
                subject = (row["subject_kind"], row["subject_id"], row["unit_id"])
                await store.add_title(*subject, row["year"], row["title"], nomination_id)
                # Streaks count approved titles: later closed years may now qualify (CSTĐ cấp tỉnh, Bằng khen).
                await reevaluate(store, {(row["unit_id"], row["year"] + 1)}, rules=rules, now=now)
            decided = {
                **dict(row),
                "decision_date": day,
                "cash_multiple": money.multiple,
                "cash_vnd": money.cash_vnd,
                "base_salary_vnd": money.base_salary_vnd,
                "cash_source": money.source,
            }
            await store.enqueue([nomination_message(decided, "decided", decision, reason, now)])
        updated = await store.nomination(nomination_id)
        assert updated is not None
    if undecided is not None:
        raise VoteRefused(undecided)
    return updated
