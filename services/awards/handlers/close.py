"""Use case: close a year (the council), evaluating every unit's year-end titles and creating the nominations met."""

from __future__ import annotations

from datetime import datetime

from schemas.vietnam import VN_TZ
from services.awards.domain.evaluate import close_refusal
from services.awards.domain.rulebook import AwardRules
from services.awards.handlers.sync import sync_unit_year
from services.awards.store import AwardsStore


class CloseRefused(Exception):
    """The year may not be closed yet (before the rating deadline of the rule file)."""


async def close_year(
    store: AwardsStore, year: int, *, rules: AwardRules, now: datetime, actor: str, force: bool = False
) -> list[str]:
    """Evaluate every unit's year-end titles and create the nominations met; closing twice creates nothing new.
    Before the rating deadline (rules/awards.toml, [calendar]) the close is refused unless forced."""
    refusal = close_refusal(year, now.astimezone(VN_TZ).date(), rules)
    if refusal and not force:
        raise CloseRefused(refusal)
    async with store.transaction():
        await store.mark_closed(year, now, rules.version)
        created: list[str] = []
        for unit in await store.units_of_year(year):
            created += await sync_unit_year(store, unit, year, rules=rules, now=now, actor=actor, create=True)
        return created
