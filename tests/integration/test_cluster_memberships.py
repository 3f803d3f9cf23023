"""Units belong to a cluster through time (issue 24, Build 4), through the real services (evidence → scoring and
awards over Kafka): clusters rebuilt on 1/1/2026 move unit U from C1 to C2; U's 2025 stays ranked in C1 (standings,
the standings it published, awards' year standing) and its 2026 periods are ranked in C2 (both clusters re-ranked).
Before, every period took the unit's current cluster."""

from __future__ import annotations

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
from tests.integration.kafka_tools import start_group_at_end
from tests.integration.support import eventually, running_app
from thidua.testing.database import fetch

T = "+07:00"


@dataclass
class Province:
    """Evidence, scoring and awards running; one source covering the province."""

    http: httpx.AsyncClient
    urls: dict[str, str]
    token: str
    tag: str

    async def send(self, *bodies: dict[str, Any]) -> None:
        for start in range(0, len(bodies), 50):
            answer = await self.http.post(
                self.urls["evidence"] + "/v1/events",
                json=list(bodies[start : start + 50]),
                headers={"Authorization": f"Bearer {self.token}"},
            )
            assert answer.status_code == 200, answer.text
            assert {r["status"] for r in answer.json()} == {"accepted"}, answer.text[:500]

    async def ranks(self, period: str, cluster: str) -> dict[str, int]:
        """{unit: rank in the cluster} of GET /v1/standings."""
        answer = await self.http.get(
            self.urls["scoring"] + "/v1/standings", params={"period": period, "cluster": cluster}
        )
        assert answer.status_code == 200, answer.text[:300]
        return {row["unit_id"]: row["rank"] for row in answer.json()["rows"]}

    async def awards_cluster(self, unit: str, year: int) -> str | None:
        answer = await self.http.get(self.urls["awards"] + f"/v1/periods/{year}/preview", params={"unit": unit})
        assert answer.status_code == 200, answer.text[:300]
        [part] = answer.json()["units"]
        return part["cluster_id"]


@pytest.fixture
async def province(kafka_bootstrap: str, database_url: str) -> AsyncIterator[Province]:
    tag = uuid.uuid4().hex[:6].upper()
    consumed = {"evidence": [topics.EVIDENCE_INBOUND], "scoring": [topics.EVIDENCE_ACCEPTED]}
    consumed["awards"] = [topics.EVIDENCE_ACCEPTED, topics.STANDINGS_CHANGED, topics.RATINGS]
    for service, names in consumed.items():
        for topic in names:
            await start_group_at_end(kafka_bootstrap, f"clusters-{service}-{tag}.{topic}", topic)
    common: dict[str, Any] = {"kafka_bootstrap_servers": kafka_bootstrap, "database_url": database_url}
    token = await add_source(database_url, name=f"cum{tag.lower()}", units=["*"])
    async with (
        running_app(evidence_app(EvidenceSettings(**common, group_id=f"clusters-evidence-{tag}"))) as ev,
        running_app(scoring_app(ScoringSettings(**common, group_id=f"clusters-scoring-{tag}"))) as sc,
        running_app(awards_app(AwardsSettings(**common, group_id=f"clusters-awards-{tag}"))) as aw,
        httpx.AsyncClient(timeout=60) as http,
    ):
        yield Province(http, {"evidence": ev, "scoring": sc, "awards": aw}, token, tag)


def envelope(event_id: str, kind: str, unit: str, at: str, payload: dict[str, Any]) -> dict[str, Any]:
    body = {"event_id": event_id, "type": kind, "schema_version": 1, "occurred_at": at, "unit_id": unit}
    return {**body, "payload": payload}


def unit_registered(n: str, unit: str, cluster: str, at: str, **extra: Any) -> dict[str, Any]:
    payload = {"name": f"Đơn vị {unit}", "level": "department", "cluster_id": cluster, **extra}
    return envelope(n, "unit.registered", unit, at, payload)


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


async def test_a_unit_moved_to_another_cluster_in_2026_still_ranks_in_its_old_cluster_for_2025(
    province: Province, database_url: str
) -> None:
    p = province
    u, w, v = f"K{p.tag}.U", f"K{p.tag}.W", f"K{p.tag}.V"
    c1, c2 = f"C1-{p.tag}", f"C2-{p.tag}"
    start = f"2025-01-05T09:00:00{T}"
    await p.send(unit_registered("ru", u, c1, start), unit_registered("rw", w, c1, start))
    await p.send(unit_registered("rv", v, c2, start))
    # U on time, W and V partly late, in March 2025 and January 2026.
    for month in ("2025-03", "2026-01"):
        await p.send(*dossiers(u, month, late=0), *dossiers(w, month, late=8), *dossiers(v, month, late=12))

    async def before_the_move() -> None:
        assert await p.ranks("2025", c1) == {u: 1, w: 2}
        assert await p.ranks("2026-01", c1) == {u: 1, w: 2}
        assert await p.ranks("2026-01", c2) == {v: 1}

    await eventually(before_the_move, timeout=90, interval=0.5)

    # The province rebuilds its clusters from 1 January 2026 (registered in February): U joins C2.
    await p.send(unit_registered("ru2", u, c2, f"2026-02-03T09:00:00{T}", cluster_since=f"2026-01-01T00:00:00{T}"))

    async def moved() -> None:
        assert await p.ranks("2026-01", c2) == {u: 1, v: 2}
        assert await p.ranks("2026-01", c1) == {w: 1}  # both clusters re-ranked
        assert not await fetch(database_url, "SELECT 1 FROM scoring.dirty")

    await eventually(moved, timeout=90, interval=0.5)
    # 2025 is closed as it was: U still ranks first in C1, C2's 2025 does not list it; so do the year's periods.
    assert await p.ranks("2025", c1) == {u: 1, w: 2}
    assert await p.ranks("2025-03", c1) == {u: 1, w: 2}
    assert await p.ranks("2025", c2) == {v: 1}
    assert await p.ranks("2026", c2) == {u: 1, v: 2}
    assert await p.ranks("2026", c1) == {w: 1}
    card = await p.http.get(p.urls["scoring"] + f"/v1/units/{u}/scorecard", params={"period": "2025"})
    assert card.json()["cluster_id"] == c1

    # Awards: the Cờ thi đua of 2025 looks at U's 2025 cluster (its year standing keeps C1), of 2026 at C2.
    async def awards_follow() -> None:
        stored = await fetch(database_url, "SELECT year, cluster_id FROM awards.standings WHERE unit_id = $1", u)
        assert {r["year"]: r["cluster_id"] for r in stored} == {2025: c1, 2026: c2}
        assert await p.awards_cluster(u, 2025) == c1
        assert await p.awards_cluster(u, 2026) == c2

    await eventually(awards_follow, timeout=30, interval=0.5)
