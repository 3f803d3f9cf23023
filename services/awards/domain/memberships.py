"""Officers belong to a unit through time (issue 23): whose member an officer is for a year's evaluation.

Every accepted `officer.registered` places the officer in its unit from its date (`transferred_at`, else
`occurred_at`) until a later-dated registration places it elsewhere, whatever order they arrive in. The earliest
registration reaches back to the beginning (a first registration says where the officer belongs, not since when).
For year Y an officer is a member of the unit it belongs to at the end of Y (31/12, Vietnam time): Decree 335/2025
Art. 21 has the new unit rate a transferred officer's year, averaging the period results the old unit sends. So a
transfer on 1/1 leaves the year before wholly with the old unit, and one on 30/6 or 31/12 gives the year to the new
unit; the old unit's own records of the officer (ratings, titles, ... sent under it) stay with it and count in the
years the officer is its member."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from schemas.dated import in_force
from schemas.lineage import Reorganization, ceased, combined_units, folds
from schemas.vietnam import VN_TZ


@dataclass(frozen=True, order=True)
class Membership:
    """One registration: the officer is in unit_id from at, with the rating group it gives there."""

    at: datetime
    event: str  # source:event_id; orders registrations of the same date
    unit_id: str
    staff_kind: str = field(default="other", compare=False)
    peer_group: str | None = field(default=None, compare=False)


def year_end(year: int) -> datetime:
    """The first instant after year Y, Vietnam time."""
    return datetime(year + 1, 1, 1, tzinfo=VN_TZ)


def membership_in(memberships: Iterable[Membership], year: int) -> Membership | None:
    """The registration in force at the end of year: the latest dated before it, else the earliest (it reaches
    back); None without any."""
    return in_force(memberships, year_end(year))


def members_of(timelines: Mapping[str, Iterable[Membership]], unit_id: str, year: int) -> dict[str, Membership]:
    """{officer_id: its membership} of the officers who are members of unit_id for year."""
    found = {officer: membership_in(regs, year) for officer, regs in timelines.items()}
    return {officer: m for officer, m in sorted(found.items()) if m is not None and m.unit_id == unit_id}


def year_start(year: int) -> datetime:
    """The first instant of year Y, Vietnam time."""
    return datetime(year, 1, 1, tzinfo=VN_TZ)


def folded_into_successor(unit_id: str, year: int, changes: Iterable[Reorganization]) -> bool:
    """True when unit_id merged or was renamed into a successor that takes its year (its people count there)."""
    change = ceased(unit_id, changes)
    return change is not None and folds(change, year_start(year), year_end(year), "combine")


def year_units(unit_id: str, year: int, changes: Iterable[Reorganization]) -> set[str]:
    """The units whose registered officers are unit_id's members for year: itself and the predecessors folded into
    it (issue 24; awards always combines: at the year's end the people are in the successor); none once it folded
    into a successor itself."""
    pool = list(changes)
    if folded_into_successor(unit_id, year, pool):
        return set()
    return combined_units(unit_id, year_start(year), year_end(year), pool, "combine")


def members_for(
    timelines: Mapping[str, Iterable[Membership]], unit_id: str, year: int, changes: Iterable[Reorganization]
) -> dict[str, Membership]:
    """{officer_id: its membership} of unit_id's members for year: officers in the unit at the year's end, and those
    in a predecessor folded into it (year_units)."""
    found: dict[str, Membership] = {}
    for unit in year_units(unit_id, year, changes):
        found.update(members_of(timelines, unit, year))
    return dict(sorted(found.items()))


def years_moved(before: Iterable[Membership], after: Iterable[Membership]) -> set[tuple[str, int | None]]:
    """(unit, first year) of every unit that gains or loses the officer for some year when the registrations go from
    before to after; None: from the beginning (the earliest registration changed)."""
    old, new = list(before), list(after)
    years = [m.at.astimezone(VN_TZ).year for m in old + new]
    if not years:
        return set()
    first, last = min(years) - 1, max(years) + 1  # before first and after last nothing changes any more
    moved: dict[str, int | None] = {}
    for year in range(first, last + 1):
        was, now = membership_in(old, year), membership_in(new, year)
        was_unit = was.unit_id if was is not None else None
        now_unit = now.unit_id if now is not None else None
        if was_unit != now_unit:
            for unit in (was_unit, now_unit):
                if unit is not None:
                    moved.setdefault(unit, None if year == first else year)  # the first year: and every one after
    return set(moved.items())
