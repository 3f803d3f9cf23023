"""The batch's decision: from what was loaded to every write, and the subjects to score again (pure, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from schemas.lineage import Reorganization
from services.scoring.domain import batch as b
from services.scoring.domain.evidence import CaseEvent, Fact, OfficerEntry, Retraction, UnitEntry
from services.scoring.domain.judging import Affected, CaseId
from services.scoring.domain.memberships import Registration
from services.scoring.domain.rulebook import Rules


@dataclass
class Loaded:
    """What the store read for a batch (in the unit of work that claimed it)."""

    fresh: set[b.EventKey] = field(default_factory=set)
    early: set[b.EventKey] = field(default_factory=set)
    touched: dict[b.EventKey, str | None] = field(default_factory=dict)
    cases: b.Stored = field(default_factory=dict)  # held: the batch's, the targets', the dossiers complaints name
    facts: dict[b.EventKey, Fact] = field(default_factory=dict)  # the kept facts retractions name
    reorganizations: dict[str, tuple[Reorganization, bool]] = field(default_factory=dict)  # all, when lineage moves
    unit_periods: dict[str, set[str]] = field(default_factory=dict)  # periods with counters or a score, per unit
    timelines: dict[str, list[Registration]] = field(default_factory=dict)  # of the batch's officers
    periods_scored: dict[str, set[str]] = field(default_factory=dict)  # unit -> periods it is scored in
    officer_periods: dict[str, set[tuple[str, str]]] = field(default_factory=dict)  # officer -> (unit, period)
    case_officers: dict[CaseId, set[str]] = field(default_factory=dict)  # kept attributions of the cases about


@dataclass
class Decided:
    """Every write of a batch, in the order they are made, and the subjects to score again."""

    now: datetime  # when the batch is applied (the tracking queue's time)
    early: list[tuple[str, str, str]] = field(default_factory=list)
    passes: list[b.CasePass] = field(default_factory=list)
    facts: list[tuple[str, str, Fact, bool]] = field(default_factory=list)
    fact_retractions: list[b.EventKey] = field(default_factory=list)
    reorganizations: list[tuple[Reorganization, bool]] = field(default_factory=list)
    lineage_retractions: list[b.EventKey] = field(default_factory=list)
    units: list[UnitEntry] = field(default_factory=list)
    officers: list[OfficerEntry] = field(default_factory=list)
    attributions: set[b.Attribution] = field(default_factory=set)
    tracking: set[str] = field(default_factory=set)
    affected: Affected = field(default_factory=Affected)


def withdrawn(loaded: Loaded, s: b.Sorted, facts: list[tuple[str, str, Fact, bool]]) -> list[Fact]:
    """The facts the retractions undo: kept ones, or ones of this very batch."""
    mine = {(f[0], f[1]): f[2] for f in facts}
    return [loaded.facts.get(k) or mine[k] for k in s.fact_retractions if k in loaded.facts or k in mine]


def decide(p: b.Plan, loaded: Loaded, *, rules: Rules, now: datetime) -> Decided:
    """Cases and counters, facts, lineage, directory, tracking: what the batch writes and whom it moves."""
    fresh, early = loaded.fresh, loaded.early
    if not fresh:
        return Decided(now)
    s = b.sort(p, fresh, early, loaded.touched)
    # Retractions whose target has not arrived yet are remembered: the target comes already retracted.
    found = Decided(now, early=[(k[0], m.target_event_id, k[1]) for k in fresh if (m := _retraction(p, k))])
    found.early = [r for r in found.early if (r[0], r[1]) not in loaded.touched]
    found.passes = b.judge_all(loaded.cases, s.case_events, s.case_retractions, rules=rules, now=now)
    for done in found.passes:
        found.affected.add_counters(list(done.deltas))
    found.facts = b.new_facts(p, fresh, early)
    found.fact_retractions = s.fact_retractions
    undone = withdrawn(loaded, s, found.facts)
    for fact in [f[2] for f in found.facts] + undone:
        found.affected.add_fact(fact.unit_id, fact.officer_id, fact.at, rules.book.stages)
    _lineage(p, loaded, s, found, rules)
    found.units, found.officers = b.entries(p, fresh)
    _track(p, loaded, s, found, undone)
    timelines = b.with_registrations(loaded.timelines, found.officers)
    changed_units, moved = b.moved_by_registrations(timelines, found.units)
    found.affected.units.update((u, period) for u in changed_units for period in loaded.periods_scored.get(u, ()))
    found.affected.officers.update((o, u, period) for o in moved for u, period in loaded.officer_periods.get(o, ()))
    return found


def _retraction(p: b.Plan, key: b.EventKey) -> Retraction | None:
    m = p.meanings[key]
    return m if isinstance(m, Retraction) else None


def _lineage(p: b.Plan, loaded: Loaded, s: b.Sorted, found: Decided, rules: Rules) -> None:
    """A reorganization accepted or retracted moves the rows of every unit it names and of every unit that folded
    into one of them, in every period any of them has counters (this batch's among them) or a score in."""
    found.reorganizations = [
        (m, k in loaded.early) for k in sorted(loaded.fresh) if isinstance(m := p.meanings[k], Reorganization)
    ]
    found.lineage_retractions = s.lineage_retractions
    kept = dict(loaded.reorganizations)
    for change, retracted in found.reorganizations:
        kept.setdefault(change.event, (change, retracted))
    undone = b.retracted_reorganizations(kept, s.lineage_retractions)
    moved = [c for c, early_retracted in found.reorganizations if not early_retracted] + undone
    if not moved:
        return
    known = {c.event: c for c, gone in kept.values() if not gone} | {c.event: c for c in moved}
    units = b.lineage_units(known.values(), moved, rules)
    labels = set().union(*(loaded.unit_periods.get(u, set()) for u in units))
    labels |= {k[3] for done in found.passes for k in done.deltas if k[0] == "unit" and k[1] in set(units)}
    found.affected.units.update((u, label) for u in units for label in labels)


def _track(p: b.Plan, loaded: Loaded, s: b.Sorted, found: Decided, undone: list[Fact]) -> None:
    """Decree 335/2025 tracking: whose work each case is, and who to rate again."""
    events: list[CaseEvent] = [m for k in loaded.fresh if isinstance(m := p.meanings[k], CaseEvent)]
    found.attributions = b.attributions(events)
    named = {a[0] for a in found.attributions}
    facts = [f[2] for f in found.facts] + undone
    named |= {f.officer_id or "" for f in facts if f.kind != "catalogue"}
    # Officers by case once: a scan of every attribution per case was quadratic in the batch (half of scoring's CPU).
    by_case: dict[tuple[str, str, str], set[str]] = {}
    for officer, kind, unit, case_id in found.attributions:
        by_case.setdefault((kind, unit, case_id), set()).add(officer)
    for about in b.cases_about(p, loaded.fresh, s, facts):
        named |= loaded.case_officers.get(about, set())
        named |= by_case.get(about, set())
    found.tracking = named | {o.officer_id for o in found.officers}
