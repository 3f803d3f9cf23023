"""Law-faithful standings through the real evidence and scoring services (real Kafka, real PostgreSQL): a unit
without enough dossier evidence is listed "chưa đủ dữ liệu" and never ranked (Decision 766/QĐ-TTg), and an
unanswered complaint past its 15-working-day clock raises complaint_overdue on alerts.v1."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from schemas import topics
from services.evidence.app import create_app as evidence_app
from services.evidence.config import Settings as EvidenceSettings
from services.evidence.handlers.sources import add_source
from services.scoring.app import create_app as scoring_app
from services.scoring.config import Settings as ScoringSettings
from tests.integration.kafka_tools import read_topic, start_group_at_end
from tests.integration.scoring_support import event, processed, rules
from tests.integration.support import eventually, running_app

T = "+07:00"


def _unit(unit: str, n: int, base: int, officers: int = 4) -> list[dict[str, Any]]:
    """A registered unit in cluster K-LAW with officers who all trained (a perfect office-culture record)."""
    events = [
        event(
            f"{unit}-u",
            "unit.registered",
            unit,
            {"name": f"Đơn vị {unit}", "level": "department", "cluster_id": "K-LAW", "cluster_name": "Khối luật"},
        )
    ]
    for k in range(officers):
        o = f"{unit}-CB{k}"
        events.append(
            event(
                f"{o}-reg",
                "officer.registered",
                unit,
                {"full_name": f"Cán bộ {k}", "category": "civil_servant"},
                officer=o,
            )
        )
        events.append(
            event(
                f"{o}-tr",
                "training.completed",
                unit,
                {
                    "course_code": "VHCS",
                    "title": "Văn hóa công sở",
                    "hours": 8,
                    "topic": "office_culture",
                    "completed_at": f"2025-03-05T08:00:00{T}",
                },
                officer=o,
            )
        )
    for k in range(n):
        late = k % 4 == 0  # a quarter late: this unit cannot reach a perfect service index
        events.append(
            processed(
                base + k,
                unit,
                code=f"{unit}-HS{k}",
                officer=f"{unit}-CB{k % officers}",
                finished=f"2025-03-{20 if late else 13}T09:30:00{T}",
            )
        )
    return events


async def test_decision_766_units_below_min_dossiers_are_listed_unranked_and_never_lead(
    kafka_bootstrap: str, database_url: str
) -> None:
    prefix = "L" + uuid.uuid4().hex[:5].upper()
    few, enough, none = f"{prefix}.01", f"{prefix}.02", f"{prefix}.03"
    # `few` is perfect on 19 dossiers, `enough` is 75 % on time on 20, `none` has no dossiers at all.
    perfect_few = _unit(few, 0, 0)
    for k in range(19):
        perfect_few.append(
            processed(1000 + k, few, code=f"{few}-HS{k}", officer=f"{few}-CB0", finished=f"2025-03-13T09:30:00{T}")
        )
    events = perfect_few + _unit(enough, 20, 2000) + _unit(none, 0, 3000)
    events = [{**e, "event_id": f"{prefix}-{e['event_id']}"} for e in events]
    token = await add_source(database_url, name=f"law-{prefix.lower()}", units=["*"])
    group = f"test-law-{uuid.uuid4().hex[:6]}"
    await start_group_at_end(kafka_bootstrap, f"{group}.{topics.EVIDENCE_ACCEPTED}", topics.EVIDENCE_ACCEPTED)
    evidence = evidence_app(
        EvidenceSettings(
            kafka_bootstrap_servers=kafka_bootstrap,
            database_url=database_url,
            group_id=f"test-ev-{uuid.uuid4().hex[:6]}",
        )
    )
    scoring = scoring_app(
        ScoringSettings(
            kafka_bootstrap_servers=kafka_bootstrap, database_url=database_url, group_id=group, tick_seconds=0.5
        )
    )
    async with (
        running_app(evidence) as ev_url,
        running_app(scoring) as sc_url,
        httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http,
    ):
        for start in range(0, len(events), 50):
            answer = await http.post(
                f"{ev_url}/v1/events",
                json=[{k: v for k, v in e.items() if k != "source"} for e in events[start : start + 50]],
            )
            assert {r["status"] for r in answer.json()} == {"accepted"}, answer.text

        async def listed() -> dict[str, Any]:
            body = (await http.get(f"{sc_url}/v1/standings", params={"period": "2025-03", "cluster": "K-LAW"})).json()
            mine = {r["subject_id"] for r in body["rows"] if r["subject_id"].startswith(prefix)}
            unranked = {r["subject_id"]: r for r in body["unranked"] if r["subject_id"].startswith(prefix)}
            assert mine == {enough} and set(unranked) == {few, none}, body
            return body

        await eventually(listed, timeout=60)
        body = await listed()
        unranked = {r["subject_id"]: r for r in body["unranked"]}
        assert unranked[few]["status_label"] == "Chưa đủ dữ liệu"
        assert (unranked[few]["dossiers"], unranked[few]["min_dossiers"]) == (19, 20)
        assert unranked[none]["dossiers"] == 0
        [row] = [r for r in body["rows"] if r["subject_id"] == enough]
        assert row["rank"] == 1
        card = (await http.get(f"{sc_url}/v1/units/{few}/scorecard", params={"period": "2025-03"})).json()
        assert card["score"] is None and card["band"] is None and card["status"] == "insufficient_data"
        assert card["culture_index"] == 100  # a perfect culture record no longer makes a leader
        assert any("19 hồ sơ" in note for note in card["notes"])

        # The twentieth dossier: now ranked, and (perfect on time) it leads the cluster.
        twentieth = processed(1019, few, code=f"{few}-HS19", officer=f"{few}-CB0", finished=f"2025-03-13T09:30:00{T}")
        twentieth = {k: v for k, v in twentieth.items() if k != "source"} | {"event_id": f"{prefix}-e-1019"}
        answer = await http.post(f"{ev_url}/v1/events", json=twentieth)
        assert answer.json()[0]["status"] == "accepted", answer.text

        async def leads() -> None:
            body = (await http.get(f"{sc_url}/v1/standings", params={"period": "2025-03", "cluster": "K-LAW"})).json()
            ranks = {r["subject_id"]: r["rank"] for r in body["rows"] if r["subject_id"].startswith(prefix)}
            assert ranks == {few: 1, enough: 2}, body

        await eventually(leads, timeout=60)


async def test_decision_766_complaint_past_its_answer_clock_raises_complaint_overdue(
    kafka_bootstrap: str, database_url: str
) -> None:
    prefix = "P" + uuid.uuid4().hex[:5].upper()
    unit = f"{prefix}.01"
    calendar = rules().calendar
    now = datetime.now(UTC)
    # Received so that its 15-working-day deadline fell within the last hours: overdue now, and news.
    received = now - timedelta(days=14)
    while calendar.add_working_days(received, 15) > now - timedelta(minutes=5):
        received -= timedelta(hours=1)
    group = f"test-pakn-{uuid.uuid4().hex[:6]}"
    await start_group_at_end(kafka_bootstrap, f"{group}.{topics.EVIDENCE_ACCEPTED}", topics.EVIDENCE_ACCEPTED)
    token = await add_source(database_url, name=f"pakn-{prefix.lower()}", units=["*"])
    evidence = evidence_app(
        EvidenceSettings(
            kafka_bootstrap_servers=kafka_bootstrap,
            database_url=database_url,
            group_id=f"test-ev-{uuid.uuid4().hex[:6]}",
        )
    )
    scoring = scoring_app(
        ScoringSettings(
            kafka_bootstrap_servers=kafka_bootstrap, database_url=database_url, group_id=group, tick_seconds=0.5
        )
    )
    complaint = {
        "event_id": f"{prefix}-c1",
        "type": "complaint.received",
        "schema_version": 1,
        "occurred_at": received.isoformat(),
        "unit_id": unit,
        "payload": {"complaint_id": f"{prefix}-PA1", "category": "procedure", "received_at": received.isoformat()},
    }
    async with (
        running_app(evidence) as ev_url,
        running_app(scoring),
        httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http,
    ):
        answer = await http.post(f"{ev_url}/v1/events", json=complaint)
        assert answer.json()[0]["status"] == "accepted", answer.text
        [alert] = await read_topic(
            kafka_bootstrap, topics.ALERTS, lambda r: prefix.encode() in (r.value or b""), expect=1, timeout=30
        )
    body = json.loads(alert.value or b"")
    assert (body["kind"], body["unit_id"], body["subject_id"]) == ("complaint_overdue", unit, f"{prefix}-PA1")
    assert body["condition_key"] == f"complaint_overdue:{unit}:{prefix}-PA1" and body["priority"] == "high"
    assert datetime.fromisoformat(body["data"]["due_at"]) == calendar.add_working_days(received, 15)
