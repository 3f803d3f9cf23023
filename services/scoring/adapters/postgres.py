"""The scoring store kept in PostgreSQL: one connection, its transaction, over the tables' modules (inbox_store,
case_store, fact_store, directory_store, score_store, rulebook_store, tracking_store)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any

import asyncpg

from schemas.lineage import Reorganization
from services.scoring.adapters import (
    case_store,
    directory_store,
    fact_store,
    inbox_store,
    rulebook_store,
    score_store,
    tracking_store,
)
from services.scoring.domain import batch as b
from services.scoring.domain.batch_decide import Decided, Loaded, withdrawn
from services.scoring.domain.contributions import CounterKey
from services.scoring.domain.judging import CaseId
from services.scoring.store import DirtyRow
from thidua.runtime.outbox import Message, enqueue


class PostgresScoringStore:
    """ScoringStore over one connection (its transactions nest as savepoints)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    def transaction(self) -> AbstractAsyncContextManager[None]:
        """The connection's transaction."""
        return self.conn.transaction()

    async def hold_rulebook(self) -> None:
        """Share-lock the rulebooks."""
        await rulebook_store.hold_rulebook(self.conn)

    async def load(self, plan: b.Plan) -> Loaded:
        """Claim, then read in set-based statements what the new events need (cases held in key order)."""
        conn = self.conn
        fresh = await inbox_store.claim(conn, plan.inbox)
        if not fresh:
            return Loaded()
        found = Loaded(fresh=fresh, early=await inbox_store.early_retracted(conn, b.plain_keys(plan, fresh)))
        found.touched = await inbox_store.targets(conn, b.wanted(plan, fresh))
        s = b.sort(plan, fresh, found.early, found.touched)
        found.cases = await case_store.lock_cases(conn, s.cases())
        # The dossiers complaints may hand a verdict to, held after the cases (as the second pass did).
        found.cases |= await case_store.lock_cases(conn, b.dossiers_named(found.cases, s) - set(found.cases))
        found.facts = await fact_store.facts_of(conn, s.fact_retractions)
        if b.moves_lineage(plan, fresh, s):
            found.reorganizations = await directory_store.every_reorganization(conn)
            named = {u for c, _ in found.reorganizations.values() for u in (*c.predecessors, *c.successors)}
            named |= {
                u
                for k in fresh
                if isinstance(m := plan.meanings[k], Reorganization)
                for u in (*m.predecessors, *m.successors)
            }
            found.unit_periods = await directory_store.periods_of_units(conn, sorted(named))
        await self._directory(plan, found)
        facts = [f[2] for f in b.new_facts(plan, fresh, found.early)]
        about = b.cases_about(plan, fresh, s, facts + withdrawn(found, s, b.new_facts(plan, fresh, found.early)))
        found.case_officers = await tracking_store.case_officers(conn, about)
        return found

    async def _directory(self, plan: b.Plan, found: Loaded) -> None:
        """The registered officers' timelines and the periods their units and they are scored in."""
        units, officers = b.entries(plan, found.fresh)
        found.timelines = await directory_store.timelines(self.conn, {o.officer_id for o in officers})
        listed = {u.unit_id for u in units} | {o.unit_id for o in officers}
        listed |= {r.unit_id for regs in found.timelines.values() for r in regs}
        for unit, period in await score_store.periods_scored(self.conn, sorted(listed)):
            found.periods_scored.setdefault(unit, set()).add(period)
        scored = await score_store.officer_periods_scored(self.conn, sorted({o.officer_id for o in officers}))
        for officer, unit, period in scored:
            found.officer_periods.setdefault(officer, set()).add((unit, period))

    async def save(
        self, decided: Decided, messages: Sequence[Sequence[Message]], dirty: Sequence[DirtyRow], accepted_at: datetime
    ) -> None:
        """Write in the order the rows were decided; the rescorer wakes at commit."""
        conn = self.conn
        await inbox_store.remember_early_retractions(conn, decided.early)
        for done, alerts in zip(decided.passes, messages, strict=True):
            await self.save_cases(done.rows, done.deltas, alerts)
        await fact_store.insert_facts(conn, decided.facts)
        await fact_store.retract_facts(conn, decided.fact_retractions)
        await directory_store.insert_reorganizations(conn, decided.reorganizations)
        await directory_store.retract_reorganizations(conn, decided.lineage_retractions)
        await directory_store.upsert_units(conn, decided.units)
        await directory_store.add_unit_memberships(conn, decided.units)
        await directory_store.upsert_officers(conn, decided.officers)
        await directory_store.add_memberships(conn, decided.officers)
        await tracking_store.attribute(conn, decided.attributions)
        await tracking_store.save_profiles(conn, decided.officers)
        await tracking_store.queue(conn, decided.tracking, decided.now)
        await score_store.mark_dirty(conn, dirty, accepted_at)
        await score_store.wake_rescorer(conn)

    async def lock_cases(self, keys: Iterable[CaseId]) -> dict[CaseId, tuple[dict[str, Any], datetime]]:
        """SELECT … FOR UPDATE in key order."""
        return await case_store.lock_cases(self.conn, keys)

    async def save_cases(
        self, rows: Sequence[b.CaseRow], deltas: Mapping[CounterKey, Sequence[float]], messages: Sequence[Message]
    ) -> None:
        """Upsert cases, add counters, insert into the outbox."""
        await case_store.save_cases(self.conn, rows)
        await case_store.add_counters(self.conn, deltas)
        await enqueue(self.conn, messages)

    async def mark_dirty(self, rows: Sequence[DirtyRow], accepted_at: datetime) -> None:
        """Upsert into dirty."""
        await score_store.mark_dirty(self.conn, rows, accepted_at)
