"""Conditions a unit must act on while it still can: a dossier due within a working day, or overdue."""

from __future__ import annotations

from datetime import datetime, timedelta

from services.scoring.domain.calendar import WorkingCalendar
from services.scoring.domain.cases import Dossier

# Alerts about moments further back than this are history, not news (e.g. when a year is backfilled).
HORIZON = timedelta(days=2)


def dossier_conditions(d: Dossier, as_of: datetime, calendar: WorkingCalendar) -> dict[str, datetime]:
    """Active conditions of an open dossier and when each began."""
    if not d.is_open or d.due_at is None:
        return {}
    if as_of >= d.due_at:
        return {"dossier_overdue": d.due_at}
    due_soon = calendar.next_working_day_before(d.due_at)
    return {"dossier_due_soon": due_soon} if as_of >= due_soon else {}


def new_conditions(old: dict[str, datetime], new: dict[str, datetime], now: datetime) -> dict[str, datetime]:
    """Conditions that began since the last look, and recently enough to be worth telling."""
    return {kind: since for kind, since in new.items() if kind not in old and now - since <= HORIZON}
