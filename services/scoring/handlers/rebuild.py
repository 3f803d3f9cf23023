"""Use case `thidua scoring rebuild`: recompute a period from scoring's raw evidence mirror, switch atomically."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import asyncpg

from services.scoring.adapters import postgres as pg
from services.scoring.adapters.rulefiles import read_rules_file
from services.scoring.domain.contributions import CounterKey, accumulate
from services.scoring.domain.judging import Affected, case_view, contribution
from services.scoring.domain.periods import parse_period
from services.scoring.domain.rulebook import rules_from
from services.scoring.handlers.rescore import rescore


@dataclass(frozen=True)
class RebuildReport:
    """What a rebuild did, for the operator."""

    period: str
    rule_version: str
    cases: int
    units: int
    officers: int
    changes: list[tuple[str, float | None, float]]  # unit, old score, new score


async def rebuild(conn: asyncpg.Connection, *, period: str, rules_file: Path | None, now: datetime) -> RebuildReport:
    """Recompute every counter and score of `period` from the cases and facts, under the given (or active) rules.

    One transaction: writers (the consumer, the clock) wait on the table locks; readers keep seeing the
    old standings until the commit switches to the new ones at once.
    """
    p = parse_period(period)
    async with conn.transaction():
        await pg.lock_for_rebuild(conn)
        if rules_file is not None:
            doc = read_rules_file(rules_file)
            await pg.store_rulebook(conn, str(doc["version"]), doc, activate=True)
        active = await pg.active_rulebook(conn)
        assert active is not None
        rules = rules_from(active[1])
        old = await pg.unit_scores_in(conn, period)
        rows = await pg.cases_in(conn, p)
        totals: dict[CounterKey, list[float]] = {}
        for r in rows:
            view = case_view(r["kind"], r["unit_id"], r["case_id"], json.loads(r["state"]))
            accumulate(totals, {k: v for k, v in contribution(view, r["as_of"], rules).items() if k[3] == period})
        await pg.clear_counters(conn, period)
        await pg.add_counters(conn, totals)
        affected = Affected()
        affected.add_counters(list(totals))
        affected.units.update((u, period) for u in old)
        facts = await pg.fact_subjects(conn, p)
        affected.units.update((unit, period) for unit, _ in facts)
        affected.officers.update((officer, unit, period) for unit, officer in facts if officer)
        affected.officers.update((officer, unit, period) for officer, unit in await pg.officers_scored(conn, period))
        await rescore(conn, affected, rules=rules, now=now)
        new = await pg.unit_scores_in(conn, period)
    changes = [(u, old.get(u), s) for u, s in sorted(new.items()) if old.get(u) != s]
    return RebuildReport(
        period,
        rules.version,
        len(rows),
        len({u for u, _ in affected.units}),
        len({o for o, _, _ in affected.officers}),
        changes,
    )
