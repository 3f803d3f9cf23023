"""Unit lineage (issue 24): how `unit.reorganized` events decide which units a period lists and whose evidence a
unit's period combines. Pure and shared by scoring and awards, so both read the map the same way.

- A unit that became another (merge, rename) folds into its successor: with the rule file's `combine` the
  successor's view of every period that ends after the date combines the predecessor's evidence (so the year of the
  change is whole), with `split` only periods that start on or after the date do (the year of the change shows the
  predecessor up to the date and the successor from it). A folded unit is not listed in those periods.
- A unit split or dissolved is listed in the periods that start before the date, with its own evidence, and in none
  after; its evidence never folds (it cannot be shared out between successors).
- Chains fold transitively (A → B in 2025, B → C in 2026: C's 2026 combines B's and, through it, A's)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

YearOfChange = Literal["combine", "split"]
FOLDING = frozenset({"merge", "rename"})
"""Kinds whose predecessors' evidence follows their single successor."""
KIND_VI = {"merge": "hợp nhất, sáp nhập", "split": "chia tách", "rename": "đổi tên", "dissolution": "giải thể"}


@dataclass(frozen=True)
class Reorganization:
    """One accepted unit.reorganized: its event key (source:event_id), kind, units and the first instant after."""

    event: str
    kind: str
    predecessors: tuple[str, ...]
    successors: tuple[str, ...]
    at: datetime
    decision_no: str | None = None


def ceased(unit: str, changes: Iterable[Reorganization]) -> Reorganization | None:
    """The reorganization that ended unit (the earliest naming it a predecessor); None while it exists."""
    ending = sorted((c for c in changes if unit in c.predecessors), key=lambda c: (c.at, c.event))
    return ending[0] if ending else None


def folds(change: Reorganization, start: datetime, end: datetime, mode: YearOfChange) -> bool:
    """True when change's predecessors count as their successor for the period [start, end)."""
    if change.kind not in FOLDING:
        return False
    return change.at < end if mode == "combine" else change.at <= start


def listed(unit: str, start: datetime, end: datetime, changes: Iterable[Reorganization], mode: YearOfChange) -> bool:
    """True when the period [start, end) lists unit on its own (False once it folded into a successor or ended)."""
    change = ceased(unit, changes)
    if change is None:
        return True
    if change.kind in FOLDING:
        return not folds(change, start, end, mode)
    return start < change.at


def combined_units(
    unit: str, start: datetime, end: datetime, changes: Iterable[Reorganization], mode: YearOfChange
) -> set[str]:
    """unit and every predecessor whose evidence of the period [start, end) counts as unit's (transitively)."""
    pool = list(changes)
    found, todo = {unit}, [unit]
    while todo:
        successor = todo.pop()
        for change in pool:
            if successor not in change.successors or not folds(change, start, end, mode):
                continue
            for before in change.predecessors:
                # Only the reorganization that ended a predecessor moves its evidence (a later, conflicting one is
                # a correction the sender must make with evidence.retracted).
                if before not in found and ceased(before, pool) == change:
                    found.add(before)
                    todo.append(before)
    return found


def predecessors_of(unit: str, changes: Iterable[Reorganization]) -> list[Reorganization]:
    """The reorganizations that made unit (it is a successor), oldest first."""
    return sorted((c for c in changes if unit in c.successors), key=lambda c: (c.at, c.event))


def ancestors(unit: str, changes: Iterable[Reorganization], kinds: Iterable[str]) -> dict[str, Reorganization]:
    """Every unit whose history unit continues through reorganizations of the given kinds, with the change that
    passed it on (transitively; used for consecutive-year titles)."""
    pool, allowed = list(changes), set(kinds)
    found: dict[str, Reorganization] = {}
    todo = [unit]
    while todo:
        successor = todo.pop()
        for change in pool:
            if change.kind not in allowed or successor not in change.successors:
                continue
            for before in change.predecessors:
                if before != unit and before not in found and ceased(before, pool) == change:
                    found[before] = change
                    todo.append(before)
    return found
