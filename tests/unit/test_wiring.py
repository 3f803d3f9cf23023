"""Batch subscriber wiring with FastStream's in-memory broker (the real broker is in tests/integration)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from aiokafka import ConsumerRecord
from faststream.kafka import KafkaBroker, TestKafkaBroker

from thidua.runtime.kafka import subscribe_batches


async def test_batches_reach_the_handler_as_raw_records() -> None:
    broker = KafkaBroker()
    seen: list[bytes] = []

    async def handler(records: Sequence[ConsumerRecord[bytes, bytes]]) -> None:
        seen.extend(r.value or b"" for r in records)

    subscribe_batches(broker, service="unit", topic="t.v1", group_id="g", handler=handler, max_records=10)
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish_batch(b"not json", b'{"a": 1}', topic="t.v1")
    assert seen == [b"not json", b'{"a": 1}']


async def test_a_failing_handler_surfaces_the_error_so_the_batch_is_not_acknowledged(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import thidua.runtime.kafka as kafka_module

    async def no_sleep(_: float) -> None:
        return None

    monkeypatch.setattr(kafka_module.asyncio, "sleep", no_sleep)
    broker = KafkaBroker()

    async def handler(records: Sequence[ConsumerRecord[bytes, bytes]]) -> None:
        raise RuntimeError("database down")

    subscribe_batches(broker, service="unit", topic="t.v1", group_id="g", handler=handler, max_records=10)
    async with TestKafkaBroker(broker) as test_broker:
        with pytest.raises(RuntimeError, match="database down"):
            await test_broker.publish_batch(b"x", topic="t.v1")
