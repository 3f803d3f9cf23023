"""Officers belong to a unit (issue 23, finding 1), through the real evidence service: HTTP and a source's own
Kafka topic refuse a source speaking of another unit's officer; a source covering both units transfers one."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from schemas import topics
from services.evidence.app import create_app
from services.evidence.config import Settings
from services.evidence.handlers.sources import SourceCredentials, add_source, register_source
from tests.integration.kafka_tools import read_topic
from tests.integration.support import running_app
from thidua.testing.database import fetch
from thidua.testing.infra import Infrastructure

UNIT_A, UNIT_B = "H40.12.05", "H40.12.06"
WHEN = "2025-03-14T09:30:00+07:00"


@dataclass(frozen=True)
class Intake:
    """The evidence service with a source for unit A (HTTP and its Kafka topic), one for B, one for both."""

    url: str
    tag: str
    a: SourceCredentials
    name_a: str
    b: str
    both: str
    infra: Infrastructure

    async def post(self, token: str, *bodies: dict[str, Any]) -> list[dict[str, Any]]:
        async with httpx.AsyncClient(base_url=self.url, headers={"Authorization": f"Bearer {token}"}) as http:
            answer = await http.post("/v1/events", json=list(bodies))
        assert answer.status_code == 200, answer.text
        return list(answer.json())


@pytest.fixture
async def intake(infra: Infrastructure, kafka_bootstrap: str, database_url: str) -> AsyncIterator[Intake]:
    tag = uuid.uuid4().hex[:8]
    name_a = f"motcua-a{tag}"
    a = await register_source(database_url, infra.kafka_admin, name=name_a, units=[UNIT_A])
    b = await add_source(database_url, name=f"tccb-b{tag}", units=[UNIT_B])
    both = await add_source(database_url, name=f"tccb-ab{tag}", units=[UNIT_A, UNIT_B])
    settings = Settings(kafka_bootstrap_servers=kafka_bootstrap, database_url=database_url, group_id=f"off-{tag}")
    async with running_app(create_app(settings)) as base:
        yield Intake(base, tag, a, name_a, b, both, infra)


def event(kind: str, event_id: str, officer: str, unit: str = UNIT_A, **payload: Any) -> dict[str, Any]:
    """An envelope of kind naming officer under unit, with a valid payload."""
    payloads: dict[str, dict[str, Any]] = {
        "officer.registered": {"full_name": "Trần Văn Bình", "category": "civil_servant"},
        "discipline.recorded": {"decision_no": "7/QĐ", "form": "warning", "decided_at": WHEN, "reason": "vi phạm"},
        "title.awarded": {"title": "chien_si_thi_dua_co_so", "year": 2024, "decision_no": "9/QĐ"},
        "complaint.received": {"complaint_id": f"PA-{event_id}", "category": "conduct", "received_at": WHEN},
    }
    body: dict[str, Any] = {
        "event_id": event_id,
        "type": kind,
        "schema_version": 1,
        "occurred_at": WHEN,
        "unit_id": unit,
        "payload": {**payloads[kind], **payload},
    }
    if kind == "complaint.received":
        body["payload"]["officer_id"] = officer
    else:
        body["officer_id"] = officer
    return body


TAKEOVER = ("officer.registered", "discipline.recorded", "title.awarded", "complaint.received")


async def home_of(database_url: str, officer: str) -> str | None:
    rows = await fetch(database_url, "SELECT unit_id FROM evidence.officers WHERE officer_id = $1", officer)
    return rows[0]["unit_id"] if rows else None


async def test_a_source_for_one_unit_cannot_speak_of_another_units_officer_over_http(
    intake: Intake, database_url: str
) -> None:
    officer = f"CB-B{intake.tag}"
    [registered] = await intake.post(intake.b, event("officer.registered", f"{intake.tag}-reg", officer, UNIT_B))
    assert registered["status"] == "accepted"
    answers = await intake.post(
        intake.a.token, *(event(kind, f"{intake.tag}-{n}", officer) for n, kind in enumerate(TAKEOVER))
    )
    assert [a["status"] for a in answers] == ["rejected"] * len(TAKEOVER)
    fields = [[e["field"] for e in a["errors"]] for a in answers]
    assert fields == [["officer_id"], ["officer_id"], ["officer_id"], ["payload.officer_id"]]
    assert all(f"belongs to unit '{UNIT_B}'" in a["errors"][0]["message"] for a in answers)
    assert await home_of(database_url, officer) == UNIT_B  # not moved
    # A's own officers and officers not registered anywhere yet stay A's to speak of.
    mine = await intake.post(
        intake.a.token,
        event("officer.registered", f"{intake.tag}-own", f"CB-A{intake.tag}"),
        event("discipline.recorded", f"{intake.tag}-own-d", f"CB-A{intake.tag}"),
        event("discipline.recorded", f"{intake.tag}-new-d", f"CB-N{intake.tag}"),
    )
    assert [a["status"] for a in mine] == ["accepted"] * 3


async def test_a_source_for_one_unit_cannot_speak_of_another_units_officer_on_its_kafka_topic(
    intake: Intake, database_url: str
) -> None:
    officer = f"CB-B{intake.tag}"
    assert (await intake.post(intake.b, event("officer.registered", f"{intake.tag}-reg", officer, UNIT_B)))[0][
        "status"
    ] == "accepted"
    bodies = [event(kind, f"{intake.tag}-k{n}", officer) for n, kind in enumerate(TAKEOVER)]
    access = intake.infra.kafka_admin.as_user(intake.a.kafka_user or "", intake.a.kafka_password or "")
    producer = AIOKafkaProducer(**access.aiokafka_options(), request_timeout_ms=8000)
    await asyncio.wait_for(producer.start(), 15)
    try:
        for body in bodies:
            await producer.send_and_wait(intake.a.topic, json.dumps(body).encode(), key=UNIT_A.encode())
    finally:
        await producer.stop()
    rejected = await read_topic(
        intake.infra.kafka_admin.bootstrap,
        topics.EVIDENCE_REJECTED,
        lambda r: f"{intake.tag}-k".encode() in base64.b64decode(json.loads(r.value or b"")["original_base64"]),
        expect=len(bodies),
        timeout=40,
    )
    reasons = {json.loads(r.value or b"")["event_id"]: json.loads(r.value or b"") for r in rejected}
    assert {k: [e["field"] for e in v["reasons"]] for k, v in reasons.items()} == {
        f"{intake.tag}-k0": ["officer_id"],
        f"{intake.tag}-k1": ["officer_id"],
        f"{intake.tag}-k2": ["officer_id"],
        f"{intake.tag}-k3": ["payload.officer_id"],
    }
    assert {v["source"] for v in reasons.values()} == {intake.name_a}
    assert await home_of(database_url, officer) == UNIT_B


async def test_a_source_covering_both_units_transfers_the_officer_with_its_date(
    intake: Intake, database_url: str
) -> None:
    officer = f"CB-B{intake.tag}"
    await intake.post(intake.b, event("officer.registered", f"{intake.tag}-reg", officer, UNIT_B))
    later = "2025-07-01T08:00:00+07:00"
    moved = event("officer.registered", f"{intake.tag}-move", officer, UNIT_A, transferred_at=later)
    moved["occurred_at"] = "2025-07-03T08:00:00+07:00"
    # B's source alone may not move B's officer to A (it does not cover A: the envelope's unit is refused first).
    [refused] = await intake.post(intake.b, {**moved, "event_id": f"{intake.tag}-move-b"})
    assert refused["status"] == "rejected" and refused["errors"][0]["field"] == "unit_id"
    [accepted] = await intake.post(intake.both, moved)
    assert accepted["status"] == "accepted"
    assert await home_of(database_url, officer) == UNIT_A
    [transfer] = await fetch(
        database_url, "SELECT from_unit, to_unit, at FROM evidence.officer_transfers WHERE officer_id = $1", officer
    )
    assert (transfer["from_unit"], transfer["to_unit"], transfer["at"].isoformat()) == (
        UNIT_B,
        UNIT_A,
        "2025-07-01T01:00:00+00:00",
    )
    # Now A's officer: A's source speaks of it, B's no longer does.
    [by_a] = await intake.post(intake.a.token, event("discipline.recorded", f"{intake.tag}-a-d", officer))
    [by_b] = await intake.post(intake.b, event("discipline.recorded", f"{intake.tag}-b-d", officer, UNIT_B))
    assert by_a["status"] == "accepted"
    assert by_b["status"] == "rejected" and by_b["errors"][0]["field"] == "officer_id"
    # Sent again, the transfer is a duplicate, not a second move.
    [again] = await intake.post(intake.both, moved)
    assert again["status"] == "duplicate"
