"""Use case: the year-end preview, evaluating every unit's current records without storing anything."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import asyncpg

from services.awards.adapters import postgres as pg
from services.awards.domain.preview import assemble, closed, preview_unit
from services.awards.domain.rulebook import AwardRules


async def preview_year(
    conn: asyncpg.Connection,
    year: int,
    *,
    rules: AwardRules,
    today: date,
    officers_visible: Callable[[str], bool],
    unit_id: str | None = None,
) -> dict[str, Any] | None:
    """What the year would give if closed today (one unit's part, or every unit's); None when unit_id is unknown.
    Read only, in one snapshot: previewing changes nothing and sees every unit as of the same moment."""
    async with conn.transaction(readonly=True, isolation="repeatable_read"):
        done = await pg.closed_year(conn, year)
        if done is not None:
            return closed(year, done["closed_at"].isoformat())
        units = await pg.units_of_year(conn, year)
        if unit_id is not None:
            if unit_id not in units:
                return None
            units = [unit_id]
        parts = []
        for unit in units:
            record = await pg.load_unit(conn, unit, year)
            parts.append(preview_unit(record, year, rules, today, officers_visible=officers_visible(unit)))
    return assemble(year, rules, today, parts)
