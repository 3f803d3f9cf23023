"""Use case: a case (complaint, denunciation, discipline review, inspection, press report) closed as substantiated
revokes the subject's held and approved titles.

Holding and releasing pending nominations while a case is open is part of every evaluation (sync.py)."""

from __future__ import annotations

from datetime import datetime

from schemas.vietnam import VN_TZ
from services.awards.domain.lifecycle import substantiated_reason
from services.awards.domain.rulebook import AwardRules
from services.awards.domain.verdicts import CASE_VI, OLD_HOLD_KINDS
from services.awards.handlers.sync import Touched, revoke
from services.awards.store import AwardsStore, Row
from thidua.runtime.outbox import Message


async def revoke_for_substantiated(store: AwardsStore, g: Row, *, rules: AwardRules, now: datetime) -> Touched:
    """A substantiated complaint or denunciation revokes the subject's approved and held nominations of the year it
    was opened and the years before it the rule file names (Luật 06/2022, chương VII)."""
    opened_year = (g["opened_at"] or g["occurred_at"]).astimezone(VN_TZ).year
    kind, subject = ("officer", g["officer_id"]) if g["officer_id"] else ("unit", g["unit_id"])
    keys = [k for k in (g["opened_event"], g["event"]) if k]
    reason = substantiated_reason(keys)
    if g["kind"] not in OLD_HOLD_KINDS:  # not a complaint or denunciation: say what was concluded
        reason = f"{CASE_VI.get(g['kind'], g['kind'])}: {reason}"
    touched: Touched = set()
    messages: list[Message] = []
    years = (opened_year - rules.grievance_revoke_years_back, opened_year)
    # Only the nominations under the unit the case was sent under: another unit's records never reach them.
    for row in await store.subject_nominations(kind, subject, g["unit_id"], ("approved", "on_hold"), years):
        messages.append(await revoke(store, row, reason, keys, "evidence", now))
        touched.add((row["unit_id"], row["year"] + 1))
    await store.enqueue(messages)
    return touched
