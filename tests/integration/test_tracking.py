"""Officers' monthly tracking under Decree 335/2025 (issue 26) through the real services: evidence → Kafka → scoring
(sheets, ratings.v1, task_score_low) → awards. An officer with 40 dossiers in March 2026 (3 late, 1 returned for
error, one delay excused by an objective cause) shows the shares and points a hand computation gives; the manager's
assessment adds the general points; the year's rating reaches awards over ratings.v1 and, with no HR rating, decides
Lao động tiên tiến."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from schemas import topics
from services.awards.app import create_app as awards_app
from services.awards.config import Settings as AwardsSettings
from services.evidence.app import create_app as evidence_app
from services.evidence.config import Settings as EvidenceSettings
from services.evidence.handlers.sources import add_source
from services.scoring.app import create_app as scoring_app
from services.scoring.config import Settings as ScoringSettings
from tests.integration.kafka_tools import read_topic, start_group_at_end
from tests.integration.support import eventually, running_app
from thidua.runtime.tokens import add_token
from thidua.testing.database import fetch

T = "+07:00"


@dataclass
class Province:
    """Evidence, scoring and awards running; a source covering the province; council and unit tokens."""

    http: httpx.AsyncClient
    urls: dict[str, str]
    token: str
    council: str
    database_url: str
    bootstrap: str

    async def send(self, *bodies: dict[str, Any]) -> None:
        for start in range(0, len(bodies), 50):
            answer = await self.http.post(
                self.urls["evidence"] + "/v1/events",
                json=list(bodies[start : start + 50]),
                headers={"Authorization": f"Bearer {self.token}"},
            )
            assert answer.status_code == 200, answer.text
            assert {r["status"] for r in answer.json()} == {"accepted"}, answer.text[:500]

    async def get(self, path: str, token: str | None = None, **params: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token or self.council}"} if token != "" else {}
        return await self.http.get(self.urls["scoring"] + path, params=params, headers=headers)


@pytest.fixture
async def province(kafka_bootstrap: str, database_url: str) -> AsyncIterator[Province]:
    tag = uuid.uuid4().hex[:6].upper()
    consumed = {
        "evidence": [topics.EVIDENCE_INBOUND],
        "scoring": [topics.EVIDENCE_ACCEPTED],
        "awards": [topics.EVIDENCE_ACCEPTED, topics.STANDINGS_CHANGED, topics.RATINGS],
    }
    for service, names in consumed.items():
        for topic in names:
            await start_group_at_end(kafka_bootstrap, f"tracking-{service}-{tag}.{topic}", topic)
    common: dict[str, Any] = {"kafka_bootstrap_servers": kafka_bootstrap, "database_url": database_url}
    token = await add_source(database_url, name=f"td{tag.lower()}", units=["*"])
    council = await add_token(database_url, role="council", unit_id=None, label="Hội đồng TĐKT tỉnh")
    async with (
        running_app(evidence_app(EvidenceSettings(**common, group_id=f"tracking-evidence-{tag}"))) as ev,
        running_app(scoring_app(ScoringSettings(**common, group_id=f"tracking-scoring-{tag}"))) as sc,
        running_app(awards_app(AwardsSettings(**common, group_id=f"tracking-awards-{tag}"))) as aw,
        httpx.AsyncClient(timeout=60) as http,
    ):
        yield Province(
            http, {"evidence": ev, "scoring": sc, "awards": aw}, token, council, database_url, kafka_bootstrap
        )


def envelope(
    event_id: str, kind: str, unit: str, at: str, payload: dict[str, Any], officer: str | None = None
) -> dict[str, Any]:
    body = {"event_id": event_id, "type": kind, "schema_version": 1, "occurred_at": at, "unit_id": unit}
    return {**body, "payload": payload} | ({"officer_id": officer} if officer else {})


def unit_registered(unit: str, at: str) -> dict[str, Any]:
    """A department registered at `at`, in a cluster of its own."""
    payload = {"name": unit, "level": "department", "cluster_id": f"{unit}-K"}
    return envelope(f"{unit}-reg", "unit.registered", unit, at, payload)


def processed(unit: str, officer: str, i: int, *, late: bool) -> dict[str, Any]:
    """A dossier of March 2026 finished on the 15th; due the 14th when late, else the 20th."""
    finished = f"2026-03-15T10:00:00{T}"
    payload = {
        "dossier_code": f"HS-{officer}-{i}",
        "procedure_code": "1.001",
        "channel": "online",
        "received_at": f"2026-03-05T08:00:00{T}",
        "due_at": f"2026-03-14T17:00:00{T}" if late else f"2026-03-20T17:00:00{T}",
        "finished_at": finished,
        "status": "resolved",
        "supplement_requests": 0,
        "supplement_days": 0,
        "fee_required": False,
        "paid_online": False,
        "digitized": True,
        "e_result": True,
        "data_reused": False,
    }
    return envelope(f"{officer}-p{i}", "procedure.processed", unit, finished, payload, officer)


def received_never_finished(unit: str, officer: str, i: int) -> dict[str, Any]:
    """A dossier received in March 2026, due the 10th, never finished: assigned, not done, one delay."""
    payload = {
        "dossier_code": f"HS-{officer}-{i}",
        "procedure_code": "1.001",
        "channel": "counter",
        "received_at": f"2026-03-02T08:00:00{T}",
        "due_at": f"2026-03-10T17:00:00{T}",
        "fee_required": False,
    }
    return envelope(f"{officer}-r{i}", "procedure.received", unit, f"2026-03-02T08:00:00{T}", payload, officer)


async def test_decree_335_2025_art_14_march_sheet_assessment_and_year_rating_reach_awards(province: Province) -> None:
    tag = uuid.uuid4().hex[:4].upper()
    u, o, b = f"TD{tag}.U1", f"TD{tag}-O", f"TD{tag}-B"
    officer = {"category": "civil_servant", "staff_kind": "civil_servant"}
    await province.send(
        unit_registered(u, f"2025-12-01T08:00:00{T}"),
        envelope(f"{u}-eval", "evaluation.recorded", u, f"2026-01-05T08:00:00{T}", {"year": 2026, "level": "good"}),
        envelope(
            f"{o}-reg", "officer.registered", u, f"2025-12-01T08:00:00{T}", {"full_name": "Nguyễn Văn A", **officer}, o
        ),
        envelope(
            f"{b}-reg", "officer.registered", u, f"2025-12-01T08:00:00{T}", {"full_name": "Trần Thị B", **officer}, b
        ),
    )
    await province.send(
        *(processed(u, o, i, late=i < 3) for i in range(40)),
        envelope(
            f"{o}-ret",
            "procedure.returned",
            u,
            f"2026-03-16T09:00:00{T}",
            {"dossier_code": f"HS-{o}-10", "returned_at": f"2026-03-16T09:00:00{T}", "reason": "sai thành phần"},
            o,
        ),
        envelope(
            f"{o}-cause",
            "objective_cause.confirmed",
            u,
            f"2026-03-20T09:00:00{T}",
            {"deduction": "late", "dossier_code": f"HS-{o}-0", "confirmed_by": "Chánh Văn phòng", "reason": "mất điện"},
        ),
        *(received_never_finished(u, b, i) for i in range(4)),
    )

    # Art. 14 by hand: a = 40/40 = 100; b = (39 + 0.75)/40 = 99.375 (one return, −25 %); c = (37 + 1 excused +
    # 2 × 0.75)/40 = 98.75 (three delays, one cancelled by its objective cause); points = mean × 0.7 = 69.5625.
    async def sheet() -> dict[str, Any]:
        answer = await province.get(f"/v1/officers/{o}/tracking", year=2026)
        assert answer.status_code == 200, answer.text[:300]
        found = [p for p in answer.json()["periods"] if p["period"] == "2026-03"]
        assert len(found) == 1, "March is not in the sheet yet"  # an assertion, so eventually() retries it
        [march] = found
        assert march["tasks"]["assigned"] == 40
        return {"body": answer.json(), "march": march}

    async def counted() -> None:
        assert (await sheet())["march"]["shares"] == {"a": 100.0, "b": 99.375, "c": 98.75}

    await eventually(counted, timeout=60)
    found = await sheet()
    march = found["march"]
    assert march["task_points"] == 69.5625 and march["unit_id"] == u
    assert march["general"] is None and march["total"] == 69.5625 and march["note"] == "chưa có điểm tiêu chí chung"
    late = [d for d in march["deductions"] if d["kind"] == "late"]
    assert len(late) == 3 and [d["excused"] for d in late].count(True) == 1
    [excused] = [d for d in late if d["excused"]]
    assert excused["key"] == f"dossier:{u}:HS-{o}-0" and excused["cause_event"].endswith(f"{o}-cause")
    [quality] = [d for d in march["deductions"] if d["kind"] == "quality"]
    assert quality["key"] == f"dossier:{u}:HS-{o}-10" and not quality["excused"]

    tasks = await province.get(f"/v1/officers/{o}/tracking/tasks", period="2026-03")
    assert tasks.status_code == 200 and len(tasks.json()) == 40
    returned = next(t for t in tasks.json() if t["key"].endswith("HS-" + o + "-10"))
    assert returned["quality_failures"] == 1 and returned["kind"] == "dossier" and returned["weight"] == 1.0

    # The manager's assessment adds the general points (Art. 12-13): 9 + 9 + 8 = 26, total 95.5625.
    await province.send(
        envelope(
            f"{o}-assess",
            "officer.assessed",
            u,
            f"2026-04-02T09:00:00{T}",
            {
                "period": "2026-03",
                "criteria": {"pham_chat": 9, "nang_luc": 9, "doi_moi": 8},
                "assessor": "Trưởng phòng",
            },
            o,
        )
    )

    async def assessed() -> None:
        m = (await sheet())["march"]
        assert m["general_points"] == 26 and m["total"] == 95.5625
        assert m["general"]["assessor"] == "Trưởng phòng"

    await eventually(assessed, timeout=60)
    year = (await sheet())["body"]["year_rating"]
    # Art. 21: one period worked, score 95.5625 (excellent); Art. 20(5): 20 % of the one rated good or better is 0
    # excellent in the unit, so the cap makes it good, with the reason.
    assert year["score"] == 95.5625 and year["level"] == "good" and year["capped"] and year["hr_rating"] is None

    unit = await province.get(f"/v1/units/{u}/tracking", period="2026-03")
    assert unit.status_code == 200
    rows = {r["officer_id"]: r for r in unit.json()["officers"]}
    assert rows[o]["total"] == 95.5625 and rows[b]["task_points"] == 0 and rows[b]["below_complete"]

    # Nothing about a named officer is public; another unit's token is refused; a bad period names the field.
    assert (await province.get(f"/v1/officers/{o}/tracking", token="", year=2026)).status_code == 401
    other = await add_token(province.database_url, role="unit", unit_id=f"TD{tag}.U2", label="khác")
    assert (await province.get(f"/v1/units/{u}/tracking", token=other, period="2026-03")).status_code == 403
    bad = await province.get(f"/v1/officers/{o}/tracking/tasks", period="2026-13")
    assert bad.status_code == 422 and "period" in bad.text

    # ratings.v1: the latest rating of O is the capped good one; B's March (0 task points) is alerted to the unit.
    def mine(record: Any) -> bool:
        return record.key is not None and record.key.decode() in (o, b)

    async def published() -> None:
        records = await read_topic(province.bootstrap, topics.RATINGS, mine, expect=2, timeout=5, settle=0.2)
        latest = {}
        for r in records:
            body = json.loads(r.value)
            latest[body["officer_id"]] = body
        assert {o, b} <= set(latest), "not yet published"  # an assertion, so eventually() retries it
        assert latest[o]["level"] == "good" and latest[o]["score"] == 95.5625 and latest[o]["periods"] == 1
        assert latest[b]["level"] == "incomplete"

    await eventually(published, timeout=60)

    async def alerted() -> None:
        records = await read_topic(
            province.bootstrap,
            topics.ALERTS,
            lambda r: b"task_score_low" in r.value and b.encode() in r.value,
            expect=1,
            timeout=5,
            settle=0.2,
        )
        assert len(records) == 1, f"{len(records)} task_score_low alerts"  # an assertion: eventually() retries it
        [alert] = [json.loads(r.value) for r in records]
        assert alert["unit_id"] == u and alert["subject_id"] == b and alert["period"] == "2026-03"
        assert alert["data"]["task_points"] == 0 and alert["data"]["line"] == 20
        assert alert["data"]["officer_name"] == "Trần Thị B"

    await eventually(alerted, timeout=60)
    assert not [
        r for r in await fetch(province.database_url, "SELECT * FROM scoring.tracking_alerts WHERE officer_id = $1", o)
    ]

    # Awards: no HR rating, the evidence rating (good) decides Lao động tiên tiến for 2026.
    awards = province.urls["awards"]
    auth = {"Authorization": f"Bearer {province.council}"}

    async def rated_in_awards() -> None:
        rows = await fetch(
            province.database_url, "SELECT level FROM awards.evidence_ratings WHERE officer_id = $1 AND year = 2026", o
        )
        assert [r["level"] for r in rows] == ["good"]

    await eventually(rated_in_awards, timeout=60)
    closed = await province.http.post(awards + "/v1/periods/2026/close", params={"force": "true"}, headers=auth)
    assert closed.status_code == 200, closed.text
    listed = await province.http.get(awards + "/v1/nominations", params={"period": "2026"}, headers=auth)
    nominations = {n["id"]: n for n in listed.json()["nominations"]}
    ldtt = nominations[f"lao_dong_tien_tien:2026:officer:{o}"]
    assert ldtt["status"] == "proposed" and ldtt["rating_basis"] == "evidence_335"

    # A retracted return no longer counts (the sheet is recomputed from what stands): b = 100, points
    # (100 + 100 + 98.75) / 3 × 0.7 = 69.7083.
    await province.send(
        envelope(
            f"{o}-unret",
            "evidence.retracted",
            u,
            f"2026-04-20T09:00:00{T}",
            {"target_event_id": f"{o}-ret", "reason": "nhập nhầm"},
        )
    )

    async def withdrawn() -> None:
        m = (await sheet())["march"]
        assert m["shares"]["b"] == 100.0 and m["task_points"] == 69.7083
        assert not [d for d in m["deductions"] if d["kind"] == "quality"]

    await eventually(withdrawn, timeout=60)


async def test_a_year_holds_what_can_count_in_it_in_vietnam_time(province: Province) -> None:
    """The year's sheets read only the cases that can count in it (issue 29: the pass no longer re-reads an
    officer's whole history): still an open dossier of 2025 due in January, a dossier finished at 00:30 on 1 January
    Vietnam time (still 2025 in UTC) and a conduct complaint received in 2025 and resolved in February; not a dossier
    finished at 23:30 on 31 December."""
    tag = uuid.uuid4().hex[:4].upper()
    u, o = f"TY{tag}.U1", f"TY{tag}-O"

    def dossier(i: int, received: str, due: str, finished: str | None) -> dict[str, Any]:
        payload: dict[str, Any] = {"dossier_code": f"HS-{o}-{i}", "procedure_code": "1.001", "channel": "online"}
        payload |= {"received_at": received, "due_at": due, "fee_required": False}
        if finished is None:
            return envelope(f"{o}-r{i}", "procedure.received", u, received, payload, o)
        payload |= {"finished_at": finished, "status": "resolved", "supplement_requests": 0, "supplement_days": 0}
        payload |= {"paid_online": False, "digitized": True, "e_result": True, "data_reused": False}
        return envelope(f"{o}-p{i}", "procedure.processed", u, finished, payload, o)

    await province.send(
        unit_registered(u, f"2025-06-01T08:00:00{T}"),
        envelope(
            f"{o}-reg",
            "officer.registered",
            u,
            f"2025-06-01T08:00:00{T}",
            {"full_name": "Lê Văn C", "category": "civil_servant", "staff_kind": "civil_servant"},
            o,
        ),
    )
    await province.send(
        dossier(1, f"2025-12-29T08:00:00{T}", f"2026-01-05T17:00:00{T}", None),
        dossier(2, f"2025-12-30T08:00:00{T}", f"2026-01-02T17:00:00{T}", f"2026-01-01T00:30:00{T}"),
        dossier(3, f"2025-12-30T08:00:00{T}", f"2026-01-02T17:00:00{T}", f"2025-12-31T23:30:00{T}"),
        envelope(
            f"{o}-pa",
            "complaint.received",
            u,
            f"2025-11-10T08:00:00{T}",
            {
                "complaint_id": f"PA-{o}",
                "category": "conduct",
                "received_at": f"2025-11-10T08:00:00{T}",
                "officer_id": o,
            },
        ),
        envelope(
            f"{o}-pa-done",
            "complaint.resolved",
            u,
            f"2026-02-10T08:00:00{T}",
            {"complaint_id": f"PA-{o}", "resolved_at": f"2026-02-10T08:00:00{T}", "outcome": "answered"}
            | {"substantiated": True},
        ),
        envelope(
            f"{o}-assess",
            "officer.assessed",
            u,
            f"2026-03-02T09:00:00{T}",
            {
                "period": "2026-02",
                "criteria": {"pham_chat": 5, "nang_luc": 9, "doi_moi": 8},
                "assessor": "Trưởng phòng",
            },
            o,
        ),
    )

    async def year() -> dict[str, dict[str, Any]]:
        answer = await province.get(f"/v1/officers/{o}/tracking", year=2026)
        assert answer.status_code == 200, answer.text[:300]
        periods = {p["period"]: p for p in answer.json()["periods"]}
        assert {"2026-01", "2026-02"} <= set(periods), sorted(periods)
        return periods

    await eventually(year, timeout=60)
    periods = await year()
    tasks = await province.get(f"/v1/officers/{o}/tracking/tasks", period="2026-01")
    by_key = {t["key"]: t for t in tasks.json()}
    assert set(by_key) == {f"dossier:{u}:HS-{o}-1", f"dossier:{u}:HS-{o}-2"}
    assert not by_key[f"dossier:{u}:HS-{o}-1"]["done"] and by_key[f"dossier:{u}:HS-{o}-1"]["late"]
    assert by_key[f"dossier:{u}:HS-{o}-2"]["done"] and not by_key[f"dossier:{u}:HS-{o}-2"]["late"]
    assert periods["2026-01"]["tasks"]["assigned"] == 2
    conduct = periods["2026-02"]["general_evidence"]["conduct_complaints"]
    assert [c["complaint_id"] for c in conduct] == [f"PA-{o}"]
    assert periods["2026-01"]["general_evidence"]["conduct_complaints"] == []
    unit = await province.get(f"/v1/units/{u}/tracking", period="2026-01")
    assert [r["officer_id"] for r in unit.json()["officers"]] == [o]
