"""The v1 evidence envelope's union of types, its registry, and parse_evidence() with field-path errors."""

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Annotated, Any, Union, get_args

from pydantic import Field, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from schemas.bounds import FUTURE_HORIZON
from schemas.envelope import Envelope, EvidenceTypes, tag_of
from schemas.errors import EvidenceInvalid, FieldError, describe, dotted
from schemas.evidence_types.complaints import (
    ComplaintFeedbackEvent,
    ComplaintPublishedEvent,
    ComplaintReceivedEvent,
    ComplaintResolvedEvent,
    ComplaintSupplementRequestedEvent,
    GrievanceClosedEvent,
    GrievanceOpenedEvent,
    InspectionRecordedEvent,
)
from schemas.evidence_types.dossiers import (
    ObjectiveCauseConfirmedEvent,
    ProcedureCataloguedEvent,
    ProcedureProcessedEvent,
    ProcedurePublishedEvent,
    ProcedureRatedEvent,
    ProcedureReceivedEvent,
    ProcedureReturnedEvent,
)
from schemas.evidence_types.officers import (
    DisciplineRecordedEvent,
    EmulationRegisteredEvent,
    EvaluationRecordedEvent,
    InitiativeRecognizedEvent,
    LeaveRecordedEvent,
    OfficerAssessedEvent,
    OfficerRegisteredEvent,
    ResearchAcceptedEvent,
    TitleAwardedEvent,
    TrainingCompletedEvent,
)
from schemas.evidence_types.units import (
    COMMUNE_LEVELS,
    PROVINCE_LEVELS,
    TWO_LEVEL_SINCE,
    EvidenceRetractedEvent,
    UnitRegisteredEvent,
    UnitReorganizedEvent,
)
from schemas.outputs import ADMIN_INBOX

FUTURE_TOLERANCE = timedelta(minutes=5)


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
    | EvidenceRetractedEvent
    | ProcedureCataloguedEvent
    | ProcedurePublishedEvent
    | ComplaintSupplementRequestedEvent
    | ComplaintPublishedEvent
    | ResearchAcceptedEvent
    | UnitReorganizedEvent
    | ProcedureReturnedEvent
    | ObjectiveCauseConfirmedEvent
    | OfficerAssessedEvent
    | LeaveRecordedEvent,
    Field(discriminator="type"),
]
"""Every v1 evidence type (the typed contract: consumers narrow on these classes)."""
EVIDENCE_CLASSES: tuple[type[Envelope], ...] = get_args(get_args(EvidenceEvent)[0])
"""The envelope classes of the union, in its order."""
EVIDENCE_TYPES: tuple[str, ...] = tuple(tag_of(cls) for cls in EVIDENCE_CLASSES)
"""Every evidence type's tag, read from the union (never kept by hand): what an unknown type's refusal lists."""
EVIDENCE_ADAPTER: TypeAdapter[EvidenceEvent] = TypeAdapter(EvidenceEvent)
"""Validates any v1 envelope, choosing the class by its `type`."""
REGISTRY = EvidenceTypes(EVIDENCE_CLASSES)
"""The types the intake accepts: the union's, and any registered beside it (REGISTRY.register(SomeEvent))."""


def evidence_adapter() -> TypeAdapter[Any]:
    """The validator of every registered type: the union's own unless a type was registered beside it."""
    return EVIDENCE_ADAPTER if REGISTRY.classes == EVIDENCE_CLASSES else REGISTRY.adapter()


def types_of(*classes: type[Envelope]) -> frozenset[str]:
    """The `type` tags of event classes (what a consumer that handles only these classes decodes)."""
    return frozenset(tag_of(cls) for cls in classes)


def parse_evidence(data: bytes | str | dict[str, Any], *, now: datetime, source_required: bool) -> EvidenceEvent:
    """Validate one envelope; raise EvidenceInvalid naming each refused field and why."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    try:
        adapter = evidence_adapter()
        event = adapter.validate_json(data) if isinstance(data, bytes | str) else adapter.validate_python(data)
    except ValidationError as error:
        raise EvidenceInvalid([_field_error(e, data) for e in error.errors(include_url=False)]) from None
    problems = _problems(event, now + FUTURE_TOLERANCE, now + FUTURE_HORIZON, source_required)
    if problems:
        raise EvidenceInvalid(problems)
    return event


def parse_evidence_batch(
    docs: Sequence[dict[str, Any]], *, now: datetime, source_required: Sequence[bool]
) -> list[EvidenceEvent | EvidenceInvalid]:
    """Validate many envelopes in one call: each item's event, or the EvidenceInvalid parse_evidence would raise."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    try:  # the usual batch is all valid: one pass of the validator over the list, not one call per item
        parsed: list[EvidenceEvent | EvidenceInvalid] = _list_adapter().validate_python(docs)
    except ValidationError as error:
        parsed = _one_by_one(docs, error)
    late, horizon = now + FUTURE_TOLERANCE, now + FUTURE_HORIZON
    for i, event in enumerate(parsed):
        if not isinstance(event, EvidenceInvalid):
            problems = _problems(event, late, horizon, source_required[i])
            if problems:
                parsed[i] = EvidenceInvalid(problems)
    return parsed


def _one_by_one(docs: Sequence[dict[str, Any]], error: ValidationError) -> list[EvidenceEvent | EvidenceInvalid]:
    """The list's errors handed back to their items (the index dropped from the path); the others validated alone."""
    refused: dict[int, list[FieldError]] = {}
    for detail in error.errors(include_url=False):
        index, *rest = detail["loc"]
        assert isinstance(index, int)  # the input is a list: every error lies in one of its items
        detail["loc"] = tuple(rest)
        refused.setdefault(index, []).append(_field_error(detail, docs[index]))
    adapter = evidence_adapter()
    return [EvidenceInvalid(refused[i]) if i in refused else adapter.validate_python(doc) for i, doc in enumerate(docs)]


_LIST: list[tuple[tuple[type[Envelope], ...], TypeAdapter[list[Any]]]] = []


def _list_adapter() -> TypeAdapter[list[Any]]:
    """A validator of a list of envelopes of the registered types (built once per set of types)."""
    classes = REGISTRY.classes
    if not _LIST or _LIST[0][0] != classes:
        # The same union as the registry's adapter (same classes, same order), so the same errors item by item.
        union: Any = EvidenceEvent
        if classes != EVIDENCE_CLASSES:
            union = Annotated[Union[classes], Field(discriminator="type")]  # noqa: UP007 (built at run time)
        _LIST[:] = [(classes, TypeAdapter(list[union]))]
    return _LIST[0][1]


_PLAIN = frozenset({str, int, bool, float, type(None)})
"""Value classes that are never a moment nor hold one: the horizon walk passes them by at once."""


def _problems(event: EvidenceEvent, late: datetime, horizon: datetime, source_required: bool) -> list[FieldError]:
    """The contract's checks past the shapes: moments not too far ahead, the reserved unit, source, unit rules."""
    problems: list[FieldError] = []
    if event.occurred_at > late:
        problems.append(FieldError(field="occurred_at", message="is more than 5 minutes in the future"))
    # The payload's fields in declaration order (a model's __dict__ holds exactly its fields, in that order).
    for name, value in event.payload.__dict__.items():
        if value.__class__ in _PLAIN:
            continue
        if isinstance(value, datetime) and value > horizon:
            problems.append(FieldError(field=f"payload.{name}", message="is more than a year in the future"))
        elif isinstance(value, tuple | list):  # supplements: dated items one level down, held to the same horizon
            for i, item in enumerate(value):
                for inner in getattr(type(item), "model_fields", ()):
                    moment = getattr(item, inner)
                    if isinstance(moment, datetime) and moment > horizon:
                        problems.append(
                            FieldError(field=f"payload.{name}.{i}.{inner}", message="is more than a year in the future")
                        )
    if event.unit_id == ADMIN_INBOX:  # the operators' inbox: no unit may be it (its alerts are for admins alone)
        problems.append(FieldError(field="unit_id", message=f"{ADMIN_INBOX} is reserved for the operators' inbox"))
    if source_required and event.source is None:
        problems.append(FieldError(field="source", message="field required"))
    if isinstance(event, UnitRegisteredEvent):
        problems += _unit_problems(event)
    if isinstance(event, UnitReorganizedEvent):
        problems += _reorganization_problems(event)
    return problems


def _unit_problems(event: UnitRegisteredEvent) -> list[FieldError]:
    """A unit on the map of its date: no district from 1 July 2025; an admin_code as long as its level's."""
    unit, problems = event.payload, []
    if unit.level == "district" and event.occurred_at >= TWO_LEVEL_SINCE:
        problems.append(
            FieldError(
                field="payload.level",
                message="district is refused from 2025-07-01 (no district level since Resolution 202/2025/QH15); "
                "use province, department, agency, commune, ward or special_zone",
            )
        )
    digits = 2 if unit.level in PROVINCE_LEVELS else 5 if unit.level in COMMUNE_LEVELS else None
    if unit.admin_code is not None and digits is not None and len(unit.admin_code) != digits:
        whose = "the province's 2 digits" if digits == 2 else "its 5-digit commune code"
        problems.append(FieldError(field="payload.admin_code", message=f"of a {unit.level} is {whose}"))
    return problems


SHAPES: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {
    "merge": ((1, 50), (1, 1)),
    "split": ((1, 1), (2, 50)),
    "rename": ((1, 1), (1, 1)),
    "dissolution": ((1, 50), (0, 0)),
}
"""How many predecessors and successors each kind of reorganization names (inclusive bounds)."""


def _reorganization_problems(event: UnitReorganizedEvent) -> list[FieldError]:
    """Each kind names as many units as it makes sense for, none twice, and the envelope's unit among them."""
    change, problems = event.payload, []
    for name, units, (low, high) in zip(
        ("predecessors", "successors"), (change.predecessors, change.successors), SHAPES[change.kind], strict=True
    ):
        if not low <= len(units) <= high:
            count = f"exactly {low}" if low == high else f"{low} to {high}"
            problems.append(FieldError(field=f"payload.{name}", message=f"a {change.kind} names {count} unit(s)"))
        if len(set(units)) != len(units):
            problems.append(FieldError(field=f"payload.{name}", message="names a unit twice"))
    both = sorted(set(change.predecessors) & set(change.successors))
    if both:
        problems.append(
            FieldError(
                field="payload.successors", message=f"{', '.join(both)} cannot be both predecessor and successor"
            )
        )
    if event.unit_id not in {*change.predecessors, *change.successors}:
        problems.append(FieldError(field="unit_id", message="must be one of the units the reorganization names"))
    return problems


def _field_error(error: ErrorDetails, data: object) -> FieldError:
    """One pydantic error of the union as a FieldError, without the discriminator tag in its path."""
    kind, loc = error["type"], tuple(error["loc"])
    if kind == "json_invalid":
        return FieldError(field="body", message=f"not valid JSON ({error.get('ctx', {}).get('error', '')})")
    if kind == "union_tag_not_found":
        return FieldError(field="type", message="field required")
    if kind == "union_tag_invalid":
        given = repr(_given_type(data))
        given = given if len(given) <= 60 else given[:57] + "..."
        known = ", ".join(REGISTRY.tags)
        return FieldError(field="type", message=f"unknown type {given}; must be one of: {known}")
    if not loc:
        return FieldError(field="body", message="must be a JSON object (an evidence envelope)")
    # loc starts with the discriminator tag ("procedure.processed", ...): drop it.
    return FieldError(field=dotted(loc[1:]), message=describe(error))


def _given_type(data: object) -> object:
    """The `type` value of the refused document, for the error message."""
    if isinstance(data, bytes | str):
        try:
            data = json.loads(data)
        except ValueError:
            return None
    return data.get("type") if isinstance(data, dict) else None
