"""The v1 evidence envelope, one class per type, and parse_evidence() with field-path errors."""

import json
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter, ValidationError

from schemas import payloads as p
from schemas.common import EventId, OfficerId, SourceName, Strict, Timestamp, UnitId
from schemas.errors import EvidenceInvalid, FieldError

FUTURE_TOLERANCE = timedelta(minutes=5)


class Envelope(Strict):
    """Fields every evidence event carries (contract.md, "Evidence envelope")."""

    event_id: EventId
    schema_version: Literal[1]
    occurred_at: Timestamp
    unit_id: UnitId
    officer_id: OfficerId | None = None
    source: SourceName | None = None


class OfficerEnvelope(Envelope):
    """An envelope whose type is about a named officer: officer_id is required."""

    officer_id: OfficerId


class ProcedureReceivedEvent(Envelope):
    """procedure.received"""

    type: Literal["procedure.received"]
    payload: p.ProcedureReceived


class ProcedureProcessedEvent(Envelope):
    """procedure.processed"""

    type: Literal["procedure.processed"]
    payload: p.ProcedureProcessed


class ProcedureRatedEvent(Envelope):
    """procedure.rated"""

    type: Literal["procedure.rated"]
    payload: p.ProcedureRated


class ComplaintReceivedEvent(Envelope):
    """complaint.received"""

    type: Literal["complaint.received"]
    payload: p.ComplaintReceived


class ComplaintResolvedEvent(Envelope):
    """complaint.resolved"""

    type: Literal["complaint.resolved"]
    payload: p.ComplaintResolved


class ComplaintFeedbackEvent(Envelope):
    """complaint.feedback"""

    type: Literal["complaint.feedback"]
    payload: p.ComplaintFeedback


class TrainingCompletedEvent(OfficerEnvelope):
    """training.completed"""

    type: Literal["training.completed"]
    payload: p.TrainingCompleted


class EvaluationRecordedEvent(Envelope):
    """evaluation.recorded"""

    type: Literal["evaluation.recorded"]
    payload: p.EvaluationRecorded


class DisciplineRecordedEvent(OfficerEnvelope):
    """discipline.recorded"""

    type: Literal["discipline.recorded"]
    payload: p.DisciplineRecorded


class InitiativeRecognizedEvent(OfficerEnvelope):
    """initiative.recognized"""

    type: Literal["initiative.recognized"]
    payload: p.InitiativeRecognized


class GrievanceOpenedEvent(Envelope):
    """grievance.opened"""

    type: Literal["grievance.opened"]
    payload: p.GrievanceOpened


class GrievanceClosedEvent(Envelope):
    """grievance.closed"""

    type: Literal["grievance.closed"]
    payload: p.GrievanceClosed


class InspectionRecordedEvent(Envelope):
    """inspection.recorded"""

    type: Literal["inspection.recorded"]
    payload: p.InspectionRecorded


class EmulationRegisteredEvent(Envelope):
    """emulation.registered"""

    type: Literal["emulation.registered"]
    payload: p.EmulationRegistered


class TitleAwardedEvent(Envelope):
    """title.awarded"""

    type: Literal["title.awarded"]
    payload: p.TitleAwarded


class UnitRegisteredEvent(Envelope):
    """unit.registered"""

    type: Literal["unit.registered"]
    payload: p.UnitRegistered


class OfficerRegisteredEvent(OfficerEnvelope):
    """officer.registered"""

    type: Literal["officer.registered"]
    payload: p.OfficerRegistered


class EvidenceRetractedEvent(Envelope):
    """evidence.retracted"""

    type: Literal["evidence.retracted"]
    payload: p.EvidenceRetracted


EvidenceEvent = Annotated[
    ProcedureReceivedEvent
    | ProcedureProcessedEvent
    | ProcedureRatedEvent
    | ComplaintReceivedEvent
    | ComplaintResolvedEvent
    | ComplaintFeedbackEvent
    | TrainingCompletedEvent
    | EvaluationRecordedEvent
    | DisciplineRecordedEvent
    | InitiativeRecognizedEvent
    | GrievanceOpenedEvent
    | GrievanceClosedEvent
    | InspectionRecordedEvent
    | EmulationRegisteredEvent
    | TitleAwardedEvent
    | UnitRegisteredEvent
    | OfficerRegisteredEvent
    | EvidenceRetractedEvent,
    Field(discriminator="type"),
]
EVIDENCE_TYPES: tuple[str, ...] = (
    "procedure.received",
    "procedure.processed",
    "procedure.rated",
    "complaint.received",
    "complaint.resolved",
    "complaint.feedback",
    "training.completed",
    "evaluation.recorded",
    "discipline.recorded",
    "initiative.recognized",
    "grievance.opened",
    "grievance.closed",
    "inspection.recorded",
    "emulation.registered",
    "title.awarded",
    "unit.registered",
    "officer.registered",
    "evidence.retracted",
)
EVIDENCE_ADAPTER: TypeAdapter[EvidenceEvent] = TypeAdapter(EvidenceEvent)


def parse_evidence(data: bytes | str | dict[str, Any], *, now: datetime, source_required: bool) -> EvidenceEvent:
    """Validate one envelope; raise EvidenceInvalid naming each refused field and why."""
    try:
        if isinstance(data, bytes | str):
            event = EVIDENCE_ADAPTER.validate_json(data)
        else:
            event = EVIDENCE_ADAPTER.validate_python(data)
    except ValidationError as error:
        raise EvidenceInvalid(_details(error, data)) from None
    problems: list[FieldError] = []
    if event.occurred_at > now + FUTURE_TOLERANCE:
        problems.append(FieldError(field="occurred_at", message="is more than 5 minutes in the future"))
    if source_required and event.source is None:
        problems.append(FieldError(field="source", message="field required"))
    if problems:
        raise EvidenceInvalid(problems)
    return event


def _details(error: ValidationError, data: object) -> list[FieldError]:
    details: list[FieldError] = []
    for e in error.errors(include_url=False):
        kind, loc = e["type"], tuple(e["loc"])
        if kind == "json_invalid":
            details.append(FieldError(field="body", message=f"not valid JSON ({e['ctx'].get('error', '')})"))
        elif kind == "union_tag_not_found":
            details.append(FieldError(field="type", message="field required"))
        elif kind == "union_tag_invalid":
            details.append(FieldError(field="type", message=f"unknown type {_given_type(data)!r}; known types: "
                                                            + ", ".join(EVIDENCE_TYPES)))
        elif not loc:
            details.append(FieldError(field="body", message="expected a JSON object (an evidence envelope)"))
        else:
            # loc starts with the discriminator tag ("procedure.processed", ...): drop it.
            path = ".".join(str(part) for part in loc[1:]) or "body"
            details.append(FieldError(field=path, message=_message(kind, e["msg"])))
    return details


def _message(kind: str, msg: str) -> str:
    if kind == "missing":
        return "field required"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "value_error":
        msg = msg.removeprefix("Value error, ")
    return msg[0].lower() + msg[1:] if msg else kind


def _given_type(data: object) -> object:
    if isinstance(data, bytes | str):
        try:
            data = json.loads(data)
        except ValueError:
            return None
    return data.get("type") if isinstance(data, dict) else None
