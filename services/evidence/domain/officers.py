"""Officers belong to a unit (đơn vị quản lý cán bộ): who may speak of an officer, and what moves one.

An officer's home unit is set by its first accepted `officer.registered`. A source may name an officer (on the
envelope, in a complaint, in an inspection finding) only when its scope covers the officer's home unit; an officer
not registered yet may be named by any source of the envelope's unit (the unit check already holds). An
`officer.registered` under another unit moves the officer (a transfer, điều động): only a source covering both
units (or the whole province, '*') may send it. A registration under another unit dated before the latest one that
placed the officer in its home is a past statement: it moves nothing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from schemas.errors import FieldError
from schemas.evidence import ComplaintReceivedEvent, EvidenceEvent, InspectionRecordedEvent, OfficerRegisteredEvent
from services.evidence.domain.principal import SourceScope


@dataclass(frozen=True)
class Home:
    """The unit an officer belongs to, and the date of the latest registration that placed it there."""

    unit_id: str
    registered_at: datetime


@dataclass(frozen=True)
class HomeChange:
    """A first registration (previous None), a restatement (previous == unit_id) or a transfer, dated at."""

    officer_id: str
    unit_id: str
    previous: str | None
    at: datetime
    event_id: str


def named_officers(event: EvidenceEvent) -> list[tuple[str, str]]:
    """(field, officer_id) of every officer the event names: the envelope's, a complaint's, inspection findings'."""
    named: list[tuple[str, str]] = []
    if event.officer_id is not None:
        named.append(("officer_id", event.officer_id))
    if isinstance(event, ComplaintReceivedEvent) and event.payload.officer_id is not None:
        named.append(("payload.officer_id", event.payload.officer_id))
    if isinstance(event, InspectionRecordedEvent):
        named += [
            (f"payload.findings.{i}.officer_id", f.officer_id)
            for i, f in enumerate(event.payload.findings)
            if f.officer_id is not None
        ]
    return named


def registration_date(event: OfficerRegisteredEvent) -> datetime:
    """When a registration takes effect: the transfer date the source gives, else when it occurred."""
    return event.payload.transferred_at or event.occurred_at


def check_officers(
    scope: SourceScope, homes: Mapping[str, Home], event: EvidenceEvent
) -> FieldError | HomeChange | None:
    """Refuse an event naming an officer of a unit the source does not cover; say what a registration changes.

    The envelope's unit is already in the source's scope (decided before): this looks only at the officers."""
    for field, officer in named_officers(event):
        home = homes.get(officer)
        if home is not None and not scope.covers(home.unit_id):
            return FieldError(
                field=field,
                message=f"officer '{officer}' belongs to unit '{home.unit_id}', "
                f"which source '{scope.name}' is not registered for",
            )
    if not isinstance(event, OfficerRegisteredEvent):
        return None
    home = homes.get(event.officer_id)
    at = registration_date(event)
    if home is None:
        return HomeChange(event.officer_id, event.unit_id, None, at, event.event_id)
    if at <= home.registered_at:
        return None  # a statement about the time before the latest registration: nothing moves
    # A later restatement in the home unit, or a transfer: the source covers the home (checked above) and the
    # envelope's unit (checked before).
    return HomeChange(event.officer_id, event.unit_id, home.unit_id, at, event.event_id)


def apply_change(homes: dict[str, Home], change: HomeChange) -> None:
    """The homes after change (later items of the same batch are judged on them)."""
    homes[change.officer_id] = Home(change.unit_id, change.at)


def is_transfer(change: HomeChange) -> bool:
    """True when the change moves the officer to another unit."""
    return change.previous is not None and change.previous != change.unit_id
