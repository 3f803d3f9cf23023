"""`thidua scoring rebuild`: recompute a period from scoring's raw evidence mirror, switch atomically."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import asyncpg

from services.scoring import handlers, standings
from services.scoring.adapters import postgres as pg
from services.scoring.domain.contributions import accumulate
from services.scoring.domain.periods import parse_period
from services.scoring.rules import read_rules_file, rules_from


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
        await conn.execute("LOCK TABLE cases, counters, facts, unit_scores, officer_scores, standings, rulebooks"
                           " IN SHARE ROW EXCLUSIVE MODE")
        if rules_file is not None:
            doc = read_rules_file(rules_file)
            await pg.store_rulebook(conn, str(doc["version"]), doc, activate=True)
        active = await pg.active_rulebook(conn)
        assert active is not None
        rules = rules_from(active[1])
        old = {r["unit_id"]: float(r["score"]) for r in
               await conn.fetch("SELECT unit_id, score FROM unit_scores WHERE period = $1", period)}
        rows = await conn.fetch(
            "SELECT kind, unit_id, case_id, state::text AS state, as_of FROM cases"
            " WHERE (opened_at IS NULL OR opened_at < $2) AND (closed_at IS NULL OR closed_at >= $1)", p.start, p.end)
        totals: dict[tuple[str, str, str, str, str], list[float]] = {}
        for r in rows:
            view = handlers.case_view(r["kind"], r["unit_id"], r["case_id"], json.loads(r["state"]))
            accumulate(totals, {k: v for k, v in handlers.contribution(view, r["as_of"], rules).items()
                                if k[3] == period})
        await conn.execute("DELETE FROM counters WHERE period = $1", period)
        await pg.add_counters(conn, totals)
        affected = handlers.Affected()
        affected.add_counters(list(totals))
        affected.units.update((u, period) for u in old)
        facts = await conn.fetch("SELECT DISTINCT unit_id, officer_id FROM facts WHERE at >= $1 AND at < $2",
                                 p.start, p.end)
        affected.units.update((f["unit_id"], period) for f in facts)
        affected.officers.update((f["officer_id"], f["unit_id"], period) for f in facts if f["officer_id"])
        affected.officers.update((r["officer_id"], r["unit_id"], period) for r in await conn.fetch(
            "SELECT officer_id, unit_id FROM officer_scores WHERE period = $1", period))
        await standings.rescore(conn, affected, rules=rules, now=now)
        new = {r["unit_id"]: float(r["score"]) for r in
               await conn.fetch("SELECT unit_id, score FROM unit_scores WHERE period = $1", period)}
    changes = [(u, old.get(u), s) for u, s in sorted(new.items()) if old.get(u) != s]
    return RebuildReport(period, rules.version, len(rows), len({u for u, _ in affected.units}),
                         len({o for o, _, _ in affected.officers}), changes)
