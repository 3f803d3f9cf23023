"""Use case: at start, a calendar that differs from the active rulebook's (an official year's file added or
corrected, a provisional setting changed, the rule file otherwise the same) is stored as <version>+cal.<hash8> and
the periods the changed days can touch are re-judged under it by the rebuild (its switch activates it)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import asyncpg

from services.scoring.adapters import rebuild_store as store
from services.scoring.adapters import rulebook_store
from services.scoring.adapters.rulefiles import read_rules_file
from services.scoring.domain.recalendar import (
    calendar_version,
    changed_days,
    only_calendar_differs,
    touched_periods,
    years_of,
)
from services.scoring.domain.rulebook import rules_from
from services.scoring.handlers.rebuild import rebuild

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recalendared:
    """What a recalendar did."""

    version: str
    days: list[date]  # days whose working status changed
    periods: list[str]  # periods re-judged


async def recalendar(pool: asyncpg.Pool, url: str, rules_file: Path, *, now: datetime) -> Recalendared | None:
    """Re-judge under the rule file's calendar when only the calendar differs from the active rulebook's; None
    when there is nothing to do."""
    async with pool.acquire() as conn:
        current = await rulebook_store.active_rulebook(conn)
        if current is None:
            return None
        doc = await store.as_stored(conn, read_rules_file(rules_file))
        active = current[1]
        if not only_calendar_differs(doc, active):
            return None
        doc["version"] = calendar_version(doc)
        new_rules = rules_from(doc)
        old, new = rules_from(active).calendar, new_rules.calendar
        days = changed_days(old, new, years_of(old, new))
        present = set(await store.periods_present(conn))
    periods = [p for p in touched_periods(days, new_rules.book.stages) if p in present]
    log.warning(
        "scoring: the calendar changed under rulebook %s (%d day(s), e.g. %s): re-judging %s under %s",
        current[0],
        len(days),
        ", ".join(d.isoformat() for d in days[:5]) or "none",
        ", ".join(periods) or "no period",
        doc["version"],
    )
    if periods:
        await rebuild(url, periods=periods, rules_file=None, now=now, doc=doc)
    else:
        async with pool.acquire() as conn, conn.transaction():
            await store.lock_writers(conn)  # the switch's protocol: writers hold the rulebook while they judge
            await rulebook_store.store_rulebook(conn, str(doc["version"]), doc, activate=True)
    return Recalendared(str(doc["version"]), days, periods)
