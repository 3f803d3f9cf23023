"""The scoring store kept in PostgreSQL: one connection, its transaction, over the tables' modules (inbox_store,
case_store, fact_store, directory_store, score_store, rulebook_store, tracking_store)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any

import asyncpg
import orjson

from schemas.lineage import Reorganization
from services.scoring.adapters import (
    case_store,
    directory_store,
    fact_store,
    inbox_store,
    rulebook_store,
    score_store,
    tracking_store,
)
from services.scoring.domain.contributions import CounterKey
from services.scoring.domain.evidence import CaseEvent, Fact, OfficerEntry, UnitEntry
from services.scoring.domain.judging import CaseId
from services.scoring.domain.memberships import Registration
from services.scoring.store import CaseRow, DirtyRow, EventKey, InboxRow
from thidua.runtime.outbox import Message, enqueue


class PostgresScoringStore:
    """ScoringStore over one connection (its transactions nest as savepoints)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    def transaction(self) -> AbstractAsyncContextManager[None]:
        """The connection's transaction."""
        return self.conn.transaction()

    async def hold_rulebook(self) -> None:
        """Share-lock the rulebooks."""
        await rulebook_store.hold_rulebook(self.conn)

    async def claim(self, rows: Sequence[InboxRow]) -> set[EventKey]:
        """Insert into the inbox, returning the new keys."""
        return await inbox_store.claim(self.conn, rows)

    async def early_retracted(self, keys: Iterable[EventKey]) -> set[EventKey]:
        """Read early_retractions."""
        return await inbox_store.early_retracted(self.conn, keys)

    async def targets(self, keys: Iterable[EventKey]) -> dict[EventKey, str | None]:
        """Read the inbox's targets."""
        return await inbox_store.targets(self.conn, keys)

    async def remember_early_retractions(self, rows: Sequence[tuple[str, str, str]]) -> None:
        """Insert into early_retractions."""
        await inbox_store.remember_early_retractions(self.conn, rows)

    async def lock_cases(self, keys: Iterable[CaseId]) -> dict[CaseId, tuple[dict[str, Any], datetime]]:
        """SELECT … FOR UPDATE in key order."""
        return await case_store.lock_cases(self.conn, keys)

    async def save_cases(
        self, rows: Sequence[CaseRow], deltas: Mapping[CounterKey, Sequence[float]], messages: Sequence[Message]
    ) -> None:
        """Upsert cases, add counters, insert into the outbox."""
        await case_store.save_cases(self.conn, rows)
        await case_store.add_counters(self.conn, deltas)
        await enqueue(self.conn, messages)

    async def insert_facts(self, rows: Sequence[tuple[str, str, Fact, bool]]) -> None:
        """Insert facts."""
        await fact_store.insert_facts(self.conn, rows)

    async def retract_facts(self, keys: Sequence[EventKey]) -> list[Fact]:
        """Update facts, returning them."""
        rows = await fact_store.retract_facts(self.conn, keys)
        return [Fact(r["kind"], r["unit_id"], r["officer_id"], r["at"], orjson.loads(r["data"])) for r in rows]

    async def insert_reorganizations(self, rows: Sequence[tuple[Reorganization, bool]]) -> None:
        """Insert reorganizations."""
        await directory_store.insert_reorganizations(self.conn, rows)

    async def retract_reorganizations(self, keys: Sequence[EventKey]) -> list[Reorganization]:
        """Update reorganizations, returning those that counted."""
        return await directory_store.retract_reorganizations(self.conn, keys)

    async def reorganizations(self) -> list[Reorganization]:
        """Read the reorganizations that count."""
        return await directory_store.reorganizations(self.conn)

    async def unit_periods(self, units: Sequence[str]) -> set[str]:
        """Read counters and unit_scores."""
        return await directory_store.unit_periods(self.conn, units)

    async def register(self, units: Sequence[UnitEntry], officers: Sequence[OfficerEntry]) -> None:
        """Upsert units and officers, insert memberships, upsert tracking profiles."""
        await directory_store.upsert_units(self.conn, units)
        await directory_store.add_unit_memberships(self.conn, units)
        await directory_store.upsert_officers(self.conn, officers)
        await directory_store.add_memberships(self.conn, officers)
        await tracking_store.save_profiles(self.conn, officers)

    async def timelines(self, officers: Iterable[str]) -> dict[str, list[Registration]]:
        """Read officer_memberships."""
        return await directory_store.timelines(self.conn, officers)

    async def periods_scored(self, units: Sequence[str]) -> list[tuple[str, str]]:
        """Read unit_scores."""
        return await score_store.periods_scored(self.conn, units)

    async def officer_periods_scored(self, officers: Sequence[str]) -> list[tuple[str, str, str]]:
        """Read officer_scores."""
        return await score_store.officer_periods_scored(self.conn, officers)

    async def attribute(self, events: Iterable[CaseEvent]) -> set[str]:
        """Insert into tracking_cases."""
        return await tracking_store.attribute(self.conn, events)

    async def officers_of_cases(self, cases: Iterable[CaseId]) -> set[str]:
        """Read tracking_cases."""
        return await tracking_store.officers_of_cases(self.conn, cases)

    async def queue_tracking(self, officers: Iterable[str], now: datetime) -> None:
        """Insert into tracking_dirty."""
        await tracking_store.queue(self.conn, officers, now)

    async def mark_dirty(self, rows: Sequence[DirtyRow], accepted_at: datetime) -> None:
        """Upsert into dirty."""
        await score_store.mark_dirty(self.conn, rows, accepted_at)

    async def wake_rescorer(self) -> None:
        """pg_notify, delivered at commit."""
        await score_store.wake_rescorer(self.conn)
