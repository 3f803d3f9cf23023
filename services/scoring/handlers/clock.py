"""Use case: the clock re-judges open cases whose next tick has come (a due date passed, a period ended)."""

from __future__ import annotations

import logging
from datetime import datetime

import asyncpg

from services.scoring.adapters import case_store
from services.scoring.adapters.postgres import PostgresScoringStore
from services.scoring.domain.judging import Affected
from services.scoring.domain.rulebook import Rules
from services.scoring.handlers import QUARANTINED
from services.scoring.handlers.consume import apply_cases, mark
from thidua.runtime.parking import describe, is_transient

log = logging.getLogger(__name__)


async def tick(conn: asyncpg.Connection, *, rules: Rules, now: datetime, limit: int = 5000) -> int:
    """Advance the clock for open cases whose next tick has come (overdue, a period ended); return how many.

    A case the rules cannot judge never blocks the clock: it is taken off it (next_tick NULL), logged with
    its error and counted; every other case goes on."""
    try:
        return await _tick(conn, rules=rules, now=now, limit=limit)
    except Exception as exc:
        if is_transient(exc):
            raise
        log.warning("scoring: clock pass failed (%s); isolating the case at fault", exc)
    cases = await case_store.due_cases(conn, now, limit, lock=False)
    for case in cases:
        try:
            async with conn.transaction():
                affected = Affected()
                store = PostgresScoringStore(conn)
                await apply_cases(store, {}, {case: []}, affected, rules=rules, now=now)
                await mark(store, affected, now)
        except Exception as exc:
            if is_transient(exc):
                raise
            await case_store.take_off_clock(conn, case)
            QUARANTINED.labels("clock").inc()
            log.error("scoring: case %s cannot be judged by the clock; taken off it: %s", case, describe(exc))
    return len(cases)


async def _tick(conn: asyncpg.Connection, *, rules: Rules, now: datetime, limit: int) -> int:
    async with conn.transaction():
        cases = await case_store.due_cases(conn, now, limit, lock=True)
        if not cases:
            return 0
        affected = Affected()
        store = PostgresScoringStore(conn)
        await apply_cases(store, {}, {case: [] for case in cases}, affected, rules=rules, now=now)
        await mark(store, affected, now)
        return len(cases)
