"""The awards store in PostgreSQL: one connection, its transaction, the inbox and the outbox, and every aggregate."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import asyncpg

from services.awards.adapters.facts import FactStore
from services.awards.adapters.nominations import NominationStore
from services.awards.adapters.unit_record import UnitReads
from thidua.runtime import inbox, outbox
from thidua.runtime.outbox import Message


class PostgresAwardsStore(FactStore, UnitReads, NominationStore):
    """AwardsStore (services/awards/store.py) over one asyncpg connection."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    @asynccontextmanager
    async def transaction(self, *, readonly: bool = False) -> AsyncIterator[None]:
        """One transaction (a read-only one sees every unit as of the same moment: repeatable read)."""
        if readonly:
            async with self.conn.transaction(readonly=True, isolation="repeatable_read"):
                yield
        else:
            async with self.conn.transaction():
                yield

    async def claim(self, keys: Sequence[str]) -> set[str]:
        """Record keys in the inbox (inside the transaction of their effects); return those not seen before."""
        return await inbox.claim(self.conn, keys)

    async def enqueue(self, messages: Sequence[Message]) -> None:
        """Add messages to the outbox in order, inside the transaction that changes the state."""
        await outbox.enqueue(self.conn, messages)
