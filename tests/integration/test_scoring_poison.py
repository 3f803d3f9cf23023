"""Poison on evidence.accepted.v1 never stops scoring (real Kafka, real PostgreSQL, the real scoring service): each
bad record is parked with its error and the normal events after it on the same partition reach the standings; a
record parked for a bug is replayed after the fix and counts exactly once."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from schemas import topics
from services.scoring.app import create_app as scoring_app
from services.scoring.config import Settings as ScoringSettings
from services.scoring.domain import batch as scoring_batch
from tests.integration.kafka_tools import start_group_at_end
from tests.integration.scoring_support import event, processed
from tests.integration.support import eventually, running_app
from thidua.operator import parked as parked_cli
from thidua.runtime.kafka import BatchPublisher, Outgoing
from thidua.runtime.tokens import add_token
from thidua.testing.database import fetch, fetchval

T = "+07:00"


def _unit(prefix: str, unit: str, n: int) -> list[dict[str, Any]]:
    events = [
        event(
            f"{prefix}-u",
            "unit.registered",
            unit,
            {"name": "Đơn vị thử", "level": "department", "cluster_id": f"{prefix}-K"},
        )
    ]
    events += [processed(k, unit, code=f"HS-{k}", finished=f"2025-03-13T09:30:00{T}") for k in range(n)]
    return [{**e, "event_id": f"{prefix}-{e['event_id']}"} for e in events]


POISON = [
    b"[]",
    b'{"type": "procedure.processed"}',
    b"not json at all",
    b'{"a":' * 1000 + b"1" + b"}" * 1000,
]


async def _publish(kafka: str, unit: str, values: list[bytes]) -> None:
    publisher = BatchPublisher(kafka, service="test")
    await publisher.start()
    try:
        await publisher.publish([Outgoing(topics.EVIDENCE_ACCEPTED, unit, v) for v in values])
    finally:
        await publisher.stop()


def _far_future(unit: str, prefix: str) -> bytes:
    bad = processed(999, unit, code="HS-FAR", finished=f"2025-03-13T09:30:00{T}")
    bad["payload"]["received_at"] = "9999-01-01T00:00:00+07:00"  # year 9999 used to crash the period code
    return json.dumps({**bad, "event_id": f"{prefix}-far"}).encode()


async def test_poison_is_parked_and_the_next_events_on_the_partition_reach_the_standings(
    kafka_bootstrap: str, database_url: str
) -> None:
    prefix = "Q" + uuid.uuid4().hex[:5].upper()
    unit = f"{prefix}.01"
    group = f"test-poison-{uuid.uuid4().hex[:6]}"
    await start_group_at_end(kafka_bootstrap, f"{group}.{topics.EVIDENCE_ACCEPTED}", topics.EVIDENCE_ACCEPTED)
    app = scoring_app(
        ScoringSettings(
            kafka_bootstrap_servers=kafka_bootstrap, database_url=database_url, group_id=group, metrics_public=True
        )
    )
    async with running_app(app) as url, httpx.AsyncClient() as http:
        # Same key, same partition: the poison sits right in front of the unit's normal evidence.
        await _publish(
            kafka_bootstrap,
            unit,
            [*POISON, _far_future(unit, prefix), *(json.dumps(e).encode() for e in _unit(prefix, unit, 20))],
        )

        async def ranked() -> None:
            params = {"period": "2025-03", "cluster": f"{prefix}-K"}
            body = (await http.get(f"{url}/v1/standings", params=params)).json()
            assert [r["subject_id"] for r in body["rows"]] == [unit], body

        await eventually(ranked, timeout=30)
        ready = (await http.get(f"{url}/readyz")).json()
        metrics = (await http.get(f"{url}/metrics")).text
    parked = await fetch(database_url, 'SELECT value, error FROM scoring.parked ORDER BY "offset"')
    assert [bytes(r["value"]) for r in parked] == [*POISON, _far_future(unit, prefix)]
    assert all(r["error"].startswith("Poison:") for r in parked)
    assert "9999" in parked[-1]["error"] or "2100" in parked[-1]["error"]
    assert ready["parked"] == len(POISON) + 1
    assert 'thidua_parked_records_total{service="scoring",topic="evidence.accepted.v1"}' in metrics
    # What `thidua parked list --service scoring` prints, from the same table.
    listed = await parked_cli.listing(database_url, ["scoring", "awards"], include_replayed=False)
    assert [r["service"] for r in listed] == ["scoring"] * (len(POISON) + 1)


async def test_a_record_parked_for_a_bug_is_replayed_after_the_fix_exactly_once(
    kafka_bootstrap: str, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = "B" + uuid.uuid4().hex[:5].upper()
    unit = f"{prefix}.01"
    group = f"test-replay-{uuid.uuid4().hex[:6]}"
    await start_group_at_end(kafka_bootstrap, f"{group}.{topics.EVIDENCE_ACCEPTED}", topics.EVIDENCE_ACCEPTED)
    admin = await add_token(database_url, role="admin", unit_id=None, label="test")
    real_meaning = scoring_batch.meaning
    victim = f"{prefix}-e-7"

    def buggy(e: Any) -> Any:  # a bug that only this event meets
        if e.event_id == victim:
            raise ZeroDivisionError("a bug in the rules")
        return real_meaning(e)

    monkeypatch.setattr(scoring_batch, "meaning", buggy)
    app = scoring_app(
        ScoringSettings(kafka_bootstrap_servers=kafka_bootstrap, database_url=database_url, group_id=group)
    )
    events = _unit(prefix, unit, 21)
    async with running_app(app) as url, httpx.AsyncClient(headers={"Authorization": f"Bearer {admin}"}) as http:
        await _publish(kafka_bootstrap, unit, [json.dumps(e).encode() for e in events])

        async def parked_one() -> None:
            assert await fetchval(database_url, "SELECT count(*) FROM scoring.inbox") == len(events) - 1
            assert await fetchval(database_url, "SELECT count(*) FROM scoring.parked") == 1

        await eventually(parked_one, timeout=30)
        answer = await http.get(f"{url}/v1/parked")
        assert answer.status_code == 200, answer.text
        listed = answer.json()["parked"]
        assert len(listed) == 1 and "ZeroDivisionError" in listed[0]["error"] and listed[0]["attempts"] == 3
        refused = await http.post(f"{url}/v1/parked/replay", json={"all": True})
        assert refused.json()["replayed"] == 0  # the bug is still there: it stays parked
        monkeypatch.setattr(scoring_batch, "meaning", real_meaning)  # the fix
        first = (await http.post(f"{url}/v1/parked/replay", json={"all": True})).json()
        again = (await http.post(f"{url}/v1/parked/replay", json={"ids": [listed[0]["id"]]})).json()
        assert first["replayed"] == 1 and again["replayed"] == 0

        async def counted_once() -> None:
            card = (await http.get(f"{url}/v1/units/{unit}/scorecard", params={"period": "2025-03"})).json()
            on_time = next(i for i in card["indicators"] if i["code"] == "on_time")
            assert on_time["denominator"] == 21, on_time

        await eventually(counted_once, timeout=30)
        without_token = await httpx.AsyncClient().post(f"{url}/v1/parked/replay", json={"all": True})
        assert without_token.status_code == 401
    assert await fetchval(database_url, "SELECT count(*) FROM scoring.inbox") == len(events)
    assert await fetchval(database_url, "SELECT count(*) FROM scoring.parked WHERE replayed_at IS NOT NULL") == 1
