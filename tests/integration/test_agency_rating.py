"""An agency's own rating under Decree 335/2025 (issue 26 item 5) through the real services: evidence → Kafka →
scoring; the TTHC-results criterion takes the unit's 2026 service index (Decision 766) from its year scorecard, the
parts without evidence say so, the HR office's rating of the unit is shown beside; public, unit-level only."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from schemas import topics
from services.evidence.app import create_app as evidence_app
from services.evidence.config import Settings as EvidenceSettings
from services.evidence.handlers.sources import add_source
from services.scoring.app import create_app as scoring_app
from services.scoring.config import Settings as ScoringSettings
from tests.integration.kafka_tools import start_group_at_end
from tests.integration.support import eventually, running_app

T = "+07:00"


@dataclass
class Province:
    http: httpx.AsyncClient
    urls: dict[str, str]
    token: str

    async def send(self, *bodies: dict[str, Any]) -> None:
        answer = await self.http.post(
            self.urls["evidence"] + "/v1/events", json=list(bodies), headers={"Authorization": f"Bearer {self.token}"}
        )
        assert answer.status_code == 200, answer.text
        assert {r["status"] for r in answer.json()} == {"accepted"}, answer.text[:500]

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.http.get(self.urls["scoring"] + path, params=params)  # no token: public


@pytest.fixture
async def province(kafka_bootstrap: str, database_url: str) -> AsyncIterator[Province]:
    tag = uuid.uuid4().hex[:6].upper()
    for service, topic in (("evidence", topics.EVIDENCE_INBOUND), ("scoring", topics.EVIDENCE_ACCEPTED)):
        await start_group_at_end(kafka_bootstrap, f"agency-{service}-{tag}.{topic}", topic)
    common: dict[str, Any] = {"kafka_bootstrap_servers": kafka_bootstrap, "database_url": database_url}
    token = await add_source(database_url, name=f"ag{tag.lower()}", units=["*"])
    async with (
        running_app(evidence_app(EvidenceSettings(**common, group_id=f"agency-evidence-{tag}"))) as ev,
        running_app(scoring_app(ScoringSettings(**common, group_id=f"agency-scoring-{tag}"))) as sc,
        httpx.AsyncClient(timeout=60) as http,
    ):
        yield Province(http, {"evidence": ev, "scoring": sc}, token)


def envelope(event_id: str, kind: str, unit: str, at: str, payload: dict[str, Any]) -> dict[str, Any]:
    body = {"event_id": event_id, "type": kind, "schema_version": 1, "occurred_at": at, "unit_id": unit}
    return {**body, "payload": payload}


def processed(unit: str, i: int) -> dict[str, Any]:
    """A dossier of March 2026 finished on time on the 15th."""
    finished = f"2026-03-15T10:00:00{T}"
    payload = {
        "dossier_code": f"HS-{unit}-{i}",
        "procedure_code": "1.001",
        "channel": "online",
        "received_at": f"2026-03-05T08:00:00{T}",
        "due_at": f"2026-03-20T17:00:00{T}",
        "finished_at": finished,
        "status": "resolved",
        "supplement_requests": 0,
        "supplement_days": 0,
        "fee_required": False,
        "paid_online": False,
        "digitized": True,
        "e_result": i % 2 == 0,
        "data_reused": False,
    }
    return envelope(f"{unit}-p{i}", "procedure.processed", unit, finished, payload)


async def test_decree_335_agency_rating_from_the_units_year_scorecard(province: Province) -> None:
    tag = uuid.uuid4().hex[:4].upper()
    u, quiet = f"AG{tag}.U1", f"AG{tag}.U2"
    registered = {"level": "department", "cluster_id": f"AG{tag}-K"}
    await province.send(
        envelope(f"{u}-reg", "unit.registered", u, f"2025-12-01T08:00:00{T}", {"name": "Sở Thử", **registered}),
        envelope(
            f"{quiet}-reg", "unit.registered", quiet, f"2025-12-01T08:00:00{T}", {"name": "Sở Lặng", **registered}
        ),
        # The HR office's rating of the unit itself (no officer): shown beside ours, never replacing it.
        envelope(
            f"{u}-eval",
            "evaluation.recorded",
            u,
            f"2026-12-04T08:00:00{T}",
            {"year": 2026, "level": "good", "score": 84},
        ),
    )
    await province.send(*(processed(u, i) for i in range(25)))  # ≥ min_dossiers: the year has a service index

    async def rated() -> dict[str, Any]:
        card = await province.get(f"/v1/units/{u}/scorecard", period="2026")
        assert card.status_code == 200, card.text[:300]
        assert card.json()["evidence"]["dossiers_finished"] == 25
        answer = await province.get(f"/v1/units/{u}/agency-rating", year=2026)
        assert answer.status_code == 200, answer.text[:300]
        body = answer.json()
        assert body["hr_rating"] is not None
        return {"card": card.json(), "rating": body}

    found: dict[str, Any] = {}

    async def check() -> None:
        found.update(await rated())

    await eventually(check, timeout=60)
    index = found["card"]["service_index"]
    body = found["rating"]
    assert index is not None and 0 < index <= 100
    tthc = {c["code"]: c for c in body["task"]["criteria"]}["tthc"]
    # Decree 335/2025, TTHC results: the service index × 17.5 ÷ 100 (the rule file's default share of the 70).
    assert tthc["index_value"] == index and tthc["points"] == round(index * 17.5 / 100, 2)
    assert body["task"]["points"] == tthc["points"] and body["evidenced_max"] == 17.5
    culture = {c["code"]: c for c in body["general"]["criteria"]}["van_hoa"]
    assert culture["points"] is None  # office culture is proposed, never given by the system
    assert body["general"]["points"] is None and body["total"] is None and body["level"] is None
    assert len(body["missing"]) == 7 and "chưa có minh chứng" in body["notes"][0]
    assert body["hr_rating"] == {
        "level": "good",
        "level_name": "Hoàn thành tốt nhiệm vụ",
        "score": 84.0,
        "event": body["hr_rating"]["event"],
    }
    assert body["hr_rating"]["event"].endswith(f":{u}-eval")
    assert (body["name"], body["scorecard_period"]) == ("Sở Thử", "2026")

    # A unit without a 2026 scorecard: every criterion without evidence, nothing invented.
    answer = await province.get(f"/v1/units/{quiet}/agency-rating", year=2026)
    assert answer.status_code == 200, answer.text
    assert answer.json()["evidenced_points"] == 0 and answer.json()["hr_rating"] is None
    assert {c["status"] for c in answer.json()["task"]["criteria"]} == {"no_evidence"}

    before = await province.get(f"/v1/units/{u}/agency-rating", year=2025)
    assert before.status_code == 422 and "year" in before.text
    unknown = await province.get(f"/v1/units/AG{tag}.NONE/agency-rating", year=2026)
    assert unknown.status_code == 404 and "unit_id" in unknown.text
