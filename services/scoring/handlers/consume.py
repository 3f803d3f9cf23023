"""Use case: apply a batch of accepted evidence (inbox, cases, facts, directory, counters) in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg
import orjson

from schemas.bounds import EARLIEST
from schemas.evidence import EvidenceEvent
from schemas.lineage import Reorganization
from schemas.outputs import Alert
from services.scoring.adapters import postgres as pg
from services.scoring.adapters import tracking_store as ts
from services.scoring.adapters.rulefiles import RulesCache
from services.scoring.domain import cases as c
from services.scoring.domain.alerts import complaint_alerts, dossier_alerts
from services.scoring.domain.contributions import CounterKey, accumulate, difference
from services.scoring.domain.evidence import CaseEvent, Fact, OfficerEntry, Retraction, UnitEntry, meaning
from services.scoring.domain.judging import Affected, CaseId, case_view, contribution, hand_verdict, next_tick, span
from services.scoring.domain.lineage import Lineage
from services.scoring.domain.rulebook import Rules
from services.scoring.handlers import alert_message
from thidua.runtime.outbox import enqueue

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
    """Apply a batch of typed evidence (with its ledger sequence): inbox, cases, facts, directory and counters,
    and queue the subjects to rescore, in one transaction. accepted_at is the oldest acceptance time in the
    batch (for the freshness figure)."""
    async with conn.transaction():
        affected = await _apply(conn, list(events), rules=rules, now=now)
        await mark(conn, affected, accepted_at or now)
        await pg.wake_rescorer(conn)
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
    async with conn.transaction():
        await pg.hold_rulebook(conn)
        rules = await cache.active(conn)
        await apply_batch(conn, events, rules=rules, now=now, accepted_at=accepted_at)
    return rules


async def mark(conn: asyncpg.Connection, affected: Affected, accepted_at: datetime) -> None:
    """Queue the affected subjects for the rescorer."""
    rows = [("unit", u, u, p) for u, p in affected.units] + [("officer", o, u, p) for o, u, p in affected.officers]
    await pg.mark_dirty(conn, rows, accepted_at)


async def _apply(
    conn: asyncpg.Connection, events: list[tuple[EvidenceEvent, int | None]], *, rules: Rules, now: datetime
) -> Affected:
    seen: dict[tuple[str, str], tuple[EvidenceEvent, int | None]] = {}
    for event, seq in events:
        seen.setdefault((event.source or "", event.event_id), (event, seq))
    meanings = {key: meaning(event) for key, (event, _) in seen.items()}
    rows = []
    for key, (event, seq) in seen.items():
        m = meanings[key]
        target = m.case_key if isinstance(m, CaseEvent) else "fact" if isinstance(m, Fact) else None
        target = LINEAGE if isinstance(m, Reorganization) else target
        rows.append((key[0], key[1], event.type, event.unit_id, target, seq))
    fresh = await pg.claim(conn, rows)
    if not fresh:
        return Affected()
    early = await pg.early_retracted(conn, [k for k in fresh if not isinstance(meanings[k], Retraction)])
    # Retractions: find what each target touched; remember the ones whose target has not arrived yet.
    retractions = {k: meanings[k] for k in fresh if isinstance(meanings[k], Retraction)}
    wanted = {(k[0], m.target_event_id) for k, m in retractions.items() if isinstance(m, Retraction)}
    touched = await pg.targets(conn, wanted)
    await pg.remember_early_retractions(
        conn,
        [
            (k[0], m.target_event_id, k[1])
            for k, m in retractions.items()
            if isinstance(m, Retraction) and (k[0], m.target_event_id) not in touched
        ],
    )
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
    for (source, target_id), target in touched.items():
        if target == "fact":
            fact_retractions.append((source, target_id))
        elif target == LINEAGE:
            lineage_retractions.append((source, target_id))
        elif target:
            kind, unit, case_id = target.split("|", 2)
            case_retractions.setdefault((kind, unit, case_id), []).append(f"{source}:{target_id}")
    await apply_cases(conn, case_events, case_retractions, affected, rules=rules, now=now)
    facts = [(k[0], k[1], m, k in early) for k in sorted(fresh) if isinstance(m := meanings[k], Fact)]
    await pg.insert_facts(conn, facts)
    for _, _, fact, _ in facts:
        affected.add_fact(fact.unit_id, fact.officer_id, fact.at, rules.book.stages)
    withdrawn = await pg.retract_facts(conn, fact_retractions)
    for r in withdrawn:
        affected.add_fact(r["unit_id"], r["officer_id"], r["at"], rules.book.stages)
    changes = [(m, k in early) for k in sorted(fresh) if isinstance(m := meanings[k], Reorganization)]
    await pg.insert_reorganizations(conn, changes)
    retracted = await pg.retract_reorganizations(conn, lineage_retractions)
    await reorganized(conn, [c for c, early_retracted in changes if not early_retracted] + retracted, rules, affected)
    units = [m for k in fresh if isinstance(m := meanings[k], UnitEntry)]
    officers = [m for k in fresh if isinstance(m := meanings[k], OfficerEntry)]
    await pg.upsert_units(conn, units)
    await pg.add_unit_memberships(conn, units)
    await pg.upsert_officers(conn, officers)
    await pg.add_memberships(conn, officers)
    # A retracted return, cause or assessment changes the sheets as much as a new one.
    undone = [
        ("", "", Fact(r["kind"], r["unit_id"], r["officer_id"], r["at"], orjson.loads(r["data"])), True)
        for r in withdrawn
    ]
    fresh_cases = [m for k in fresh if isinstance(m := meanings[k], CaseEvent)]
    await track(conn, fresh_cases, facts + undone, officers, now, retracted=set(case_retractions))
    # A directory change (a cluster membership from its date included) moves cluster ranks and officer counts of
    # every period the unit is scored in (the whole period is ranked again: both clusters' units); a
    # registration may move an officer (a transfer, or a late one dated earlier): every unit it was ever in is
    # counted again, and its own periods are listed again under the unit it belonged to then.
    timelines = await pg.timelines(conn, {o.officer_id for o in officers})
    ever_in = {r.unit_id for regs in timelines.values() for r in regs}
    changed_units = sorted({u.unit_id for u in units} | ever_in)
    affected.units.update(await pg.periods_scored(conn, changed_units))
    moved = sorted(o for o, regs in timelines.items() if len({r.unit_id for r in regs}) > 1)
    affected.officers.update(await pg.officer_periods_scored(conn, moved))
    return affected


async def track(
    conn: asyncpg.Connection,
    events: list[CaseEvent],
    facts: list[tuple[str, str, Fact, bool]],
    officers: list[OfficerEntry],
    now: datetime,
    *,
    retracted: set[CaseId],
) -> None:
    """Decree 335/2025 tracking: whose work each case is, the officers' profiles, and who to rate again."""
    named = await ts.attribute(conn, events)
    await ts.save_profiles(conn, officers)
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
    named |= await ts.officers_of_cases(conn, about)
    await ts.queue(conn, named | {o.officer_id for o in officers}, now)


async def reorganized(conn: asyncpg.Connection, moved: list[Reorganization], rules: Rules, affected: Affected) -> None:
    """A reorganization accepted or retracted moves the rows of every unit it names and of every unit that folded
    into one of them, in every period any of them has counters or a score in (so a successor gets the rows of its
    predecessors' periods, and predecessors leave the periods they are no longer listed in); the rescorer also
    scores the successor carrying each folded unit's evidence."""
    if not moved:
        return
    known = {c.event: c for c in await pg.reorganizations(conn)} | {c.event: c for c in moved}
    named = {u for c in moved for u in (*c.predecessors, *c.successors)}
    units = sorted(Lineage(known.values(), rules.book.year_of_change).affected_units(named))
    labels = await pg.unit_periods(conn, units)
    affected.units.update((u, label) for u in units for label in labels)


async def apply_cases(
    conn: asyncpg.Connection,
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
        stored = await pg.lock_cases(conn, ids)
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
        await pg.save_cases(conn, rows)
        await pg.add_counters(conn, deltas)
        await enqueue(conn, [alert_message(a) for a in alerts])
        affected.add_counters(list(deltas))
        events, retractions = derived, {}
