"""Nothing lost, nothing stuck (typed edges), through the real awards service on the real Kafka and PostgreSQL:
a record no contract model accepts is parked with its error and the next record of the partition is applied;
a record whose handling keeps failing is parked after bounded attempts, and replayed once after the fix."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from schemas import topics
from services.awards.adapters.facts import FactStore
from services.awards.app import create_app
from services.awards.config import Settings
from tests.integration.kafka_tools import start_group_at_end
from tests.integration.support import eventually, running_app
from thidua.runtime.kafka import BatchPublisher, Outgoing
from thidua.runtime.tokens import add_token
from thidua.testing.database import fetch, fetchval

T = "+07:00"


def registered(n: str, unit: str, name: str) -> dict[str, Any]:
    return {
        "event_id": n,
        "type": "unit.registered",
        "schema_version": 1,
        "unit_id": unit,
        "source": "hr",
        "occurred_at": f"2025-12-01T09:00:00{T}",
        "payload": {"name": name, "level": "department", "cluster_id": "CUM-P"},
    }


def standing(unit: str, n: str, **extra: Any) -> dict[str, Any]:
    return {
        "event_id": f"unit:{unit}:2025:{n}",
        "occurred_at": f"2025-12-20T09:00:00{T}",
        "period": "2025",
        "subject_kind": "unit",
        "subject_id": unit,
        "unit_id": unit,
        "cluster_id": "CUM-P",
        "score": 91.0,
        "band": "Tốt",
        "rank_in_cluster": 1,
        "rank_in_province": 1,
        "rule_version": "2025.1",
        **extra,
    }


@dataclass
class Awards:
    http: httpx.AsyncClient
    publisher: BatchPublisher
    database_url: str

    async def send(self, topic: str, key: str, values: list[bytes]) -> None:
        """Publish values in order under one key: one partition, in this order."""
        await self.publisher.publish([Outgoing(topic, key, v) for v in values])

    async def parked(self) -> list[dict[str, Any]]:
        rows = await fetch(
            self.database_url,
            'SELECT id, topic, "partition", "offset", key, value, error, attempts,'
            " replayed_at FROM awards.parked ORDER BY id",
        )
        return [dict(r) for r in rows]


@pytest.fixture
async def awards(kafka_bootstrap: str, database_url: str) -> AsyncIterator[Awards]:
    group = f"test-awards-poison-{uuid.uuid4().hex[:6]}"
    for topic in (topics.EVIDENCE_ACCEPTED, topics.STANDINGS_CHANGED, topics.RATINGS):
        await start_group_at_end(kafka_bootstrap, f"{group}.{topic}", topic)
    admin = await add_token(database_url, role="admin", unit_id=None, label="t")
    # METRICS_PUBLIC: the operator's view of /readyz (parked records) without a token.
    app = create_app(
        Settings(
            kafka_bootstrap_servers=kafka_bootstrap, database_url=database_url, group_id=group, metrics_public=True
        )
    )
    publisher = BatchPublisher(kafka_bootstrap, service="test")
    await publisher.start()
    try:
        async with (
            running_app(app) as base,
            httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {admin}"}) as http,
        ):
            yield Awards(http, publisher, database_url)
    finally:
        await publisher.stop()


async def test_poison_evidence_and_standings_are_parked_and_the_next_record_of_the_partition_is_applied(
    awards: Awards,
) -> None:
    p = "Q" + uuid.uuid4().hex[:4].upper()
    unit = f"{p}.U1"
    missing_payload_keys = registered(f"{p}-bad", unit, "Thiếu trường")
    del missing_payload_keys["payload"]["cluster_id"], missing_payload_keys["payload"]["level"]
    missing_envelope_keys = {k: v for k, v in registered(f"{p}-bad2", unit, "x").items() if k != "unit_id"}
    # Before typed edges: a JSON array or a missing key raised AttributeError/KeyError and the batch was
    # redelivered forever; the unit after them was never registered.
    poison = [
        b"[]",
        b'{"type": "x"}',
        json.dumps(missing_payload_keys).encode(),
        json.dumps(missing_envelope_keys).encode(),
        b"\xff not json",
        b"",
    ]
    await awards.send(
        topics.EVIDENCE_ACCEPTED, unit, [*poison, json.dumps(registered(f"{p}-reg", unit, "Sở Tư pháp")).encode()]
    )
    year_one = standing(unit, "0001", occurred_at="0001-01-01T00:00:00+00:00")
    await awards.send(
        topics.STANDINGS_CHANGED,
        unit,
        [json.dumps(year_one).encode(), b'{"event_id": "x"}', json.dumps(standing(unit, "ok")).encode()],
    )

    async def applied() -> None:
        assert (
            await fetchval(awards.database_url, "SELECT name FROM awards.units WHERE unit_id = $1", unit)
            == "Sở Tư pháp"
        )
        assert (
            await fetchval(
                awards.database_url, "SELECT band FROM awards.standings WHERE unit_id = $1 AND year = 2025", unit
            )
            == "Tốt"
        )

    await eventually(applied, timeout=30)

    async def all_parked() -> None:
        assert len(await awards.parked()) == len(poison) + 2

    await eventually(all_parked, timeout=10)
    parked = await awards.parked()
    evidence = [r for r in parked if r["topic"] == topics.EVIDENCE_ACCEPTED]
    standings = [r for r in parked if r["topic"] == topics.STANDINGS_CHANGED]
    assert [r["value"] for r in evidence] == poison  # the bytes as consumed, in partition order
    assert [r["value"] for r in standings] == [json.dumps(year_one).encode(), b'{"event_id": "x"}']
    assert all(r["key"] == unit.encode() and r["attempts"] == 0 and r["replayed_at"] is None for r in parked)
    assert len({r["partition"] for r in evidence}) == 1
    assert [r["offset"] for r in evidence] == sorted(r["offset"] for r in evidence)
    assert all(r["error"].startswith("Poison: ") for r in parked)
    errors = [r["error"] for r in evidence]
    assert "payload.cluster_id" in errors[2] and "payload.level" in errors[2]
    assert "unit_id" in errors[3]
    assert "not valid JSON" in errors[4] and "empty record" in errors[5]
    assert "occurred_at" in standings[0]["error"] and "2000-01-01" in standings[0]["error"]
    # Nothing of the poison reached the tables; the operator sees the parked records and /readyz counts them.
    assert await fetchval(awards.database_url, "SELECT count(*) FROM awards.inbox") == 2
    ready = (await awards.http.get("/readyz")).json()
    assert ready["parked"] == len(parked)


async def test_a_record_that_keeps_failing_is_parked_after_bounded_attempts_and_replayed_once_after_the_fix(
    awards: Awards, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = "R" + uuid.uuid4().hex[:4].upper()
    good, bad, after = f"{p}.U1", f"{p}.U2", f"{p}.U3"
    real = FactStore.upsert_unit
    calls: list[str] = []

    async def broken(store: FactStore, unit_id: str, *args: Any) -> None:
        calls.append(unit_id)
        if unit_id == bad:
            raise RuntimeError(f"a bug met by {unit_id}")
        await real(store, unit_id, *args)

    monkeypatch.setattr(FactStore, "upsert_unit", broken)
    # One key, so one partition and (most likely) one batch: the batch fails, is rolled back, and is applied
    # record by record; the good records apply once, the bad one is parked, the partition moves on.
    await awards.send(
        topics.EVIDENCE_ACCEPTED,
        p,
        [
            json.dumps(registered(f"{p}-1", good, "Tốt")).encode(),
            json.dumps(registered(f"{p}-2", bad, "Lỗi")).encode(),
            json.dumps(registered(f"{p}-3", after, "Sau")).encode(),
        ],
    )

    async def moved_on() -> None:
        rows = await fetch(
            awards.database_url, "SELECT unit_id FROM awards.units WHERE unit_id LIKE $1 ORDER BY unit_id", f"{p}.%"
        )
        assert [r["unit_id"] for r in rows] == [good, after]
        assert len(await awards.parked()) == 1

    await eventually(moved_on, timeout=30)
    [row] = await awards.parked()
    assert row["topic"] == topics.EVIDENCE_ACCEPTED and row["attempts"] == 3 and row["replayed_at"] is None
    assert "RuntimeError" in row["error"] and f"a bug met by {bad}" in row["error"]
    assert calls.count(bad) >= 3  # the batch, then three attempts alone
    keys = {r["key"] for r in await fetch(awards.database_url, "SELECT key FROM awards.inbox")}
    assert keys == {f"hr:{p}-1", f"hr:{p}-3"}  # the failed attempts left no claim behind

    # The fix is deployed; the operator lists the parked records and replays this one, twice.
    monkeypatch.setattr(FactStore, "upsert_unit", real)
    listed = await awards.http.get("/v1/parked")
    assert listed.status_code == 200, listed.text
    assert [r["id"] for r in listed.json()["parked"]] == [row["id"]]
    first = await awards.http.post("/v1/parked/replay", json={"ids": [row["id"]]})
    assert first.status_code == 200, first.text
    assert first.json()["replayed"] == 1 and first.json()["outcomes"] == [{"id": row["id"], "replayed": True}]
    second = await awards.http.post("/v1/parked/replay", json={"ids": [row["id"]]})
    assert second.status_code == 200 and second.json()["replayed"] == 0
    assert await fetchval(awards.database_url, "SELECT name FROM awards.units WHERE unit_id = $1", bad) == "Lỗi"
    assert await fetchval(awards.database_url, "SELECT count(*) FROM awards.inbox WHERE key = $1", f"hr:{p}-2") == 1
    [replayed] = await awards.parked()
    assert replayed["replayed_at"] is not None
    assert (await awards.http.get("/readyz")).json()["parked"] == 0
    # A replay needs an admin.
    assert (
        await awards.http.post("/v1/parked/replay", json={"all": True}, headers={"Authorization": "Bearer td_wrong"})
    ).status_code == 401
