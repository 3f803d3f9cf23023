"""Who may see what: the one place that decides access to data about named officers.

A unit's figures are public (công khai, minh bạch); anything that names an officer (id, name, records such as
discipline, ratings, trainings, inspection findings, officer scorecards and standings) needs a token of the
officer's unit, the council or admin; an officer's own token (role officer) reads that officer's scorecard and
tracking, nothing else. Routes ask this module; they never decide it themselves."""

from __future__ import annotations

from schemas.outputs import ADMIN_INBOX
from thidua.runtime.auth import Principal

OFFICER_READERS = ("council", "admin")
ANY_ROLE = ("source", "unit", "council", "admin", "officer", "person")


def allowed(principal: Principal, roles: tuple[str, ...], unit_id: str | None = None) -> bool:
    """True when the principal's role is one of roles, or it is the token of unit_id (when a unit is named)."""
    if principal.role in roles:
        return True
    return unit_id is not None and principal.role == "unit" and principal.unit_id == unit_id


def is_admin(principal: Principal) -> bool:
    """True for an admin (operators' actions: parked records, deliveries, mappings, metrics)."""
    return allowed(principal, ("admin",))


def may_submit(principal: Principal) -> bool:
    """Evidence comes from registered sources only: a source token speaking for a named source."""
    return principal.role == "source" and principal.source is not None


def may_open_portal_session(principal: Principal | None, username: str) -> bool:
    """The portal's sign-in: the password is a token of the source named as username."""
    return principal is not None and may_submit(principal) and principal.source == username


def may_see_officers(principal: Principal | None, unit_id: str | None) -> bool:
    """True for council and admin, and for the unit's own token when the officers belong to unit_id."""
    if principal is None:
        return False
    return allowed(principal, OFFICER_READERS, unit_id)


def may_see_officer(principal: Principal | None, officer_id: str, unit_id: str | None) -> bool:
    """One named officer's own records (scorecard, Decree 335 tracking): whoever may see unit_id's officers, and
    the officer's own token."""
    if principal is not None and principal.role == "officer":
        return principal.officer_id is not None and principal.officer_id == officer_id
    return may_see_officers(principal, unit_id)


def officer_denial(principal: Principal | None) -> tuple[int, str, str]:
    """(status, error, message) for a caller who may not see officer data: 401 without a token, else 403."""
    if principal is None:
        return (
            401,
            "a bearer token is required for data about named officers",
            "send the token of the officer's unit, the council or admin",
        )
    if principal.role == "officer":
        return (
            403,
            "this token may not see data about these officers",
            "an officer's token reads only that officer's own scorecard and tracking",
        )
    return (
        403,
        "this token may not see data about these officers",
        f"role '{principal.role}' of another unit is not allowed here",
    )


def may_use_inbox(principal: Principal | None, unit_id: str) -> bool:
    """A unit's inbox and channels (its notifications may name its officers): the unit's own token or admin.

    The council reads officers' records where it decides (nominations, scorecards), not a unit's mailbox. The
    operators' inbox (ADMIN_INBOX) is admin's alone: a unit token naming it (never issued) is refused too."""
    if principal is None:
        return False
    if is_admin(principal):
        return True
    return allowed(principal, (), unit_id) and not reserved_unit(unit_id)


def reserved_unit(unit_id: str | None) -> bool:
    """True for the unit id of the operators' inbox, for which no unit token may be issued or honoured."""
    return unit_id == ADMIN_INBOX


def may_open_sheet(principal: Principal, officer_id: str) -> bool:
    """An officer's own token opens only that officer's tracking sheet; for the other roles scoring decides from the
    officer's unit when the sheet is fetched."""
    return principal.role != "officer" or may_see_officer(principal, officer_id, None)


def may_import_ratings(principal: Principal) -> bool:
    """The officers' yearly ratings come from a source (the HR office) or admin."""
    return may_submit(principal) or is_admin(principal)


def own_unit(principal: Principal) -> str | None:
    """The unit a unit's own token speaks for (what it is shown is scoped to it); None for the other roles."""
    return principal.unit_id if principal.role == "unit" else None


def own_officer(principal: Principal) -> str | None:
    """The officer an officer's own token speaks for; None for the other roles."""
    return principal.officer_id if principal.role == "officer" else None


def own_source(principal: Principal) -> str | None:
    """The source a source token speaks for (the sender its evidence names); None for the other roles."""
    return principal.source if principal.role == "source" else None
