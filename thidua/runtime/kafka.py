"""Kafka at the edge: a batch publisher and batch subscribers that ack only after the commit."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaProducer
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage

from thidua.runtime.kafka_access import KafkaAccess
from thidua.runtime.metrics import BATCH_FAILURES, BATCHES, CONSUMED, CONSUMER_LAG, PUBLISHED
from thidua.runtime.parking import Decoder, Handler, ParkingLot, Scrub, TypeFilter

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

    def __init__(self, access: KafkaAccess | str, *, service: str, idempotent: bool = True) -> None:
        self.service = service
        self.idempotent = idempotent
        self.access = KafkaAccess.coerce(access)
        self._producer: AIOKafkaProducer | None = None

    @property
    def producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            raise RuntimeError(f"{self.service}: publisher used before start")
        return self._producer

    async def start(self) -> None:
        # aiokafka binds to the running loop, so the producer is created here, not in __init__.
        self._producer = AIOKafkaProducer(
            **self.access.aiokafka_options(),
            acks="all",
            enable_idempotence=self.idempotent,
            linger_ms=5,
            max_batch_size=512 * 1024,
            client_id=f"thidua-{self.service}",
        )
        await self._producer.start()

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def publish(self, records: Sequence[Outgoing]) -> None:
        """Send every record; return once the broker has acknowledged all of them."""
        if not self.idempotent and records:
            raise RuntimeError(f"{self.service}: this service is not set up to publish (publishes=False)")
        futures = [
            await self.producer.send(
                r.topic, r.value, key=r.key.encode() if r.key is not None else None, headers=list(r.headers) or None
            )
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


async def _raw_body(msg: KafkaMessage) -> object:
    # Bodies stay bytes: the runtime's decoder decides what is valid, so poison input cannot crash decoding.
    return msg.body


@dataclass
class Subscription:
    """One consumer of a topic: where it stands, for /readyz and the stall watchdog."""

    service: str
    topic: str
    group: str
    subscriber: Any = None
    last_progress: float = field(default_factory=time.monotonic)
    restarts: int = 0
    _lag_labels: set[tuple[str, int]] = field(default_factory=set, init=False, repr=False)

    def progressed(self) -> None:
        self.last_progress = time.monotonic()

    async def partition_lag(self, timeout: float = 2.0) -> dict[tuple[str, int], int] | None:
        """Lag of each assigned (topic, partition), also set on thidua_consumer_lag (None when it cannot tell).

        Partitions this replica no longer owns (after a rebalance) leave the gauge, so a sum over replicas
        counts each partition once."""
        consumer = getattr(self.subscriber, "consumer", None)
        if consumer is None:
            return None
        try:
            parts = list(consumer.assignment())
            lags: dict[tuple[str, int], int] = {}
            if parts:
                ends = await asyncio.wait_for(consumer.end_offsets(parts), timeout)
                for tp in parts:
                    committed = await asyncio.wait_for(consumer.committed(tp), timeout)
                    lags[(tp.topic, tp.partition)] = max(0, ends[tp] - (committed or 0))
        except Exception:
            return None
        for topic, partition in self._lag_labels - lags.keys():
            try:
                CONSUMER_LAG.remove(self.service, topic, str(partition))
            except KeyError:
                pass
        for (topic, partition), lag in lags.items():
            CONSUMER_LAG.labels(self.service, topic, str(partition)).set(lag)
        self._lag_labels = set(lags)
        return lags

    async def lag(self, timeout: float = 2.0) -> int | None:
        """Records of the assigned partitions not yet committed by the group (None when it cannot tell)."""
        lags = await self.partition_lag(timeout)
        return None if lags is None else sum(lags.values())

    async def status(self, stall_after: float) -> dict[str, Any]:
        """lag, seconds since the last committed batch, and whether it is stalled (lag but no progress)."""
        lag = await self.lag()
        age = time.monotonic() - self.last_progress
        stalled = bool(lag) and age > stall_after
        return {
            "topic": self.topic,
            "group": self.group,
            "lag": lag,
            "last_progress_age_s": round(age, 1),
            "stalled": stalled,
            "restarts": self.restarts,
        }

    async def restart(self) -> None:
        """Re-subscribe: a consumer that stopped fetching (e.g. after a broker restart) starts afresh from the
        group's committed offsets; nothing is lost (offsets are committed only after the database commit)."""
        self.restarts += 1
        sub = self.subscriber
        if sub is None:
            return
        try:
            await sub.stop()
        except Exception:
            log.exception("%s: stopping the stalled consumer of %s failed", self.service, self.topic)
        await sub.start()
        self.progressed()


def _position(record: Any) -> dict[str, Any]:
    """Where a batch starts (topic, partition, first offset): enough to find it again, cheap to compute."""
    return {"topic": record.topic, "partition": record.partition, "offset": record.offset}


@dataclass(frozen=True)
class Fetch:
    """How a consumer fetches: the bytes a fetch waits for, how long at most, and a partition's share of one."""

    min_bytes: int
    max_wait_ms: int
    partition_bytes: int


# On the freshness path a fetch is answered at its first record (no wait added at a light load); an idle long poll
# is answered after 500 ms, data or not.
PROMPT_FETCH = Fetch(min_bytes=1, max_wait_ms=500, partition_bytes=1 << 20)

BULK_FETCH_WAIT_MS = 200
"""The patience of a consumer off the freshness path that keeps few records of a busy topic (awards, notify on
evidence): what it keeps is at most this much later, and a backfill reaches it in big fetches."""


def fetch_for(patience_ms: int) -> Fetch:
    """The fetch of a consumer that may wait patience_ms for a fuller one (0: the prompt one)."""
    if patience_ms <= 0:
        return PROMPT_FETCH
    # The broker answers once 256 KiB are there or after patience_ms, so catching up costs few fetches and few
    # commits; a backlog is read 4 MiB a partition at a time (≈7,000 evidence records), not 1 MiB.
    return Fetch(min_bytes=256 << 10, max_wait_ms=patience_ms, partition_bytes=4 << 20)


def subscribe_batches(
    broker: KafkaBroker,
    *,
    service: str,
    topic: str,
    group_id: str,
    handler: Handler,
    decode: Decoder,
    parking: ParkingLot,
    max_records: int,
    prefix: bool = False,
    scrub: Scrub | None = None,
    types: TypeFilter | None = None,
    patience_ms: int = 0,
) -> Subscription:
    """Register handler for fetched batches of topic, decoded by the contract's model; offsets are committed
    only after it returns.

    A transient failure (database or broker down) raises: the batch is not acknowledged and is delivered
    again, without limit. A record that cannot be decoded, or whose handling keeps failing otherwise, is
    parked with its error after bounded attempts (ParkingLot) and the partition moves on.
    With prefix=True, every topic whose name starts with `topic` is consumed (new ones within the metadata age).
    scrub: what a parked record keeps of its value (default: all of it).
    types: the record types used; a record whose `type` header names another known type is committed unparsed.
    patience_ms: how long a fetch may wait for a fuller one (0: answered at the first record, for consumers on the
    freshness path; a consumer off it that drops most of a busy topic reads it in big fetches instead).
    """
    parking.register(topic, decode, handler, prefix=prefix, scrub=scrub, types=types)
    group = f"{group_id}.{topic}*" if prefix else f"{group_id}.{topic}"
    subscription = Subscription(service, f"{topic}*" if prefix else topic, group)
    fetch = fetch_for(patience_ms)
    where: dict[str, Any] = {"pattern": "^" + re.escape(topic) + ".+$"} if prefix else {}
    subscriber = broker.subscriber(
        # One group per (service, topic): members of a group then share identical subscriptions.
        *(() if prefix else (topic,)),
        **where,
        batch=True,
        group_id=group,
        auto_offset_reset="earliest",
        max_records=max_records,
        ack_policy=AckPolicy.NACK_ON_ERROR,
        decoder=_raw_body,
        batch_timeout_ms=50,
        fetch_min_bytes=fetch.min_bytes,
        fetch_max_wait_ms=fetch.max_wait_ms,
        max_partition_fetch_bytes=fetch.partition_bytes,
        description=f"{service} consumes {topic} in batches; offsets committed after the database commit",
    )
    subscription.subscriber = subscriber

    @subscriber
    async def on_batch(body: list[bytes], msg: KafkaMessage) -> None:
        raw = msg.raw_message
        records = tuple(raw) if isinstance(raw, tuple | list) else (raw,)
        started = time.perf_counter()
        try:
            await parking.handle(topic, records)
        except Exception:
            BATCH_FAILURES.labels(service, topic).inc()
            first = records[0] if records else None
            log.exception(
                "%s: batch of %d from %s failed (transient); it will be redelivered",
                service,
                len(records),
                topic,
                extra={
                    "records": len(records),
                    **({"topic": topic} if first is None else _position(first)),
                },
            )
            await asyncio.sleep(1.0)  # back off before the redelivery, e.g. while the database restarts
            raise
        subscription.progressed()
        BATCHES.labels(service, topic).observe(time.perf_counter() - started)
        CONSUMED.labels(service, topic).inc(len(records))

    return subscription
