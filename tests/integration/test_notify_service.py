"""Notify against real Kafka and PostgreSQL, a real HTTP receiver and a real SMTP server (aiosmtpd)."""

import email
import email.policy
import json
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import OffsetAndMetadata
from aiosmtpd.controller import Controller
from fastapi import FastAPI, Request, Response

from schemas import topics
from schemas.outputs import Alert
from schemas.topics import TOPICS as TOPIC_SPECS
from schemas.vietnam import VN_TZ
from services.notify.app import create_app
from services.notify.config import Settings
from services.notify.domain import rules as notify_rules
from services.notify.domain.delivery import verify
from services.notify.handlers.digest import assemble_digests
from tests.integration.kafka_tools import start_group_at_end
from tests.integration.support import eventually, running_app
from thidua.operator.localinfra.process import free_port
from thidua.runtime.db import create_pool
from thidua.runtime.kafka import BatchPublisher, Outgoing
from thidua.runtime.kafka_access import kafka_options
from thidua.runtime.tokens import add_token
from thidua.testing.database import fetch

TOPICS = (topics.ALERTS, topics.NOMINATIONS, topics.STANDINGS_CHANGED, topics.EVIDENCE_ACCEPTED)
NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)


# ---- the outside world: a webhook receiver and a mail server ------------------------------------------------


@dataclass
class Receiver:
    """A real HTTP endpoint: records every call; answers per path from a plan of statuses, then `default`."""

    calls: dict[str, list[tuple[dict[str, str], bytes]]] = field(default_factory=lambda: defaultdict(list))
    plans: dict[str, list[int]] = field(default_factory=dict)
    default: dict[str, int] = field(default_factory=dict)
    url: str = ""

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/hook/{name}")
        async def hook(name: str, request: Request) -> Response:
            self.calls[name].append((dict(request.headers), await request.body()))
            plan = self.plans.get(name)
            return Response(status_code=plan.pop(0) if plan else self.default.get(name, 200))

        return app


class Mailbox:
    """The aiosmtpd handler: keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    async with running_app(r.app()) as url:
        r.url = url
        yield r


# ---- helpers ----------------------------------------------------------------------------------------------


def settings_for(kafka: str, database_url: str, group: str, smtp_port: int, **extra: Any) -> Settings:
    # The receiver listens on loopback, which webhooks may only reach when the allow-list says so.
    extra.setdefault("webhook_allow", "127.0.0.1")
    return Settings(
        kafka_bootstrap_servers=kafka,
        database_url=database_url,
        group_id=group,
        smtp_port=smtp_port,
        retry_base_seconds=0.05,
        retry_max_seconds=0.5,
        delivery_poll_seconds=0.1,
        digest_enabled=False,
        metrics_public=True,  # /readyz's parked count is read without a token
        **extra,
    )


async def new_group(kafka: str) -> str:
    group = f"test-notify-{uuid.uuid4().hex[:8]}"
    for topic in TOPICS:
        await start_group_at_end(kafka, f"{group}.{topic}", topic)
    return group


async def publish(kafka: str, items: Sequence[tuple[str, str, dict[str, Any]]]) -> None:
    publisher = BatchPublisher(kafka, service="test")
    await publisher.start()
    try:
        await publisher.publish(
            [Outgoing(t, k, json.dumps(v, ensure_ascii=False, default=str).encode()) for t, k, v in items]
        )
    finally:
        await publisher.stop()


def alert(
    unit: str,
    code: str,
    *,
    kind: str = "dossier_overdue",
    priority: str = "high",
    at: datetime = NOW,
    title: str | None = None,
) -> tuple[str, str, dict[str, Any]]:
    key = f"{kind}:{unit}:{code}"
    doc = {
        "alert_id": key,
        "condition_key": key,
        "kind": kind,
        "priority": priority,
        "unit_id": unit,
        "occurred_at": at.isoformat(),
        "subject_id": code,
        "period": "2025-03",
        "title": title or f"Hồ sơ {code} đã quá hạn giải quyết",
        "data": {"dossier_code": code, "due_at": "2025-03-07T17:00:00+07:00"},
        "rule_version": "2025.1",
    }
    return topics.ALERTS, unit, doc


def unit_registered(unit: str, name: str, parent: str | None) -> tuple[str, str, dict[str, Any]]:
    payload: dict[str, Any] = {"name": name, "level": "commune", "cluster_id": "K-XA"}
    if parent:
        payload["parent_id"] = parent
    doc = {
        "event_id": f"u-{unit}",
        "type": "unit.registered",
        "schema_version": 1,
        "occurred_at": NOW.isoformat(),
        "unit_id": unit,
        "source": "hr",
        "payload": payload,
    }
    return topics.EVIDENCE_ACCEPTED, unit, doc


def prefix() -> str:
    return "N" + uuid.uuid4().hex[:6].upper()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# ---- tests ------------------------------------------------------------------------------------------------


async def test_an_alert_reaches_every_channel_once_with_its_diacritics(
    kafka_bootstrap: str, database_url: str, receiver: Receiver, mailbox: tuple[Mailbox, int]
) -> None:
    box, smtp_port = mailbox
    unit, other = f"{prefix()}.01", f"{prefix()}.02"
    token = await add_token(database_url, role="unit", unit_id=unit, label="văn thư")
    other_token = await add_token(database_url, role="unit", unit_id=other, label="khác")
    group = await new_group(kafka_bootstrap)
    app = create_app(settings_for(kafka_bootstrap, database_url, group, smtp_port))
    async with running_app(app) as base, httpx.AsyncClient(base_url=base) as http:
        put = await http.put(
            f"/v1/units/{unit}/channels",
            headers=bearer(token),
            json={"webhook_url": f"{receiver.url}/hook/{unit}", "email": "vanthu@xa.example"},
        )
        assert put.status_code == 200, put.text
        secret = put.json()["webhook_secret"]
        assert secret and put.json()["email"] == "vanthu@xa.example"
        assert (await http.put(f"/v1/units/{unit}/channels", headers=bearer(other_token), json={})).status_code == 403
        assert (await http.get(f"/v1/units/{unit}/notifications")).status_code == 401
        assert (await http.get(f"/v1/units/{unit}/notifications", headers=bearer("td_wrong"))).status_code == 401
        assert (await http.get(f"/v1/units/{unit}/notifications", headers=bearer(other_token))).status_code == 403

        title = "Hồ sơ HS-Đ1 đã quá hạn giải quyết — Phường Ngũ Hành Sơn"
        first = alert(unit, "HS-Đ1", title=title)
        await publish(kafka_bootstrap, [first])

        async def delivered() -> None:
            assert len(receiver.calls[unit]) == 1 and len(box.to("vanthu@xa.example")) == 1

        await eventually(delivered, timeout=30)
        # Redelivered twice, and repeated ten minutes later (within the default hour of damping): nothing new.
        later = alert(unit, "HS-Đ1", title=title, at=NOW + timedelta(minutes=10))
        await publish(kafka_bootstrap, [first, first, later])

        async def all_seen() -> None:
            rows = await fetch(
                database_url, "SELECT seen, damped, occurrences FROM notify.conditions WHERE unit_id = $1", unit
            )
            assert [(r["seen"], r["damped"], r["occurrences"]) for r in rows] == [(2, 1, 1)]

        await eventually(all_seen, timeout=30)
        inbox = await http.get(f"/v1/units/{unit}/notifications", params={"unread": "true"}, headers=bearer(token))
        assert inbox.status_code == 200
        assert title.encode() in inbox.content  # raw UTF-8 in the JSON, not \u escapes
        [item] = inbox.json()["items"]
        assert item["title"] == title and item["priority"] == "high" and not item["read"]
        assert item["link"] == f"http://127.0.0.1:8080/units/{unit}?period=2025-03"

        # The webhook: signed raw UTF-8 JSON.
        [(headers, body)] = receiver.calls[unit]
        assert verify(secret, body, headers["x-signature"])
        assert not verify("whsec_not-the-secret-at-all", body, headers["x-signature"])
        assert title.encode() in body and json.loads(body)["title"] == title
        assert json.loads(body)["notification_id"] == item["id"]

        # The e-mail: subject and body decode to the same Vietnamese text.
        [mail] = box.to("vanthu@xa.example")
        assert mail["Subject"] == title
        content = mail.get_content()
        assert "Đề nghị đơn vị khẩn trương xử lý." in content and item["link"] in content

        # Reading: only the unit (or an admin) may mark it read.
        assert (await http.post(f"/v1/notifications/{item['id']}/read", headers=bearer(other_token))).status_code == 403
        assert (await http.post("/v1/notifications/999999999/read", headers=bearer(token))).status_code == 404
        read = await http.post(f"/v1/notifications/{item['id']}/read", headers=bearer(token))
        assert read.status_code == 200 and read.json()["read"]
        unread = (
            await http.get(f"/v1/units/{unit}/notifications", params={"unread": "true"}, headers=bearer(token))
        ).json()
        assert unread["items"] == [] and unread["unread_count"] == 0
        everything = (await http.get(f"/v1/units/{unit}/notifications", headers=bearer(token))).json()
        assert [i["id"] for i in everything["items"]] == [item["id"]]
    assert len(receiver.calls[unit]) == 1 and len(box.to("vanthu@xa.example")) == 1


async def test_webhooks_are_retried_until_the_receiver_recovers_and_parked_after_max_attempts(
    kafka_bootstrap: str, database_url: str, receiver: Receiver, mailbox: tuple[Mailbox, int]
) -> None:
    _, smtp_port = mailbox
    flaky, broken = f"{prefix()}.01", f"{prefix()}.02"
    admin = await add_token(database_url, role="admin", unit_id=None, label="vận hành")
    flaky_token = await add_token(database_url, role="unit", unit_id=flaky, label=None)
    receiver.plans[flaky] = [500, 500]
    receiver.default[broken] = 500
    group = await new_group(kafka_bootstrap)
    app = create_app(settings_for(kafka_bootstrap, database_url, group, smtp_port, max_attempts=3))
    async with running_app(app) as base, httpx.AsyncClient(base_url=base, headers=bearer(admin)) as http:
        for unit in (flaky, broken):
            answer = await http.put(
                f"/v1/units/{unit}/channels",
                json={"webhook_url": f"{receiver.url}/hook/{unit}", "webhook_secret": f"bí-mật-{unit}-0123456789"},
            )
            assert answer.status_code == 200 and answer.json()["webhook_secret"] == f"bí-mật-{unit}-0123456789"
        await publish(kafka_bootstrap, [alert(flaky, "HS-1"), alert(broken, "HS-2")])

        async def settled() -> None:
            rows = await fetch(
                database_url,
                "SELECT unit_id, status, attempts, last_error FROM notify.deliveries"
                " WHERE unit_id = ANY($1::text[]) ORDER BY unit_id",
                [flaky, broken],
            )
            assert {r["unit_id"]: (r["status"], r["attempts"]) for r in rows} == {
                flaky: ("sent", 3),
                broken: ("parked", 3),
            }

        await eventually(settled, timeout=30)
        # Three identical, validly signed bodies reached the flaky receiver; the broken one saw three tries too.
        bodies = {body for _, body in receiver.calls[flaky]}
        assert len(receiver.calls[flaky]) == 3 and len(bodies) == 1
        assert all(verify(f"bí-mật-{flaky}-0123456789", b, h["x-signature"]) for h, b in receiver.calls[flaky])
        assert len(receiver.calls[broken]) == 3

        parked = await http.get("/v1/deliveries", params={"status": "parked", "unit": broken})
        [row] = parked.json()["items"]
        assert row["channel"] == "webhook" and row["attempts"] == 3 and row["last_error"].startswith("HTTP 500")
        assert row["title"] == "Hồ sơ HS-2 đã quá hạn giải quyết"
        assert (
            await http.get("/v1/deliveries", params={"status": "parked"}, headers=bearer(flaky_token))
        ).status_code == 403

        # An operator fixes the receiver and sends the parked delivery again.
        receiver.default[broken] = 200
        assert (await http.post(f"/v1/deliveries/{row['id']}/retry")).status_code == 200

        async def resent() -> None:
            [r] = await fetch(database_url, "SELECT status FROM notify.deliveries WHERE id = $1", row["id"])
            assert r["status"] == "sent"

        await eventually(resent, timeout=20)
        assert len(receiver.calls[broken]) == 4


async def _end_offsets(kafka: str, topic: str) -> dict[TopicPartition, int]:
    consumer = AIOKafkaConsumer(**kafka_options(kafka), group_id=None, enable_auto_commit=False)
    await consumer.start()
    try:
        count = next(spec.partitions for spec in TOPIC_SPECS if spec.name == topic)
        return dict(await consumer.end_offsets([TopicPartition(topic, p) for p in range(count)]))
    finally:
        await consumer.stop()


async def _rewind(kafka: str, group: str, offsets: dict[TopicPartition, int]) -> None:
    consumer = AIOKafkaConsumer(**kafka_options(kafka), group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(list(offsets))
        await consumer.commit({tp: OffsetAndMetadata(o, "") for tp, o in offsets.items()})
    finally:
        await consumer.stop()


async def test_a_restart_and_a_replay_of_the_topic_notify_nobody_twice(
    kafka_bootstrap: str, database_url: str, receiver: Receiver, mailbox: tuple[Mailbox, int]
) -> None:
    box, smtp_port = mailbox
    unit = f"{prefix()}.01"
    admin = await add_token(database_url, role="admin", unit_id=None, label=None)
    group = await new_group(kafka_bootstrap)
    before = await _end_offsets(kafka_bootstrap, topics.ALERTS)
    settings = settings_for(kafka_bootstrap, database_url, group, smtp_port)
    async with running_app(create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        await http.put(
            f"/v1/units/{unit}/channels",
            headers=bearer(admin),
            json={"webhook_url": f"{receiver.url}/hook/{unit}", "email": "ubnd@phuong.example"},
        )
        await publish(kafka_bootstrap, [alert(unit, "HS-A")])

        async def first_delivered() -> None:
            assert len(receiver.calls[unit]) == 1 and len(box.to("ubnd@phuong.example")) == 1

        await eventually(first_delivered, timeout=30)
    # The service stops; its group is rewound so the restarted one reads the alert again, then a new one.
    await _rewind(kafka_bootstrap, f"{group}.{topics.ALERTS}", before)
    async with running_app(create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        await publish(kafka_bootstrap, [alert(unit, "HS-B")])

        async def second_delivered() -> None:
            assert len(receiver.calls[unit]) == 2 and len(box.to("ubnd@phuong.example")) == 2

        await eventually(second_delivered, timeout=30)
        items = (await http.get(f"/v1/units/{unit}/notifications", headers=bearer(admin))).json()["items"]
    assert sorted(i["title"] for i in items) == ["Hồ sơ HS-A đã quá hạn giải quyết", "Hồ sơ HS-B đã quá hạn giải quyết"]
    titles = [json.loads(body)["title"] for _, body in receiver.calls[unit]]
    assert sorted(titles) == sorted(i["title"] for i in items)
    replayed = await fetch(
        database_url, "SELECT count(*) AS n FROM notify.inbox WHERE key LIKE $1", f"{topics.ALERTS}:%{unit}:HS-A@%"
    )
    assert replayed[0]["n"] == 1


async def test_escalation_flapping_standings_nominations_and_the_daily_digest(
    kafka_bootstrap: str, database_url: str, receiver: Receiver, mailbox: tuple[Mailbox, int]
) -> None:
    box, smtp_port = mailbox
    p = prefix()
    parent, child = p, f"{p}.07"
    parent_token = await add_token(database_url, role="unit", unit_id=parent, label=None)
    child_token = await add_token(database_url, role="unit", unit_id=child, label=None)
    group = await new_group(kafka_bootstrap)
    settings = settings_for(kafka_bootstrap, database_url, group, smtp_port, damping_seconds=600)
    async with running_app(create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        await http.put(
            f"/v1/units/{child}/channels",
            headers=bearer(child_token),
            json={"webhook_url": f"{receiver.url}/hook/{child}", "email": "xa@ytien.example"},
        )
        await publish(
            kafka_bootstrap,
            [unit_registered(parent, "UBND huyện Ý Yên", None), unit_registered(child, "UBND xã Yên Tiến", parent)],
        )

        async def registered() -> None:
            rows = await fetch(database_url, "SELECT parent_id FROM notify.units WHERE unit_id = $1", child)
            assert [r["parent_id"] for r in rows] == [parent]

        await eventually(registered, timeout=30)
        standing = {
            "event_id": f"st-{child}-1",
            "occurred_at": NOW.isoformat(),
            "period": "2025-03",
            "subject_kind": "unit",
            "subject_id": child,
            "unit_id": child,
            "cluster_id": "K-XA",
            "score": 72.25,
            "band": "Khá",
            "rank_in_cluster": 4,
            "previous_rank_in_cluster": 2,
            "rule_version": "2025.1",
        }
        rise = {
            **standing,
            "event_id": f"st-{child}-2",
            "rank_in_cluster": 1,
            "previous_rank_in_cluster": 4,
            "score": 91.0,
            "band": "Tốt",
        }
        nomination = {
            "event_id": f"nm-{child}",
            "nomination_id": f"NOM-{child}",
            "change": "created",
            "status": "proposed",
            "title": "tap_the_lao_dong_xuat_sac",
            "year": 2025,
            "subject_kind": "unit",
            "subject_id": child,
            "unit_id": child,
            "cash_multiple": 1.5,
            "rule_version": "2025.1",
            "criteria": [],
            "evidence_ids": [],
            "occurred_at": NOW.isoformat(),
        }
        await publish(
            kafka_bootstrap,
            [
                *(alert(child, f"HS-{i}", at=NOW + timedelta(hours=i)) for i in range(4)),  # 4 overdue within 24 h
                alert(child, "PA-1", kind="complaint_overdue", priority="normal", title="Phản ánh PA-1 quá hạn"),
                alert(
                    child,
                    "PA-1",
                    kind="complaint_overdue",
                    priority="normal",
                    title="Phản ánh PA-1 quá hạn",
                    at=NOW + timedelta(minutes=5),
                ),  # flapping: damped
                alert(
                    child,
                    "PA-1",
                    kind="complaint_overdue",
                    priority="normal",
                    title="Phản ánh PA-1 quá hạn",
                    at=NOW + timedelta(minutes=15),
                ),  # after the damping window: told again
                alert(
                    child, "KT-1", kind="award_on_track", priority="low", title="Đơn vị đang đạt tiêu chí Cờ thi đua"
                ),
                (topics.STANDINGS_CHANGED, child, standing),
                (topics.STANDINGS_CHANGED, child, rise),
                (topics.NOMINATIONS, child, nomination),
            ],
        )

        async def inboxes() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
            mine = (await http.get(f"/v1/units/{child}/notifications", headers=bearer(child_token))).json()
            theirs = (await http.get(f"/v1/units/{parent}/notifications", headers=bearer(parent_token))).json()
            return mine["items"], theirs["items"]

        async def all_arrived() -> None:
            mine, theirs = await inboxes()
            assert len(mine) == 4 + 2 + 1 + 1 and len(theirs) == 1

        await eventually(all_arrived, timeout=30)
        mine, theirs = await inboxes()
        [escalation] = theirs
        assert escalation["kind"] == "escalation" and escalation["priority"] == "high"
        assert "UBND xã Yên Tiến" in escalation["title"] and "hồ sơ quá hạn" in escalation["title"]
        assert (await http.get(f"/v1/units/{parent}/notifications", headers=bearer(child_token))).status_code == 403
        kinds = sorted(i["kind"] for i in mine)
        assert kinds == ["complaint_overdue"] * 2 + ["dossier_overdue"] * 4 + ["nomination_created", "rank_changed"]
        [rank] = [i for i in mine if i["kind"] == "rank_changed"]
        assert rank["title"] == "Thứ hạng trong cụm thi đua giảm: từ 2 xuống 4" and "Điểm: 72,25" in rank["body"]
        assert rank["link"] == f"http://127.0.0.1:8080/units/{child}?period=2025-03"
        [nom] = [i for i in mine if i["kind"] == "nomination_created"]
        assert nom["link"] == f"http://127.0.0.1:8080/nominations/NOM-{child}"
        assert "Tập thể lao động xuất sắc" in nom["title"]

        # The digest: the low-priority items (a rank rise, an award on track), once a day, on every channel.
        pool = await create_pool(database_url, schema="notify", max_size=1)
        try:
            async with pool.acquire() as conn:
                tomorrow = datetime.now(UTC) + timedelta(days=1)
                [digest_id] = await assemble_digests(conn, now=tomorrow, settings=settings)
                assert await assemble_digests(conn, now=tomorrow, settings=settings) == []
        finally:
            await pool.close()
        assert (await http.post("/v1/digests/run", headers=bearer(child_token))).status_code == 403
        [digest] = [i for i in (await inboxes())[0] if i["kind"] == "digest"]
        assert digest["id"] == digest_id
        assert digest["title"] == f"Bản tin thi đua ngày {tomorrow.astimezone(VN_TZ):%d/%m/%Y}: 2 thông báo"
        assert "• Thứ hạng trong cụm thi đua tăng: từ 4 lên 1" in digest["body"]
        assert "• Đơn vị đang đạt tiêu chí Cờ thi đua" in digest["body"]

        async def digest_pushed() -> None:
            assert any(json.loads(b)["kind"] == "digest" for _, b in receiver.calls[child])
            assert any(m["Subject"] == digest["title"] for m in box.to("xa@ytien.example"))

        await eventually(digest_pushed, timeout=30)
        [mail] = [m for m in box.to("xa@ytien.example") if m["Subject"] == digest["title"]]
        assert "• Đơn vị đang đạt tiêu chí Cờ thi đua" in mail.get_content()


def complaint_alert(unit: str, complaint: str, *, at: datetime = NOW) -> tuple[str, str, dict[str, Any]]:
    """A complaint_overdue alert exactly as scoring produces it (the PAKN answer clock ran out)."""
    key = f"complaint_overdue:{unit}:{complaint}"
    doc = {
        "alert_id": key,
        "condition_key": key,
        "kind": "complaint_overdue",
        "priority": "high",
        "unit_id": unit,
        "occurred_at": at.isoformat(),
        "subject_id": complaint,
        "period": "2025",
        "title": f"Phản ánh, kiến nghị {complaint} đã quá hạn giải quyết",
        "data": {
            "complaint_id": complaint,
            "due_at": "2025-03-07T17:00:00+07:00",
            "since": "2025-03-07T17:00:00+07:00",
        },
        "rule_version": "2025.1",
    }
    return topics.ALERTS, unit, doc


async def test_overdue_complaints_reach_the_unit_damped_and_escalate_to_the_parent_like_dossiers(
    kafka_bootstrap: str, database_url: str, receiver: Receiver, mailbox: tuple[Mailbox, int]
) -> None:
    """Decision 766/QĐ-TTg, PAKN answer clock (≤ 15 working days): an overdue complaint is told to its unit at once,
    a flapping repeat is damped, and three within the window tell the parent unit once, apart from dossiers."""
    _, smtp_port = mailbox
    p = prefix()
    parent, child = p, f"{p}.09"
    parent_token = await add_token(database_url, role="unit", unit_id=parent, label=None)
    child_token = await add_token(database_url, role="unit", unit_id=child, label=None)
    group = await new_group(kafka_bootstrap)
    settings = settings_for(kafka_bootstrap, database_url, group, smtp_port, damping_seconds=600)
    async with running_app(create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        await http.put(
            f"/v1/units/{child}/channels",
            headers=bearer(child_token),
            json={"webhook_url": f"{receiver.url}/hook/{child}"},
        )
        await publish(
            kafka_bootstrap,
            [unit_registered(parent, "UBND tỉnh Ninh Bình", None), unit_registered(child, "UBND xã Ý Yên", parent)],
        )

        async def registered() -> None:
            rows = await fetch(database_url, "SELECT parent_id FROM notify.units WHERE unit_id = $1", child)
            assert [r["parent_id"] for r in rows] == [parent]

        await eventually(registered, timeout=30)
        await publish(
            kafka_bootstrap,
            [
                *(complaint_alert(child, f"{child}-PA00{i}", at=NOW + timedelta(hours=i)) for i in range(4)),
                complaint_alert(child, f"{child}-PA000", at=NOW + timedelta(minutes=5)),  # flapping: damped
                *(alert(child, f"HS-{i}", at=NOW + timedelta(hours=i)) for i in range(2)),  # 2 dossiers: below 3
            ],
        )

        async def inboxes() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
            mine = (await http.get(f"/v1/units/{child}/notifications", headers=bearer(child_token))).json()
            theirs = (await http.get(f"/v1/units/{parent}/notifications", headers=bearer(parent_token))).json()
            return mine["items"], theirs["items"]

        async def all_arrived() -> None:
            mine, theirs = await inboxes()
            assert len(mine) == 4 + 2 and len(theirs) == 1
            assert len(receiver.calls[child]) == 4 + 2

        await eventually(all_arrived, timeout=30)
        mine, theirs = await inboxes()
        complaints = [i for i in mine if i["kind"] == "complaint_overdue"]
        assert sorted(i["condition_key"] for i in complaints) == [
            f"complaint_overdue:{child}:{child}-PA00{i}" for i in range(4)
        ]
        assert all(i["priority"] == "high" for i in complaints)
        [first] = [i for i in complaints if i["condition_key"].endswith("PA000")]
        assert first["title"] == f"Phản ánh, kiến nghị {child}-PA000 đã quá hạn giải quyết"
        assert "UBND xã Ý Yên" in first["body"] and "Quá hạn từ: 17:00 07/03/2025." in first["body"]
        assert first["data"]["complaint_id"] == f"{child}-PA000"
        [escalation] = theirs  # three within 24 h escalate once; the fourth is inside the same window
        assert escalation["kind"] == "escalation" and escalation["priority"] == "high"
        assert escalation["condition_key"] == f"escalation:complaint_overdue:{child}"
        assert (
            escalation["title"] == f"Đơn vị trực thuộc UBND xã Ý Yên ({child}) có 3 phản ánh, kiến nghị quá hạn "
            "trong 24 giờ"
        )
        assert escalation["data"] == {"child_unit_id": child, "count": 3, "kind": "complaint_overdue"}
        damped = await fetch(
            database_url,
            "SELECT damped FROM notify.conditions WHERE unit_id = $1 AND condition_key = $2",
            child,
            f"complaint_overdue:{child}:{child}-PA000",
        )
        assert [r["damped"] for r in damped] == [1]
        pushed = [json.loads(b) for _, b in receiver.calls[child]]
        assert sum(1 for b in pushed if b["kind"] == "complaint_overdue") == 4


# ---- typed edges: poison is parked, the partition moves on; a parked record is replayed once ----------------


async def _parked(database_url: str) -> list[dict[str, Any]]:
    rows = await fetch(
        database_url,
        'SELECT id, topic, "partition", "offset", key, value, error, attempts,'
        " replayed_at FROM notify.parked ORDER BY id",
    )
    return [dict(r) for r in rows]


def _raw(topic: str, key: str, values: Sequence[bytes | dict[str, Any]]) -> list[Outgoing]:
    return [
        Outgoing(topic, key, v if isinstance(v, bytes) else json.dumps(v, ensure_ascii=False).encode()) for v in values
    ]


async def test_poison_on_every_consumed_topic_is_parked_and_the_next_record_of_the_partition_is_applied(
    kafka_bootstrap: str, database_url: str, mailbox: tuple[Mailbox, int]
) -> None:
    _, smtp_port = mailbox
    unit = f"{prefix()}.01"
    admin = await add_token(database_url, role="admin", unit_id=None, label="t")
    group = await new_group(kafka_bootstrap)
    _, _, good_alert = alert(unit, "HS-OK")
    no_priority = {k: v for k, v in alert(unit, "HS-X")[2].items() if k != "priority"}
    standing = {
        "event_id": f"st-{unit}",
        "occurred_at": NOW.isoformat(),
        "period": "2025-03",
        "subject_kind": "unit",
        "subject_id": unit,
        "unit_id": unit,
        "cluster_id": "K-XA",
        "score": 60.0,
        "band": "Khá",
        "rank_in_cluster": 5,
        "previous_rank_in_cluster": 2,
        "rule_version": "2025.1",
    }
    year_one = {**standing, "event_id": f"st0-{unit}", "occurred_at": "0001-01-01T00:00:00+00:00"}
    nomination = {
        "event_id": f"nm-{unit}",
        "nomination_id": f"NOM-{unit}",
        "change": "decided",
        "status": "approved",
        "title": "tap_the_lao_dong_xuat_sac",
        "year": 2025,
        "subject_kind": "unit",
        "subject_id": unit,
        "unit_id": unit,
        "cash_multiple": 1.5,
        "rule_version": "2025.1",
        "criteria": [],
        "evidence_ids": [],
        "occurred_at": NOW.isoformat(),
    }
    _, _, registration = unit_registered(unit, "UBND phường Hải Châu", None)
    no_payload_keys = {**registration, "event_id": f"u0-{unit}", "payload": {"name": "Thiếu cụm"}}
    poison: dict[str, list[bytes | dict[str, Any]]] = {
        topics.ALERTS: [b"[]", b'{"type": "x"}', no_priority],
        topics.STANDINGS_CHANGED: [year_one],
        topics.NOMINATIONS: [{**nomination, "event_id": f"nm0-{unit}", "year": 1}, b"\xff"],
        topics.EVIDENCE_ACCEPTED: [b"[]", no_payload_keys],
    }
    normal: dict[str, dict[str, Any]] = {
        topics.ALERTS: good_alert,
        topics.STANDINGS_CHANGED: standing,
        topics.NOMINATIONS: nomination,
        topics.EVIDENCE_ACCEPTED: registration,
    }
    async with (
        running_app(create_app(settings_for(kafka_bootstrap, database_url, group, smtp_port))) as base,
        httpx.AsyncClient(base_url=base, headers=bearer(admin)) as http,
    ):
        publisher = BatchPublisher(kafka_bootstrap, service="test")
        await publisher.start()
        try:
            # The directory first (the messages name the unit), each topic's poison before its normal record.
            for topic in (topics.EVIDENCE_ACCEPTED, topics.ALERTS, topics.STANDINGS_CHANGED, topics.NOMINATIONS):
                await publisher.publish(_raw(topic, unit, [*poison[topic], normal[topic]]))
        finally:
            await publisher.stop()

        async def applied() -> None:
            rows = await fetch(database_url, "SELECT name FROM notify.units WHERE unit_id = $1", unit)
            assert [r["name"] for r in rows] == ["UBND phường Hải Châu"]
            items = (await http.get(f"/v1/units/{unit}/notifications")).json()["items"]
            assert sorted(i["kind"] for i in items) == ["dossier_overdue", "nomination_decided", "rank_changed"]

        await eventually(applied, timeout=30)

        async def all_parked() -> None:
            assert len(await _parked(database_url)) == sum(len(v) for v in poison.values())

        await eventually(all_parked, timeout=10)
        parked = await _parked(database_url)
        for topic, values in poison.items():
            mine = [r for r in parked if r["topic"] == topic]
            assert [r["value"] for r in mine] == [
                v if isinstance(v, bytes) else json.dumps(v, ensure_ascii=False).encode() for v in values
            ]
        assert all(
            r["key"] == unit.encode() and r["attempts"] == 0 and r["error"].startswith("Poison: ") for r in parked
        )
        errors = {(r["topic"], r["value"]): r["error"] for r in parked}
        assert "priority" in errors[(topics.ALERTS, json.dumps(no_priority, ensure_ascii=False).encode())]
        assert "2000-01-01" in next(e for (t, _), e in errors.items() if t == topics.STANDINGS_CHANGED)
        assert (
            "payload.level"
            in errors[(topics.EVIDENCE_ACCEPTED, json.dumps(no_payload_keys, ensure_ascii=False).encode())]
        )
        # Nothing of the poison was applied: one inbox key per normal message, the directory has no inbox.
        keys = {r["key"] for r in await fetch(database_url, "SELECT key FROM notify.inbox")}
        assert keys == {
            f"{topics.ALERTS}:{good_alert['alert_id']}@{NOW.isoformat()}",
            f"{topics.STANDINGS_CHANGED}:st-{unit}",
            f"{topics.NOMINATIONS}:nm-{unit}",
        }
        assert (await http.get("/readyz")).json()["parked"] == len(parked)


async def test_an_alert_that_keeps_failing_is_parked_and_replayed_once_after_the_fix(
    kafka_bootstrap: str,
    database_url: str,
    receiver: Receiver,
    mailbox: tuple[Mailbox, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, smtp_port = mailbox
    unit = f"{prefix()}.01"
    admin = await add_token(database_url, role="admin", unit_id=None, label="t")
    group = await new_group(kafka_bootstrap)
    real = notify_rules.from_alert

    def broken(event: Alert, **kw: Any) -> Any:
        if event.subject_id == "HS-BAD":
            raise RuntimeError("a template bug met by HS-BAD")
        return real(event, **kw)

    monkeypatch.setattr(notify_rules, "from_alert", broken)
    async with (
        running_app(create_app(settings_for(kafka_bootstrap, database_url, group, smtp_port))) as base,
        httpx.AsyncClient(base_url=base, headers=bearer(admin)) as http,
    ):
        await http.put(f"/v1/units/{unit}/channels", json={"webhook_url": f"{receiver.url}/hook/{unit}"})
        # One key, one partition: the batch fails and is rolled back, then applied record by record.
        await publish(kafka_bootstrap, [alert(unit, "HS-1"), alert(unit, "HS-BAD"), alert(unit, "HS-2")])

        async def moved_on() -> None:
            items = (await http.get(f"/v1/units/{unit}/notifications")).json()["items"]
            assert sorted(i["title"] for i in items) == [
                "Hồ sơ HS-1 đã quá hạn giải quyết",
                "Hồ sơ HS-2 đã quá hạn giải quyết",
            ]
            assert len(await _parked(database_url)) == 1

        await eventually(moved_on, timeout=30)
        [row] = await _parked(database_url)
        assert row["topic"] == topics.ALERTS and row["attempts"] == 3 and row["replayed_at"] is None
        assert "RuntimeError: a template bug met by HS-BAD" in row["error"]
        # The failed batch left nothing behind: each good alert was seen, notified and pushed exactly once.
        seen = await fetch(
            database_url,
            "SELECT condition_key, seen, occurrences FROM notify.conditions WHERE unit_id = $1 ORDER BY condition_key",
            unit,
        )
        assert [(r["condition_key"], r["seen"], r["occurrences"]) for r in seen] == [
            (f"dossier_overdue:{unit}:HS-1", 1, 1),
            (f"dossier_overdue:{unit}:HS-2", 1, 1),
        ]

        monkeypatch.setattr(notify_rules, "from_alert", real)  # the fix is deployed
        listed = await http.get("/v1/parked")
        assert listed.status_code == 200, listed.text
        assert [r["id"] for r in listed.json()["parked"]] == [row["id"]]
        first = await http.post("/v1/parked/replay", json={"ids": [row["id"]]})
        assert first.status_code == 200, first.text
        assert first.json()["replayed"] == 1
        second = await http.post("/v1/parked/replay", json={"all": True})
        assert second.status_code == 200 and second.json()["replayed"] == 0
        # A redelivery of the same alert after the replay is a no-op too (the shared inbox); HS-3 behind it on
        # the same partition tells when it has been consumed.
        await publish(kafka_bootstrap, [alert(unit, "HS-BAD"), alert(unit, "HS-3")])

        async def delivered() -> None:
            titles = sorted(json.loads(body)["title"] for _, body in receiver.calls[unit])
            assert titles == [f"Hồ sơ HS-{c} đã quá hạn giải quyết" for c in ("1", "2", "3", "BAD")]

        await eventually(delivered, timeout=30)
        seen = await fetch(
            database_url,
            "SELECT seen, occurrences FROM notify.conditions WHERE condition_key = $1",
            f"dossier_overdue:{unit}:HS-BAD",
        )
        assert [(r["seen"], r["occurrences"]) for r in seen] == [(1, 1)]
        items = (await http.get(f"/v1/units/{unit}/notifications")).json()["items"]
        assert sum(1 for i in items if i["title"] == "Hồ sơ HS-BAD đã quá hạn giải quyết") == 1
        [replayed] = await _parked(database_url)
        assert replayed["replayed_at"] is not None
        assert (await http.get("/readyz")).json()["parked"] == 0
    assert len(receiver.calls[unit]) == 4
