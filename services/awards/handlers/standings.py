"""Use case: keep each unit's and officer's year standing; signal when a collective title comes in or out of reach."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from schemas import topics
from schemas.outputs import StandingChanged
from services.awards.domain.rulebook import AwardRules
from services.awards.domain.signals import award_alert, on_track_signals, signal_due, signal_state
from services.awards.store import AwardsStore
from thidua.runtime.outbox import Message


async def apply_standings(
    store: AwardsStore, events: Sequence[StandingChanged], *, rules: AwardRules, now: datetime
) -> None:
    """Keep each unit's and officer's year standing; send on-track / at-risk signals for the flag when they change.

    Standings of other periods (quarters, months, terms) are not for the awards. One transaction per call."""
    async with store.transaction():
        yearly = [d for d in events if d.period.isdigit()]
        fresh = await store.claim([f"standings:{d.event_id}" for d in yearly])
        messages: list[Message] = []
        for d in yearly:
            key = f"standings:{d.event_id}"
            if key not in fresh:
                continue
            fresh.discard(key)  # the same event twice in one batch counts once
            year = int(d.period)
            if d.subject_kind == "officer":
                await store.set_officer_score(d.subject_id, d.unit_id, year, d.score, d.event_id, d.occurred_at)
                continue
            await store.set_standing(d, year)
            for title, on_track in on_track_signals(d, rules).items():
                messages += await _signal(store, d, year, title, on_track, now, rules)
        await store.enqueue(messages)


async def _signal(
    store: AwardsStore,
    d: StandingChanged,
    year: int,
    title: str,
    on_track: bool,
    now: datetime,
    rules: AwardRules,
) -> list[Message]:
    """An award_on_track / award_at_risk alert when the unit's state for title changes."""
    if not signal_due(await store.signal_state(d.unit_id, year, title), on_track):
        return []
    await store.set_signal_state(d.unit_id, year, title, signal_state(on_track))
    alert = award_alert(d, year, title, on_track, now, rules)
    return [(topics.ALERTS, d.unit_id, alert.model_dump_json(exclude_none=True).encode(), {})]
