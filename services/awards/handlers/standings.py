"""Use case: keep each unit's and officer's year standing; signal when a collective title comes in or out of reach."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from schemas import topics
from schemas.outputs import StandingChanged
from services.awards.adapters import postgres as pg
from services.awards.domain.rulebook import AwardRules
from services.awards.domain.signals import award_alert, on_track_signals, signal_due, signal_state
from thidua.runtime import inbox
from thidua.runtime.outbox import Message, enqueue


async def apply_standings(
    conn: asyncpg.Connection, events: Sequence[StandingChanged], *, rules: AwardRules, now: datetime
) -> None:
    """Keep each unit's and officer's year standing; send on-track / at-risk signals for the flag when they change.

    Standings of other periods (quarters, months, terms) are not for the awards. One transaction per call."""
    async with conn.transaction():
        yearly = [d for d in events if d.period.isdigit()]
        fresh = await inbox.claim(conn, [f"standings:{d.event_id}" for d in yearly])
        messages: list[Message] = []
        for d in yearly:
            key = f"standings:{d.event_id}"
            if key not in fresh:
                continue
            fresh.discard(key)  # the same event twice in one batch counts once
            year = int(d.period)
            if d.subject_kind == "officer":
                await pg.set_officer_score(conn, d.subject_id, d.unit_id, year, d.score, d.event_id, d.occurred_at)
                continue
            await pg.set_standing(
                conn, d.unit_id, year, d.rank_in_cluster, d.band, d.score, d.event_id, d.occurred_at, d.cluster_id
            )
            for title, on_track in on_track_signals(d, rules).items():
                messages += await _signal(conn, d, year, title, on_track, now, rules)
        await enqueue(conn, messages)


async def _signal(
    conn: asyncpg.Connection,
    d: StandingChanged,
    year: int,
    title: str,
    on_track: bool,
    now: datetime,
    rules: AwardRules,
) -> list[Message]:
    """An award_on_track / award_at_risk alert when the unit's state for title changes."""
    if not signal_due(await pg.signal_state(conn, d.unit_id, year, title), on_track):
        return []
    await pg.set_signal_state(conn, d.unit_id, year, title, signal_state(on_track))
    alert = award_alert(d, year, title, on_track, now, rules)
    return [(topics.ALERTS, d.unit_id, alert.model_dump_json(exclude_none=True).encode(), {})]
