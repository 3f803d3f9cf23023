"""A rescorer's memory of the facts' sums per period, read again only for the units and officers whose facts changed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import asyncpg

from services.scoring.adapters import fact_store
from services.scoring.domain.memberships import Registration
from services.scoring.domain.periods import Period

CAPACITY = 100_000
"""Most units and officers kept (each with the few periods its passes ask for: tens of MB at most); past it the
memory starts again empty, and a pass reads what it needs."""


class FactMemo:
    """What one rescorer read of the facts: each unit's culture sums and each officer's training hours and
    disciplinary decisions, per period.

    A unit's or officer's sums are read again only when one of its facts has a revision (the id of the transaction
    that last wrote it) at or after `horizon`: the oldest transaction still running when the memory last looked.
    Anything written by an older transaction was visible to every read since, so what was read stands; anything
    newer, committed or not then, is found at the next look. Periods run up to five years: without this memory a
    pass read the whole history of its subjects' facts again, and cost more as the history grew. Any number of
    services may write facts; each memory is checked against the database, never told by a peer. Facts are never
    deleted while the services run (a restore stops them, docs/operations.md), so a change is always a revision."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self.horizon: int | None = None
        self.book: tuple[object, ...] | None = None  # the culture's rule settings the units' sums were read under
        self.units: dict[str, dict[str, dict[str, float]]] = {}  # unit -> label -> culture sums
        self.officers: dict[str, dict[str, tuple[float, int]]] = {}  # officer -> label -> (hours, disciplined)
        self.read = 0  # (subject, period) sums read from the database
        self.kept = 0  # (subject, period) sums answered from memory

    async def look(self, conn: asyncpg.Connection) -> None:
        """Forget the subjects whose facts changed since the last look."""
        horizon, units, officers = await fact_store.fact_revisions(conn, self.horizon)
        if self.horizon is None or len(self.units) + len(self.officers) > self.capacity:
            self.units.clear()
            self.officers.clear()
        for unit in units:
            self.units.pop(unit, None)
        for officer in officers:
            self.officers.pop(officer, None)
        self.horizon = horizon

    async def culture_inputs_of_periods(
        self,
        conn: asyncpg.Connection,
        wanted: Mapping[str, tuple[Period, Sequence[str]]],
        topics: Sequence[str],
        weights: Mapping[str, float],
        timelines: Mapping[str, list[Registration]] | None = None,
    ) -> dict[str, dict[str, dict[str, float]]]:
        """fact_store.culture_inputs of several periods ({label: (period, units)}) in two statements whatever their
        number (one per period was ten round trips a unit pass), the facts' sums read only where they changed."""
        book = (tuple(topics), tuple(sorted(weights.items())))
        if book != self.book:  # a rulebook with other topics or weights: every unit's sums are read again
            self.units.clear()
            self.book = book
        await self.look(conn)
        missing = _missing(wanted, self.units)
        for (label, unit), sums in (await fact_store.culture_sums(conn, missing, topics, weights)).items():
            self.units.setdefault(unit, {})[label] = sums
        self._count(len(missing), sum(len(units) for _, units in wanted.values()))
        known = {(label, u): self.units[u][label] for label, (_, units) in wanted.items() for u in units}
        return await fact_store.with_headcounts(conn, wanted, known, timelines)

    async def officer_inputs_of_periods(
        self, conn: asyncpg.Connection, wanted: Mapping[str, tuple[Period, Sequence[str]]]
    ) -> dict[str, dict[str, tuple[float, int]]]:
        """Per label and officer: training hours and disciplinary decisions, read only where they changed."""
        await self.look(conn)
        missing = _missing(wanted, self.officers)
        for (label, officer), sums in (await fact_store.officer_sums(conn, missing)).items():
            self.officers.setdefault(officer, {})[label] = sums
        self._count(len(missing), sum(len(officers) for _, officers in wanted.values()))
        return {label: {o: self.officers[o][label] for o in officers} for label, (_, officers) in wanted.items()}

    def _count(self, read: int, asked: int) -> None:
        self.read += read
        self.kept += asked - read


def _missing(
    wanted: Mapping[str, tuple[Period, Sequence[str]]], kept: Mapping[str, Mapping[str, object]]
) -> list[tuple[str, Period, str]]:
    """The (label, period, subject) of wanted that the memory does not hold."""
    return [(label, p, s) for label, (p, subjects) in wanted.items() for s in subjects if label not in kept.get(s, {})]
