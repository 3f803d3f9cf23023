"""Consumed events to notifications: idempotent, damped, escalated, in the consumer's transaction.

Per batch: load what it needs (one call to the store), decide in the domain, save everything (one call)."""

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from prometheus_client import Counter

from schemas import topics
from schemas.evidence import EvidenceEvent, UnitRegisteredEvent
from schemas.outputs import Alert, NominationChanged, StandingChanged
from services.notify.config import Settings
from services.notify.domain import batch, rules
from services.notify.store import NotifyStore

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


def knobs(settings: Settings) -> batch.Knobs:
    """The settings a decision reads."""
    return batch.Knobs(
        base_url=settings.public_base_url,
        damping_seconds=settings.damping_seconds,
        escalation_window_seconds=settings.escalation_window_seconds,
        escalation_threshold=settings.escalation_threshold,
    )


def fresh_events(topic: str, events: Sequence[Event], fresh: set[str]) -> list[Event]:
    """The events not seen before, in order; the same message twice in one batch counts once."""
    left = set(fresh)
    found = []
    for event in events:
        key = inbox_key(topic, event)
        if key in left:
            left.discard(key)
            found.append(event)
    return found


async def handle(store: NotifyStore, topic: str, events: Sequence[Event], *, settings: Settings) -> Outcome:
    """Apply a batch of one topic in one transaction; messages seen before do nothing.

    A failure leaves nothing behind (the inbox claim included): the runtime may then retry record by record,
    park the one at fault and replay it after a fix, with its effects applied once."""
    tuning = knobs(settings)
    async with store.transaction():
        keys = [inbox_key(topic, e) for e in events]
        fresh, loaded = await store.load(keys, batch.needs(events, tuning))
        decided = batch.decide(fresh_events(topic, events, fresh), loaded, tuning)
        saved = await store.save(decided)
    for kind in decided.damped_kinds:
        NOTIFIED.labels(kind, "damped").inc()
    for kind in decided.digested_kinds:
        NOTIFIED.labels(kind, "digest").inc()
    for kind in saved.notified_kinds:
        NOTIFIED.labels(kind, "notified").inc()
    return Outcome(
        notified=len(saved.notified_kinds),
        pushed=saved.pushed,
        damped=len(decided.damped_kinds),
        digested=len(decided.digested_kinds),
    )


async def record_units(store: NotifyStore, events: Sequence[EvidenceEvent]) -> int:
    """Keep the unit.registered entries of evidence.accepted (name, parent) in one statement; other types are
    ignored."""
    rows = [rules.directory_entry(e) for e in events if isinstance(e, UnitRegisteredEvent)]
    if rows:
        await store.record_units(rows)
    return len(rows)
