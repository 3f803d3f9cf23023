"""Conditions a unit must act on while it still can: a dossier due within a working day or overdue, a complaint
(phản ánh, kiến nghị) past its answer clock."""

from __future__ import annotations

from datetime import datetime, timedelta

from services.scoring.domain.calendar import CalendarYearMissing, WorkingCalendar
from services.scoring.domain.cases import Complaint, Dossier

# Alerts about moments further back than this are history, not news (e.g. when a year is backfilled).
HORIZON = timedelta(days=2)


def dossier_conditions(d: Dossier, as_of: datetime, calendar: WorkingCalendar) -> dict[str, datetime]:
    """Active conditions of an open dossier and when each began."""
    if not d.is_open or d.due_at is None:
        return {}
    if as_of >= d.due_at:
        return {"dossier_overdue": d.due_at}
    try:
        due_soon = calendar.next_working_day_before(d.due_at)
    except CalendarYearMissing:
        return {}  # no calendar for that year: no "due tomorrow" guess
    return {"dossier_due_soon": due_soon} if as_of >= due_soon else {}


def complaint_conditions(c: Complaint, as_of: datetime, deadline: datetime | None) -> dict[str, datetime]:
    """An open complaint past its answer deadline (15 working days by default) is overdue since the deadline."""
    if c.resolved_at is not None or deadline is None or as_of < deadline:
        return {}
    return {"complaint_overdue": deadline}


def new_conditions(old: dict[str, datetime], new: dict[str, datetime], now: datetime) -> dict[str, datetime]:
    """Conditions that began since the last look, and recently enough to be worth telling."""
    return {kind: since for kind, since in new.items() if kind not in old and now - since <= HORIZON}
