"""Use case shared by the others: evaluate a unit's year again and move its nominations to match."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from schemas import topics
from schemas.vietnam import VN_TZ
from services.awards.domain.evaluate import evaluate_unit
from services.awards.domain.lifecycle import (
    LIVE,
    PENDING,
    RELEASED,
    before_deadline,
    failed_reasons,
    nomination_changed,
    nomination_id,
    nomination_row,
    revocation_reason,
)
from services.awards.domain.lineage import only_ended
from services.awards.domain.ratings import rating_basis
from services.awards.domain.records import StatusChange
from services.awards.domain.rulebook import AwardRules
from services.awards.store import AwardsStore, Row
from thidua.runtime.outbox import Message

Touched = set[tuple[str, int | None]]  # (unit, year); None: every closed year of the unit


def nomination_message(row: dict[str, Any], change: str, status: str, reason: str | None, now: datetime) -> Message:
    """The nominations.v1 outbox message of one transition, keyed by the unit."""
    event = nomination_changed(row, change, status, reason, now)
    return (topics.NOMINATIONS, row["unit_id"], event.model_dump_json(exclude_none=True).encode(), {})


async def sync_unit_year(
    store: AwardsStore, unit_id: str, year: int, *, rules: AwardRules, now: datetime, actor: str, create: bool
) -> list[str]:
    """Evaluate the unit's titles for year: create nominations newly met (proposed, needs_review or on_hold),
    hold pending ones an open grievance now concerns, release those it no longer does, revoke live ones no longer
    met (a discipline in the year revokes even approved ones; an open grievance never does; the unit having ended
    revokes pending and held ones, never an approved one)."""
    record = await store.load_unit(unit_id, year)
    existing = await store.nominations_of(unit_id, year)
    messages: list[Message] = []
    created: list[str] = []
    members = {m.officer_id: m for m in record.members}
    for kind, subject, verdict in evaluate_unit(record, year, rules, now.astimezone(VN_TZ).date()):
        nid = nomination_id(verdict.title, year, kind, subject)
        current = existing.get(nid)
        held = failed_reasons(verdict, "hold")
        if current is None:
            if verdict.met and create:
                row = nomination_row(nid, kind, subject, unit_id, year, verdict, rules)
                # issue 26: which rating decided an officer's title (HR's, the Decree 335 evidence one, a discipline)
                row["rating_basis"] = rating_basis(members[subject], year, rules) if kind == "officer" else None
                status = row["status"] = verdict.status
                if status == "on_hold":
                    row["held_from"], row["reason"] = "needs_review" if verdict.review else "proposed", held
                elif status == "needs_review":
                    row["reason"] = failed_reasons(verdict, "review")
                if await store.create_nomination(row, now):
                    await store.audit(nid, None, status, row.get("reason") or "đủ tiêu chuẩn khi xét", actor, now)
                    messages.append(nomination_message(row, "created", status, row.get("reason"), now))
                    created.append(nid)
            continue
        status = current["status"]
        if status not in LIVE:
            continue
        if not verdict.met:
            if status == "approved" and only_ended(verdict.checks):
                continue  # decided while the unit was on the map: the council's decision stands (issue 24)
            before = set(json.loads(current["evidence_ids"]))
            new = [e for e in verdict.evidence if e not in before]
            criteria = nomination_row(nid, kind, subject, unit_id, year, verdict, rules)["criteria"]
            messages.append(await revoke(store, current, revocation_reason(verdict, new), new, actor, now, criteria))
        elif status in PENDING and verdict.held:
            await store.set_status(nid, StatusChange("on_hold", held, held_from=status), now)
            await store.audit(nid, status, "on_hold", held, actor, now)
            messages.append(nomination_message(dict(current), "held", "on_hold", held, now))
        elif status == "on_hold" and not verdict.held:
            back = current["held_from"] or ("needs_review" if verdict.review else "proposed")
            await store.set_status(nid, StatusChange(back, RELEASED), now)
            await store.audit(nid, "on_hold", back, RELEASED, actor, now)
            messages.append(nomination_message(dict(current), "released", back, RELEASED, now))
    await store.enqueue(messages)
    return created


async def revoke(
    store: AwardsStore,
    current: Row,
    reason: str,
    evidence: list[str],
    actor: str,
    now: datetime,
    criteria: list[dict[str, Any]] | None = None,
) -> Message:
    """Revoke a live nomination with the reason and the evidence behind it (and the criteria as now evaluated);
    its title stops counting."""
    nid = current["id"]
    ids = sorted(set(json.loads(current["evidence_ids"])) | set(evidence))
    await store.set_status(nid, StatusChange("revoked", reason, evidence_ids=ids, criteria=criteria), now)
    await store.record_recovery(nid, current)  # the approved amount is to be recovered
    await store.audit(nid, current["status"], "revoked", reason, actor, now)
    await store.remove_title(nid)
    row = {**dict(current), "evidence_ids": ids, "criteria": criteria or current["criteria"]}
    return nomination_message(row, "revoked", "revoked", reason, now)


async def reevaluate(store: AwardsStore, touched: Touched, *, rules: AwardRules, now: datetime) -> None:
    """Evaluate again every closed year touched, and the closed years after it (streaks count earlier titles)."""
    closed = await store.closed_years()
    todo: dict[str, set[int]] = {}
    for unit, year in touched:
        todo.setdefault(unit, set()).update(y for y in closed if year is None or y >= year)
    for unit in sorted(todo):
        for y in sorted(todo[unit]):
            await sync_unit_year(
                store, unit, y, rules=rules, now=now, actor="evidence", create=before_deadline(y, rules, now)
            )
