"""A decoder that takes batches types a fetched batch in one call; when that call refuses the batch, the records are
decoded one by one, so a bad record is parked alone with its own error and the rest are handled."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from typing import Any

from aiokafka import ConsumerRecord

from bench.dataset import make_event
from tests.unit.fakes.parking import MemoryParking
from thidua.runtime.decoding import EVIDENCE_DECODER, BatchDecoder, Poison, decode_evidence
from thidua.runtime.parking import Delivery


class Watched(BatchDecoder):
    """The evidence batch decoder, counting its batch calls and its record-by-record calls."""

    def __init__(self) -> None:
        super().__init__(decode_evidence, EVIDENCE_DECODER._many)
        self.batches = 0
        self.singles = 0

    def __call__(self, value: bytes | None) -> Any:
        self.singles += 1
        return super().__call__(value)

    def many(self, values: Sequence[bytes | None]) -> list[Any]:
        self.batches += 1
        return super().many(values)


def record(offset: int, value: bytes) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord("e.v1", 0, offset, 0, 0, b"k", value, None, 1, len(value), (("ledger_seq", b"1"),))


def envelopes(count: int) -> list[bytes]:
    """Accepted envelopes of several types (the bench's dataset: processed, rated, complaints, ...)."""
    rng = random.Random(11)
    return [json.dumps(make_event(n, rng, "t")[1]).encode() for n in range(count)]


async def handled(values: list[bytes]) -> tuple[list[Delivery[Any]], list[tuple[int, str]], Watched]:
    parking = MemoryParking()
    decoder = Watched()
    seen: list[Delivery[Any]] = []

    async def handler(deliveries: Sequence[Delivery[Any]]) -> None:
        seen.extend(deliveries)

    parking.register("e.v1", decoder, handler)
    await parking.handle("e.v1", [record(n, v) for n, v in enumerate(values)])
    return seen, parking.parked, decoder


def test_the_batch_call_types_every_value_as_the_record_by_record_decoder_does() -> None:
    values = envelopes(400)
    assert len({json.loads(v)["type"] for v in values}) > 3
    assert EVIDENCE_DECODER.many(values) == [decode_evidence(v) for v in values]


async def test_a_good_batch_is_typed_in_one_call_and_handled_in_order() -> None:
    values = envelopes(50)
    seen, parked, decoder = await handled(values)
    assert (decoder.batches, decoder.singles, parked) == (1, 0, [])
    assert [d.record.offset for d in seen] == list(range(50))
    assert [d.event for d in seen] == [decode_evidence(v) for v in values]


async def test_a_bad_record_is_parked_alone_with_its_own_error_and_the_rest_handled() -> None:
    values = envelopes(6)
    invalid = json.loads(values[4])
    invalid["unit_id"] = "lower case"
    values[1] = b"not json"
    values[4] = json.dumps(invalid).encode()
    seen, parked, decoder = await handled(values)
    assert (decoder.batches, decoder.singles) == (1, 6)
    assert [d.record.offset for d in seen] == [0, 2, 3, 5]
    assert [offset for offset, _ in parked] == [1, 4]
    assert "not valid JSON" in parked[0][1]
    assert "unit_id" in parked[1][1]


async def test_an_empty_value_refuses_the_batch_call_and_is_parked_alone() -> None:
    values = [*envelopes(2), b""]
    seen, parked, _ = await handled(values)
    assert [d.record.offset for d in seen] == [0, 1]
    assert parked == [(2, "Poison: empty record")]


def test_the_batch_call_refuses_a_value_out_of_bounds_before_validating() -> None:
    values = [*envelopes(1), b"[" * 200 + b"]" * 200]
    try:
        EVIDENCE_DECODER.many(values)
    except Poison as exc:
        assert "out of bounds" in str(exc)
    else:
        raise AssertionError("an unbounded value passed the batch call")


async def test_a_value_out_of_bounds_is_parked_alone_with_where_and_why() -> None:
    values = [*envelopes(2), b'{"a": "' + b"x" * 100_000 + b'"}', b"[" * 200 + b"]" * 200]
    seen, parked, _ = await handled(values)
    assert [d.record.offset for d in seen] == [0, 1]
    assert [offset for offset, _ in parked] == [2, 3]
    assert "a: longer than" in parked[0][1]
    assert "nested deeper" in parked[1][1]
