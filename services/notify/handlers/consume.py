"""Consumed events to notifications: idempotent, damped, escalated, in the consumer's transaction."""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import asyncpg
from prometheus_client import Counter

from schemas import topics
from schemas.evidence import EvidenceEvent, UnitRegisteredEvent
from schemas.outputs import Alert, NominationChanged, StandingChanged
from services.notify.adapters import postgres as pg
from services.notify.config import Settings
from services.notify.domain import rules
from services.notify.domain.rules import Candidate
from thidua.runtime import inbox

log = logging.getLogger(__name__)
NOTIFIED = Counter("thidua_notify_notifications_total", "Notification decisions", ["kind", "outcome"])
Event = Alert | StandingChanged | NominationChanged
MODELS: dict[str, type[Alert] | type[StandingChanged] | type[NominationChanged]] = {
    topics.ALERTS: Alert,
    topics.STANDINGS_CHANGED: StandingChanged,
    topics.NOMINATIONS: NominationChanged,
}


@dataclass
class Outcome:
    """What one batch did: notifications created (and pushed), damped, held for the digest."""

    notified: int = 0
    pushed: int = 0
    damped: int = 0
    digested: int = 0


def identity(event: Event) -> str:
    """The message identity recorded once: an alert is its alert_id at its occurrence time."""
    if isinstance(event, Alert):
        return f"{event.alert_id}@{event.occurred_at.isoformat()}"
    return event.event_id


def inbox_key(topic: str, event: Event) -> str:
    """The event's key in the shared inbox: its topic, then its identity."""
    return f"{topic}:{identity(event)}"


async def handle(conn: asyncpg.Connection, topic: str, events: Sequence[Event], *, settings: Settings) -> Outcome:
    """Apply a batch of one topic in one transaction; messages seen before do nothing.

    A failure leaves nothing behind (the inbox claim included): the runtime may then retry record by record,
    park the one at fault and replay it after a fix, with its effects applied once."""
    outcome = Outcome()
    async with conn.transaction():
        fresh = await inbox.claim(conn, [inbox_key(topic, e) for e in events])
        for event in events:
            key = inbox_key(topic, event)
            if key not in fresh:
                continue
            fresh.discard(key)  # the same message twice in one batch counts once
            await _one(conn, event, settings, outcome)
    return outcome


async def _one(conn: asyncpg.Connection, event: Event, settings: Settings, outcome: Outcome) -> None:
    base = settings.public_base_url
    if isinstance(event, NominationChanged):
        await notify(conn, rules.from_nomination(event, base_url=base), settings.damping_seconds, outcome)
        return
    entry = await pg.unit(conn, event.unit_id)
    name = entry["name"] if entry else None
    if isinstance(event, StandingChanged):
        candidate = rules.from_standing(event, unit_name=name, base_url=base)
        if candidate is not None:
            await notify(conn, candidate, settings.damping_seconds, outcome)
        return
    await notify(conn, rules.from_alert(event, unit_name=name, base_url=base), settings.damping_seconds, outcome)
    if rules.escalates(event.kind):
        await escalate(conn, event, entry, settings, outcome)


async def notify(conn: asyncpg.Connection, c: Candidate, damping_seconds: float, outcome: Outcome) -> int | None:
    """One notification per condition: damped repeats are counted, low priority waits for the digest."""
    state = await pg.observe(conn, c)
    if rules.damped(state["notified_at"], c.at, damping_seconds):
        await pg.mark_damped(conn, c)
        outcome.damped += 1
        NOTIFIED.labels(c.kind, "damped").inc()
        return None
    occurrence = state["occurrences"] + 1
    await pg.mark_notified(conn, c, occurrence)
    if c.priority == "low":
        await pg.insert_digest_item(conn, c, occurrence)
        outcome.digested += 1
        NOTIFIED.labels(c.kind, "digest").inc()
        return None
    notification_id = await pg.insert_notification(conn, c, occurrence)
    if notification_id is None:
        return None
    outcome.notified += 1
    outcome.pushed += await pg.add_deliveries(conn, notification_id, c.unit_id)
    NOTIFIED.labels(c.kind, "notified").inc()
    return notification_id


async def escalate(
    conn: asyncpg.Connection, alert: Alert, entry: asyncpg.Record | None, settings: Settings, outcome: Outcome
) -> None:
    """Tell the parent unit, once a window, when the unit has N conditions of the alert's kind within the window.

    Overdue dossiers and overdue complaints are counted apart, each with its own escalation (and damping).
    """
    if entry is None or not entry["parent_id"]:
        return
    window = settings.escalation_window_seconds
    count = await pg.count_overdue(
        conn, alert.unit_id, alert.kind, alert.occurred_at - timedelta(seconds=window), alert.occurred_at
    )
    if count < settings.escalation_threshold:
        return
    candidate = rules.escalation(
        parent_id=entry["parent_id"],
        unit_id=alert.unit_id,
        unit_name=entry["name"],
        count=count,
        at=alert.occurred_at,
        window_seconds=window,
        base_url=settings.public_base_url,
        kind=alert.kind,
    )
    await notify(conn, candidate, window, outcome)


async def record_units(conn: asyncpg.Connection, events: Sequence[EvidenceEvent]) -> int:
    """Keep the unit.registered entries of evidence.accepted (name, parent) in one statement; other types are
    ignored."""
    rows = [rules.directory_entry(e) for e in events if isinstance(e, UnitRegisteredEvent)]
    if rows:
        await pg.upsert_units(conn, rows)
    return len(rows)
