"""Use case: the year-end preview, evaluating every unit's current records without storing anything."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from services.awards.domain.preview import assemble, closed, preview_unit
from services.awards.domain.rulebook import AwardRules
from services.awards.store import AwardsStore


async def preview_year(
    store: AwardsStore,
    year: int,
    *,
    rules: AwardRules,
    today: date,
    officers_visible: Callable[[str], bool],
    unit_id: str | None = None,
) -> dict[str, Any] | None:
    """What the year would give if closed today (one unit's part, or every unit's); None when unit_id is unknown.
    Read only, in one snapshot: previewing changes nothing and sees every unit as of the same moment."""
    async with store.transaction(readonly=True):
        done = await store.closed_year(year)
        if done is not None:
            return closed(year, done["closed_at"].isoformat())
        units = await store.units_of_year(year)
        if unit_id is not None:
            if unit_id not in units:
                return None
            units = [unit_id]
        parts = []
        for unit in units:
            record = await store.load_unit(unit, year)
            parts.append(preview_unit(record, year, rules, today, officers_visible=officers_visible(unit)))
    return assemble(year, rules, today, parts)
