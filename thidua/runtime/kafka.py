"""Kafka at the edge: a batch publisher and batch subscribers that ack only after the commit."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer, ConsumerRecord
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage

from thidua.runtime.metrics import BATCH_FAILURES, BATCHES, CONSUMED, PUBLISHED

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outgoing:
    """One record to publish: topic, key and the encoded value."""

    topic: str
    key: str | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = ()


class BatchPublisher:
    """An idempotent producer (acks=all) that sends many records and waits for all of them."""

    def __init__(self, bootstrap: str, *, service: str) -> None:
        self.service = service
        self.bootstrap = bootstrap
        self._producer: AIOKafkaProducer | None = None

    @property
    def producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            raise RuntimeError(f"{self.service}: publisher used before start")
        return self._producer

    async def start(self) -> None:
        # aiokafka binds to the running loop, so the producer is created here, not in __init__.
        self._producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap, acks="all", enable_idempotence=True, linger_ms=5,
            max_batch_size=512 * 1024, client_id=f"thidua-{self.service}",
        )
        await self._producer.start()

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def publish(self, records: Sequence[Outgoing]) -> None:
        """Send every record; return once the broker has acknowledged all of them."""
        futures = [
            await self.producer.send(r.topic, r.value, key=r.key.encode() if r.key is not None else None,
                                     headers=list(r.headers) or None)
            for r in records
        ]
        if futures:
            await asyncio.gather(*futures)
        for r in records:
            PUBLISHED.labels(self.service, r.topic).inc()

    async def ping(self, timeout: float = 2.0) -> bool:
        """True when the cluster answers a metadata request."""
        if self._producer is None:
            return False
        try:
            return bool(await asyncio.wait_for(self._producer.client.fetch_all_metadata(), timeout))
        except Exception:
            return False


BatchHandler = Callable[[Sequence[ConsumerRecord[bytes, bytes]]], Awaitable[None]]


async def _raw_body(msg: KafkaMessage) -> object:
    # Bodies stay bytes: the handler decides what is valid, so poison input cannot crash decoding.
    return msg.body


def subscribe_batches(broker: KafkaBroker, *, service: str, topic: str, group_id: str,
                      handler: BatchHandler, max_records: int) -> None:
    """Register handler for fetched batches of topic; offsets are committed only after it returns.

    If the handler raises, the batch is not acknowledged and the consumer seeks back, so every
    record is delivered again (at least once); handlers make that harmless (idempotent effects).
    """

    @broker.subscriber(
        # One group per (service, topic): members of a group then share identical subscriptions.
        topic, batch=True, group_id=f"{group_id}.{topic}", auto_offset_reset="earliest",
        max_records=max_records,
        ack_policy=AckPolicy.NACK_ON_ERROR, decoder=_raw_body, batch_timeout_ms=50,
        description=f"{service} consumes {topic} in batches; offsets committed after the database commit",
    )
    async def on_batch(body: list[bytes], msg: KafkaMessage) -> None:
        raw = msg.raw_message
        records = tuple(raw) if isinstance(raw, tuple | list) else (raw,)
        started = time.perf_counter()
        try:
            await handler(records)
        except Exception:
            BATCH_FAILURES.labels(service, topic).inc()
            log.exception("%s: batch of %d from %s failed; it will be redelivered", service,
                          len(records), topic)
            await asyncio.sleep(1.0)  # back off before the redelivery, e.g. while the database restarts
            raise
        BATCHES.labels(service, topic).observe(time.perf_counter() - started)
        CONSUMED.labels(service, topic).inc(len(records))
