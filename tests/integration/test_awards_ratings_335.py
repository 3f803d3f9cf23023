"""Officers' ratings computed from the evidence (ratings.v1, Decree 335/2025 Art. 20-21, issue 26) reach the real
awards service through Kafka and decide a công chức's Lao động tiên tiến where HR sent no rating; HR's rating wins
where both exist and the criterion shows both; a resent or older rating changes nothing."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import asyncpg
import httpx
import pytest

from schemas import topics
from schemas.outputs import OfficerRating
from services.awards.app import create_app
from services.awards.config import Settings
from tests.integration.kafka_tools import start_group_at_end
from tests.integration.support import eventually, running_app
from tests.integration.test_awards_law import _event
from thidua.runtime.kafka import BatchPublisher, Outgoing
from thidua.runtime.tokens import add_token

T = "+07:00"


class Awards:
    """The real awards service with a council client, an evidence and a ratings publisher."""

    def __init__(self, http: httpx.AsyncClient, publisher: BatchPublisher, database_url: str) -> None:
        self.http, self.publisher, self.database_url = http, publisher, database_url

    async def _inbox(self, prefix: str) -> int:
        conn = await asyncpg.connect(self.database_url)
        try:
            return int(await conn.fetchval("SELECT count(*) FROM awards.inbox WHERE key LIKE $1", prefix + "%"))
        finally:
            await conn.close()

    async def evidence(self, events: list[dict[str, Any]]) -> None:
        keys = [f"{e['source']}:{e['event_id']}" for e in events]
        await self.publisher.publish(
            [Outgoing(topics.EVIDENCE_ACCEPTED, e["unit_id"], json.dumps(e).encode()) for e in events]
        )

        async def consumed() -> None:
            conn = await asyncpg.connect(self.database_url)
            try:
                n = await conn.fetchval("SELECT count(*) FROM awards.inbox WHERE key = ANY($1::text[])", keys)
                assert n == len(keys)
            finally:
                await conn.close()

        await eventually(consumed, timeout=30)

    async def ratings(self, ratings: list[OfficerRating]) -> None:
        await self.publisher.publish(
            [Outgoing(topics.RATINGS, r.officer_id, r.model_dump_json().encode()) for r in ratings]
        )
        keys = [f"ratings:{r.event_id}" for r in ratings]

        async def consumed() -> None:
            conn = await asyncpg.connect(self.database_url)
            try:
                n = await conn.fetchval("SELECT count(*) FROM awards.inbox WHERE key = ANY($1::text[])", keys)
                assert n == len(set(keys))
            finally:
                await conn.close()

        await eventually(consumed, timeout=30)

    async def stored(self, officer: str, year: int) -> asyncpg.Record | None:
        conn = await asyncpg.connect(self.database_url)
        try:
            return await conn.fetchrow(
                "SELECT * FROM awards.evidence_ratings WHERE officer_id = $1 AND year = $2", officer, year
            )
        finally:
            await conn.close()

    async def nominations(self, unit: str, year: int) -> dict[str, dict[str, Any]]:
        response = await self.http.get("/v1/nominations", params={"period": str(year)})
        assert response.status_code == 200, response.text
        return {n["id"]: n for n in response.json()["nominations"] if n["unit_id"] == unit}


@pytest.fixture
async def awards(kafka_bootstrap: str, database_url: str) -> AsyncIterator[Awards]:
    group = f"test-awards-335-{uuid.uuid4().hex[:6]}"
    for topic in (topics.EVIDENCE_ACCEPTED, topics.STANDINGS_CHANGED, topics.RATINGS):
        await start_group_at_end(kafka_bootstrap, f"{group}.{topic}", topic)
    council = await add_token(database_url, role="council", unit_id=None, label="Hội đồng TĐKT tỉnh")
    app = create_app(Settings(kafka_bootstrap_servers=kafka_bootstrap, database_url=database_url, group_id=group))
    publisher = BatchPublisher(kafka_bootstrap, service="test")
    await publisher.start()
    try:
        async with (
            running_app(app) as base,
            httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {council}"}) as http,
        ):
            yield Awards(http, publisher, database_url)
    finally:
        await publisher.stop()


def rating(officer: str, unit: str, level: str, score: float, n: str, at: str = "2026-12-01T09:00:00") -> OfficerRating:
    return OfficerRating(
        event_id=f"{officer}-{n}",
        occurred_at=datetime.fromisoformat(at + T),
        year=2026,
        officer_id=officer,
        unit_id=unit,
        score=score,
        level=level,
        periods=12,
        not_complete=[],
        rule_version="2026.3",
    )


def directory(unit: str, officers: list[str]) -> list[dict[str, Any]]:
    events = [
        _event(
            f"{unit}-reg", "unit.registered", unit, {"name": unit, "level": "department", "cluster_id": f"{unit}-K"}
        ),
        _event(f"{unit}-2026", "evaluation.recorded", unit, {"year": 2026, "level": "good"}),
    ]
    for o in officers:
        payload = {"full_name": f"Cán bộ {o}", "category": "civil_servant", "staff_kind": "civil_servant"}
        events.append(_event(f"{o}-reg", "officer.registered", unit, payload, o))
    return events


def criterion(n: dict[str, Any], code: str) -> dict[str, Any]:
    return next(c for c in n["criteria"] if c["code"] == code)


async def test_evidence_rating_without_hr_decides_ldtt_hr_wins_where_sent_decree_335_2025_art_20_21(
    awards: Awards,
) -> None:
    u = "R" + uuid.uuid4().hex[:4].upper() + ".U1"
    only, both, late = f"{u}-EV", f"{u}-HR", f"{u}-LATE"
    await awards.evidence(
        [
            *directory(u, [only, both, late]),
            _event(f"{both}-2026", "evaluation.recorded", u, {"year": 2026, "level": "good"}, both),
        ]
    )
    first = rating(only, u, "good", 82.5, "a")
    older = rating(only, u, "incomplete", 30.0, "old", at="2026-11-01T09:00:00")  # arrives later, dated earlier
    await awards.ratings([first, first, older, rating(both, u, "excellent", 93.0, "a")])
    stored = await awards.stored(only, 2026)
    assert stored is not None and stored["level"] == "good" and stored["event"] == f"ratings:{only}-a"
    await awards.ratings([first])  # resent: once in effect
    assert await awards._inbox(f"ratings:{only}-a") == 1

    closed = await awards.http.post("/v1/periods/2026/close", params={"force": "true"})
    assert closed.status_code == 200, closed.text
    mine = await awards.nominations(u, 2026)

    # No HR rating: the evidence rating (good, 82.5) decides Lao động tiên tiến.
    ldtt = mine[f"lao_dong_tien_tien:2026:officer:{only}"]
    assert ldtt["status"] == "proposed" and ldtt["rating_basis"] == "evidence_335"
    reason = criterion(ldtt, "rating_good_or_better")["reason"]
    assert "hoàn thành tốt nhiệm vụ theo minh chứng (Nghị định 335)" in reason and "82,5 điểm" in reason
    assert f"ratings:{only}-a" in ldtt["evidence_ids"]

    # HR said good, the evidence excellent: HR's decides (LĐTT, no CSTĐCS by excellence) and both are shown.
    hr = mine[f"lao_dong_tien_tien:2026:officer:{both}"]
    assert hr["rating_basis"] == "hr"
    shown = criterion(hr, "rating_good_or_better")["reason"]
    assert "HR: hoàn thành tốt; theo minh chứng (Nghị định 335): hoàn thành xuất sắc, 93 điểm" in shown
    assert f"chien_si_thi_dua_co_so:2026:officer:{both}" not in mine

    # Nothing for the officer with neither rating; a rating arriving after the close is evaluated on arrival.
    assert f"lao_dong_tien_tien:2026:officer:{late}" not in mine
    await awards.ratings([rating(late, u, "good", 75.0, "a")])

    async def created() -> None:
        n = (await awards.nominations(u, 2026)).get(f"lao_dong_tien_tien:2026:officer:{late}")
        assert n is not None and n["status"] == "proposed" and n["rating_basis"] == "evidence_335"

    await eventually(created, timeout=30)


async def test_a_lower_evidence_rating_later_revokes_a_closed_years_ldtt_decree_335_2025_art_20(
    awards: Awards,
) -> None:
    u = "R" + uuid.uuid4().hex[:4].upper() + ".U1"
    o = f"{u}-EV"
    await awards.evidence(directory(u, [o]))
    await awards.ratings([rating(o, u, "good", 80.0, "a")])
    assert (await awards.http.post("/v1/periods/2026/close", params={"force": "true"})).status_code == 200
    nid = f"lao_dong_tien_tien:2026:officer:{o}"
    assert (await awards.nominations(u, 2026))[nid]["status"] == "proposed"

    # The year's later tracking periods bring the score down to "complete" (scoring republishes): no LĐTT.
    await awards.ratings([rating(o, u, "complete", 64.0, "b", at="2026-12-03T09:00:00")])

    async def revoked() -> None:
        assert (await awards.nominations(u, 2026))[nid]["status"] == "revoked"

    await eventually(revoked, timeout=30)
    stored = await awards.stored(o, 2026)
    assert stored is not None and stored["level"] == "complete" and stored["score"] == 64.0
