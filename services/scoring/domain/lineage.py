"""Unit lineage in scoring (issue 24): which (unit, period) rows a pass scores, whose counters and culture inputs
each row combines, and which rows are no longer listed. Pure: the resolver is schemas/lineage.py (shared with
awards); this module only applies it to the rescorer's subjects and sums what it combines."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from schemas.lineage import FOLDING, Reorganization, YearOfChange, ancestors, ceased, combined_units, listed
from schemas.vietnam import VN_TZ

Bounds = Callable[[str], tuple[datetime, datetime]]  # a period label's [start, end)
Counters = Mapping[str, tuple[float, float]]


@dataclass
class Plan:
    """What a rescore pass does with its (unit, period) subjects under the lineage."""

    members: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    """(unit, period) to score -> the units whose evidence counts in it (the unit first, then its predecessors)."""
    hidden: set[tuple[str, str]] = field(default_factory=set)
    """(unit, period) the period does not list (folded into a successor, split or dissolved): no score there."""

    def predecessors(self, unit: str, period: str) -> list[str]:
        """The predecessors combined in the row (empty when none)."""
        return list(self.members[(unit, period)][1:])


class Lineage:
    """The accepted reorganizations of a pass, indexed once (most units are named in none)."""

    def __init__(self, changes: Iterable[Reorganization], mode: YearOfChange) -> None:
        self.changes = list(changes)
        self.mode = mode
        self.ended = {u for c in self.changes for u in c.predecessors}
        self.made = {u for c in self.changes for u in c.successors}

    def listed(self, unit: str, start: datetime, end: datetime) -> bool:
        return unit not in self.ended or listed(unit, start, end, self.changes, self.mode)

    def combined(self, unit: str, start: datetime, end: datetime) -> set[str]:
        return combined_units(unit, start, end, self.changes, self.mode) if unit in self.made else {unit}

    def holder(self, unit: str, start: datetime, end: datetime) -> str | None:
        """The unit whose row of [start, end) carries unit's evidence: unit while the period lists it, else the
        successor it folded into (transitively); None when its evidence goes nowhere (split, dissolved)."""
        current, seen = unit, {unit}
        while not self.listed(current, start, end):
            change = ceased(current, self.changes)
            if change is None or change.kind not in FOLDING or len(change.successors) != 1:
                return None
            current = change.successors[0]
            if current in seen:  # a cycle in what senders stated: nobody carries it
                return None
            seen.add(current)
        return current if unit in self.combined(current, start, end) else None

    def affected_units(self, named: Iterable[str]) -> set[str]:
        """The units whose rows a reorganization naming `named` can move: them and every unit that folded into
        one of them (their evidence follows; periods of those units must be looked at too)."""
        found = set(named)
        todo = list(found)
        while todo:
            unit = todo.pop()
            for change in self.changes:
                if unit in change.successors and change.kind in FOLDING:
                    for before in change.predecessors:
                        if before not in found:
                            found.add(before)
                            todo.append(before)
        return found


def plan(subjects: Iterable[tuple[str, str]], lineage: Lineage, bounds: Bounds) -> Plan:
    """The rows to score for the queued (unit, period) subjects: a subject the period lists is scored with the
    units it combines; one it does not list is hidden and its holder (the successor carrying its evidence) is
    scored instead."""
    found = Plan()
    todo: set[tuple[str, str]] = set()
    for unit, label in subjects:
        start, end = bounds(label)
        if lineage.listed(unit, start, end):
            todo.add((unit, label))
            continue
        found.hidden.add((unit, label))
        holder = lineage.holder(unit, start, end)
        if holder is not None:
            todo.add((holder, label))
    for unit, label in sorted(todo):
        start, end = bounds(label)
        others = sorted(lineage.combined(unit, start, end) - {unit})
        found.members[(unit, label)] = (unit, *others)
    return found


def sum_counters(parts: Sequence[Counters]) -> dict[str, tuple[float, float]]:
    """Counters of several units as one: numerators and denominators added per counter."""
    if len(parts) == 1:
        return dict(parts[0])
    total: dict[str, tuple[float, float]] = {}
    for part in parts:
        for counter, (num, den) in part.items():
            n, d = total.get(counter, (0.0, 0.0))
            total[counter] = (n + num, d + den)
    return total


def sum_inputs(parts: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """Culture inputs of several units as one: officers, trainings, inspections, weighted findings, discipline and
    catalogue counts added."""
    if len(parts) == 1:
        return dict(parts[0])
    total: dict[str, float] = {}
    for part in parts:
        for key, value in part.items():
            total[key] = total.get(key, 0) + value
    return total


KINDS = ("merge", "split", "rename", "dissolution")


def _when(change: Reorganization) -> str:
    return change.at.astimezone(VN_TZ).date().isoformat()


def _named(unit: str, names: Mapping[str, str]) -> str:
    return f"{unit} ({names[unit]})" if unit in names else unit


def ended_message(unit: str, change: Reorganization, period: str, names: Mapping[str, str]) -> str:
    """Why a period does not list unit: what it became, from when (the 404 of its scorecard)."""
    decision = f" ({change.decision_no})" if change.decision_no else ""
    after = ", ".join(_named(s, names) for s in change.successors)
    if change.kind == "dissolution":
        return f"{unit} was dissolved from {_when(change)}{decision}: period {period} does not list it"
    if change.kind == "split":
        return f"{unit} was split into {after} from {_when(change)}{decision}: period {period} lists them instead"
    became = "renamed" if change.kind == "rename" else "merged into"
    return (
        f"{unit} was {became} {after} from {_when(change)}{decision}: its evidence of {period} counts in the "
        f"scorecard of {change.successors[0]}"
    )


def lineage_json(
    unit: str,
    changes: Sequence[Reorganization],
    names: Mapping[str, str],
    combined: Iterable[str],
    mode: str,
) -> dict[str, Any] | None:
    """The scorecard's `lineage`: the units unit continues (transitively, `combined` when their evidence is in the
    period's figures) and what it became; None when no reorganization names it."""
    before = ancestors(unit, changes, KINDS)
    ended = ceased(unit, changes)
    if not before and ended is None:
        return None
    inside = set(combined)

    def entry(other: str, change: Reorganization) -> dict[str, Any]:
        return {
            "unit_id": other,
            "name": names.get(other),
            "kind": change.kind,
            "effective_at": change.at.astimezone(VN_TZ).isoformat(),
            "decision_no": change.decision_no,
        }

    ordered = sorted(before.items(), key=lambda item: (item[1].at, item[0]))
    found: dict[str, Any] = {
        "year_of_change": mode,
        "predecessors": [{**entry(u, c), "combined": u in inside} for u, c in ordered],
        "successors": [entry(s, ended) for s in ended.successors] if ended else [],
    }
    if ended is not None:  # how it ended, also when nothing succeeds it (a dissolution)
        found["ended"] = {k: v for k, v in entry(unit, ended).items() if k != "unit_id" and k != "name"}
    return found


def lineage_units(unit: str, changes: Sequence[Reorganization]) -> set[str]:
    """Every unit the scorecard's lineage names (to read their names once)."""
    found = set(ancestors(unit, changes, KINDS))
    ended = ceased(unit, changes)
    return found | set(ended.successors if ended else ())
