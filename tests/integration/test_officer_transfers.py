"""Officers belong to a unit through time (issue 23, finding 1), through the real services (evidence → scoring and
awards over Kafka): an officer of unit B transferred to A on 1/3/2026 by the province's HR source leaves B's 2025 as
it was (B's December headcount, B's award members for 2025) and counts in A from 2026 only; its periods are listed
under the unit it belonged to then. Before, both services took the current directory for every period."""

from __future__ import annotations

import re
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
    """Evidence, scoring and awards running; sources: the province's HR office ('*'), unit A's and unit B's."""

    http: httpx.AsyncClient
    urls: dict[str, str]
    tokens: dict[str, str]
    a: str
    b: str
    tag: str

    async def send(self, source: str, *bodies: dict[str, Any]) -> None:
        answer = await self.http.post(
            self.urls["evidence"] + "/v1/events",
            json=list(bodies),
            headers={"Authorization": f"Bearer {self.tokens[source]}"},
        )
        assert answer.status_code == 200, answer.text
        assert {r["status"] for r in answer.json()} == {"accepted"}, answer.text[:500]

    async def card(self, unit: str, period: str) -> dict[str, Any]:
        answer = await self.http.get(self.urls["scoring"] + f"/v1/units/{unit}/scorecard", params={"period": period})
        assert answer.status_code == 200, answer.text[:300]
        return dict(answer.json())

    async def members(self, unit: str, year: int) -> int:
        answer = await self.http.get(self.urls["awards"] + f"/v1/periods/{year}/preview", params={"unit": unit})
        assert answer.status_code == 200, answer.text[:300]
        [part] = answer.json()["units"]
        return int(part["members"])


@pytest.fixture
async def province(kafka_bootstrap: str, database_url: str) -> AsyncIterator[Province]:
    tag = uuid.uuid4().hex[:6].upper()
    consumed = {"evidence": [topics.EVIDENCE_INBOUND], "scoring": [topics.EVIDENCE_ACCEPTED]}
    consumed["awards"] = [topics.EVIDENCE_ACCEPTED, topics.STANDINGS_CHANGED, topics.RATINGS]
    for service, names in consumed.items():
        for topic in names:
            await start_group_at_end(kafka_bootstrap, f"transfer-{service}-{tag}.{topic}", topic)
    common: dict[str, Any] = {"kafka_bootstrap_servers": kafka_bootstrap, "database_url": database_url}
    a, b = f"T{tag}.A", f"T{tag}.B"
    tokens = {
        "hr": await add_source(database_url, name=f"tccb{tag.lower()}", units=["*"]),
        "a": await add_source(database_url, name=f"motcua-a{tag.lower()}", units=[a]),
        "b": await add_source(database_url, name=f"motcua-b{tag.lower()}", units=[b]),
    }
    async with (
        running_app(evidence_app(EvidenceSettings(**common, group_id=f"transfer-evidence-{tag}"))) as ev,
        running_app(scoring_app(ScoringSettings(**common, group_id=f"transfer-scoring-{tag}"))) as sc,
        running_app(awards_app(AwardsSettings(**common, group_id=f"transfer-awards-{tag}"))) as aw,
        httpx.AsyncClient(timeout=60) as http,
    ):
        yield Province(http, {"evidence": ev, "scoring": sc, "awards": aw}, tokens, a, b, tag)


def envelope(event_id: str, kind: str, unit: str, at: str, payload: dict[str, Any], officer: str | None = None) -> Any:
    body = {"event_id": event_id, "type": kind, "schema_version": 1, "occurred_at": at, "unit_id": unit}
    return {**body, "payload": payload, **({"officer_id": officer} if officer else {})}


def registered(n: str, unit: str, officer: str, at: str, **extra: Any) -> Any:
    payload = {"full_name": f"Cán bộ {officer}", "category": "civil_servant", **extra}
    return envelope(n, "officer.registered", unit, at, payload, officer)


def trained(n: str, unit: str, officer: str, day: str) -> Any:
    at = f"{day}T09:00:00{T}"
    payload = {"course_code": "VH1", "title": "Văn hoá công vụ", "hours": 8, "topic": "office_culture"}
    return envelope(n, "training.completed", unit, at, {**payload, "completed_at": at}, officer)


def rated(n: str, unit: str, officer: str | None, year: int) -> Any:
    return envelope(
        n, "evaluation.recorded", unit, f"{year}-12-10T09:00:00{T}", {"year": year, "level": "good"}, officer
    )


async def test_a_transfer_in_2026_leaves_the_old_units_2025_headcount_and_award_members_decree_335_2025_art_21(
    province: Province, database_url: str
) -> None:
    p, a, b = province, province.a, province.b
    moving, staying, own_a = f"CB{p.tag}1", f"CB{p.tag}2", f"CB{p.tag}3"
    start = f"2025-01-05T09:00:00{T}"
    await p.send(
        "hr",
        *(
            envelope(f"{u}-reg", "unit.registered", u, start, {"name": u, "level": "department", "cluster_id": "K"})
            for u in (a, b)
        ),
        registered("r1", b, moving, start),
        registered("r2", b, staying, start),
        registered("r3", a, own_a, start),
    )
    await p.send("b", trained("t1", b, moving, "2025-12-05"), trained("t2", b, staying, "2025-12-05"))
    await p.send("b", rated("e1", b, moving, 2025), rated("e2", b, staying, 2025), rated("e3", b, None, 2025))
    await p.send("a", trained("t3", a, own_a, "2025-12-05"), trained("t4", a, own_a, "2026-03-05"))

    async def scored_2025() -> None:
        assert (await p.card(b, "2025-12"))["evidence"]["officers"] == 2
        assert (await p.card(a, "2025-12"))["evidence"]["officers"] == 1

    await eventually(scored_2025, timeout=60, interval=0.5)
    assert await p.members(b, 2025) == 2

    # The province's HR office moves the officer to A from 1 March 2026 (registered a day later); A's source then
    # sends its March training, and B's a late December record (B's 2025 is rescored).
    moved = registered("r4", a, moving, f"2026-03-02T09:00:00{T}", transferred_at=f"2026-03-01T00:00:00{T}")
    await p.send("hr", moved)
    await p.send("a", trained("t5", a, moving, "2026-03-10"))
    await p.send("b", trained("t6", b, staying, "2025-12-20"))

    async def rescored() -> None:
        rows = await fetch(
            database_url,
            "SELECT period, unit_id FROM scoring.officer_scores WHERE officer_id = $1 ORDER BY period",
            moving,
        )
        listed = {r["period"]: r["unit_id"] for r in rows}
        assert listed.get("2026-03") == a  # the March period: in A
        # B's late December record arrived and the rescorer has drained everything since.
        assert await fetch(database_url, "SELECT 1 FROM scoring.facts WHERE event_id = 't6'")
        assert not await fetch(database_url, "SELECT 1 FROM scoring.dirty")

    await eventually(rescored, timeout=60, interval=0.5)
    # Scoring: B's December 2025 still counts the officer (its per-officer rates unmoved); A's does not; the officer's
    # 2025 periods stay listed under B, its March 2026 under A.
    assert (await p.card(b, "2025-12"))["evidence"]["officers"] == 2
    assert (await p.card(b, "2025"))["evidence"]["officers"] == 2
    assert (await p.card(a, "2025-12"))["evidence"]["officers"] == 1
    assert (await p.card(a, "2026-03"))["evidence"]["officers"] == 2
    listing = await fetch(
        database_url, "SELECT period, unit_id FROM scoring.officer_scores WHERE officer_id = $1", moving
    )
    # (the movements' stage periods, e.g. 2025-2027, span the transfer: they follow the unit at their end)
    stage = re.compile(r"\d{4}-\d{4}")
    in_2025 = {
        r["period"]: r["unit_id"] for r in listing if r["period"][:4] == "2025" and not stage.fullmatch(r["period"])
    }
    assert in_2025 == {
        "2025-12": b,
        "2025-Q4": b,
        "2025": b,
    }
    # Awards: B's 2025 members (its collective shares) still count the officer, rated by B; A's 2025 does not; A's
    # 2026 does (the new unit rates the year).
    assert await p.members(b, 2025) == 2
    assert await p.members(a, 2025) == 1
    assert await p.members(a, 2026) == 2
    assert await p.members(b, 2026) == 1
    # Only sources covering A speak of the officer now.
    refused = await p.http.post(
        p.urls["evidence"] + "/v1/events",
        json=[trained("t7", b, moving, "2026-03-12")],
        headers={"Authorization": f"Bearer {p.tokens['b']}"},
    )
    assert refused.json()[0]["status"] == "rejected"
