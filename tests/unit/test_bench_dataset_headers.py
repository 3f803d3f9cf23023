"""The bench produces evidence.accepted.v1 with the headers the evidence relay sets, the envelope's type included."""

from __future__ import annotations

import orjson

from bench.dataset import accepted_headers, backlog, type_of


def test_the_type_read_from_each_backlog_record_is_its_envelopes_type() -> None:
    records = backlog(500, "s")
    assert {type_of(value) for _, value in records} >= {b"procedure.processed", b"procedure.rated"}
    assert all(type_of(value) == orjson.loads(value)["type"].encode() for _, value in records)


def test_a_value_without_a_type_has_no_type_header() -> None:
    assert type_of(b'{"event_id":"x"}') is None
    assert accepted_headers(7, b"t", None) == [("ledger_seq", b"7"), ("accepted_at", b"t")]
    assert accepted_headers(7, b"t", b"procedure.rated")[-1] == ("type", b"procedure.rated")
