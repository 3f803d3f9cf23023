"""Reading topics of the real broker from the beginning, for assertions."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, ConsumerRecord

from thidua.runtime.kafka_access import kafka_options


async def read_topic(
    bootstrap: str,
    topic: str,
    keep: Callable[[ConsumerRecord[bytes, bytes]], bool],
    *,
    expect: int,
    timeout: float = 20.0,
    settle: float = 1.0,
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record of topic that keep() selects: waits for `expect` of them, then `settle` s more.

    The extra wait is what lets a test see a record that should NOT be there (a double publish).
    """
    consumer = AIOKafkaConsumer(
        topic, **kafka_options(bootstrap), auto_offset_reset="earliest", enable_auto_commit=False, group_id=None
    )
    await consumer.start()
    found: list[ConsumerRecord[bytes, bytes]] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    settled_at: float | None = None
    try:
        while loop.time() < deadline:
            batch = await consumer.getmany(timeout_ms=200)
            for records in batch.values():
                found.extend(r for r in records if keep(r))
            if len(found) >= expect:
                settled_at = settled_at or loop.time() + settle
                if loop.time() >= settled_at:
                    break
    finally:
        await consumer.stop()
    return found


async def start_group_at_end(bootstrap: str, group_id: str, topic: str) -> None:
    """Commit the group's offsets at the topic's end, so a new consumer skips earlier tests' records."""
    from aiokafka import TopicPartition
    from aiokafka.structs import OffsetAndMetadata

    consumer = AIOKafkaConsumer(**kafka_options(bootstrap), group_id=group_id, enable_auto_commit=False)
    await consumer.start()
    try:
        from schemas.topics import TOPICS

        count = next(spec.partitions for spec in TOPICS if spec.name == topic)
        partitions = [TopicPartition(topic, p) for p in range(count)]
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        await consumer.commit({tp: OffsetAndMetadata(offset, "") for tp, offset in ends.items()})
    finally:
        await consumer.stop()
