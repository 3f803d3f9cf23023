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
from collections import Counter
from collections.abc import Sequence
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner

from thidua.runtime.loop import Waker, drain_then_wait
from thidua.runtime.metrics import PUBLISHED
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
            publisher = self.runtime.publisher
            if not publisher.idempotent:
                raise RuntimeError(f"{publisher.service}: this service is not set up to publish (publishes=False)")
            await send_rows(publisher.producer, rows)
            for topic, count in Counter(r["topic"] for r in rows).items():
                PUBLISHED.labels(publisher.service, topic).inc(count)
            await conn.execute("DELETE FROM outbox WHERE id = ANY($1::bigint[])", [r["id"] for r in rows])
            return len(rows)

    async def run(self) -> None:
        """Loop until cancelled: drain while there is work, otherwise wait for a wake-up or the poll."""
        await drain_then_wait(self.drain_once, self._waker, poll=self.idle_interval, log=log, what="outbox relay")


async def send_rows(producer: AIOKafkaProducer, rows: Sequence[Any]) -> None:
    """Send outbox rows in id order as record batches, one per partition (more when full); wait for every ack.

    One builder per partition spares aiokafka's per-record send path (metadata wait, partitioner, futures), which
    cost the relay more than the rows; each key still lands on the partition send() would choose (the producer's
    default partitioner, computed once per key), and one partition's records keep their outbox order."""
    partitioner = DefaultPartitioner()
    partitions: dict[str, list[int]] = {}
    chosen: dict[tuple[str, str | None], int] = {}
    batches: dict[tuple[str, int], list[Any]] = {}
    for row in rows:
        topic, key = row["topic"], row["key"]
        if topic not in partitions:
            partitions[topic] = sorted(await producer.partitions_for(topic))
        key_bytes = key.encode() if key is not None else None
        # A record without a key goes to any partition (send() picks one at random for each).
        partition = chosen.get((topic, key)) if key is not None else None
        if partition is None:
            partition = partitioner(key_bytes, partitions[topic], partitions[topic])
            chosen[(topic, key)] = partition
        headers = [(k, v.encode()) for k, v in json.loads(row["headers"]).items()]
        value = bytes(row["value"])
        builders = batches.setdefault((topic, partition), [])
        if not builders or builders[-1].append(timestamp=None, key=key_bytes, value=value, headers=headers) is None:
            builders.append(producer.create_batch())
            if builders[-1].append(timestamp=None, key=key_bytes, value=value, headers=headers) is None:
                raise ValueError(f"an outbox record of {len(value)} bytes does not fit a record batch ({topic})")
    # Every partition's first batch before any second one: a partition's later batch waits in the producer until its
    # earlier one has left, and should not hold up the other partitions'.
    acks = []
    for round_ in range(max((len(b) for b in batches.values()), default=0)):
        for (topic, partition), builders in batches.items():
            if round_ < len(builders):
                acks.append(await producer.send_batch(builders[round_], topic, partition=partition))
    await asyncio.gather(*acks)
