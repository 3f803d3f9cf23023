"""The outbox relay's batched send: each key on the partition the producer's own send() would choose, in order."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiokafka.partitioner import DefaultPartitioner

from thidua.runtime.outbox import send_rows


class FakeBuilder:
    """A record batch that holds `room` records."""

    def __init__(self, room: int) -> None:
        self.room = room
        self.records: list[tuple[bytes | None, bytes, list[tuple[str, bytes]]]] = []

    def append(self, *, timestamp: None, key: bytes | None, value: bytes, headers: list[tuple[str, bytes]]) -> object:
        if len(self.records) >= self.room:
            return None
        self.records.append((key, value, headers))
        return object()


class FakeProducer:
    """The part of AIOKafkaProducer the relay uses; sent batches kept in submission order."""

    def __init__(self, partitions: int, room: int) -> None:
        self.partitions = partitions
        self.room = room
        self.sent: list[tuple[str, int, FakeBuilder]] = []

    async def partitions_for(self, topic: str) -> set[int]:
        return set(range(self.partitions))

    def create_batch(self) -> FakeBuilder:
        return FakeBuilder(self.room)

    async def send_batch(self, batch: FakeBuilder, topic: str, *, partition: int) -> asyncio.Future[None]:
        self.sent.append((topic, partition, batch))
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


def row(n: int, key: str | None, topic: str = "t") -> dict[str, Any]:
    return {"topic": topic, "key": key, "value": f"v{n}".encode(), "headers": json.dumps({"seq": str(n)})}


def test_each_key_lands_where_send_would_put_it_in_outbox_order() -> None:
    producer = FakeProducer(partitions=6, room=2)
    keys = ["H40.01.01", "H40.02.03", "H40.01.01", "H40.03.07", "H40.01.01", "H40.02.03", "H40.01.01"]
    rows = [row(n, k) for n, k in enumerate(keys)]
    asyncio.run(send_rows(producer, rows))
    seen: dict[str, list[int]] = {}
    for _topic, partition, batch in producer.sent:
        for key, value, headers in batch.records:
            assert key is not None
            assert partition == DefaultPartitioner()(key, list(range(6)), list(range(6)))
            seen.setdefault(key.decode(), []).append(int(value[1:]))
            assert headers == [("seq", value[1:])]
    assert seen == {k: [n for n, kk in enumerate(keys) if kk == k] for k in set(keys)}
    # H40.01.01 has four records in batches of two: its second batch goes after every partition's first.
    order = [(t, p) for t, p, _ in producer.sent]
    assert len(order) > len(set(order))
    assert len(set(order[: len(set(order))])) == len(set(order))


def test_records_without_key_and_of_other_topics_all_go_out_once() -> None:
    producer = FakeProducer(partitions=3, room=100)
    rows = [row(0, None, "rejected"), row(1, "u", "accepted"), row(2, None, "rejected")]
    asyncio.run(send_rows(producer, rows))
    values = sorted(v for _, _, b in producer.sent for _, v, _ in b.records)
    assert values == [b"v0", b"v1", b"v2"]
    assert all(t == "rejected" for t, _, b in producer.sent if any(k is None for k, _, _ in b.records))
