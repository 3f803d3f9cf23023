"""A record produced to the real broker is consumed back, in batches, with offsets committed."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from faststream.kafka import KafkaBroker

from schemas.topics import EVIDENCE_INBOUND, TOPICS
from thidua.runtime.kafka import BatchPublisher, Outgoing, subscribe_batches
from thidua.runtime.kafka_access import KafkaAccess, kafka_options
from thidua.runtime.parking import Delivery, ParkingLot
from thidua.runtime.topics import ensure_topics


async def test_topics_exist_with_explicit_partitions(kafka_bootstrap: str) -> None:
    admin = AIOKafkaAdminClient(**kafka_options(kafka_bootstrap))
    await admin.start()
    try:
        described = {t["topic"]: t for t in await admin.describe_topics([s.name for s in TOPICS])}
    finally:
        await admin.close()
    for spec in TOPICS:
        assert len(described[spec.name]["partitions"]) == spec.partitions, spec.name
    assert await ensure_topics(kafka_bootstrap) == []  # a second call creates nothing


async def test_publish_and_consume_batches_on_real_broker(kafka_bootstrap: str) -> None:
    marker = uuid.uuid4().hex
    publisher = BatchPublisher(kafka_bootstrap, service="test")
    await publisher.start()
    broker = KafkaBroker(kafka_bootstrap, security=KafkaAccess.coerce(kafka_bootstrap).faststream_security())
    seen: list[ConsumerRecord[bytes, bytes]] = []
    done = asyncio.Event()

    async def handler(deliveries: Sequence[Delivery[bytes]]) -> None:
        seen.extend(d.record for d in deliveries if marker.encode() in d.event)
        if len(seen) >= 50:
            done.set()

    group = f"test-{marker}"
    parking = ParkingLot("test", lambda: None)  # nothing parks here
    subscribe_batches(
        broker,
        service="test",
        topic=EVIDENCE_INBOUND,
        group_id=group,
        handler=handler,
        decode=lambda value: value or b"",
        parking=parking,
        max_records=500,
    )
    await broker.start()
    try:
        await publisher.publish([Outgoing(EVIDENCE_INBOUND, f"U{i % 5}", f"{marker}:{i}".encode()) for i in range(50)])
        await asyncio.wait_for(done.wait(), 30)
    finally:
        await broker.stop()
        await publisher.stop()
    assert sorted(int(r.value.split(b":")[1]) for r in seen if r.value) == list(range(50))
    # Same key, same partition: per-unit order is what scoring relies on.
    by_key: dict[bytes | None, set[int]] = {}
    for r in seen:
        by_key.setdefault(r.key, set()).add(r.partition)
    assert all(len(parts) == 1 for parts in by_key.values())
    # Offsets were committed after the handler: a new consumer in the group starts past them.
    check = AIOKafkaConsumer(
        **kafka_options(kafka_bootstrap), group_id=f"{group}.{EVIDENCE_INBOUND}", enable_auto_commit=False
    )
    await check.start()
    try:
        partitions = {r.partition for r in seen}
        committed = {p: await check.committed(TopicPartition(EVIDENCE_INBOUND, p)) for p in partitions}
        last = {p: max(r.offset for r in seen if r.partition == p) for p in partitions}
        assert all(committed[p] is not None and committed[p] > last[p] for p in partitions)
    finally:
        await check.stop()
