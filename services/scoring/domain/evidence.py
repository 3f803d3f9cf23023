"""What each accepted evidence event means to scoring: a case event, a fact, a directory entry, a reorganization,
a retraction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from schemas.evidence import (
    EvidenceEvent,
    EvidenceRetractedEvent,
    OfficerRegisteredEvent,
    UnitRegisteredEvent,
    UnitReorganizedEvent,
)
from schemas.lineage import Reorganization
from services.scoring.domain.cases import COMPLAINT_SLOTS, DOSSIER_SLOTS

FACT_TYPES = {
    "training.completed": ("training", "completed_at"),
    "inspection.recorded": ("inspection", "inspected_at"),
    "discipline.recorded": ("discipline", "decided_at"),
}
# Decree 335/2025 tracking (issue 26): kept as facts, read by the tracking sheets only (the scorecards filter by kind).
TRACKING_FACTS = {
    "procedure.returned": ("returned", "returned_at"),
    "objective_cause.confirmed": ("cause", None),
    "officer.assessed": ("assessment", None),
    "leave.recorded": ("leave", "leave_from"),
    "evaluation.recorded": ("evaluation", None),  # HR's rating, shown beside ours (never replaced by it)
}


@dataclass(frozen=True)
class CaseEvent:
    """An event of a dossier or complaint, to merge into its case."""

    kind: str
    unit_id: str
    case_id: str
    slot: str
    record: dict[str, Any]

    @property
    def case_key(self) -> str:
        return f"{self.kind}|{self.unit_id}|{self.case_id}"


@dataclass(frozen=True)
class Fact:
    """A low-volume fact: training, inspection or discipline."""

    kind: str
    unit_id: str
    officer_id: str | None
    at: datetime
    data: dict[str, Any]


@dataclass(frozen=True)
class UnitEntry:
    unit_id: str
    name: str
    level: str
    parent_id: str | None
    cluster_id: str
    cluster_name: str | None
    occurred_at: datetime
    since: datetime  # from when it places the unit in the cluster: cluster_since, else occurred_at
    event: str  # source:event_id (a cluster membership's key)
    admin_code: str | None = None  # the administrative code the national portal's files may name it by


@dataclass(frozen=True)
class OfficerEntry:
    officer_id: str
    unit_id: str
    full_name: str
    category: str
    position: str | None
    occurred_at: datetime  # when it places the officer in the unit: transferred_at, else occurred_at
    event: str  # source:event_id (a membership's key)
    staff_kind: str | None = None  # công chức or not (Decree 335/2025 applies to civil servants from 2026)
    peer_group: str | None = None  # the excellence cap also holds per group (Decree 335/2025 Art. 20(5))


@dataclass(frozen=True)
class Retraction:
    target_event_id: str


Meaning = CaseEvent | Fact | UnitEntry | OfficerEntry | Reorganization | Retraction | None


def meaning(event: EvidenceEvent) -> Meaning:
    """Classify one accepted, typed event; None for types scoring does not use."""
    kind, unit = event.type, event.unit_id
    payload = event.payload.model_dump(mode="json", exclude_none=True)
    occurred = event.occurred_at.isoformat()
    if kind in DOSSIER_SLOTS:
        record = {**payload, "occurred_at": occurred, "officer_id": event.officer_id}
        return CaseEvent("dossier", unit, payload["dossier_code"], DOSSIER_SLOTS[kind], record)
    if kind in COMPLAINT_SLOTS:
        record = {**payload, "occurred_at": occurred}
        if kind == "complaint.received":
            record["officer_id"] = payload.get("officer_id") or event.officer_id
        if event.officer_id:  # the handler (Decree 335/2025 tracking): the envelope's officer, never the payload's
            record["handler_id"] = event.officer_id
        return CaseEvent("complaint", unit, payload["complaint_id"], COMPLAINT_SLOTS[kind], record)
    if kind == "procedure.catalogued":  # the catalogue as stated at occurred_at (latest per procedure counts)
        return Fact("catalogue", unit, None, event.occurred_at, payload)
    if kind in TRACKING_FACTS:
        fact_kind, field = TRACKING_FACTS[kind]
        return Fact(
            fact_kind, unit, event.officer_id, getattr(event.payload, field) if field else event.occurred_at, payload
        )
    if kind in FACT_TYPES:
        fact_kind, at_field = FACT_TYPES[kind]
        at = getattr(event.payload, at_field)
        # A discipline counts in the period of its violation, the decision's when the source does not say
        # (the law counts violations inside the period of achievement; docs/rules.md, "The law of 2026 for awards").
        at = getattr(event.payload, "violation_at", None) or at
        return Fact(fact_kind, unit, event.officer_id, at, payload)
    if isinstance(event, UnitRegisteredEvent):
        p = event.payload
        since = p.cluster_since or event.occurred_at
        key = f"{event.source or ''}:{event.event_id}"
        return UnitEntry(
            unit,
            p.name,
            p.level,
            p.parent_id,
            p.cluster_id,
            p.cluster_name,
            event.occurred_at,
            since,
            key,
            p.admin_code,
        )
    if isinstance(event, OfficerRegisteredEvent):
        o = event.payload
        # The directory keeps the latest registration; a transfer is dated by transferred_at when given.
        at = o.transferred_at or event.occurred_at
        key = f"{event.source or ''}:{event.event_id}"
        staff = o.staff_kind or ("civil_servant" if o.category == "civil_servant" else None)
        return OfficerEntry(event.officer_id, unit, o.full_name, o.category, o.position, at, key, staff, o.peer_group)
    if isinstance(event, UnitReorganizedEvent):
        r = event.payload
        key = f"{event.source or ''}:{event.event_id}"
        return Reorganization(key, r.kind, tuple(r.predecessors), tuple(r.successors), r.effective_at, r.decision_no)
    if isinstance(event, EvidenceRetractedEvent):
        return Retraction(event.payload.target_event_id)
    return None
