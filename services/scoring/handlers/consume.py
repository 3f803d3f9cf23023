"""Use case: apply a batch of accepted evidence in one transaction — load what it needs (one call), decide in the
domain, save everything (one call)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from schemas.bounds import EARLIEST
from schemas.evidence import EvidenceEvent
from services.scoring.adapters.postgres import PostgresScoringStore
from services.scoring.adapters.rulefiles import RulesCache
from services.scoring.domain import batch
from services.scoring.domain.batch_decide import decide
from services.scoring.domain.evidence import CaseEvent
from services.scoring.domain.judging import Affected, CaseId
from services.scoring.domain.rulebook import Rules
from services.scoring.handlers import alert_message
from services.scoring.store import DirtyRow, ScoringStore


async def apply_batch(
    conn: asyncpg.Connection,
    events: Sequence[tuple[EvidenceEvent, int | None]],
    *,
    rules: Rules,
    now: datetime,
    accepted_at: datetime | None = None,
) -> Affected:
    """apply_store_batch over the connection's PostgreSQL store."""
    return await apply_store_batch(PostgresScoringStore(conn), events, rules=rules, now=now, accepted_at=accepted_at)


async def apply_store_batch(
    store: ScoringStore,
    events: Sequence[tuple[EvidenceEvent, int | None]],
    *,
    rules: Rules,
    now: datetime,
    accepted_at: datetime | None = None,
) -> Affected:
    """Apply a batch of typed evidence (with its ledger sequence): inbox, cases, facts, directory and counters,
    and queue the subjects to rescore, in one unit of work. accepted_at is the oldest acceptance time in the
    batch (for the freshness figure)."""
    plan = batch.plan(events)
    async with store.transaction():
        loaded = await store.load(plan)
        decided = decide(plan, loaded, rules=rules, now=now)
        messages = [[alert_message(a) for a in done.alerts] for done in decided.passes]
        await store.save(decided, messages, dirty_rows(decided.affected), accepted_at or now)
    return decided.affected


def accepted_moment(stamp: str | None, now: datetime) -> datetime | None:
    """The `accepted_at` header of a record when it is a sane moment (aware, not before EARLIEST, not after now);
    None otherwise. Only the freshness figure and the rescorer's pace use it: a bad header never fails a batch."""
    if not stamp or len(stamp) > 64:
        return None
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    if moment.tzinfo is None or moment.utcoffset() is None or not EARLIEST <= moment <= now:
        return None
    return moment


async def apply_under_active_rules(
    conn: asyncpg.Connection,
    events: Sequence[tuple[EvidenceEvent, int | None]],
    *,
    cache: RulesCache,
    now: datetime,
    accepted_at: datetime | None = None,
) -> Rules:
    """apply_batch under the rules in force when it commits: the rulebook is held first, so a batch that meets a
    rebuild's switch waits for it and then reads the new rules (never writes under the old ones after it)."""
    store = PostgresScoringStore(conn)
    async with store.transaction():
        await store.hold_rulebook()
        rules = await cache.active(conn)
        await apply_store_batch(store, events, rules=rules, now=now, accepted_at=accepted_at)
    return rules


def dirty_rows(affected: Affected) -> list[DirtyRow]:
    """The rescorer's queue rows of the affected subjects."""
    return [("unit", u, u, p) for u, p in affected.units] + [("officer", o, u, p) for o, u, p in affected.officers]


async def mark(store: ScoringStore, affected: Affected, accepted_at: datetime) -> None:
    """Queue the affected subjects for the rescorer."""
    await store.mark_dirty(dirty_rows(affected), accepted_at)


async def apply_cases(
    store: ScoringStore,
    events: dict[CaseId, list[tuple[str, CaseEvent]]],
    retractions: dict[CaseId, list[str]],
    affected: Affected,
    *,
    rules: Rules,
    now: datetime,
) -> None:
    """Merge events into their cases and add (new − old contribution) to the counters; a complaint about a
    dossier then hands its verdict to that dossier's case (a second pass over those dossiers only: a dossier
    hands nothing on, so there is no third)."""
    while events or retractions:
        stored = await store.lock_cases(set(events) | set(retractions))
        done, events = batch.judge_cases(stored, events, retractions, rules=rules, now=now)
        retractions = {}
        await store.save_cases(done.rows, done.deltas, [alert_message(a) for a in done.alerts])
        affected.add_counters(list(done.deltas))
