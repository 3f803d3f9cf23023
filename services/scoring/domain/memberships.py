"""Officers belong to a unit through time (issue 23): the unit an officer belongs to at a period's end.

Every accepted `officer.registered` places the officer in its unit from its date (`transferred_at`, else
`occurred_at`); the officer stays there until a later-dated registration places it elsewhere, so arrival order does
not matter. The earliest registration reaches back to the beginning: a first registration says where the officer
belongs, not since when (a hire cannot be told apart from the directory's first load). A period's officers are
those in the unit at its last instant: a transfer on the first day of a month leaves the month before with the old
unit, and a mid-period transfer counts the officer once, in the unit that rates the period (Decree 335/2025 Art. 21:
the old unit sends its period results, the new unit averages them)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from schemas.dated import in_force


@dataclass(frozen=True, order=True)
class Registration:
    """One registration: the officer is in unit_id from at; event (source:event_id) orders equal dates."""

    at: datetime
    event: str
    unit_id: str


def unit_at(registrations: Iterable[Registration], end: datetime) -> str | None:
    """The unit an officer belongs to just before end; None without any registration."""
    found = in_force(registrations, end)
    return found.unit_id if found is not None else None


def members_at(timelines: Mapping[str, Iterable[Registration]], end: datetime) -> dict[str, str]:
    """{officer_id: unit at end} of every officer with a registration."""
    found = {officer: unit_at(regs, end) for officer, regs in timelines.items()}
    return {officer: unit for officer, unit in found.items() if unit is not None}


def headcount(timelines: Mapping[str, Iterable[Registration]], units: Iterable[str], end: datetime) -> dict[str, int]:
    """{unit: officers in it at end} for the given units (0 when none)."""
    counts = dict.fromkeys(units, 0)
    for unit in members_at(timelines, end).values():
        if unit in counts:
            counts[unit] += 1
    return counts


def listed_under(member_of: str | None, sent_under: set[str]) -> str:
    """The unit an officer's period is listed under: the unit it belonged to at the period's end when evidence of
    the period was sent under it, else a unit the evidence was sent under (the smallest id: deterministic)."""
    return member_of if member_of is not None and member_of in sent_under else min(sent_under)
