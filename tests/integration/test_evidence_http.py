"""Evidence service over HTTP against the real Kafka and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx

from schemas import topics
from tests.integration.evidence_support import Evidence, envelope
from tests.integration.kafka_tools import read_topic
from thidua.runtime.tokens import add_token


async def accepted_on_topic(ev: Evidence, *, expect: int) -> list[dict[str, Any]]:
    records = await read_topic(
        ev.kafka,
        topics.EVIDENCE_ACCEPTED,
        lambda r: r.value is not None and ev.source.encode() in r.value,
        expect=expect,
    )
    return [json.loads(r.value or b"") for r in records]


async def test_an_event_sent_twice_is_published_once_and_reported_duplicate(evidence: Evidence) -> None:
    first = await evidence.http.post("/v1/events", json=envelope("e-1"))
    second = await evidence.http.post("/v1/events", json=envelope("e-1"))
    assert first.status_code == second.status_code == 200, first.text
    assert first.json() == [{"event_id": "e-1", "status": "accepted"}]
    assert second.json() == [{"event_id": "e-1", "status": "duplicate"}]
    published = await accepted_on_topic(evidence, expect=1)
    assert [p["event_id"] for p in published] == ["e-1"]
    assert published[0]["source"] == evidence.source  # filled in from the token


async def test_the_accepted_record_is_the_ledgers_envelope_with_its_seq_time_and_type(evidence: Evidence) -> None:
    # The ledger insert queues the record in SQL (issue 29): the same key, bytes and headers as the event's own.
    sent = await evidence.http.post("/v1/events", json=[envelope("e-1"), envelope("e-2", unit_id="H40.12.06")])
    assert [r["status"] for r in sent.json()] == ["accepted", "accepted"]
    records = await read_topic(
        evidence.kafka, topics.EVIDENCE_ACCEPTED, lambda r: evidence.source.encode() in (r.value or b""), expect=2
    )
    conn = await asyncpg.connect(evidence.database_url)
    try:
        rows = await conn.fetch(
            "SELECT event_id, seq, type, unit_id, accepted_at, envelope::text AS envelope FROM evidence.ledger"
            " WHERE source = $1 ORDER BY seq",
            evidence.source,
        )
    finally:
        await conn.close()
    by_event = {json.loads(r.value or b"")["event_id"]: r for r in records}
    assert sorted(by_event) == [row["event_id"] for row in rows] == ["e-1", "e-2"]
    for row in rows:
        record = by_event[row["event_id"]]
        assert record.key == row["unit_id"].encode()
        assert (record.value or b"").startswith(b'{"event_id":"' + row["event_id"].encode() + b'",')  # compact, ordered
        assert json.loads(record.value or b"") == json.loads(row["envelope"])
        headers = {k: v.decode() for k, v in record.headers}
        assert sorted(headers) == ["accepted_at", "ledger_seq", "type"]
        assert headers["ledger_seq"] == str(row["seq"])
        assert headers["type"] == row["type"] == "procedure.processed"
        assert datetime.fromisoformat(headers["accepted_at"]) == row["accepted_at"]


async def test_a_repeat_inside_one_batch_counts_once(evidence: Evidence) -> None:
    response = await evidence.http.post("/v1/events", json=[envelope("e-1"), envelope("e-1")])
    assert [r["status"] for r in response.json()] == ["accepted", "duplicate"]


async def test_a_mixed_batch_accepts_the_valid_items_and_names_field_and_reason(evidence: Evidence) -> None:
    bad_channel = envelope("e-2")
    bad_channel["payload"]["channel"] = "fax"
    future = envelope("e-4", occurred_at=(datetime.now(UTC) + timedelta(hours=1)).isoformat())
    response = await evidence.http.post(
        "/v1/events", json=[envelope("e-1"), bad_channel, envelope("e-3", unit_id="h40"), future, envelope("e-5")]
    )
    assert response.status_code == 200
    results = response.json()
    assert [r["status"] for r in results] == ["accepted", "rejected", "rejected", "rejected", "accepted"]
    assert [r["event_id"] for r in results] == ["e-1", "e-2", "e-3", "e-4", "e-5"]
    assert [e["field"] for e in results[1]["errors"]] == ["payload.channel"]
    assert [e["field"] for e in results[2]["errors"]] == ["unit_id"]
    assert [e["field"] for e in results[3]["errors"]] == ["occurred_at"]
    assert all(e["message"] for r in results[1:4] for e in r["errors"])
    published = await accepted_on_topic(evidence, expect=2)
    assert sorted(p["event_id"] for p in published) == ["e-1", "e-5"]


async def test_a_unit_outside_the_sources_scope_is_refused(evidence: Evidence) -> None:
    response = await evidence.http.post("/v1/events", json=[envelope("e-1", unit_id="H40.99.01"), envelope("e-2")])
    first, second = response.json()
    assert first["status"] == "rejected"
    assert first["errors"][0]["field"] == "unit_id"
    assert "not registered" in first["errors"][0]["message"]
    assert second["status"] == "accepted"


async def test_a_body_source_must_match_the_token(evidence: Evidence) -> None:
    response = await evidence.http.post("/v1/events", json=envelope("e-1", source="someone-else"))
    assert response.json()[0]["status"] == "rejected"
    assert response.json()[0]["errors"][0]["field"] == "source"


async def test_missing_wrong_or_unfit_tokens(evidence: Evidence) -> None:
    async with httpx.AsyncClient(base_url=str(evidence.http.base_url)) as anonymous:
        missing = await anonymous.post("/v1/events", json=envelope("e-1"))
        wrong = await anonymous.post(
            "/v1/events", json=envelope("e-1"), headers={"Authorization": "Bearer td_not-a-token"}
        )
        unit_token = await add_token(evidence.database_url, role="unit", unit_id="H40.12.05", label="test")
        unfit = await anonymous.post(
            "/v1/events", json=envelope("e-1"), headers={"Authorization": f"Bearer {unit_token}"}
        )
    assert missing.status_code == 401 and wrong.status_code == 401
    assert missing.json()["error"] and missing.json()["details"][0]["field"] == "Authorization"
    assert unfit.status_code == 403
    assert (await evidence.http.get("/v1/events/e-1")).status_code == 404  # nothing got in


async def test_limits_and_bodies_that_are_not_envelopes(evidence: Evidence) -> None:
    too_many = await evidence.http.post("/v1/events", json=[envelope(f"e-{i}") for i in range(1001)])
    assert too_many.status_code == 413
    big = await evidence.http.post(
        "/v1/events", content=b"[" + b" " * 300_000 + b"]", headers={"Content-Type": "application/json"}
    )
    assert big.status_code == 413
    not_json = await evidence.http.post("/v1/events", content=b"{oops")
    assert not_json.status_code == 422 and not_json.json()["details"][0]["field"] == "body"
    scalar = await evidence.http.post("/v1/events", json=42)
    assert scalar.status_code == 422
    long_text = envelope("e-1")
    long_text["payload"]["dossier_code"] = "X" * 5000
    refused = (await evidence.http.post("/v1/events", json=long_text)).json()[0]
    assert refused["status"] == "rejected" and refused["errors"][0]["field"] == "payload.dossier_code"


async def test_retraction_and_reconciliation(evidence: Evidence) -> None:
    await evidence.http.post("/v1/events", json=envelope("e-1"))
    retract = {
        "event_id": "r-1",
        "type": "evidence.retracted",
        "schema_version": 1,
        "occurred_at": "2025-03-15T09:00:00+07:00",
        "unit_id": "H40.12.05",
        "payload": {"target_event_id": "e-1", "reason": "nhập nhầm hồ sơ"},
    }
    orphan = {**retract, "event_id": "r-2", "payload": {"target_event_id": "nope", "reason": "x"}}
    results = (await evidence.http.post("/v1/events", json=[retract, orphan])).json()
    assert [r["status"] for r in results] == ["accepted", "rejected"]
    assert results[1]["errors"][0]["field"] == "payload.target_event_id"
    original = (await evidence.http.get("/v1/events/e-1")).json()
    assert original["status"] == "accepted" and original["retracted_by"] == "r-1"
    rejected = (await evidence.http.get("/v1/events/r-2")).json()
    assert rejected["status"] == "rejected" and rejected["errors"][0]["field"] == "payload.target_event_id"
    published = await accepted_on_topic(evidence, expect=2)
    assert [p["event_id"] for p in published] == ["e-1", "r-1"]  # same unit: same partition, in order
    assert published[1]["payload"]["reason"] == "nhập nhầm hồ sơ"
