"""Evidence's use cases on an in-memory store (tests/unit/fakes/evidence_store.py), without Kafka or PostgreSQL: a
batch's items accepted, duplicates in the batch and in the ledger, refusals kept with their reasons and queued to
evidence.rejected.v1, retractions and officers checked, a failed unit of work leaving nothing; the national portal's
snapshots mapped to our unit and officer, a re-sent one changing nothing; the operator's mappings and sources."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from schemas import topics
from schemas.dvcqg import parse_call
from schemas.errors import FieldError
from schemas.outputs import RejectedEvidence
from services.evidence.domain.intake import Submission
from services.evidence.domain.officers import Home
from services.evidence.handlers.dvcqg import Origin, refuse_record, take_call
from services.evidence.handlers.ingest import ingest
from services.evidence.handlers.mappings import MappingRefused, list_mappings, put_mapping, remove_mapping
from services.evidence.handlers.sources import record_source
from services.evidence.store import EvidenceStore
from tests.unit.fakes.evidence_store import FakeEvidenceStore
from tests.unit.test_contract import envelope
from tests.unit.test_dvcqg import dossier, step
from thidua.runtime.auth import token_hash

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
SOURCE, UNIT, OTHER = "motcua-namdinh", "H40.12.05", "H40.12.06"
PORTAL_CODE = "000.00.12.H40"


def _store(**units: list[str]) -> FakeEvidenceStore:
    store = FakeEvidenceStore()
    store.sources = {SOURCE: [UNIT], **units}
    return store


def _item(event_id: str, kind: str = "procedure.processed", **overrides: Any) -> Submission:
    return Submission(envelope(kind, event_id=event_id, source=SOURCE, **overrides))


def _rejected(store: FakeEvidenceStore) -> list[RejectedEvidence]:
    return [RejectedEvidence.model_validate_json(m[2]) for m in store.outbox if m[0] == topics.EVIDENCE_REJECTED]


async def test_an_accepted_event_enters_the_ledger_and_the_outbox_together() -> None:
    store = _store()
    [result] = await ingest(store, [_item("e-1")], channel="http", now=NOW)
    assert (result.event_id, result.status, result.errors) == ("e-1", "accepted", ())
    seq, row, channel = store.ledger[(SOURCE, "e-1")]
    assert (row.type, row.unit_id, channel) == ("procedure.processed", UNIT, "http")
    [(topic, key, value, headers)] = store.outbox
    assert (topic, key) == (topics.EVIDENCE_ACCEPTED, UNIT)
    assert json.loads(value)["event_id"] == "e-1" and headers == {
        "ledger_seq": str(seq),
        "accepted_at": NOW.isoformat(),
        "type": "procedure.processed",
    }


async def test_a_repeat_in_the_batch_and_a_repeat_of_the_ledger_are_duplicates_kept_once() -> None:
    store = _store()
    first = await ingest(store, [_item("e-1"), _item("e-1")], channel="http", now=NOW)
    assert [r.status for r in first] == ["accepted", "duplicate"]
    again = await ingest(store, [_item("e-1"), _item("e-2")], channel="kafka", now=NOW)
    assert [(r.event_id, r.status) for r in again] == [("e-1", "duplicate"), ("e-2", "accepted")]
    assert sorted(store.ledger) == [(SOURCE, "e-1"), (SOURCE, "e-2")]
    assert [m[0] for m in store.outbox] == [topics.EVIDENCE_ACCEPTED] * 2  # a duplicate publishes nothing


async def test_a_refusal_is_kept_with_its_reasons_and_queued_to_evidence_rejected() -> None:
    store = _store()
    results = await ingest(store, [_item("e-out", unit_id=OTHER), _item("e-in")], channel="http", now=NOW)
    assert [r.status for r in results] == ["rejected", "accepted"]
    assert [e.field for e in results[0].errors] == ["unit_id"] and results[0].as_json()["errors"]
    [(row, channel)] = store.rejections
    assert (row.source, row.event_id, row.unit_id, channel) == (SOURCE, "e-out", OTHER, "http")
    assert [r["field"] for r in row.reasons] == ["unit_id"]
    [message] = _rejected(store)
    assert (message.event_id, message.channel, [r.field for r in message.reasons]) == ("e-out", "http", ["unit_id"])
    assert json.loads(base64.b64decode(message.original_base64))["unit_id"] == OTHER
    assert list(store.ledger) == [(SOURCE, "e-in")]


async def test_a_kafka_record_refused_again_at_the_same_position_is_kept_and_published_once() -> None:
    store = _store()
    bad = [_item("e-out", unit_id=OTHER)]
    position = [("evidence.inbound.v1", 0, 7)]
    for _ in range(2):
        [result] = await ingest(store, bad, channel="kafka", now=NOW, positions=position)
        assert result.status == "rejected"
    assert len(store.rejections) == 1
    [message] = _rejected(store)
    assert (message.original_topic, message.original_partition, message.original_offset) == position[0]


async def test_a_retraction_must_name_an_earlier_event_of_its_source() -> None:
    store = _store()
    retract = {"target_event_id": "e-0", "reason": "nhập nhầm"}
    [unknown] = await ingest(store, [_item("r-1", "evidence.retracted", payload=retract)], channel="http", now=NOW)
    assert unknown.status == "rejected"
    assert [(e.field, e.message) for e in unknown.errors] == [
        ("payload.target_event_id", f"no earlier event 'e-0' from source '{SOURCE}'")
    ]
    earlier = await ingest(
        store, [_item("e-0"), _item("r-2", "evidence.retracted", payload=retract)], channel="http", now=NOW
    )
    assert [r.status for r in earlier] == ["accepted", "accepted"]
    later = {"target_event_id": "e-0", "reason": "lần nữa"}
    [known] = await ingest(store, [_item("r-3", "evidence.retracted", payload=later)], channel="http", now=NOW)
    assert known.status == "accepted"


async def test_an_officer_of_a_unit_outside_the_sources_scope_is_refused_and_a_registration_moves_home() -> None:
    store = _store()
    store.officers["CB-B1"] = Home(OTHER, datetime(2024, 1, 1, tzinfo=UTC))
    results = await ingest(
        store,
        [_item("e-b", officer_id="CB-B1"), _item("reg-1", "officer.registered", officer_id="CB-NEW")],
        channel="http",
        now=NOW,
    )
    assert [r.status for r in results] == ["rejected", "accepted"]
    [error] = results[0].errors
    assert error.field == "officer_id" and f"belongs to unit '{OTHER}'" in error.message
    assert store.officers["CB-NEW"].unit_id == UNIT and store.locked_officers == ["CB-NEW"]
    assert store.transfers == {}


@pytest.mark.parametrize("failing", ["append", "record_rejections", "save_homes", "enqueue"])
async def test_a_unit_of_work_that_fails_leaves_nothing(failing: str) -> None:
    store = _store()
    store.fail_on = failing
    batch = [_item("e-1"), _item("e-out", unit_id=OTHER), _item("reg-1", "officer.registered", officer_id="CB-NEW")]
    with pytest.raises(RuntimeError, match=failing):
        await ingest(store, batch, channel="http", now=NOW)
    assert (store.ledger, store.rejections, store.officers, store.outbox) == ({}, [], {}, [])
    store.fail_on = None
    assert [r.status for r in await ingest(store, batch, channel="http", now=NOW)] == [
        "accepted",
        "rejected",
        "accepted",
    ]


def _sync(**changes: Any) -> Any:
    return parse_call({"service": "DongBoHoSoMC", "madonvi": PORTAL_CODE, "data": [dossier(**changes)]})


async def _mapped_portal() -> FakeEvidenceStore:
    """A source of UNIT whose portal unit code and user name the operator mapped; the user's officer lives in UNIT."""
    store = _store()
    store.officers["CB-004512"] = Home(UNIT, datetime(2024, 1, 1, tzinfo=UTC))
    await put_mapping(store, "unit", SOURCE, PORTAL_CODE, UNIT)
    await put_mapping(store, "officer", SOURCE, "canbo.an", "CB-004512")
    steps = parse_call({"service": "CapNhatTienDoHoSoMC", "data": [step("canbo.an", "20250314093000")]})
    [answer] = await take_call(store, steps, source=SOURCE, origin=Origin("http"), now=NOW) or []
    assert answer.status == "accepted"
    return store


async def test_a_portal_snapshot_is_mapped_to_our_unit_and_officer_and_kept() -> None:
    store = await _mapped_portal()
    [answer] = await take_call(store, _sync(), source=SOURCE, origin=Origin("http"), now=NOW) or []
    assert answer.status == "accepted" and answer.errors == []
    assert [(e["type"], e["status"]) for e in answer.events] == [("procedure.received", "accepted")]
    [(_, row, channel)] = store.ledger.values()
    assert (row.type, row.unit_id, row.officer_id, channel) == ("procedure.received", UNIT, "CB-004512", "http")
    kept = store.dossiers[(SOURCE, answer.dossier_code or "")]
    assert (kept.unit_id, kept.officer_id) == (UNIT, "CB-004512")
    assert [m[0] for m in store.outbox] == [topics.EVIDENCE_ACCEPTED]


async def test_a_resent_snapshot_changes_nothing_and_its_events_are_duplicates_of_the_ledger() -> None:
    store = await _mapped_portal()
    await take_call(store, _sync(), source=SOURCE, origin=Origin("http"), now=NOW)
    ledger, outbox = dict(store.ledger), list(store.outbox)
    [same] = await take_call(store, _sync(), source=SOURCE, origin=Origin("http"), now=NOW) or []
    assert (same.status, same.events) == ("unchanged", [])
    store.dossiers.clear()  # what was kept is gone: the snapshot's events are made again, and the ledger knows them
    [again] = await take_call(store, _sync(), source=SOURCE, origin=Origin("http"), now=NOW) or []
    assert again.status == "duplicate" and [e["status"] for e in again.events] == ["duplicate"]
    assert (store.ledger, store.outbox) == (ledger, outbox)


@pytest.mark.parametrize("failing", ["append", "enqueue", "save_dossier"])
async def test_a_portal_call_that_fails_leaves_nothing_not_even_its_kafka_claim(failing: str) -> None:
    store = await _mapped_portal()
    before = (dict(store.ledger), list(store.outbox), dict(store.dossiers), set(store.inbox))
    origin = Origin("kafka", (topics.source_dvcqg(SOURCE), 0, 5))
    store.fail_on = failing
    with pytest.raises(RuntimeError, match=failing):
        await take_call(store, _sync(), source=SOURCE, origin=origin, now=NOW)
    assert (store.ledger, store.outbox, store.dossiers, store.inbox) == before
    store.fail_on = None
    [answer] = await take_call(store, _sync(), source=SOURCE, origin=origin, now=NOW) or []  # redelivered: taken
    assert answer.status == "accepted" and len(store.ledger) == 1


async def test_a_kafka_record_taken_before_is_not_taken_again() -> None:
    store = await _mapped_portal()
    origin = Origin("kafka", (topics.source_dvcqg(SOURCE), 0, 3))
    assert await take_call(store, _sync(), source=SOURCE, origin=origin, now=NOW)
    store.dossiers.clear()
    assert await take_call(store, _sync(), source=SOURCE, origin=origin, now=NOW) is None
    assert len(store.ledger) == 1


async def test_a_portal_unit_code_not_mapped_is_refused_with_the_call_as_read() -> None:
    store = _store()
    [answer] = await take_call(store, _sync(), source=SOURCE, origin=Origin("http"), now=NOW) or []
    assert answer.status == "rejected" and [e.field for e in answer.errors] == ["madonvi"]
    [(row, _)] = store.rejections
    assert row.event_id == f"dvcqg:{answer.dossier_code}" and b"ChuHoSo" not in row.original  # nothing personal
    [message] = _rejected(store)
    assert message.reasons[0].field == "madonvi" and store.ledger == {}


async def test_an_unreadable_kafka_record_is_refused_once_without_its_bytes() -> None:
    store = _store()
    position = (topics.source_dvcqg(SOURCE), 0, 9)
    origin = Origin("kafka", position)
    errors = [FieldError(field="data", message="must have at least 1 item")]
    for _ in range(2):
        await refuse_record(store, errors, source=SOURCE, origin=origin, now=NOW)
    [(row, channel)] = store.rejections
    assert (row.original, channel, [r["field"] for r in row.reasons]) == (b"", "kafka", ["data"])
    [message] = _rejected(store)
    assert (message.original_topic, message.original_partition, message.original_offset) == position


async def test_the_operators_mappings_are_checked_listed_and_removed() -> None:
    store: EvidenceStore = _store()
    with pytest.raises(MappingRefused) as outside:
        await put_mapping(store, "unit", SOURCE, PORTAL_CODE, OTHER)
    assert (outside.value.status, outside.value.problem.field) == (422, "unit_id")
    with pytest.raises(MappingRefused) as unknown:
        await list_mappings(store, "unit", "no-such-source")
    assert unknown.value.status == 404
    first = await put_mapping(store, "unit", SOURCE, PORTAL_CODE, UNIT)
    assert (first["code"], first["unit_id"], first["replaced"]) == (PORTAL_CODE, UNIT, None)
    assert [m["code"] for m in await list_mappings(store, "unit", SOURCE)] == [PORTAL_CODE]
    assert (await remove_mapping(store, "unit", SOURCE, PORTAL_CODE))["unit_id"] == UNIT
    with pytest.raises(MappingRefused) as gone:
        await remove_mapping(store, "unit", SOURCE, PORTAL_CODE)
    assert (gone.value.status, gone.value.error) == (404, "no such mapping")


async def test_registering_a_source_again_replaces_its_units_and_adds_a_token_and_a_failure_keeps_nothing() -> None:
    store = FakeEvidenceStore()
    first = await record_source(store, name=SOURCE, units=[UNIT])
    second = await record_source(store, name=SOURCE, units=[UNIT, OTHER])
    assert first != second and store.sources == {SOURCE: [UNIT, OTHER]}
    assert store.tokens == [(SOURCE, token_hash(first)), (SOURCE, token_hash(second))]  # the old one stays valid
    store.fail_on = "store_source_token"
    with pytest.raises(RuntimeError):
        await record_source(store, name="hr", units=["*"])
    assert "hr" not in store.sources and len(store.tokens) == 2
