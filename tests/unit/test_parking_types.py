"""A consumer that uses a few record types acknowledges the others by their `type` header, without parsing them;
a record without the header, or naming a type the contract does not know, takes the decoding path (parked if bad)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from aiokafka import ConsumerRecord

from schemas.evidence import EVIDENCE_TYPES
from tests.unit.fakes.parking import MemoryParking
from thidua.runtime.decoding import evidence_of
from thidua.runtime.parking import Delivery, TypeFilter, type_header

USED = frozenset({"unit.registered"})
KNOWN = frozenset(EVIDENCE_TYPES)


def record(offset: int, value: bytes, kind: str | None) -> ConsumerRecord[bytes, bytes]:
    headers = (("ledger_seq", b"1"),) + ((("type", kind.encode()),) if kind is not None else ())
    return ConsumerRecord("e.v1", 0, offset, 0, 0, b"k", value, None, 1, len(value), headers)


class Counting:
    """The decoder that counts its calls (a skipped record must never reach it)."""

    def __init__(self) -> None:
        self.calls: list[bytes | None] = []
        self.inner = evidence_of(USED)

    def __call__(self, value: bytes | None) -> Any:
        self.calls.append(value)
        return self.inner(value)


def unit_registered() -> bytes:
    return orjson.dumps(
        {
            "type": "unit.registered",
            "event_id": "u-1",
            "schema_version": 1,
            "unit_id": "B01.01",
            "source": "s",
            "occurred_at": "2025-01-01T00:00:00+07:00",
            "payload": {"name": "Phòng A", "level": "department", "cluster_id": "K1"},
        }
    )


async def handled(records: Sequence[ConsumerRecord[bytes, bytes]]) -> tuple[list[int], list[int], Counting]:
    """Offsets handed to the handler, offsets parked, and the decoder's calls, for one batch."""
    parking = MemoryParking()
    decode = Counting()
    seen: list[int] = []

    async def handler(deliveries: Sequence[Delivery[Any]]) -> None:
        seen.extend(d.record.offset for d in deliveries)

    parking.register("e.v1", decode, handler, types=TypeFilter(USED, KNOWN))
    await parking.handle("e.v1", records)
    return seen, [offset for offset, _ in parking.parked], decode


def test_the_skipped_header_values_are_the_known_types_not_used() -> None:
    skipped = TypeFilter(USED, KNOWN).skipped()
    assert b"procedure.processed" in skipped
    assert b"unit.registered" not in skipped
    assert len(skipped) == len(KNOWN) - 1


def test_the_type_header_is_read_as_sent_and_absent_is_none() -> None:
    assert type_header(record(0, b"{}", "procedure.rated")) == b"procedure.rated"
    assert type_header(record(0, b"{}", None)) is None


async def test_a_record_of_an_unused_known_type_is_acknowledged_without_parsing_even_when_its_value_is_garbage() -> (
    None
):
    seen, parked, decode = await handled([record(0, b"not json at all", "procedure.processed")])
    assert (seen, parked, decode.calls) == ([], [], [])


async def test_a_used_type_is_decoded_and_handled() -> None:
    value = unit_registered()
    seen, parked, decode = await handled(
        [record(0, b"junk", "procedure.processed"), record(1, value, "unit.registered")]
    )
    assert (seen, parked, decode.calls) == ([1], [], [value])


async def test_without_the_header_the_record_takes_the_decoding_path() -> None:
    seen, parked, decode = await handled([record(0, unit_registered(), None), record(1, b"junk", None)])
    assert (seen, parked) == ([0], [1])
    assert len(decode.calls) == 2


async def test_an_unknown_type_in_the_header_is_decoded_and_parked_when_bad() -> None:
    seen, parked, decode = await handled([record(0, b'{"type": "no.such.type"}', "no.such.type")])
    assert (seen, parked, len(decode.calls)) == ([], [0], 1)


async def test_a_record_whose_header_names_a_used_type_is_decoded_and_parked_when_bad() -> None:
    seen, parked, _ = await handled([record(0, b"junk", "unit.registered")])
    assert (seen, parked) == ([], [0])
