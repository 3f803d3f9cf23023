"""Unit lineage in scoring (issue 24, Build 3), through the real services (evidence → Kafka → scoring): communes A1,
A2 and A3 merged into N on 1 July 2025. 2025-Q1 and 2025-Q2 keep the three; 2025-Q4, 2026 and the year 2025 list N
alone, whose 2025 figures combine the four units' dossiers and whose scorecard names the three; A1's 2025 scorecard
answers 404 naming N; evidence of A1 arriving after the merger still lands in N's 2025; a rebuild gives the same;
retracting the merger restores the old map."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from schemas import topics
from services.evidence.app import create_app as evidence_app
from services.evidence.config import Settings as EvidenceSettings
from services.evidence.handlers.sources import add_source
from services.scoring.app import create_app as scoring_app
from services.scoring.config import Settings as ScoringSettings
from services.scoring.handlers.rebuild import rebuild
from tests.integration.kafka_tools import read_topic, start_group_at_end
from tests.integration.support import eventually, running_app
from thidua.testing.database import fetch

T = "+07:00"
MERGER = "2025-07-01T00:00:00+07:00"


@dataclass
class Province:
    """Evidence and scoring running; one source covering the province; the dossiers sent, per unit and month."""

    http: httpx.AsyncClient
    urls: dict[str, str]
    token: str
    tag: str
    late: dict[tuple[str, str], int] = field(default_factory=dict)

    async def send(self, *bodies: dict[str, Any]) -> None:
        for start in range(0, len(bodies), 50):
            answer = await self.http.post(
                self.urls["evidence"] + "/v1/events",
                json=list(bodies[start : start + 50]),
                headers={"Authorization": f"Bearer {self.token}"},
            )
            assert answer.status_code == 200, answer.text
            assert {r["status"] for r in answer.json()} == {"accepted"}, answer.text[:500]

    async def dossiers(self, unit: str, month: str, *, late: int) -> None:
        self.late[(unit, month)] = late
        await self.send(*dossiers(unit, month, late=late))

    def on_time(self, units: set[str], months: set[str]) -> tuple[float, float]:
        """(on time, judged) of the dossiers sent for the units in the months: 20 a month, `late` of them late."""
        chosen = [late for (u, m), late in self.late.items() if u in units and m in months]
        return float(sum(20 - late for late in chosen)), float(20 * len(chosen))

    async def listed(self, period: str) -> dict[str, list[str]]:
        """{unit: predecessors combined} of GET /v1/standings, ours only."""
        answer = await self.http.get(self.urls["scoring"] + "/v1/standings", params={"period": period})
        assert answer.status_code == 200, answer.text[:300]
        return {r["unit_id"]: r["predecessors"] for r in answer.json()["rows"] if self.tag in r["unit_id"]}

    async def card(self, unit: str, period: str) -> httpx.Response:
        return await self.http.get(self.urls["scoring"] + f"/v1/units/{unit}/scorecard", params={"period": period})

    async def on_time_of(self, unit: str, period: str) -> tuple[float, float]:
        answer = await self.card(unit, period)
        assert answer.status_code == 200, answer.text[:300]
        [row] = [i for i in answer.json()["indicators"] if i["code"] == "on_time"]
        return row["numerator"], row["denominator"]


@pytest.fixture
async def province(kafka_bootstrap: str, database_url: str) -> AsyncIterator[Province]:
    tag = uuid.uuid4().hex[:6].upper()
    consumed = {"evidence": [topics.EVIDENCE_INBOUND], "scoring": [topics.EVIDENCE_ACCEPTED]}
    for service, names in consumed.items():
        for topic in names:
            await start_group_at_end(kafka_bootstrap, f"lineage-{service}-{tag}.{topic}", topic)
    common: dict[str, Any] = {"kafka_bootstrap_servers": kafka_bootstrap, "database_url": database_url}
    token = await add_source(database_url, name=f"lineage{tag.lower()}", units=["*"])
    async with (
        running_app(evidence_app(EvidenceSettings(**common, group_id=f"lineage-evidence-{tag}"))) as ev,
        running_app(scoring_app(ScoringSettings(**common, group_id=f"lineage-scoring-{tag}"))) as sc,
        httpx.AsyncClient(timeout=60) as http,
    ):
        yield Province(http, {"evidence": ev, "scoring": sc}, token, tag)


def envelope(event_id: str, kind: str, unit: str, at: str, payload: dict[str, Any]) -> dict[str, Any]:
    body = {"event_id": event_id, "type": kind, "schema_version": 1, "occurred_at": at, "unit_id": unit}
    return {**body, "payload": payload}


def dossiers(unit: str, month: str, *, late: int) -> list[dict[str, Any]]:
    """20 dossiers finished in month (enough to be ranked), the first `late` of them after their due date."""
    out = []
    for i in range(20):
        finished = f"{month}-15T10:00:00{T}"
        due = f"{month}-14T17:00:00{T}" if i < late else f"{month}-20T17:00:00{T}"
        payload = {
            "dossier_code": f"HS-{unit}-{month}-{i}",
            "procedure_code": "1.001",
            "channel": "online",
            "received_at": f"{month}-05T08:00:00{T}",
            "due_at": due,
            "finished_at": finished,
            "status": "resolved",
            "supplement_requests": 0,
            "supplement_days": 0,
            "fee_required": True,
            "paid_online": True,
            "digitized": True,
            "e_result": True,
            "data_reused": False,
        }
        out.append(envelope(f"{unit}-{month}-{i}", "procedure.processed", unit, finished, payload))
    return out


async def test_three_communes_merged_into_one_keep_2025_q1_and_combine_into_the_new_one_afterwards(
    province: Province, database_url: str, kafka_bootstrap: str
) -> None:
    p = province
    a1, a2, a3, n = (f"L{p.tag}.{x}" for x in ("A1", "A2", "A3", "N"))
    old, everyone = {a1, a2, a3}, {a1, a2, a3, n}
    cluster = f"CL-{p.tag}"
    for i, unit in enumerate(sorted(old)):
        payload = {"name": f"Xã {unit}", "level": "commune", "cluster_id": cluster}
        await p.send(envelope(f"ru{i}", "unit.registered", unit, f"2025-01-05T09:00:00{T}", payload))
    ward = {"name": f"Phường {n}", "level": "ward", "cluster_id": cluster, "admin_code": "13669"}
    await p.send(envelope("rn", "unit.registered", n, f"2025-07-01T08:00:00{T}", ward))
    for unit, lates in ((a1, (1, 2, 3)), (a2, (4, 5, 6)), (a3, (7, 8, 9))):
        for month, late in zip(("2025-02", "2025-04", "2025-05"), lates, strict=True):
            await p.dossiers(unit, month, late=late)
    await p.dossiers(n, "2025-11", late=0)
    await p.dossiers(n, "2026-02", late=2)

    async def before_the_merger() -> None:
        assert set(await p.listed("2025-Q1")) == old
        assert set(await p.listed("2025")) == everyone
        assert set(await p.listed("2026")) == {n}
        assert (await p.card(a1, "2025")).status_code == 200

    await eventually(before_the_merger, timeout=90, interval=0.5)
    assert "lineage" not in (await p.card(n, "2025")).json()

    merger = {
        "kind": "merge",
        "predecessors": sorted(old),
        "successors": [n],
        "effective_at": MERGER,
        "decision_no": "1674/NQ-UBTVQH15",
    }
    await p.send(envelope("merge", "unit.reorganized", n, f"2025-07-01T08:00:00{T}", merger))
    year = {"2025-02", "2025-04", "2025-05", "2025-06", "2025-11"}

    async def merged() -> None:
        assert await p.listed("2025-Q1") == {a1: [], a2: [], a3: []}
        assert set(await p.listed("2025-Q2")) == old  # ends on the date: the map of its time
        assert await p.listed("2025-Q4") == {n: sorted(old)}
        assert await p.listed("2025") == {n: sorted(old)}
        assert set(await p.listed("2026")) == {n}
        assert await p.on_time_of(n, "2025") == p.on_time(everyone, year)

    await eventually(merged, timeout=90, interval=0.5)
    card = (await p.card(n, "2025")).json()
    lineage = card["lineage"]
    assert lineage["year_of_change"] == "combine" and lineage["successors"] == []
    assert [(x["unit_id"], x["name"], x["kind"], x["combined"]) for x in lineage["predecessors"]] == [
        (u, f"Xã {u}", "merge", True) for u in sorted(old)
    ]
    assert {x["decision_no"] for x in lineage["predecessors"]} == {"1674/NQ-UBTVQH15"}
    assert datetime.fromisoformat(lineage["predecessors"][0]["effective_at"]) == datetime.fromisoformat(MERGER)
    assert card["evidence"]["dossiers_finished"] == 20 * len([k for k in p.late if k[1] in year])
    # The drill-down behind N's number lists the predecessors' dossiers too, each naming the unit it was sent under.
    drill = await p.http.get(
        p.urls["scoring"] + f"/v1/units/{n}/scorecard/events", params={"period": "2025", "indicator": "on_time"}
    )
    assert drill.status_code == 200, drill.text[:300]
    behind = drill.json()["cases"]
    assert sum(c["numerator"] for c in behind) == p.on_time(everyone, year)[0]
    assert {c.get("unit_id", n) for c in behind} == everyone
    # Before the date A1 is listed with its own figures, its lineage naming what it became.
    early = (await p.card(a1, "2025-Q1")).json()
    assert [s["unit_id"] for s in early["lineage"]["successors"]] == [n] and early["lineage"]["ended"][
        "kind"
    ] == "merge"
    assert await p.on_time_of(a1, "2025-Q1") == p.on_time({a1}, {"2025-02"})
    gone = await p.card(a1, "2025")
    assert gone.status_code == 404, gone.text
    [detail] = gone.json()["details"]
    assert detail["field"] == "unit_id" and n in detail["message"] and "2025-07-01" in detail["message"]
    assert detail["successor"] == n
    assert (await p.card(a2, "2025-Q4")).status_code == 404

    # N's 2025 standing moved: published on standings.changed with the combined score.
    published = await read_topic(
        kafka_bootstrap,
        topics.STANDINGS_CHANGED,
        lambda r: n.encode() in (r.value or b"") and b'"period":"2025"' in (r.value or b""),
        expect=2,
        timeout=30,
    )
    final = (await p.http.get(p.urls["scoring"] + "/v1/standings", params={"period": "2025"})).json()
    [mine] = [r for r in final["rows"] if r["unit_id"] == n]
    assert json.loads(published[-1].value or b"")["score"] == mine["score"]

    # A1's dossiers of June arrive after the merger: they count in A1's Q2 and in N's 2025.
    await p.dossiers(a1, "2025-06", late=10)

    async def late_evidence_folds() -> None:
        assert await p.on_time_of(n, "2025") == p.on_time(everyone, year)
        assert await p.on_time_of(a1, "2025-Q2") == p.on_time({a1}, {"2025-04", "2025-05", "2025-06"})
        assert not await fetch(database_url, "SELECT 1 FROM scoring.dirty")

    await eventually(late_evidence_folds, timeout=90, interval=0.5)

    # A rebuild recomputes the year from the cases and gives what live consumption gave.
    before = await fetch(
        database_url, "SELECT unit_id, score, card::text AS card FROM scoring.unit_scores WHERE period = '2025'"
    )
    await rebuild(database_url, periods=["2025"], rules_file=None, now=datetime.now(UTC))
    after = await fetch(
        database_url, "SELECT unit_id, score, card::text AS card FROM scoring.unit_scores WHERE period = '2025'"
    )
    ours = {r["unit_id"]: r["score"] for r in after if p.tag in r["unit_id"]}
    assert ours == {r["unit_id"]: r["score"] for r in before if p.tag in r["unit_id"]} and set(ours) == {n}
    assert await p.on_time_of(n, "2025") == p.on_time(everyone, year)

    # The merger retracted: 2025 lists the four again, each with its own figures; N has no lineage.
    retraction = {"target_event_id": "merge", "reason": "nhập sai đơn vị"}
    await p.send(envelope("unmerge", "evidence.retracted", n, f"2025-07-02T08:00:00{T}", retraction))

    async def restored() -> None:
        assert await p.listed("2025") == {u: [] for u in everyone}
        assert set(await p.listed("2025-Q4")) == {n}
        assert await p.on_time_of(n, "2025") == p.on_time({n}, year)
        assert await p.on_time_of(a1, "2025") == p.on_time({a1}, year)

    await eventually(restored, timeout=90, interval=0.5)
    assert "lineage" not in (await p.card(n, "2025")).json()
