"""Batch subscriber wiring with FastStream's in-memory broker (the real broker is in tests/integration):
records reach the handler decoded, transient failures are redelivered, poison is parked and the rest applied."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import asyncpg
import pytest
from aiokafka import ConsumerRecord
from faststream.kafka import KafkaBroker, TestKafkaBroker

from schemas.evidence import UnitRegisteredEvent, types_of
from thidua.runtime.decoding import Poison, evidence_of
from thidua.runtime.kafka import subscribe_batches
from thidua.runtime.parking import Delivery, ParkingLot, is_transient


class MemoryParking(ParkingLot):
    """A parking lot that keeps what it parks in a list (no database)."""

    def __init__(self, attempts: int = 3) -> None:
        super().__init__("unit", lambda: None, attempts=attempts)
        self.parked: list[tuple[bytes | None, str, int]] = []

    async def park(self, topic: str, record: ConsumerRecord[bytes, bytes], error: str, attempts: int) -> None:
        self.parked.append((record.value, error, attempts))


def decode(value: bytes | None) -> Any:
    try:
        return json.loads(value or b"")
    except ValueError:
        raise Poison("not JSON") from None


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    import thidua.runtime.kafka as kafka_module
    import thidua.runtime.parking as parking_module

    async def instantly(_: float) -> None:
        return None

    monkeypatch.setattr(kafka_module.asyncio, "sleep", instantly)
    monkeypatch.setattr(parking_module.asyncio, "sleep", instantly)


async def test_batches_reach_the_handler_decoded_and_undecodable_records_are_parked() -> None:
    broker = KafkaBroker()
    parking = MemoryParking()
    seen: list[Any] = []

    async def handler(deliveries: Sequence[Delivery[Any]]) -> None:
        seen.extend(d.event for d in deliveries)

    subscribe_batches(
        broker,
        service="unit",
        topic="t.v1",
        group_id="g",
        handler=handler,
        decode=decode,
        parking=parking,
        max_records=10,
    )
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish_batch(b"not json", b'{"a": 1}', topic="t.v1")
    assert seen == [{"a": 1}]
    assert [(v, a) for v, _, a in parking.parked] == [(b"not json", 0)]


async def test_a_transient_failure_surfaces_so_the_batch_is_redelivered_and_nothing_is_parked() -> None:
    broker = KafkaBroker()
    parking = MemoryParking()

    async def handler(deliveries: Sequence[Delivery[Any]]) -> None:
        raise ConnectionRefusedError("database down")

    subscribe_batches(
        broker,
        service="unit",
        topic="t.v1",
        group_id="g",
        handler=handler,
        decode=decode,
        parking=parking,
        max_records=10,
    )
    async with TestKafkaBroker(broker) as test_broker:
        with pytest.raises(ConnectionRefusedError, match="database down"):
            await test_broker.publish_batch(b"{}", topic="t.v1")
    assert parking.parked == []


async def test_a_poison_record_is_retried_a_bounded_number_of_times_then_parked_and_the_rest_applied() -> None:
    broker = KafkaBroker()
    parking = MemoryParking(attempts=3)
    applied: list[Any] = []
    calls: list[int] = []

    async def handler(deliveries: Sequence[Delivery[Any]]) -> None:
        calls.append(len(deliveries))
        if any(d.event.get("poison") for d in deliveries):
            raise KeyError("a value the domain cannot take")  # the whole batch rolls back
        applied.extend(d.event["n"] for d in deliveries)

    subscribe_batches(
        broker,
        service="unit",
        topic="t.v1",
        group_id="g",
        handler=handler,
        decode=decode,
        parking=parking,
        max_records=10,
    )
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish_batch(b'{"n": 1}', b'{"poison": true}', b'{"n": 3}', topic="t.v1")
    assert applied == [1, 3]
    assert calls == [3, 1, 1, 1, 1, 1]  # the batch, then one by one: 1, poison ×3, 3
    [(value, error, attempts)] = parking.parked
    assert value == b'{"poison": true}' and attempts == 3 and "KeyError" in error


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (ConnectionResetError(), True),
        (TimeoutError(), True),
        (asyncpg.exceptions.CannotConnectNowError(), True),
        (asyncpg.exceptions.SerializationError(), True),
        (asyncpg.exceptions.UniqueViolationError(), False),
        (KeyError("x"), False),
        (OverflowError(), False),
        (RecursionError(), False),
    ],
)
def test_transient_errors_are_told_apart_from_poison(error: BaseException, transient: bool) -> None:
    assert is_transient(error) is transient


def test_a_parked_error_is_always_storable_so_parking_cannot_fail_on_its_own_message() -> None:
    from thidua.runtime.parking import storable

    text = storable("KeyError: '\x00' in \udc80" + "x" * 10000)
    assert "\x00" not in text and len(text) <= 4000
    text.encode("utf-8")  # PostgreSQL text takes it


async def test_records_of_types_the_consumer_does_not_use_are_acknowledged_without_reaching_the_handler() -> None:
    broker = KafkaBroker()
    parking = MemoryParking(attempts=1)
    seen: list[str] = []

    async def handler(deliveries: Sequence[Delivery[Any]]) -> None:
        seen.extend(d.event.type for d in deliveries)

    subscribe_batches(
        broker,
        service="unit",
        topic="t.v1",
        group_id="g",
        handler=handler,
        decode=evidence_of(types_of(UnitRegisteredEvent)),
        parking=parking,
        max_records=10,
    )
    unit = {
        "event_id": "u1",
        "type": "unit.registered",
        "schema_version": 1,
        "occurred_at": "2025-01-01T00:00:00+07:00",
        "unit_id": "H40.01",
        "source": "noivu",
        "payload": {"name": "Sở Nội vụ", "level": "department", "cluster_id": "K1"},
    }
    skipped = {**unit, "event_id": "r1", "type": "procedure.rated", "payload": {"dossier_code": "HS1"}}
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish_batch(
            json.dumps(skipped).encode(), b'{"type": "x"}', json.dumps(unit).encode(), topic="t.v1"
        )
    assert seen == ["unit.registered"]
    [(value, error, _)] = parking.parked  # an unknown type is still poison
    assert value == b'{"type": "x"}' and error.startswith("Poison")
