"""Transactional outbox shared by the services: enqueue in the state's transaction, relay to Kafka.

Each service has an `outbox` table in its own schema (thidua/runtime/shared_migrations, applied by
db.prepare_schema):
    id bigserial PRIMARY KEY, topic text, key text, value bytea, headers jsonb, created_at timestamptz
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Sequence

import asyncpg

from thidua.runtime.kafka import Outgoing
from thidua.runtime.loop import Waker, drain_then_wait
from thidua.runtime.service import Runtime

log = logging.getLogger(__name__)

Message = tuple[str, str | None, bytes, dict[str, str]]  # topic, key, value, headers


async def enqueue(conn: asyncpg.Connection, messages: Sequence[Message]) -> None:
    """Add messages to the outbox in order (call inside the transaction that changes the state)."""
    if not messages:
        return
    await conn.execute(
        "INSERT INTO outbox (topic, key, value, headers)"
        " SELECT t, k, v, h::jsonb FROM unnest($1::text[], $2::text[], $3::bytea[], $4::text[])"
        " WITH ORDINALITY AS x(t, k, v, h, n) ORDER BY n",
        [m[0] for m in messages],
        [m[1] for m in messages],
        [m[2] for m in messages],
        [json.dumps(m[3]) for m in messages],
    )


async def pending(conn: asyncpg.Connection) -> int:
    """Messages not yet published."""
    return int(await conn.fetchval("SELECT count(*) FROM outbox"))


class OutboxRelay:
    """Drains the outbox: read in id order, publish, wait for the acks, then delete, per transaction.

    A crash after publishing and before the delete publishes those messages again; consumers
    de-duplicate on (source, event_id), so nothing is doubled downstream and nothing is lost.
    """

    def __init__(self, runtime: Runtime, *, batch: int = 5000, idle_interval: float = 0.2) -> None:
        self.runtime = runtime
        # One relay per service at a time keeps per-key order: other replicas wait on this lock.
        self._lock = int.from_bytes(hashlib.sha256(f"outbox:{runtime.name}".encode()).digest()[:8], "big", signed=True)
        self.batch = batch
        self.idle_interval = idle_interval
        self._waker = Waker()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Something was committed: publish it now rather than at the next poll."""
        self._waker.wake()

    async def drain_once(self) -> int:
        """Publish one batch; return how many messages went out (0 when empty or another relay works)."""
        async with self.runtime.pool.acquire() as conn, conn.transaction():
            if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", self._lock):
                return 0
            rows = await conn.fetch(
                "SELECT id, topic, key, value, headers::text AS headers FROM outbox ORDER BY id LIMIT $1", self.batch
            )
            if not rows:
                return 0
            await self.runtime.publisher.publish(
                [
                    Outgoing(
                        r["topic"],
                        r["key"],
                        bytes(r["value"]),
                        tuple((k, v.encode()) for k, v in json.loads(r["headers"]).items()),
                    )
                    for r in rows
                ]
            )
            await conn.execute("DELETE FROM outbox WHERE id = ANY($1::bigint[])", [r["id"] for r in rows])
            return len(rows)

    async def run(self) -> None:
        """Loop until cancelled: drain while there is work, otherwise wait for a wake-up or the poll."""
        await drain_then_wait(self.drain_once, self._waker, poll=self.idle_interval, log=log, what="outbox relay")
