"""Use case: apply a batch of accepted evidence (inbox, cases, facts, directory, counters) in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg
import orjson

from schemas.bounds import EARLIEST
from schemas.evidence import EvidenceEvent
from schemas.lineage import Reorganization
from schemas.outputs import Alert
from services.scoring.adapters.postgres import PostgresScoringStore
from services.scoring.adapters.rulefiles import RulesCache
from services.scoring.domain import cases as c
from services.scoring.domain.alerts import complaint_alerts, dossier_alerts
from services.scoring.domain.contributions import CounterKey, accumulate, difference
from services.scoring.domain.evidence import CaseEvent, Fact, OfficerEntry, Retraction, UnitEntry, meaning
from services.scoring.domain.judging import Affected, CaseId, case_view, contribution, hand_verdict, next_tick, span
from services.scoring.domain.lineage import Lineage
from services.scoring.domain.rulebook import Rules
from services.scoring.handlers import alert_message
from services.scoring.store import EventKey, ScoringStore

LINEAGE = "lineage"
"""The inbox's target of a unit.reorganized (what its retraction undoes)."""
NO_DOSSIER = c.dossier_view("", "", c.empty())
"""A dossier before its first event: no due date, so no condition held (built once: the common case of a backfill)."""


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
    async with store.transaction():
        affected = await _apply(store, list(events), rules=rules, now=now)
        await mark(store, affected, accepted_at or now)
        await store.wake_rescorer()
    return affected


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


async def mark(store: ScoringStore, affected: Affected, accepted_at: datetime) -> None:
    """Queue the affected subjects for the rescorer."""
    rows = [("unit", u, u, p) for u, p in affected.units] + [("officer", o, u, p) for o, u, p in affected.officers]
    await store.mark_dirty(rows, accepted_at)


Meanings = dict[EventKey, object]


@dataclass
class Claimed:
    """What the inbox says of a batch: its new events, those retracted before they came, what retractions touch."""

    fresh: set[EventKey]
    early: set[EventKey]
    touched: dict[EventKey, str | None]


async def _claim(
    store: ScoringStore, events: list[tuple[EvidenceEvent, int | None]]
) -> tuple[Meanings, Claimed | None]:
    """Record the batch in the inbox (a repeated event once); read what the new retractions target."""
    seen: dict[EventKey, tuple[EvidenceEvent, int | None]] = {}
    for event, seq in events:
        seen.setdefault((event.source or "", event.event_id), (event, seq))
    meanings: Meanings = {key: meaning(event) for key, (event, _) in seen.items()}
    rows = []
    for key, (event, seq) in seen.items():
        m = meanings[key]
        target = m.case_key if isinstance(m, CaseEvent) else "fact" if isinstance(m, Fact) else None
        target = LINEAGE if isinstance(m, Reorganization) else target
        rows.append((key[0], key[1], event.type, event.unit_id, target, seq))
    fresh = await store.claim(rows)
    if not fresh:
        return meanings, None
    early = await store.early_retracted([k for k in fresh if not isinstance(meanings[k], Retraction)])
    # Retractions: find what each target touched; remember the ones whose target has not arrived yet.
    retractions = {k: m for k in fresh if isinstance(m := meanings[k], Retraction)}
    wanted = {(k[0], m.target_event_id) for k, m in retractions.items()}
    touched = await store.targets(wanted)
    await store.remember_early_retractions(
        [(k[0], m.target_event_id, k[1]) for k, m in retractions.items() if (k[0], m.target_event_id) not in touched]
    )
    return meanings, Claimed(fresh, early, touched)


async def _apply(
    store: ScoringStore, events: list[tuple[EvidenceEvent, int | None]], *, rules: Rules, now: datetime
) -> Affected:
    meanings, claimed = await _claim(store, events)
    if claimed is None:
        return Affected()
    fresh, early = claimed.fresh, claimed.early
    affected = Affected()
    case_events: dict[CaseId, list[tuple[str, CaseEvent]]] = {}
    case_retractions: dict[CaseId, list[str]] = {}
    for k in fresh:
        m = meanings[k]
        if isinstance(m, CaseEvent):
            case_events.setdefault((m.kind, m.unit_id, m.case_id), []).append((f"{k[0]}:{k[1]}", m))
            if k in early:
                case_retractions.setdefault((m.kind, m.unit_id, m.case_id), []).append(f"{k[0]}:{k[1]}")
    fact_retractions, lineage_retractions = [], []
    for (source, target_id), target in claimed.touched.items():
        if target == "fact":
            fact_retractions.append((source, target_id))
        elif target == LINEAGE:
            lineage_retractions.append((source, target_id))
        elif target:
            kind, unit, case_id = target.split("|", 2)
            case_retractions.setdefault((kind, unit, case_id), []).append(f"{source}:{target_id}")
    await apply_cases(store, case_events, case_retractions, affected, rules=rules, now=now)
    facts = [(k[0], k[1], m, k in early) for k in sorted(fresh) if isinstance(m := meanings[k], Fact)]
    await store.insert_facts(facts)
    withdrawn = await store.retract_facts(fact_retractions)
    for fact in [f for _, _, f, _ in facts] + withdrawn:
        affected.add_fact(fact.unit_id, fact.officer_id, fact.at, rules.book.stages)
    changes = [(m, k in early) for k in sorted(fresh) if isinstance(m := meanings[k], Reorganization)]
    await store.insert_reorganizations(changes)
    retracted = await store.retract_reorganizations(lineage_retractions)
    await reorganized(store, [c for c, early_retracted in changes if not early_retracted] + retracted, rules, affected)
    units = [m for k in fresh if isinstance(m := meanings[k], UnitEntry)]
    officers = [m for k in fresh if isinstance(m := meanings[k], OfficerEntry)]
    await store.register(units, officers)
    # A retracted return, cause or assessment changes the sheets as much as a new one.
    undone = [("", "", fact, True) for fact in withdrawn]
    fresh_cases = [m for k in fresh if isinstance(m := meanings[k], CaseEvent)]
    await track(store, fresh_cases, facts + undone, officers, now, retracted=set(case_retractions))
    await _moved(store, units, officers, affected)
    return affected


async def _moved(store: ScoringStore, units: list[UnitEntry], officers: list[OfficerEntry], affected: Affected) -> None:
    """A directory change (a cluster membership from its date included) moves cluster ranks and officer counts of
    every period the unit is scored in (the whole period is ranked again: both clusters' units); a registration
    may move an officer (a transfer, or a late one dated earlier): every unit it was ever in is counted again, and
    its own periods are listed again under the unit it belonged to then."""
    timelines = await store.timelines({o.officer_id for o in officers})
    ever_in = {r.unit_id for regs in timelines.values() for r in regs}
    changed_units = sorted({u.unit_id for u in units} | ever_in)
    affected.units.update(await store.periods_scored(changed_units))
    moved = sorted(o for o, regs in timelines.items() if len({r.unit_id for r in regs}) > 1)
    affected.officers.update(await store.officer_periods_scored(moved))


async def track(
    store: ScoringStore,
    events: list[CaseEvent],
    facts: list[tuple[str, str, Fact, bool]],
    officers: list[OfficerEntry],
    now: datetime,
    *,
    retracted: set[CaseId],
) -> None:
    """Decree 335/2025 tracking: whose work each case is, and who to rate again (profiles are kept by register)."""
    named = await store.attribute(events)
    # A case's own officer may not be in this batch (a return, a cause, a complaint about a dossier name only the case).
    about = {(e.kind, e.unit_id, e.case_id) for e in events} | retracted
    about |= {("dossier", e.unit_id, code) for e in events if (code := e.record.get("dossier_code"))}
    for _, _, fact, _ in facts:
        if fact.kind in ("returned", "cause"):
            kind, key = ("complaint", "complaint_id") if fact.data.get("complaint_id") else ("dossier", "dossier_code")
            about.add((kind, fact.unit_id, str(fact.data.get(key))))
        elif fact.kind == "catalogue":
            continue
        named.add(fact.officer_id or "")
    named |= await store.officers_of_cases(about)
    await store.queue_tracking(named | {o.officer_id for o in officers}, now)


async def reorganized(store: ScoringStore, moved: list[Reorganization], rules: Rules, affected: Affected) -> None:
    """A reorganization accepted or retracted moves the rows of every unit it names and of every unit that folded
    into one of them, in every period any of them has counters or a score in (so a successor gets the rows of its
    predecessors' periods, and predecessors leave the periods they are no longer listed in); the rescorer also
    scores the successor carrying each folded unit's evidence."""
    if not moved:
        return
    known = {c.event: c for c in await store.reorganizations()} | {c.event: c for c in moved}
    named = {u for c in moved for u in (*c.predecessors, *c.successors)}
    units = sorted(Lineage(known.values(), rules.book.year_of_change).affected_units(named))
    labels = await store.unit_periods(units)
    affected.units.update((u, label) for u in units for label in labels)


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
        ids = set(events) | set(retractions)
        stored = await store.lock_cases(ids)
        deltas: dict[CounterKey, list[float]] = {}
        rows = []
        alerts: list[Alert] = []
        derived: dict[CaseId, list[tuple[str, CaseEvent]]] = {}
        for case in sorted(ids):
            kind, unit, case_id = case
            state, old_as_of = stored.get(case, (c.empty(), now))
            old_view = case_view(kind, unit, case_id, state) if case in stored else None
            old = contribution(old_view, old_as_of, rules) if old_view is not None else {}
            for key, event in events.get(case, []):
                state = c.merge(state, event.slot, key, event.record)
            for key in retractions.get(case, []):
                state = c.retract(state, key)
            view = case_view(kind, unit, case_id, state)
            accumulate(deltas, difference(contribution(view, now, rules), old))
            if isinstance(view, c.Dossier):
                before = old_view if isinstance(old_view, c.Dossier) else NO_DOSSIER
                alerts += dossier_alerts(before, old_as_of, view, rules, now)
            else:
                was = old_view if isinstance(old_view, c.Complaint) else None
                alerts += complaint_alerts(was, old_as_of, view, rules, now)
                hand_verdict(was, view, derived)
            opened, closed = span(view)
            rows.append(
                (kind, unit, case_id, orjson.dumps(state).decode(), opened, closed, now, next_tick(view, now, rules))
            )
        await store.save_cases(rows, deltas, [alert_message(a) for a in alerts])
        affected.add_counters(list(deltas))
        events, retractions = derived, {}
