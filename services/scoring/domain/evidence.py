"""What each accepted evidence event means to scoring: a case event, a fact, a directory entry, a reorganization,
a retraction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeVar

from schemas.envelope import Envelope, tag_of
from schemas.evidence import (
    ComplaintFeedbackEvent,
    ComplaintPublishedEvent,
    ComplaintReceivedEvent,
    ComplaintResolvedEvent,
    ComplaintSupplementRequestedEvent,
    DisciplineRecordedEvent,
    EvaluationRecordedEvent,
    EvidenceEvent,
    EvidenceRetractedEvent,
    InspectionRecordedEvent,
    LeaveRecordedEvent,
    ObjectiveCauseConfirmedEvent,
    OfficerAssessedEvent,
    OfficerRegisteredEvent,
    ProcedureCataloguedEvent,
    ProcedureProcessedEvent,
    ProcedurePublishedEvent,
    ProcedureRatedEvent,
    ProcedureReceivedEvent,
    ProcedureReturnedEvent,
    TrainingCompletedEvent,
    UnitRegisteredEvent,
    UnitReorganizedEvent,
)
from schemas.lineage import Reorganization


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


Reader = Callable[[Any], Meaning]
"""What scoring makes of one evidence type: its typed event in, its meaning out."""
E = TypeVar("E", bound=Envelope)
CASE_IDS = {"dossier": "dossier_code", "complaint": "complaint_id"}
"""The payload field that names a case of each kind (the kinds cases.py merges)."""


class Meanings:
    """Every evidence type scoring uses, by tag, with what it means: registered once each, all of them below (a
    contract type not registered here means nothing to scoring)."""

    def __init__(self, readers: dict[str, Reader] | None = None) -> None:
        self._readers: dict[str, Reader] = dict(readers or {})

    def copy(self) -> Meanings:
        """Another registry holding the same types (a test registers into it and drops it)."""
        return Meanings(self._readers)

    @property
    def tags(self) -> tuple[str, ...]:
        """The registered types' tags, in registration order."""
        return tuple(self._readers)

    def read(self, event: EvidenceEvent) -> Meaning:
        """The event's meaning; None for a type scoring does not use."""
        reader = self._readers.get(event.type)
        return reader(event) if reader is not None else None

    def entry(self, cls: type[E], read: Callable[[E], Meaning]) -> None:
        """Register a type read by its own function; a tag has one meaning only."""
        tag = tag_of(cls)
        if tag in self._readers:
            raise ValueError(f"{tag} already has a meaning to scoring")
        self._readers[tag] = read

    def fact(self, cls: type[Envelope], *, kind: str, at: str | tuple[str, ...] = (), officer: bool = True) -> None:
        """Register a type kept as a fact of `kind`, dated by the first of the payload's `at` fields that is given
        (none named: the envelope's occurred_at), naming the envelope's officer unless officer is False."""
        fields = (at,) if isinstance(at, str) else at
        unknown = [name for name in fields if name not in _payload_fields(cls)]
        if unknown:
            raise ValueError(f"{tag_of(cls)} has no payload field {', '.join(unknown)}")

        def read(event: Any) -> Fact:
            given = [value for name in fields if (value := getattr(event.payload, name)) is not None]
            moment: datetime = given[0] if given else event.occurred_at
            who = event.officer_id if officer else None
            return Fact(kind, event.unit_id, who, moment, _payload(event))

        self.entry(cls, read)

    def case(
        self, cls: type[Envelope], *, case: Literal["dossier", "complaint"], slot: str, names_officer: bool = False
    ) -> None:
        """Register a type merged into a case of `case` in `slot`; names_officer: a complaint that names the
        officer it is about (the payload's officer_id, else the envelope's)."""

        def read(event: Any) -> CaseEvent:
            payload = _payload(event)
            record = {**payload, "occurred_at": event.occurred_at.isoformat()}
            if case == "dossier":
                record["officer_id"] = event.officer_id
            else:
                if names_officer:
                    record["officer_id"] = payload.get("officer_id") or event.officer_id
                # The handler (Decree 335/2025 tracking): the envelope's officer, never the payload's.
                if event.officer_id:
                    record["handler_id"] = event.officer_id
            return CaseEvent(case, event.unit_id, payload[CASE_IDS[case]], slot, record)

        self.entry(cls, read)


def _payload(event: Any) -> dict[str, Any]:
    """The payload as stored with a case or a fact: JSON values, absent fields left out."""
    # The model's serializer itself (what model_dump calls, without its keyword plumbing: once per case event).
    payload: dict[str, Any] = event.payload.__pydantic_serializer__.to_python(
        event.payload, mode="json", exclude_none=True
    )
    return payload


def _payload_fields(cls: type[Envelope]) -> set[str]:
    """The names of an envelope class's payload fields."""
    model = cls.model_fields["payload"].annotation
    return set(getattr(model, "model_fields", {}))


def _unit_entry(event: UnitRegisteredEvent) -> UnitEntry:
    """A unit's registration: its place in the directory and in its cluster."""
    p = event.payload
    since = p.cluster_since or event.occurred_at
    key = f"{event.source or ''}:{event.event_id}"
    return UnitEntry(
        event.unit_id,
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


def _officer_entry(event: OfficerRegisteredEvent) -> OfficerEntry:
    """An officer's registration: the directory keeps the latest, a transfer dated by transferred_at when given."""
    o = event.payload
    at = o.transferred_at or event.occurred_at
    key = f"{event.source or ''}:{event.event_id}"
    staff = o.staff_kind or ("civil_servant" if o.category == "civil_servant" else None)
    return OfficerEntry(
        event.officer_id, event.unit_id, o.full_name, o.category, o.position, at, key, staff, o.peer_group
    )


def _reorganization(event: UnitReorganizedEvent) -> Reorganization:
    """A merger, split, rename or dissolution of units."""
    r = event.payload
    key = f"{event.source or ''}:{event.event_id}"
    return Reorganization(key, r.kind, tuple(r.predecessors), tuple(r.successors), r.effective_at, r.decision_no)


def _retraction(event: EvidenceRetractedEvent) -> Retraction:
    return Retraction(event.payload.target_event_id)


MEANINGS = Meanings()
"""The evidence types scoring uses and what each means to it (a new type that scoring counts: one line here)."""
MEANINGS.case(ProcedureReceivedEvent, case="dossier", slot="received")
MEANINGS.case(ProcedureProcessedEvent, case="dossier", slot="processed")
MEANINGS.case(ProcedureRatedEvent, case="dossier", slot="rated")
MEANINGS.case(ProcedurePublishedEvent, case="dossier", slot="published")
MEANINGS.case(ComplaintReceivedEvent, case="complaint", slot="received", names_officer=True)
MEANINGS.case(ComplaintResolvedEvent, case="complaint", slot="resolved")
MEANINGS.case(ComplaintFeedbackEvent, case="complaint", slot="feedback")
MEANINGS.case(ComplaintSupplementRequestedEvent, case="complaint", slot="supplement")
MEANINGS.case(ComplaintPublishedEvent, case="complaint", slot="published")
# The catalogue as stated at occurred_at (the latest statement of each procedure counts); no officer's.
MEANINGS.fact(ProcedureCataloguedEvent, kind="catalogue", officer=False)
# Decree 335/2025 tracking (issue 26): kept as facts, read by the tracking sheets only (the scorecards filter by kind).
MEANINGS.fact(ProcedureReturnedEvent, kind="returned", at="returned_at")
MEANINGS.fact(ObjectiveCauseConfirmedEvent, kind="cause")
MEANINGS.fact(OfficerAssessedEvent, kind="assessment")
MEANINGS.fact(LeaveRecordedEvent, kind="leave", at="leave_from")
MEANINGS.fact(EvaluationRecordedEvent, kind="evaluation")  # HR's rating, shown beside ours (never replaced by it)
MEANINGS.fact(TrainingCompletedEvent, kind="training", at="completed_at")
MEANINGS.fact(InspectionRecordedEvent, kind="inspection", at="inspected_at")
# A discipline counts in the period of its violation, the decision's when the source does not say
# (the law counts violations inside the period of achievement; docs/rules.md, "The law of 2026 for awards").
MEANINGS.fact(DisciplineRecordedEvent, kind="discipline", at=("violation_at", "decided_at"))
MEANINGS.entry(UnitRegisteredEvent, _unit_entry)
MEANINGS.entry(OfficerRegisteredEvent, _officer_entry)
MEANINGS.entry(UnitReorganizedEvent, _reorganization)
MEANINGS.entry(EvidenceRetractedEvent, _retraction)


def meaning(event: EvidenceEvent) -> Meaning:
    """Classify one accepted, typed event by its registration (MEANINGS); None for types scoring does not use."""
    return MEANINGS.read(event)
