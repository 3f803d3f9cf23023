"""The outbox relay: publishes committed ledger messages to Kafka, in order, at least once."""

from __future__ import annotations

import asyncio
import json
import logging

from services.evidence.adapters import postgres as pg
from thidua.runtime.kafka import Outgoing
from thidua.runtime.service import Runtime

log = logging.getLogger(__name__)

# One relay at a time across replicas keeps per-unit order: others wait on this advisory lock.
_RELAY_LOCK = 0x7468_6964_7561_01


class OutboxRelay:
    """Drains the outbox: read in id order, publish, wait for the acks, then delete, per transaction.

    A crash after publishing and before the delete publishes those messages again; consumers
    de-duplicate on (source, event_id), so nothing is doubled downstream and nothing is lost.
    """

    def __init__(self, runtime: Runtime, *, batch: int = 5000, idle_interval: float = 0.2) -> None:
        self.runtime = runtime
        self.batch = batch
        self.idle_interval = idle_interval
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Something was committed: publish it now rather than at the next poll."""
        self._wake.set()

    async def drain_once(self) -> int:
        """Publish one batch; return how many messages went out (0 when empty or another relay works)."""
        async with self.runtime.pool.acquire() as conn, conn.transaction():
            if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", _RELAY_LOCK):
                return 0
            rows = await pg.take_outbox(conn, limit=self.batch)
            if not rows:
                return 0
            await self.runtime.publisher.publish([
                Outgoing(r["topic"], r["key"], bytes(r["value"]),
                         tuple((k, v.encode()) for k, v in json.loads(r["headers"]).items()))
                for r in rows])
            await pg.forget_outbox(conn, [r["id"] for r in rows])
            return len(rows)

    async def run(self) -> None:
        """Loop until cancelled: drain while there is work, otherwise wait for a wake-up or the poll."""
        while True:
            self._wake.clear()
            try:
                while await self.drain_once():
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay failed; retrying in 1s")
                await asyncio.sleep(1)
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), self.idle_interval)
            except TimeoutError:
                pass
