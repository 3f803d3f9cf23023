"""What the Decree 335 years of some officers need, read in one round of queries (not one per officer)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from services.scoring.adapters import directory_store
from services.scoring.adapters import tracking_store as ts
from services.scoring.domain.memberships import Registration
from services.scoring.domain.tracking import period_bounds
from services.scoring.domain.tracking_tasks import FactRow, Facts, StoredCase


@dataclass(frozen=True)
class Held:
    """The stored evidence of some officers that can count in one year."""

    entries: dict[str, asyncpg.Record]
    cases: dict[str, list[StoredCase]]
    timelines: dict[str, list[Registration]]
    units: dict[str, list[str]]  # officer → the units whose facts and complaints concern the officer
    facts: Facts
    own: dict[str, list[dict[str, Any]]]
    complaints: list[dict[str, Any]]


async def hold(conn: asyncpg.Connection, officers: Sequence[str], year: int) -> Held:
    """The officers' directory entries, their cases that can count in the year (a year's cases, not their whole
    history: a tracking pass re-reads them on every change), their units' facts, their own facts and the conduct
    complaints naming them resolved in the year."""
    start, end = period_bounds(f"{year}-01")[0], period_bounds(f"{year}-12")[1]
    entries = await ts.officer_entries(conn, officers)
    known = sorted(entries)
    cases: dict[str, list[StoredCase]] = {}
    for r in await ts.officers_cases(conn, known, start, end):
        cases.setdefault(r["officer_id"], []).append(
            StoredCase(r["kind"], r["unit_id"], r["case_id"], json.loads(r["state"]))
        )
    timelines = await directory_store.timelines(conn, known)
    attributed = await ts.officers_units(conn, known)
    units = {
        o: sorted(attributed.get(o, set()) | {r.unit_id for r in timelines.get(o, [])} | {entries[o]["unit_id"]})
        for o in known
    }
    every = sorted({u for listed in units.values() for u in listed})
    facts = Facts(
        FactRow(r["event"], r["kind"], r["unit_id"], r["officer_id"], r["at"], r["data"])
        for r in await ts.case_facts(conn, every)
    )
    own = await ts.officers_facts(conn, known)
    complaints = await ts.conduct_complaints(conn, known, every, start, end) if known else []
    return Held(entries, cases, timelines, units, facts, own, complaints)
