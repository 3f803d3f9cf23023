"""The operators' inbox through the real scoring and notify services (real Kafka, real PostgreSQL): from 1 October
2026 a missing official 2027 working-day calendar reaches notify's admin inbox as one `calendar_missing`, which
only admin tokens read (Labour Code 2019 art. 112, days off announced yearly; issue 22 item 1)."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from schemas import topics
from schemas.outputs import ADMIN_INBOX, Alert
from services.notify.app import create_app as notify_app
from services.notify.config import Settings as NotifySettings
from services.scoring.app import create_app as scoring_app
from services.scoring.config import Settings as ScoringSettings
from tests.integration.kafka_tools import read_topic, start_group_at_end
from tests.integration.support import eventually, running_app
from thidua.runtime import auth
from thidua.runtime.kafka import BatchPublisher, Outgoing
from thidua.runtime.tokens import add_token
from thidua.testing.database import fetchval

FIRST_OF_OCTOBER = date(2026, 10, 1)  # working_days.official_due of the shipped rule file; files stop at 2026
NOTIFY_TOPICS = (topics.ALERTS, topics.NOMINATIONS, topics.STANDINGS_CHANGED, topics.EVIDENCE_ACCEPTED)


def _bearer(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def _error(answer: httpx.Response, status: int) -> None:
    """The status and notify's error shape: {"error", "details": [{"field", "message"}]}."""
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert isinstance(body["error"], str) and body["details"][0]["field"] == "Authorization", body


async def _scoring(kafka: str, database_url: str, group: str) -> Any:
    # The default SCORING_CALENDAR_ALERT_UNIT (ADMIN) is what is tested: the setting is not given.
    settings = ScoringSettings(
        kafka_bootstrap_servers=kafka, database_url=database_url, group_id=group, tick_seconds=0.5
    )
    assert settings.calendar_alert_unit == ADMIN_INBOX
    return scoring_app(settings, today=lambda: FIRST_OF_OCTOBER)


async def _hand_stored_unit_token(database_url: str, unit_id: str) -> str:
    """A unit token for unit_id written straight into the token store (as an old or hand-made row would be)."""
    token = auth.new_token()
    await fetchval(
        database_url,
        "INSERT INTO auth.tokens (token_hash, role, unit_id, label) VALUES ($1, 'unit', $2, 'hand-made') RETURNING id",
        auth.token_hash(token),
        unit_id,
    )
    return token


async def _publish_marker(kafka: str, unit: str, suffix: str) -> None:
    """An alert to unit, keyed like the operators' alerts (Kafka key ADMIN: same partition, so after them)."""
    alert = Alert(
        alert_id=f"marker:{suffix}",
        condition_key=f"marker:{suffix}",
        kind="band_dropped",
        priority="high",
        unit_id=unit,
        occurred_at=datetime.now(UTC),
        title="Xếp loại giảm",
    )
    publisher = BatchPublisher(kafka, service="test")
    await publisher.start()
    try:
        await publisher.publish(
            [Outgoing(topics.ALERTS, ADMIN_INBOX, alert.model_dump_json(exclude_none=True).encode())]
        )
    finally:
        await publisher.stop()


async def test_labour_code_art_112_missing_2027_calendar_lands_in_the_admin_inbox_from_1_october_2026(
    kafka_bootstrap: str, database_url: str
) -> None:
    """Labour Code 2019 art. 112: scoring started on 1/10/2026 without an official 2027 file tells the operators'
    inbox once (a restart the same day publishes the alert again, the inbox keeps one), in Vietnamese; admin reads
    and marks it read, a unit token (its own unit, or even one naming ADMIN), the council and no token are refused."""
    suffix = uuid.uuid4().hex[:6]
    admin = await add_token(database_url, role="admin", unit_id=None, label="operator")
    council = await add_token(database_url, role="council", unit_id=None, label="council")
    unit = f"A{suffix.upper()}.01"
    unit_token = await add_token(database_url, role="unit", unit_id=unit, label="a unit")
    with pytest.raises(auth.ReservedUnit, match="reserved for the operators' inbox"):
        await add_token(database_url, role="unit", unit_id=ADMIN_INBOX, label="nobody")
    posing = await _hand_stored_unit_token(database_url, ADMIN_INBOX)

    notify_group, scoring_group = f"t-adm-notify-{suffix}", f"t-adm-scoring-{suffix}"
    for topic in NOTIFY_TOPICS:
        await start_group_at_end(kafka_bootstrap, f"{notify_group}.{topic}", topic)
    await start_group_at_end(kafka_bootstrap, f"{scoring_group}.{topics.EVIDENCE_ACCEPTED}", topics.EVIDENCE_ACCEPTED)
    notify = notify_app(
        NotifySettings(
            kafka_bootstrap_servers=kafka_bootstrap,
            database_url=database_url,
            group_id=notify_group,
            digest_enabled=False,
        )
    )
    started_ms = int(time.time() * 1000) - 1000
    alert_id = f"calendar_missing:2027:{FIRST_OF_OCTOBER.isoformat()}"

    def ours(record: Any) -> bool:
        return record.timestamp >= started_ms and json.loads(record.value).get("alert_id") == alert_id

    async with running_app(notify) as nt, httpx.AsyncClient(base_url=nt, timeout=30) as http:
        async with running_app(await _scoring(kafka_bootstrap, database_url, scoring_group)):

            async def told() -> list[dict[str, Any]]:
                answer = await http.get("/v1/admin/notifications", params={"unread": "true"}, headers=_bearer(admin))
                assert answer.status_code == 200, answer.text
                items = answer.json()["items"]
                assert [i["kind"] for i in items] == ["calendar_missing"], items
                return list(items)

            await eventually(told, timeout=60, interval=0.5)

        # A second start the same day publishes the day's alert again (at-least-once): the inbox still holds one.
        async with running_app(await _scoring(kafka_bootstrap, database_url, scoring_group)):
            published = await read_topic(kafka_bootstrap, topics.ALERTS, ours, expect=2, timeout=60, settle=1.0)
            assert len(published) == 2
        # A marker behind the repeat in its partition (same key): once notify has told it, it has seen the repeat.
        await _publish_marker(kafka_bootstrap, unit, suffix)

        async def marker_told() -> None:
            answer = await http.get(f"/v1/units/{unit}/notifications", headers=_bearer(unit_token))
            assert [i["condition_key"] for i in answer.json()["items"]] == [f"marker:{suffix}"], answer.text

        await eventually(marker_told, timeout=60, interval=0.5)
        [item] = await told()
        answer = (await http.get("/v1/admin/notifications", params={"unread": "true"}, headers=_bearer(admin))).json()
        assert answer["unit_id"] == ADMIN_INBOX and answer["unread_count"] == 1
        assert (item["unit_id"], item["priority"], item["condition_key"]) == (
            ADMIN_INBOX,
            "high",
            "calendar_missing:2027",
        )
        assert item["title"].startswith("Chưa có lịch nghỉ lễ, Tết chính thức năm 2027"), item["title"]
        assert "Quản trị hệ thống (ADMIN)" in item["body"] and "Năm: 2027." in item["body"]
        assert item["data"] == {"year": 2027, "file": "calendar/2027.toml"} and item["link"] is None

        # Only admin tokens read it: 401 without a token, 403 for every other role, the unit-inbox path alike.
        for path in ("/v1/admin/notifications", f"/v1/units/{ADMIN_INBOX}/notifications"):
            _error(await http.get(path, params={"unread": "true"}), 401)
            for token in (unit_token, posing, council):
                _error(await http.get(path, params={"unread": "true"}, headers=_bearer(token)), 403)
        same = (await http.get(f"/v1/units/{ADMIN_INBOX}/notifications", headers=_bearer(admin))).json()
        assert [i["id"] for i in same["items"]] == [item["id"]]
        # The unit token still reads its own inbox: the refusal is about ADMIN, not about unit tokens.
        await marker_told()

        read = f"/v1/notifications/{item['id']}/read"
        _error(await http.post(read), 401)
        for token in (unit_token, posing, council):
            _error(await http.post(read, headers=_bearer(token)), 403)
        marked = await http.post(read, headers=_bearer(admin))
        assert marked.status_code == 200 and marked.json()["read"] is True, marked.text
        after = (await http.get("/v1/admin/notifications", params={"unread": "true"}, headers=_bearer(admin))).json()
        assert after["items"] == [] and after["unread_count"] == 0
        everything = (await http.get("/v1/admin/notifications", headers=_bearer(admin))).json()
        assert [i["id"] for i in everything["items"]] == [item["id"]]
