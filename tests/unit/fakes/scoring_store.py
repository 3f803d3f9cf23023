"""A ScoringStore in memory (services/scoring/store.py) for the batch use case's unit tests: the tables as
dictionaries, the same answers for what the handler asks (the inbox, cases, counters, facts, directory, queues); a
unit of work that fails leaves nothing behind, as a PostgreSQL transaction would."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from schemas.lineage import Reorganization
from services.scoring.domain import batch as b
from services.scoring.domain.batch import Attribution, CaseRow, EventKey, InboxRow
from services.scoring.domain.batch_decide import Decided, Loaded, withdrawn
from services.scoring.domain.contributions import CounterKey
from services.scoring.domain.evidence import Fact, OfficerEntry, UnitEntry
from services.scoring.domain.judging import CaseId
from services.scoring.domain.memberships import Registration
from services.scoring.store import DirtyRow
from tests.unit.fakes.unit_of_work import AllOrNothing
from thidua.runtime.outbox import Message


@dataclass
class FakeScoringStore(AllOrNothing):
    """Scoring's tables in memory; `fail_on_save` makes saving raise halfway (to see the unit of work undo)."""

    inbox: dict[EventKey, str | None] = field(default_factory=dict)
    early: dict[EventKey, str] = field(default_factory=dict)  # (source, target_event_id) -> retraction id
    cases: dict[CaseId, dict[str, Any]] = field(default_factory=dict)
    counters: dict[CounterKey, list[float]] = field(default_factory=dict)
    outbox: list[Message] = field(default_factory=list)
    facts: dict[EventKey, tuple[Fact, bool]] = field(default_factory=dict)
    lineage: dict[str, tuple[Reorganization, bool]] = field(default_factory=dict)
    units: dict[str, UnitEntry] = field(default_factory=dict)
    unit_memberships: dict[str, UnitEntry] = field(default_factory=dict)
    officers: dict[str, OfficerEntry] = field(default_factory=dict)
    memberships: dict[str, OfficerEntry] = field(default_factory=dict)
    unit_scores: set[tuple[str, str]] = field(default_factory=set)  # (unit_id, period)
    officer_scores: set[tuple[str, str, str]] = field(default_factory=set)  # (officer_id, unit_id, period)
    tracking_cases: set[tuple[str, str, str, str]] = field(default_factory=set)  # (officer, kind, unit, case)
    tracking_dirty: dict[str, datetime] = field(default_factory=dict)
    dirty: dict[tuple[str, str, str], tuple[str, datetime]] = field(default_factory=dict)
    wakes: int = 0
    rulebook_held: int = 0
    fail_on_save: bool = False
    loads: int = 0
    saves: int = 0

    async def load(self, plan: b.Plan) -> Loaded:
        """What PostgresScoringStore.load reads, from the dictionaries."""
        self.loads += 1
        fresh = await self._claim(plan.inbox)
        if not fresh:
            return Loaded()
        found = Loaded(fresh=fresh, early=await self._early_retracted(b.plain_keys(plan, fresh)))
        found.touched = await self._targets(b.wanted(plan, fresh))
        s = b.sort(plan, fresh, found.early, found.touched)
        found.cases = await self.lock_cases(s.cases())
        found.cases |= await self.lock_cases(b.dossiers_named(found.cases, s) - set(found.cases))
        found.facts = {k: self.facts[k][0] for k in s.fact_retractions if k in self.facts}
        if b.moves_lineage(plan, fresh, s):
            found.reorganizations = dict(self.lineage)
            named = {u for c, _ in self.lineage.values() for u in (*c.predecessors, *c.successors)}
            named |= {u for k in fresh if isinstance(m := plan.meanings[k], Reorganization) for u in m.predecessors}
            named |= {u for k in fresh if isinstance(m := plan.meanings[k], Reorganization) for u in m.successors}
            found.unit_periods = {u: await self._unit_periods([u]) for u in named}
        units, officers = b.entries(plan, fresh)
        found.timelines = await self._timelines({o.officer_id for o in officers})
        listed = {u.unit_id for u in units} | {o.unit_id for o in officers}
        listed |= {r.unit_id for regs in found.timelines.values() for r in regs}
        for unit, period in await self._periods_scored(sorted(listed)):
            found.periods_scored.setdefault(unit, set()).add(period)
        for officer, unit, period in await self._officer_periods_scored(sorted({o.officer_id for o in officers})):
            found.officer_periods.setdefault(officer, set()).add((unit, period))
        new = b.new_facts(plan, fresh, found.early)
        about = b.cases_about(plan, fresh, s, [f[2] for f in new] + withdrawn(found, s, new))
        found.case_officers = await self._case_officers(about)
        return found

    async def save(
        self, decided: Decided, messages: Sequence[Sequence[Message]], dirty: Sequence[DirtyRow], accepted_at: datetime
    ) -> None:
        """What PostgresScoringStore.save writes, in the dictionaries."""
        self.saves += 1
        await self._remember_early_retractions(decided.early)
        for done, alerts in zip(decided.passes, messages, strict=True):
            await self.save_cases(done.rows, done.deltas, alerts)
        if self.fail_on_save:
            raise RuntimeError("the store failed")
        await self._insert_facts(decided.facts)
        await self._retract_facts(decided.fact_retractions)
        await self._insert_reorganizations(decided.reorganizations)
        await self._retract_reorganizations(decided.lineage_retractions)
        await self._register(decided.units, decided.officers)
        await self._attribute(decided.attributions)
        await self._queue_tracking(decided.tracking, decided.now)
        await self.mark_dirty(dirty, accepted_at)
        await self._wake_rescorer()

    async def hold_rulebook(self) -> None:
        """Counted: nothing to lock in memory."""
        self.rulebook_held += 1

    async def _claim(self, rows: Sequence[InboxRow]) -> set[EventKey]:
        """The keys not in the inbox yet, now recorded with their target."""
        fresh = set()
        for source, event_id, _type, _unit, target, _seq in rows:
            if (source, event_id) not in self.inbox:
                self.inbox[(source, event_id)] = target
                fresh.add((source, event_id))
        return fresh

    async def _early_retracted(self, keys: Iterable[EventKey]) -> set[EventKey]:
        """The keys a retraction named before they came."""
        return {k for k in keys if k in self.early}

    async def _targets(self, keys: Iterable[EventKey]) -> dict[EventKey, str | None]:
        """The inbox's targets of the known keys."""
        return {k: self.inbox[k] for k in set(keys) if k in self.inbox}

    async def _remember_early_retractions(self, rows: Sequence[tuple[str, str, str]]) -> None:
        """Kept once per target."""
        for source, target, retraction in rows:
            self.early.setdefault((source, target), retraction)

    async def lock_cases(self, keys: Iterable[CaseId]) -> dict[CaseId, tuple[dict[str, Any], datetime]]:
        """(state, as_of) of the stored cases (a deep copy: the caller's changes reach the store only by saving)."""
        return {k: (copy.deepcopy(self.cases[k]["state"]), self.cases[k]["as_of"]) for k in keys if k in self.cases}

    async def save_cases(
        self, rows: Sequence[CaseRow], deltas: Mapping[CounterKey, Sequence[float]], messages: Sequence[Message]
    ) -> None:
        """Upsert the cases, add to the counters, append to the outbox."""
        for kind, unit, case_id, state, opened, closed, as_of, tick in rows:
            self.cases[(kind, unit, case_id)] = {
                "state": orjson.loads(state),
                "opened_at": opened,
                "closed_at": closed,
                "as_of": as_of,
                "next_tick": tick,
            }
        for key, (num, den) in deltas.items():
            cell = self.counters.setdefault(key, [0.0, 0.0])
            cell[0] += num
            cell[1] += den
        self.outbox.extend(messages)

    async def _insert_facts(self, rows: Sequence[tuple[str, str, Fact, bool]]) -> None:
        """A repeated key changes nothing."""
        for source, event_id, fact, retracted in rows:
            self.facts.setdefault((source, event_id), (fact, retracted))

    async def _retract_facts(self, keys: Sequence[EventKey]) -> list[Fact]:
        """Every fact of the keys, now retracted."""
        found = []
        for key in keys:
            if key in self.facts:
                fact, _ = self.facts[key]
                self.facts[key] = (fact, True)
                found.append(fact)
        return found

    async def _insert_reorganizations(self, rows: Sequence[tuple[Reorganization, bool]]) -> None:
        """A repeated event changes nothing."""
        for change, retracted in rows:
            self.lineage.setdefault(change.event, (change, retracted))

    async def _retract_reorganizations(self, keys: Sequence[EventKey]) -> list[Reorganization]:
        """Those that counted until now, now retracted."""
        found = []
        for event in sorted(f"{source}:{event_id}" for source, event_id in keys):
            if event in self.lineage and not self.lineage[event][1]:
                change = self.lineage[event][0]
                self.lineage[event] = (change, True)
                found.append(change)
        return found

    async def _reorganizations(self) -> list[Reorganization]:
        """Every reorganization not retracted, by date."""
        kept = [c for c, retracted in self.lineage.values() if not retracted]
        return sorted(kept, key=lambda c: (c.at, c.event))

    async def _unit_periods(self, units: Sequence[str]) -> set[str]:
        """Periods with unit counters or a unit score."""
        named = set(units)
        return {k[3] for k in self.counters if k[0] == "unit" and k[1] in named} | {
            p for u, p in self.unit_scores if u in named
        }

    async def _register(self, units: Sequence[UnitEntry], officers: Sequence[OfficerEntry]) -> None:
        """The latest registration wins; every membership kept once."""
        for u in sorted(units, key=lambda x: x.occurred_at):
            if u.unit_id not in self.units or self.units[u.unit_id].occurred_at <= u.occurred_at:
                self.units[u.unit_id] = u
            self.unit_memberships.setdefault(u.event, u)
        for o in sorted(officers, key=lambda x: x.occurred_at):
            if o.officer_id not in self.officers or self.officers[o.officer_id].occurred_at <= o.occurred_at:
                self.officers[o.officer_id] = o
            self.memberships.setdefault(o.event, o)

    async def _timelines(self, officers: Iterable[str]) -> dict[str, list[Registration]]:
        """The registrations of the officers."""
        named = set(officers)
        found: dict[str, list[Registration]] = {}
        for o in self.memberships.values():
            if o.officer_id in named:
                found.setdefault(o.officer_id, []).append(Registration(o.occurred_at, o.event, o.unit_id))
        return found

    async def _periods_scored(self, units: Sequence[str]) -> list[tuple[str, str]]:
        """(unit, period) of the units' scores."""
        return sorted(s for s in self.unit_scores if s[0] in set(units))

    async def _officer_periods_scored(self, officers: Sequence[str]) -> list[tuple[str, str, str]]:
        """(officer, unit, period) of the officers' scores."""
        return sorted(s for s in self.officer_scores if s[0] in set(officers))

    async def _attribute(self, rows: Iterable[Attribution]) -> None:
        """Kept once."""
        self.tracking_cases |= set(rows)

    async def _case_officers(self, cases: Iterable[CaseId]) -> dict[CaseId, set[str]]:
        """{case: the officers attributed to it}."""
        wanted, found = set(cases), dict[CaseId, set[str]]()
        for o, kind, unit, case in self.tracking_cases:
            if (kind, unit, case) in wanted:
                found.setdefault((kind, unit, case), set()).add(o)
        return found

    async def _queue_tracking(self, officers: Iterable[str], now: datetime) -> None:
        """Registered officers queued once (the first time kept)."""
        for o in officers:
            if o and o in self.officers:
                self.tracking_dirty.setdefault(o, now)

    async def mark_dirty(self, rows: Sequence[DirtyRow], accepted_at: datetime) -> None:
        """One row per subject and period, keeping the oldest evidence time."""
        for kind, subject, unit, period in sorted(rows):
            key = (kind, subject, period)
            old = self.dirty.get(key)
            self.dirty[key] = (unit, min(old[1], accepted_at) if old else accepted_at)

    async def _wake_rescorer(self) -> None:
        """Counted."""
        self.wakes += 1
