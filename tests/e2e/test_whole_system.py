"""The whole pipeline through the real running services: HTTP in at evidence, standings at scoring,
nominations at awards after close, a notification in the unit's inbox and at its webhook."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI, Request

from schemas import topics
from services.awards.app import create_app as awards_app
from services.awards.config import Settings as AwardsSettings
from services.evidence.app import create_app as evidence_app
from services.evidence.config import Settings as EvidenceSettings
from services.evidence.handlers.sources import add_source
from services.notify.app import create_app as notify_app
from services.notify.config import Settings as NotifySettings
from services.scoring.app import create_app as scoring_app
from services.scoring.config import Settings as ScoringSettings
from tests.integration.kafka_tools import start_group_at_end
from tests.integration.support import eventually, running_app
from thidua.runtime.tokens import add_token

T = "+07:00"
CONSUMED = {
    "evidence": [topics.EVIDENCE_INBOUND],
    "scoring": [topics.EVIDENCE_ACCEPTED],
    "awards": [topics.EVIDENCE_ACCEPTED, topics.STANDINGS_CHANGED, topics.RATINGS],
    "notify": [topics.ALERTS, topics.NOMINATIONS, topics.STANDINGS_CHANGED, topics.EVIDENCE_ACCEPTED],
}


def envelope(
    n: str,
    kind: str,
    unit: str,
    payload: dict[str, Any],
    officer: str | None = None,
    occurred: str = f"2025-06-01T09:00:00{T}",
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event_id": n,
        "type": kind,
        "schema_version": 1,
        "occurred_at": occurred,
        "unit_id": unit,
        "payload": payload,
    }
    if officer:
        body["officer_id"] = officer
    return body


def province(p: str) -> list[dict[str, Any]]:
    """Two departments of one block; the first finishes its dossiers on time, the second often late."""
    events = []
    for u, name in ((f"{p}.01", "Sở Nội vụ"), (f"{p}.02", "Sở Tư pháp")):
        events.append(
            envelope(
                f"{u}-reg",
                "unit.registered",
                u,
                {
                    "name": name,
                    "level": "department",
                    "parent_id": p,
                    "cluster_id": f"{p}-KHOI",
                    "cluster_name": "Khối các sở",
                },
            )
        )
        events.append(envelope(f"{u}-eval", "evaluation.recorded", u, {"year": 2025, "level": "good"}))
        for k in range(1, 4):
            o = f"{u}-CB{k}"
            events.append(
                envelope(
                    f"{o}-reg",
                    "officer.registered",
                    u,
                    {"full_name": f"Nguyễn Văn {k}", "category": "civil_servant"},
                    o,
                )
            )
            events.append(envelope(f"{o}-eval", "evaluation.recorded", u, {"year": 2025, "level": "good"}, o))
        for d in range(20):  # the rulebook's minimum (index.min_dossiers) for a unit to be ranked
            late = u.endswith("02") and d % 2 == 0
            events.append(
                envelope(
                    f"{u}-HS{d}",
                    "procedure.processed",
                    u,
                    {
                        "dossier_code": f"HS{d}",
                        "procedure_code": "1.001",
                        "channel": "online",
                        "received_at": f"2025-05-02T08:00:00{T}",
                        "due_at": f"2025-05-09T17:00:00{T}",
                        "finished_at": f"2025-05-{15 if late else 8:02d}T10:00:00{T}",
                        "status": "resolved",
                        "supplement_requests": 0,
                        "supplement_days": 0,
                        "fee_required": False,
                        "paid_online": False,
                        "digitized": True,
                        "e_result": True,
                        "data_reused": True,
                    },
                    f"{u}-CB1",
                    occurred=f"2025-05-{15 if late else 8:02d}T10:00:00{T}",
                )
            )
    return events


async def test_evidence_to_standings_to_nominations_to_a_units_inbox_and_webhook(
    kafka_bootstrap: str, database_url: str
) -> None:
    p = "E" + uuid.uuid4().hex[:5].upper()
    unit = f"{p}.01"
    suffix = uuid.uuid4().hex[:6]
    for service, consumed in CONSUMED.items():
        for topic in consumed:
            await start_group_at_end(kafka_bootstrap, f"e2e-{service}-{suffix}.{topic}", topic)
    source = await add_source(database_url, name=f"motcua-{suffix}", units=[f"{p}.01", f"{p}.02"])
    council = await add_token(database_url, role="council", unit_id=None, label="council")
    unit_token = await add_token(database_url, role="unit", unit_id=unit, label="unit")
    received: list[tuple[bytes, str]] = []
    hook = FastAPI()

    @hook.post("/hook")
    async def record(request: Request) -> dict[str, str]:
        received.append((await request.body(), request.headers.get("x-signature", "")))
        return {"ok": "yes"}

    common: dict[str, Any] = {"kafka_bootstrap_servers": kafka_bootstrap, "database_url": database_url}
    apps = [
        evidence_app(EvidenceSettings(**common, group_id=f"e2e-evidence-{suffix}")),
        scoring_app(ScoringSettings(**common, group_id=f"e2e-scoring-{suffix}", tick_seconds=0.5)),
        awards_app(AwardsSettings(**common, group_id=f"e2e-awards-{suffix}")),
        notify_app(
            NotifySettings(
                **common,
                group_id=f"e2e-notify-{suffix}",
                delivery_poll_seconds=0.2,
                retry_base_seconds=0.2,
                digest_enabled=False,
                webhook_allow="127.0.0.1",
            )
        ),
    ]
    async with (
        running_app(hook) as hook_url,
        running_app(apps[0]) as ev,
        running_app(apps[1]) as sc,
        running_app(apps[2]) as aw,
        running_app(apps[3]) as nt,
        httpx.AsyncClient(timeout=30) as http,
    ):
        channels = await http.put(
            f"{nt}/v1/units/{unit}/channels",
            json={"webhook_url": f"{hook_url}/hook"},
            headers={"Authorization": f"Bearer {unit_token}"},
        )
        assert channels.status_code == 200, channels.text
        secret = channels.json()["webhook_secret"]
        # One dossier of the unit went overdue an hour ago and is still open: the unit must hear of it.
        due = datetime.now(UTC) - timedelta(hours=1)
        overdue = envelope(
            f"{unit}-OPEN",
            "procedure.received",
            unit,
            {
                "dossier_code": "HS-MO-1",
                "procedure_code": "1.002",
                "channel": "counter",
                "received_at": (due - timedelta(days=5)).isoformat(),
                "due_at": due.isoformat(),
                "fee_required": False,
            },
            occurred=(due - timedelta(days=5)).isoformat(),
        )
        answer = await http.post(
            f"{ev}/v1/events", json=[*province(p), overdue], headers={"Authorization": f"Bearer {source}"}
        )
        assert {r["status"] for r in answer.json()} == {"accepted"}, answer.text

        async def ranked() -> dict[str, Any]:
            rows = (await http.get(f"{sc}/v1/standings", params={"period": "2025", "cluster": f"{p}-KHOI"})).json()
            assert [r["subject_id"] for r in rows["rows"]] == [f"{p}.01", f"{p}.02"], rows
            return rows

        await eventually(ranked, timeout=60)
        card = (await http.get(f"{sc}/v1/units/{p}.02/scorecard", params={"period": "2025-05"})).json()
        on_time = next(i for i in card["indicators"] if i["code"] == "on_time")
        assert (on_time["numerator"], on_time["denominator"]) == (10, 20)

        async def standings_reached_awards() -> None:
            closed = await http.post(f"{aw}/v1/periods/2025/close", headers={"Authorization": f"Bearer {council}"})
            assert closed.status_code == 200
            listed = (
                await http.get(
                    f"{aw}/v1/nominations", params={"period": "2025"}, headers={"Authorization": f"Bearer {council}"}
                )
            ).json()["nominations"]
            mine = {(n["title"], n["subject_id"]) for n in listed if n["unit_id"].startswith(p)}
            assert ("lao_dong_tien_tien", f"{unit}-CB1") in mine
            assert ("tap_the_lao_dong_tien_tien", unit) in mine

        await eventually(standings_reached_awards, timeout=60, interval=1.0)

        async def told() -> None:
            inbox = (
                await http.get(f"{nt}/v1/units/{unit}/notifications", headers={"Authorization": f"Bearer {unit_token}"})
            ).json()
            kinds = {item["kind"] for item in inbox["items"]}
            assert any("overdue" in k for k in kinds), kinds
            assert any("nomination" in k for k in kinds), kinds
            assert any("HS-MO-1" in item["title"] for item in inbox["items"])
            assert len(received) >= 2

        await eventually(told, timeout=60, interval=0.5)
        for body, signature in received:
            expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            assert hmac.compare_digest(signature, expected)
        assert any("quá hạn" in json.loads(body).get("title", "") for body, _ in received)
        other = await add_token(database_url, role="unit", unit_id=f"{p}.02", label="other")
        forbidden = await http.get(f"{nt}/v1/units/{unit}/notifications", headers={"Authorization": f"Bearer {other}"})
        assert forbidden.status_code == 403
