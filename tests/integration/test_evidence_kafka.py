"""Evidence service's Kafka ingest against the real broker: poison input never stops the consumer."""

from __future__ import annotations

import base64
import json

from schemas import topics
from tests.integration.evidence_support import Evidence, envelope
from tests.integration.kafka_tools import read_topic
from tests.integration.support import eventually
from thidua.runtime.kafka import BatchPublisher, Outgoing


async def test_poison_messages_go_to_rejected_and_the_next_valid_one_goes_through(evidence: Evidence) -> None:
    marker = evidence.source
    unknown_type = {**envelope(f"{marker}-t"), "source": marker, "type": "procedure.teleported"}
    missing_field = {**envelope(f"{marker}-m"), "source": marker}
    del missing_field["payload"]["due_at"]
    no_source = envelope(f"{marker}-n")
    stranger = {**envelope(f"{marker}-s"), "source": "not-registered"}
    out_of_scope = {**envelope(f"{marker}-o", unit_id="H99.01"), "source": marker}
    valid = {**envelope(f"{marker}-v"), "source": marker}
    poison = [f"not json {marker}".encode()] + [
        json.dumps(d).encode() for d in (unknown_type, missing_field, no_source, stranger, out_of_scope)
    ]
    publisher = BatchPublisher(evidence.kafka, service="test")
    await publisher.start()
    try:
        await publisher.publish([Outgoing(topics.EVIDENCE_INBOUND, "H40.12.05", v) for v in poison])
        await publisher.publish([Outgoing(topics.EVIDENCE_INBOUND, "H40.12.05", json.dumps(valid).encode())])
    finally:
        await publisher.stop()

    accepted = await read_topic(
        evidence.kafka, topics.EVIDENCE_ACCEPTED, lambda r: marker.encode() in (r.value or b""), expect=1, timeout=30
    )
    assert [json.loads(r.value or b"")["event_id"] for r in accepted] == [f"{marker}-v"]

    rejected = await read_topic(
        evidence.kafka,
        topics.EVIDENCE_REJECTED,
        lambda r: marker.encode() in base64.b64decode(json.loads(r.value or b"")["original_base64"]),
        expect=len(poison),
        timeout=30,
    )
    docs = [json.loads(r.value or b"") for r in rejected]
    assert len(docs) == len(poison)  # each refused once, none lost
    originals = {base64.b64decode(d["original_base64"]) for d in docs}
    assert originals == set(poison)  # the original bytes, untouched
    fields = {base64.b64decode(d["original_base64"]): [e["field"] for e in d["reasons"]] for d in docs}
    assert fields[poison[0]] == ["body"]
    assert fields[poison[1]] == ["type"]
    assert fields[poison[2]] == ["payload.due_at"]
    assert fields[poison[3]] == ["source"]
    assert fields[poison[4]] == ["source"]
    assert fields[poison[5]] == ["unit_id"]
    assert all(d["channel"] == "kafka" and d["original_topic"] == topics.EVIDENCE_INBOUND for d in docs)


async def test_an_event_sent_over_http_then_kafka_is_published_once(evidence: Evidence) -> None:
    event_id = f"{evidence.source}-both"
    first = await evidence.http.post("/v1/events", json=envelope(event_id))
    assert first.json()[0]["status"] == "accepted"
    publisher = BatchPublisher(evidence.kafka, service="test")
    await publisher.start()
    try:
        again = {**envelope(event_id), "source": evidence.source}
        await publisher.publish([Outgoing(topics.EVIDENCE_INBOUND, "H40.12.05", json.dumps(again).encode())])
    finally:
        await publisher.stop()
    # Wait well past the consumer's batch timeout so a second publish would have shown up.
    published = await read_topic(
        evidence.kafka, topics.EVIDENCE_ACCEPTED, lambda r: event_id.encode() in (r.value or b""), expect=1, settle=4.0
    )
    assert [json.loads(r.value or b"")["event_id"] for r in published] == [event_id]

    async def consumed() -> None:
        metrics = (await evidence.http.get("/metrics")).text
        assert 'thidua_consumed_records_total{service="evidence",topic="evidence.inbound.v1"}' in metrics

    await eventually(consumed)
    status = await evidence.http.get(f"/v1/events/{event_id}")
    assert status.json()["status"] == "accepted" and status.json()["channel"] == "http"
