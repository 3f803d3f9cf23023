"""A batch of accepted evidence decided in memory: what it needs read, and every write it makes (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from schemas.evidence import EvidenceEvent
from schemas.lineage import Reorganization
from schemas.outputs import Alert
from services.scoring.domain import cases as c
from services.scoring.domain.alerts import complaint_alerts, dossier_alerts
from services.scoring.domain.contributions import CounterKey, accumulate_change
from services.scoring.domain.evidence import CaseEvent, Fact, Meaning, OfficerEntry, Retraction, UnitEntry, meaning
from services.scoring.domain.judging import CaseId, case_view, contribution, hand_verdict, next_tick, span
from services.scoring.domain.lineage import Lineage
from services.scoring.domain.memberships import Registration
from services.scoring.domain.rulebook import Rules

LINEAGE = "lineage"
"""The inbox's target of a unit.reorganized (what its retraction undoes)."""
NO_DOSSIER = c.dossier_view("", "", c.empty())
"""A dossier before its first event: no due date, so no condition held (built once: the common case of a backfill)."""

EventKey = tuple[str, str]
InboxRow = tuple[str, str, str, str, str | None, int | None]
CaseRow = tuple[str, str, str, str, datetime | None, datetime | None, datetime, datetime | None]
Stored = dict[CaseId, tuple[dict[str, Any], datetime]]
Attribution = tuple[str, str, str, str]
"""(officer_id, kind, unit_id, case_id): whose work a case is."""


@dataclass(frozen=True)
class Plan:
    """A batch as the inbox will see it: each event once (the first of a repeated key), what it means."""

    meanings: dict[EventKey, Meaning]
    inbox: list[InboxRow]


def plan(events: Sequence[tuple[EvidenceEvent, int | None]]) -> Plan:
    """Each event once, its meaning and its inbox row (the target: what a retraction of it undoes)."""
    seen: dict[EventKey, tuple[EvidenceEvent, int | None]] = {}
    for event, seq in events:
        seen.setdefault((event.source or "", event.event_id), (event, seq))
    meanings = {key: meaning(event) for key, (event, _) in seen.items()}
    rows: list[InboxRow] = []
    for key, (event, seq) in seen.items():
        m = meanings[key]
        target = m.case_key if isinstance(m, CaseEvent) else "fact" if isinstance(m, Fact) else None
        target = LINEAGE if isinstance(m, Reorganization) else target
        rows.append((key[0], key[1], event.type, event.unit_id, target, seq))
    return Plan(meanings, rows)


def plain_keys(p: Plan, fresh: set[EventKey]) -> list[EventKey]:
    """The new events that are not retractions (a retraction may have come before them)."""
    return [k for k in fresh if not isinstance(p.meanings[k], Retraction)]


def wanted(p: Plan, fresh: set[EventKey]) -> set[EventKey]:
    """The events the new retractions name."""
    return {(k[0], m.target_event_id) for k in fresh if isinstance(m := p.meanings[k], Retraction)}


@dataclass
class Sorted:
    """The new events and retractions by what they touch."""

    case_events: dict[CaseId, list[tuple[str, CaseEvent]]] = field(default_factory=dict)
    case_retractions: dict[CaseId, list[str]] = field(default_factory=dict)
    fact_retractions: list[EventKey] = field(default_factory=list)
    lineage_retractions: list[EventKey] = field(default_factory=list)

    def cases(self) -> set[CaseId]:
        """Every case the batch changes (before the verdicts complaints hand to dossiers)."""
        return set(self.case_events) | set(self.case_retractions)


def sort(p: Plan, fresh: set[EventKey], early: set[EventKey], touched: dict[EventKey, str | None]) -> Sorted:
    """Case events by case (an early-retracted one also retracts itself), and what each retraction undoes."""
    found = Sorted()
    for k in fresh:
        m = p.meanings[k]
        if isinstance(m, CaseEvent):
            found.case_events.setdefault((m.kind, m.unit_id, m.case_id), []).append((f"{k[0]}:{k[1]}", m))
            if k in early:
                found.case_retractions.setdefault((m.kind, m.unit_id, m.case_id), []).append(f"{k[0]}:{k[1]}")
    for (source, target_id), target in touched.items():
        if target == "fact":
            found.fact_retractions.append((source, target_id))
        elif target == LINEAGE:
            found.lineage_retractions.append((source, target_id))
        elif target:
            kind, unit, case_id = target.split("|", 2)
            found.case_retractions.setdefault((kind, unit, case_id), []).append(f"{source}:{target_id}")
    return found


def dossiers_named(stored: Stored, s: Sorted) -> set[CaseId]:
    """Every dossier a complaint of the batch names, before or after it (where it may hand its verdict)."""
    found = set()
    for kind, unit, case_id in s.cases():
        if kind != "complaint":
            continue
        records = [
            r for slot in stored.get((kind, unit, case_id), (c.empty(),))[0]["slots"].values() for r in slot.values()
        ]
        records += [e.record for _, e in s.case_events.get((kind, unit, case_id), [])]
        found |= {("dossier", unit, str(code)) for r in records if (code := r.get("dossier_code"))}
    return found


def moves_lineage(p: Plan, fresh: set[EventKey], s: Sorted) -> bool:
    """Whether a reorganization is accepted or retracted."""
    return bool(s.lineage_retractions) or any(isinstance(p.meanings[k], Reorganization) for k in fresh)


def new_facts(p: Plan, fresh: set[EventKey], early: set[EventKey]) -> list[tuple[str, str, Fact, bool]]:
    """(source, event_id, fact, retracted already) of the new facts, in key order."""
    return [(k[0], k[1], m, k in early) for k in sorted(fresh) if isinstance(m := p.meanings[k], Fact)]


def entries(p: Plan, fresh: set[EventKey]) -> tuple[list[UnitEntry], list[OfficerEntry]]:
    """The new unit and officer registrations."""
    units = [m for k in fresh if isinstance(m := p.meanings[k], UnitEntry)]
    officers = [m for k in fresh if isinstance(m := p.meanings[k], OfficerEntry)]
    return units, officers


def attributions(events: Iterable[CaseEvent]) -> set[Attribution]:
    """Whose work each case is: a dossier's officer, a complaint's handler."""
    return {
        (officer, e.kind, e.unit_id, e.case_id)
        for e in events
        if (officer := e.record.get("officer_id" if e.kind == "dossier" else "handler_id"))
    }


def cases_about(p: Plan, fresh: set[EventKey], s: Sorted, facts: Iterable[Fact]) -> set[CaseId]:
    """The cases whose officers are rated again: the batch's, the ones its returns and causes name (a case's own
    officer may not be in this batch: a return, a cause, a complaint about a dossier name only the case)."""
    events = [m for k in fresh if isinstance(m := p.meanings[k], CaseEvent)]
    about = {(e.kind, e.unit_id, e.case_id) for e in events} | set(s.case_retractions)
    about |= {("dossier", e.unit_id, code) for e in events if (code := e.record.get("dossier_code"))}
    for fact in facts:
        if fact.kind in ("returned", "cause"):
            kind, key = ("complaint", "complaint_id") if fact.data.get("complaint_id") else ("dossier", "dossier_code")
            about.add((kind, fact.unit_id, str(fact.data.get(key))))
    return about


@dataclass
class CasePass:
    """One pass over cases: their new rows, the counters' deltas, the alerts raised."""

    rows: list[CaseRow]
    deltas: dict[CounterKey, list[float]]
    alerts: list[Alert]


def judge_cases(
    stored: Stored,
    events: dict[CaseId, list[tuple[str, CaseEvent]]],
    retractions: dict[CaseId, list[str]],
    *,
    rules: Rules,
    now: datetime,
) -> tuple[CasePass, dict[CaseId, list[tuple[str, CaseEvent]]]]:
    """Merge events into their cases and the (new − old contribution) deltas; the verdicts complaints hand to
    dossiers, for the next pass."""
    deltas: dict[CounterKey, list[float]] = {}
    rows: list[CaseRow] = []
    alerts: list[Alert] = []
    derived: dict[CaseId, list[tuple[str, CaseEvent]]] = {}
    for case in sorted(set(events) | set(retractions)):
        kind, unit, case_id = case
        state, old_as_of = stored.get(case, (c.empty(), now))
        old_view = case_view(kind, unit, case_id, state) if case in stored else None
        old = contribution(old_view, old_as_of, rules) if old_view is not None else {}
        for key, event in events.get(case, []):
            state = c.merge(state, event.slot, key, event.record)
        for key in retractions.get(case, []):
            state = c.retract(state, key)
        view = case_view(kind, unit, case_id, state)
        accumulate_change(deltas, contribution(view, now, rules), old)
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
    return CasePass(rows, deltas, alerts), derived


def judge_all(
    stored: Stored,
    events: dict[CaseId, list[tuple[str, CaseEvent]]],
    retractions: dict[CaseId, list[str]],
    *,
    rules: Rules,
    now: datetime,
) -> list[CasePass]:
    """Every pass: the cases, then the dossiers complaints handed a verdict (a dossier hands nothing on, so there
    is no third); a pass reads the cases as the one before left them."""
    memory = dict(stored)
    passes = []
    while events or retractions:
        done, events = judge_cases(memory, events, retractions, rules=rules, now=now)
        retractions = {}
        passes.append(done)
        if events:  # only a further pass reads the cases as this one left them (decoding them all cost ~3 % of CPU)
            memory.update({(r[0], r[1], r[2]): (orjson.loads(r[3]), now) for r in done.rows})
    return passes


def retracted_reorganizations(
    stored: dict[str, tuple[Reorganization, bool]], keys: Sequence[EventKey]
) -> list[Reorganization]:
    """The reorganizations the retractions undo that counted until now (marked retracted in stored)."""
    found = []
    for event in sorted(f"{source}:{event_id}" for source, event_id in keys):
        if event in stored and not stored[event][1]:
            found.append(stored[event][0])
            stored[event] = (stored[event][0], True)
    return found


def lineage_units(known: Iterable[Reorganization], moved: Sequence[Reorganization], rules: Rules) -> list[str]:
    """The units a reorganization accepted or retracted moves: those it names and every unit that folded into one
    of them."""
    named = {u for change in moved for u in (*change.predecessors, *change.successors)}
    return sorted(Lineage(known, rules.book.year_of_change).affected_units(named))


def moved_by_registrations(
    timelines: dict[str, list[Registration]], units: Sequence[UnitEntry]
) -> tuple[list[str], list[str]]:
    """The units to list again (those registered, every unit a registered officer was ever in) and the officers
    who moved (registered in more than one unit)."""
    ever_in = {r.unit_id for regs in timelines.values() for r in regs}
    changed_units = sorted({u.unit_id for u in units} | ever_in)
    moved = sorted(o for o, regs in timelines.items() if len({r.unit_id for r in regs}) > 1)
    return changed_units, moved


def with_registrations(
    stored: dict[str, list[Registration]], officers: Sequence[OfficerEntry]
) -> dict[str, list[Registration]]:
    """The officers' timelines with the batch's registrations (a repeated one changes nothing)."""
    found = {o: list(regs) for o, regs in stored.items()}
    known = {r.event for regs in found.values() for r in regs}
    for e in sorted({e.event: e for e in officers}.values(), key=lambda e: e.event):
        if e.event not in known:
            found.setdefault(e.officer_id, []).append(Registration(e.occurred_at, e.event, e.unit_id))
            known.add(e.event)
    return found
