"""Evidence's HTTP answers: what became of submitted events, the national portal's door, the operator's mappings."""

from __future__ import annotations

from typing import Any, Literal

from schemas.errors import FieldError
from schemas.http.common import Answer


class ItemResult(Answer):
    """One envelope of POST /v1/events, in the request's order; `errors` only for a rejected one."""

    event_id: str | None
    status: str
    errors: list[FieldError] | None = None


class EventAccepted(Answer):
    """GET /v1/events/{event_id} for an event in the ledger (and the retraction that undid it, if any)."""

    event_id: str
    status: Literal["accepted"]
    ledger_seq: int
    type: str
    unit_id: str
    channel: str
    accepted_at: str
    retracted_by: str | None
    # The envelope as stored, verbatim: its payload's shape is the evidence type's (schemas/evidence.py), any of them.
    envelope: dict[str, Any]


class EventRejected(Answer):
    """GET /v1/events/{event_id} for an event refused, with the reasons of its latest refusal."""

    event_id: str
    status: Literal["rejected"]
    channel: str
    rejected_at: str
    errors: list[FieldError]


EventStatus = EventAccepted | EventRejected


class PortalSession(Answer):
    """POST /v1/dvcqg/login: a session for the portal's calls, in the portal's manner (error_code 0)."""

    session: str
    error_code: int
    message: str
    expires_in: int


class PortalItem(Answer):
    """The answer for one dossier or step of a portal call, in the call's order."""

    index: int
    MaHoSo: str | None
    status: str
    # {event_id, type, status} of each event the item made, as the intake answered it.
    events: list[dict[str, str | None]]
    errors: list[FieldError]


class PortalAnswer(Answer):
    """POST /v1/dvcqg[/{service}]: the portal's fields (error_code 0, a message counting statuses) and each item."""

    error_code: int
    message: str
    results: list[PortalItem]


class PortalError(Answer):
    """A portal call refused: the portal's fields (error_code = the HTTP status, message) beside the error document."""

    error_code: int
    message: str
    error: str
    details: list[FieldError]


class UnitCode(Answer):
    """An upstream unit code mapped to one of our units; `replaced` (what it meant before) only in a PUT's answer."""

    source: str
    code: str
    unit_id: str
    created_at: str
    replaced: str | None = None


class OfficerUser(Answer):
    """An upstream user name mapped to one of our officers; `replaced` only in a PUT's answer."""

    source: str
    username: str
    officer_id: str
    created_at: str
    replaced: str | None = None


class UnitCodes(Answer):
    """GET /v1/sources/{source}/unit-codes."""

    source: str
    unit_codes: list[UnitCode]


class OfficerUsers(Answer):
    """GET /v1/sources/{source}/officer-users."""

    source: str
    officer_users: list[OfficerUser]
