"""Use case: from the rule file's official_due day (1 October) tell the operator, at start and daily, that next
year's official working-day calendar is missing: a log warning, a metric, an alert to the office's inbox."""

from __future__ import annotations

import logging
from datetime import date

import asyncpg
from prometheus_client import Gauge

from services.scoring.domain.alerts import calendar_missing_alert
from services.scoring.domain.calendar import missing_official_year
from services.scoring.domain.rulebook import Rules
from services.scoring.handlers import alert_message
from thidua.runtime.outbox import enqueue

log = logging.getLogger(__name__)
OFFICIAL_MISSING = Gauge(
    "thidua_calendar_official_missing",
    "1 while next year's official working-day calendar file is missing past the rule file's official_due day",
    ["year"],
)


async def watch_calendar(conn: asyncpg.Connection, *, rules: Rules, today: date, alert_unit: str | None) -> int | None:
    """Check once (call at start and daily): the missing year, reported; None when nothing is missing."""
    calendar = rules.calendar
    due = calendar.provisional.official_due if calendar.provisional is not None else (10, 1)
    missing = missing_official_year(calendar, today, due)
    for year in (today.year, today.year + 1):
        OFFICIAL_MISSING.labels(str(year)).set(1.0 if year == missing else 0.0)
    if missing is None:
        return None
    log.warning(
        "scoring: no official working-day calendar for %d: add rules/calendar/%d.toml (the government's days off "
        "and swapped Saturdays); until then %d is judged on the provisional calendar",
        missing,
        missing,
        missing,
    )
    if alert_unit:
        await enqueue(conn, [alert_message(calendar_missing_alert(alert_unit, missing, today, rules.version))])
    return missing
