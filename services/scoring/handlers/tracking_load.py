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

    entries: dict[str, dict[str, Any]]
    cases: dict[str, list[tuple[str, str, str, str]]]  # officer → (kind, unit, case, state as stored): parsed per
    # officer when judged, so the loop gets its turns between officers
    timelines: dict[str, list[Registration]]
    units: dict[str, list[str]]  # officer → the units whose facts and complaints concern the officer
    fact_rows: list[tuple[Any, ...]]  # the units' returns, causes and catalogue statements (FactRow's fields), data
    # as stored: plain values, so a worker process can be handed them
    own: dict[str, list[dict[str, Any]]]
    complaints: list[dict[str, Any]]


async def hold(conn: asyncpg.Connection, officers: Sequence[str], year: int) -> Held:
    """The officers' directory entries, their cases that can count in the year (a year's cases, not their whole
    history: a tracking pass re-reads them on every change), their units' facts, their own facts and the conduct
    complaints naming them resolved in the year."""
    start, end = period_bounds(f"{year}-01")[0], period_bounds(f"{year}-12")[1]
    entries = {o: dict(r) for o, r in (await ts.officer_entries(conn, officers)).items()}
    known = sorted(entries)
    cases: dict[str, list[tuple[str, str, str, str]]] = {}
    for r in await ts.officers_cases(conn, known, start, end):
        cases.setdefault(r["officer_id"], []).append((r["kind"], r["unit_id"], r["case_id"], r["state"]))
    timelines = await directory_store.timelines(conn, known)
    attributed = await ts.officers_units(conn, known)
    units = {
        o: sorted(attributed.get(o, set()) | {r.unit_id for r in timelines.get(o, [])} | {entries[o]["unit_id"]})
        for o in known
    }
    every = sorted({u for listed in units.values() for u in listed})
    fact_rows = [tuple(r) for r in await ts.case_facts(conn, every)]
    own = await ts.officers_facts(conn, known)
    complaints = await ts.conduct_complaints(conn, known, every, start, end) if known else []
    return Held(entries, cases, timelines, units, fact_rows, own, complaints)


def held_facts(held: Held) -> Facts:
    """The held facts, parsed and indexed."""
    return Facts(
        FactRow(event, kind, unit_id, officer_id, at, json.loads(data))
        for event, kind, unit_id, officer_id, at, data in held.fact_rows
    )


def stored_cases(held: Held, officer_id: str) -> list[StoredCase]:
    """The officer's held cases, their states parsed."""
    return [StoredCase(k, u, c, json.loads(state)) for k, u, c, state in held.cases.get(officer_id, [])]
