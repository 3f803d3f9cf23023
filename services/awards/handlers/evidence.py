"""Use case: take in accepted evidence, record what the award rules need, re-evaluate the closed years it touches."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from schemas.evidence import (
    DisciplineRecordedEvent,
    EmulationRegisteredEvent,
    EvaluationRecordedEvent,
    EvidenceEvent,
    EvidenceRetractedEvent,
    GrievanceClosedEvent,
    GrievanceOpenedEvent,
    InitiativeRecognizedEvent,
    OfficerRegisteredEvent,
    ResearchAcceptedEvent,
    TitleAwardedEvent,
    UnitRegisteredEvent,
    UnitReorganizedEvent,
    types_of,
)
from schemas.lineage import Reorganization
from services.awards.domain.lifecycle import vn_year
from services.awards.domain.lineage import touched_by
from services.awards.domain.memberships import Membership, years_moved
from services.awards.domain.records import CaseEvent, Discipline
from services.awards.domain.rulebook import AwardRules
from services.awards.handlers.grievances import revoke_for_substantiated
from services.awards.handlers.sync import Touched, reevaluate
from services.awards.store import AwardsStore, Row

USED_TYPES = types_of(
    UnitRegisteredEvent,
    OfficerRegisteredEvent,
    EvaluationRecordedEvent,
    TitleAwardedEvent,
    InitiativeRecognizedEvent,
    ResearchAcceptedEvent,
    EmulationRegisteredEvent,
    DisciplineRecordedEvent,
    GrievanceOpenedEvent,
    GrievanceClosedEvent,
    EvidenceRetractedEvent,
    UnitReorganizedEvent,
)
"""The evidence types _record stores something for; the consumer decodes only these (others cost a parse)."""


STAFF_KIND = {"civil_servant": "civil_servant", "public_employee": "public_employee"}
"""officer.registered without staff_kind: công chức and viên chức from the category, anyone else "other"."""


def evidence_key(event: EvidenceEvent) -> str:
    """The inbox key and evidence id of an accepted event: "source:event_id"."""
    return f"{event.source}:{event.event_id}"


async def apply_evidence(
    store: AwardsStore, events: Sequence[EvidenceEvent], *, rules: AwardRules, now: datetime
) -> None:
    """Record what the award rules need from accepted evidence; re-evaluate closed years it touches.

    One transaction: a failure leaves nothing behind (the inbox claim included), so the batch can be retried
    record by record and a parked record replayed later."""
    async with store.transaction():
        keys = [evidence_key(e) for e in events]
        fresh = await store.claim(keys)
        touched: Touched = set()
        findings: list[Row] = []
        for key, e in zip(keys, events, strict=True):
            if key in fresh:
                fresh.discard(key)  # the same event twice in one batch counts once
                touched |= await _record(store, key, e, findings)
        for finding in findings:
            touched |= await revoke_for_substantiated(store, finding, rules=rules, now=now)
        await reevaluate(store, touched, rules=rules, now=now)


def _subject(e: EvidenceEvent) -> tuple[str, str]:
    """(kind, id) of whom the event is about: its officer when it names one, otherwise its unit."""
    return ("officer", e.officer_id) if e.officer_id else ("unit", e.unit_id)


async def _record(store: AwardsStore, key: str, e: EvidenceEvent, findings: list[Row]) -> Touched:
    """Store what one event says; return the (unit, year) it touches (substantiated grievances go to findings)."""
    unit, at = e.unit_id, e.occurred_at
    if isinstance(e, UnitRegisteredEvent):
        await store.upsert_unit(unit, e.payload.name, e.payload.cluster_id, e.payload.parent_id, at)
    elif isinstance(e, OfficerRegisteredEvent):
        kind = e.payload.staff_kind or STAFF_KIND.get(e.payload.category, "other")
        # A transfer is dated by transferred_at when the source gives it (evidence accepts a move only from a source
        # covering both units). The officer's records stay with the units they were sent under, and each year's
        # members are those in the unit at its end (load_unit), so the years before a transfer stay with the old
        # unit. A registration dated into a closed year moves that year's members: it is evaluated again.
        when = e.payload.transferred_at or at
        joined = Membership(when, key, unit, kind, e.payload.peer_group)
        await store.upsert_officer(e.officer_id, e.payload.full_name, joined)
        before = await store.timeline(e.officer_id)
        await store.add_membership(joined, e.officer_id)
        known = any(m.event == key for m in before)
        return years_moved(before, before if known else [*before, joined])
    elif isinstance(e, EvaluationRecordedEvent):
        kind, subject = _subject(e)
        await store.upsert_rating(kind, subject, unit, e.payload.year, e.payload.level, key, at)
        return {(unit, e.payload.year)}
    elif isinstance(e, TitleAwardedEvent):
        kind, subject = _subject(e)
        await store.add_title(kind, subject, unit, e.payload.year, e.payload.title, key)
        return {(unit, e.payload.year)}
    elif isinstance(e, InitiativeRecognizedEvent | ResearchAcceptedEvent):
        year = vn_year(e.payload.decided_at)
        table = "initiatives" if isinstance(e, InitiativeRecognizedEvent) else "research"
        await store.add_row(table, (key, e.officer_id, unit, year, e.payload.scope))
        return {(unit, year)}
    elif isinstance(e, EmulationRegisteredEvent):
        kind, subject = _subject(e)
        await store.add_registration(key, kind, subject, unit, e.payload.year, list(e.payload.titles))
        return {(unit, e.payload.year)}
    elif isinstance(e, DisciplineRecordedEvent):
        # The counted year is the violation's (the law counts violations inside the period of achievement), the
        # decision's when the violation date is absent; a later decision for a closed year re-evaluates it.
        p = e.payload
        year = vn_year(p.violation_at or p.decided_at)
        facts = Discipline(year, p.form, key, p.decided_at, p.violation_at, p.duty_related, p.effective_until)
        await store.add_discipline(e.officer_id, unit, facts)
        return {(unit, year)}
    elif isinstance(e, GrievanceOpenedEvent | GrievanceClosedEvent):
        closed = isinstance(e, GrievanceClosedEvent)
        substantiated = e.payload.substantiated if isinstance(e, GrievanceClosedEvent) else None
        case_key = f"{e.source}|{unit}|{e.payload.case_id}"
        case = CaseEvent(case_key, unit, e.officer_id, not closed, substantiated, key, at, e.payload.kind)
        row = await store.set_grievance(case)
        if row is not None and closed and substantiated is True:
            findings.append(row)
        return {(unit, None)}
    elif isinstance(e, UnitReorganizedEvent):
        # Members, carried titles and the check of an ended unit change for every unit named, from the year of the
        # change (a dissolved unit: every year); its retraction (forget_event) touches the same.
        r = e.payload
        change = Reorganization(key, r.kind, tuple(r.predecessors), tuple(r.successors), r.effective_at, r.decision_no)
        await store.add_reorganization(change, unit)
        return touched_by(change)
    elif isinstance(e, EvidenceRetractedEvent):
        return set(await store.forget_event(f"{e.source}:{e.payload.target_event_id}"))
    return set()
