"""Use case: take in officers' ratings computed from the evidence (ratings.v1, Decree 335/2025) and re-evaluate the
closed years they touch."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from schemas.outputs import OfficerRating
from services.awards.domain.rulebook import AwardRules
from services.awards.handlers.sync import Touched, reevaluate
from services.awards.store import AwardsStore


def rating_key(r: OfficerRating) -> str:
    """The inbox key and evidence id of a rating: "ratings:event_id"."""
    return f"ratings:{r.event_id}"


async def apply_ratings(
    store: AwardsStore, ratings: Sequence[OfficerRating], *, rules: AwardRules, now: datetime
) -> None:
    """Keep each officer's latest evidence rating of a year; a closed year it changes is evaluated again (HR's rating,
    where sent, still decides: domain/ratings.py effective_rating). One transaction per call, once per event."""
    async with store.transaction():
        fresh = await store.claim([rating_key(r) for r in ratings])
        touched: Touched = set()
        for r in ratings:
            key = rating_key(r)
            if key not in fresh:
                continue
            fresh.discard(key)  # the same rating twice in one batch counts once
            touched |= await store.set_evidence_rating(r, key)
        await reevaluate(store, touched, rules=rules, now=now)
