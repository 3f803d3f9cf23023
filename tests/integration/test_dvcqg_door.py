"""The national portal's door through the real services (issue 25, "Done when"): a dossier sent as the portal's
four snapshots plus its steps reaches the unit's scorecard (on time with the supplement wait subtracted, online) and
the mapped officer's; resending changes nothing; a corrected finish time moves the verdict; an unknown unit code is
refused with its value; the login-then-call flow works with the source's credentials only; the applicant's
personal data is nowhere: not in any column of any service's tables, the logs, nor any topic."""

from __future__ import annotations

import json
import logging
import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from schemas import topics
from services.awards.app import create_app as awards_app
from services.awards.config import Settings as AwardsSettings
from services.evidence.app import create_app as evidence_app
from services.evidence.config import Settings as EvidenceSettings
from services.evidence.handlers.sources import add_source, register_source
from services.scoring.app import create_app as scoring_app
from services.scoring.config import Settings as ScoringSettings
from tests.integration.kafka_tools import start_group_at_end
from tests.integration.support import eventually, running_app
from thidua.runtime import tokens
from thidua.runtime.kafka import BatchPublisher, Outgoing
from thidua.runtime.kafka_access import KafkaAccess, kafka_options
from thidua.testing.database import fetch

T = "+07:00"


@dataclass
class Door:
    """Evidence, scoring and awards running; a one-stop source whose unit the portal names by another code."""

    http: httpx.AsyncClient
    urls: dict[str, str]
    source: str
    token: str
    admin: str
    unit: str
    officer: str
    code: str
    tag: str
    secrets: tuple[str, ...]

    def auth(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.token}"}

    async def call(
        self, body: Any, *, path: str = "/v1/dvcqg", headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """A portal call answered 200 with error_code 0 (with the source's token unless headers are given)."""
        sent = self.auth() if headers is None else headers
        answer = await self.http.post(self.urls["evidence"] + path, json=body, headers=sent)
        assert answer.status_code == 200, answer.text[:500]
        reply: dict[str, Any] = answer.json()
        assert reply["error_code"] == 0, reply
        return reply

    async def indicator(self, code: str, *, officer: bool = False) -> tuple[float, float]:
        path = f"/v1/officers/{self.officer}/scorecard" if officer else f"/v1/units/{self.unit}/scorecard"
        answer = await self.http.get(
            self.urls["scoring"] + path, params={"period": "2025"}, headers=self.auth(self.admin)
        )
        assert answer.status_code == 200, answer.text[:300]
        card = answer.json()
        [found] = [i for i in card["parts" if officer else "indicators"] if i["code"] == code]
        return found["numerator"], found["denominator"]


@pytest.fixture
async def door(kafka_bootstrap: str, database_url: str) -> AsyncIterator[Door]:
    tag = uuid.uuid4().hex[:6].upper()
    for service, names in {
        "evidence": [topics.EVIDENCE_INBOUND],
        "scoring": [topics.EVIDENCE_ACCEPTED],
        "awards": [topics.EVIDENCE_ACCEPTED, topics.STANDINGS_CHANGED, topics.RATINGS],
    }.items():
        for topic in names:
            await start_group_at_end(kafka_bootstrap, f"door-{service}-{tag}.{topic}", topic)
    unit, officer, source = f"H40.{tag}", f"CB-{tag}", f"motcua-{tag.lower()}"
    given = await register_source(database_url, KafkaAccess.coerce(kafka_bootstrap), name=source, units=[unit])
    admin = await tokens.add_token(database_url, role="admin", unit_id=None, label="door test")
    digits = "".join(random.choice("0123456789") for _ in range(8))
    secrets = (f"Zqx{tag}", f"09{digits}", f"zq{tag.lower()}@example.vn", f"0361{digits}")
    common: dict[str, Any] = {"kafka_bootstrap_servers": kafka_bootstrap, "database_url": database_url}
    async with (
        running_app(evidence_app(EvidenceSettings(**common, group_id=f"door-evidence-{tag}"))) as ev,
        running_app(scoring_app(ScoringSettings(**common, group_id=f"door-scoring-{tag}"))) as sc,
        running_app(awards_app(AwardsSettings(**common, group_id=f"door-awards-{tag}"))) as aw,
        httpx.AsyncClient(timeout=60) as http,
    ):
        yield Door(
            http,
            {"evidence": ev, "scoring": sc, "awards": aw},
            source,
            given.token,
            admin,
            unit,
            officer,
            f"000.00.{tag}.H40",
            tag,
            secrets,
        )


def dossier(d: Door, **changes: Any) -> dict[str, Any]:
    """A dossier as the one-stop system pushes it, the applicant's personal data included."""
    name, phone, email, id_no = d.secrets
    body: dict[str, Any] = {
        "MaHoSo": f"000.00.12.H40-250314-{d.tag}",
        "MaTTHC": "1.001234",
        "TenTTHC": "Cấp giấy phép xây dựng",
        "MaDonVi": d.code,
        "DonViXuLy": "UBND phường Hoa Lư",
        "KenhThucHien": "2",
        "NgayNopHoSo": "20250313160000",
        "NgayTiepNhan": "20250314093000",
        "NgayHenTra": "20250328170000",
        "NgayKetThucXuLy": "",
        "NgayTra": "",
        "TrangThaiHoSo": "2",
        "DuocThanhToanTrucTuyen": "1",
        "ChuHoSo": f"Lê Văn {name}",
        "SoGiayToChuHoSo": id_no,
        "MaDoiTuong": id_no,
        "Email": email,
        "SoDienThoai": phone,
        "ThongTinKhac": f"Liên hệ {name} {phone}",
        "TrichYeuHoSo": f"Cấp giấy phép cho {name}",
        "DinhDanhCHS": [{"LoaiDinhDanh": "1", "SoDinhDanh": id_no}],
        "TaiLieuNop": [
            {"TenTepDinhKem": f"CCCD {name}.pdf", "DuongDanTaiTepTin": f"https://x.vn/{id_no}.pdf", "DuocSoHoa": "1"}
        ],
        "DanhSachLePhi": [{"TenPhiLePhi": "Lệ phí", "MaPhiLePhi": "LP1", "Gia": "75000"}],
        "DanhSachHoSoBoSung": [],
        "DanhSachGiayToKetQua": [],
    }
    body.update(changes)
    return body


def four_snapshots(d: Door, finished: str = "20250401160000") -> list[dict[str, Any]]:
    """Received; supplement requested; supplement received (due moved); finished after the first due date, before
    the due date pushed by the wait."""
    name, phone = d.secrets[:2]
    asked = {
        "HoSoBoSungId": 7,
        "NguoiYeuCauBoSung": "canbo.an",
        "NoiDungBoSung": f"Đề nghị {name} bổ sung bản vẽ, gọi {phone}",
        "NgayBoSung": "20250318100000",
        "NgayTiepNhanBoSung": "",
        "NgayHenTraTruoc": "20250328170000",
    }
    supplied = {**asked, "NgayTiepNhanBoSung": "20250321150000", "NgayHenTraMoi": "20250403170000"}
    return [
        dossier(d),
        dossier(d, TrangThaiHoSo="5", DanhSachHoSoBoSung=[asked]),
        dossier(d, TrangThaiHoSo="4", NgayHenTra="20250403170000", DanhSachHoSoBoSung=[supplied]),
        dossier(
            d,
            TrangThaiHoSo="10",
            NgayHenTra="20250403170000",
            NgayKetThucXuLy=finished,
            NgayTra=finished,
            DanhSachHoSoBoSung=[supplied],
            DanhSachGiayToKetQua=[{"TenGiayTo": "Giấy phép", "DuongDanTepTinKetQua": f"https://x.vn/{name}.pdf"}],
        ),
    ]


def steps(d: Door) -> list[dict[str, Any]]:
    code, name = f"000.00.12.H40-250314-{d.tag}", d.secrets[0]
    return [
        {"MaHoSo": code, "NguoiXuLy": "canbo.an", "ThoiDiemXuLy": "20250314093000", "NoiDungXuLy": f"Nhận của {name}"},
        {"MaHoSo": code, "NguoiXuLy": "canbo.an", "ThoiDiemXuLy": "20250401160000", "TrangThai": "9"},
    ]


def sync(*data: dict[str, Any]) -> dict[str, Any]:
    return {"service": "DongBoHoSoMC", "isUpdating": "True", "data": list(data)}


async def setup(d: Door) -> None:
    """The unit and its officer registered by envelope; the portal's unit code and user name mapped by the operator."""
    at = f"2025-01-02T08:00:00{T}"
    registered = [
        {
            "event_id": f"u-{d.tag}",
            "type": "unit.registered",
            "schema_version": 1,
            "occurred_at": at,
            "unit_id": d.unit,
            "payload": {"name": "Phường Hoa Lư", "level": "commune", "cluster_id": f"K-{d.tag}"},
        },
        {
            "event_id": f"o-{d.tag}",
            "type": "officer.registered",
            "schema_version": 1,
            "occurred_at": at,
            "unit_id": d.unit,
            "officer_id": d.officer,
            "payload": {"full_name": "Trần An", "category": "civil_servant"},
        },
    ]
    answer = await d.http.post(d.urls["evidence"] + "/v1/events", json=registered, headers=d.auth())
    assert [r["status"] for r in answer.json()] == ["accepted", "accepted"], answer.text
    base = d.urls["evidence"] + f"/v1/sources/{d.source}"
    mapped = await d.http.put(f"{base}/unit-codes/{d.code}", json={"unit_id": d.unit}, headers=d.auth(d.admin))
    assert mapped.status_code == 200, mapped.text
    mapped = await d.http.put(f"{base}/officer-users/canbo.an", json={"officer_id": d.officer}, headers=d.auth(d.admin))
    assert mapped.status_code == 200, mapped.text


async def test_four_snapshots_and_steps_reach_the_scorecards_and_nothing_personal_stays(
    door: Door, database_url: str, kafka_bootstrap: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    d = door
    await setup(d)
    first, asked, supplied, finished = four_snapshots(d)
    # The steps by the portal's login-then-call flow: the session in the body.
    login = await d.http.post(d.urls["evidence"] + "/v1/dvcqg/login", json={"username": d.source, "password": d.token})
    assert login.status_code == 200 and login.json()["error_code"] == 0, login.text
    session = login.json()["session"]
    reply = await d.call({"service": "CapNhatTienDoHoSoMC", "session": session, "data": steps(d)}, headers={})
    assert [r["status"] for r in reply["results"]] == ["accepted", "accepted"]
    # Three snapshots as the portal's calls with the source's token, the bare-array form for one of them.
    answers = [await d.call(sync(s)) for s in (first, asked)]
    answers.append(await d.call([supplied], path="/v1/dvcqg/DongBoHoSoMC"))
    assert [a["results"][0]["status"] for a in answers] == ["accepted"] * 3, answers
    assert [e["type"] for e in answers[0]["results"][0]["events"]] == ["procedure.received"]
    # The finished snapshot on the source's own Kafka topic.
    await publish(kafka_bootstrap, d, json.dumps(sync(finished), ensure_ascii=False).encode())

    async def on_time_and_online() -> None:
        assert await d.indicator("on_time") == (1, 1)  # after the first due date, within the wait-pushed one
        assert await d.indicator("online_submission") == (1, 1)
        assert await d.indicator("on_time", officer=True) == (1, 1)  # canbo.an, mapped

    await eventually(on_time_and_online, timeout=90, interval=0.5)
    processed = await fetch(
        database_url, "SELECT officer_id, channel FROM evidence.ledger WHERE type = 'procedure.processed'"
    )
    assert [(r["officer_id"], r["channel"]) for r in processed] == [(d.officer, "kafka")]

    # The same snapshots and steps again: nothing new.
    count = "SELECT count(*) AS n FROM evidence.ledger"
    before = (await fetch(database_url, count))[0]["n"]
    again = [await d.call(sync(s)) for s in (first, asked, supplied, finished)]
    assert {a["results"][0]["status"] for a in again} <= {"unchanged", "duplicate"}, again
    steps_again = await d.call({"service": "CapNhatTienDoHoSoMC", "data": steps(d)})
    assert [r["status"] for r in steps_again["results"]] == ["duplicate", "duplicate"]
    assert (await fetch(database_url, count))[0]["n"] == before

    # A corrected finish time (after the pushed due date): the old event retracted, the verdict moves.
    corrected = four_snapshots(d, finished="20250408160000")[3]
    reply = await d.call(sync(corrected))
    [result] = reply["results"]
    assert result["status"] == "accepted"
    assert [e["type"] for e in result["events"]] == ["evidence.retracted", "procedure.processed"]

    async def late() -> None:
        assert await d.indicator("on_time") == (0, 1)
        assert await d.indicator("on_time", officer=True) == (0, 1)

    await eventually(late, timeout=90, interval=0.5)

    # An unknown unit code: refused with its value, never guessed.
    stranger = dossier(d, MaHoSo=f"HS-X-{d.tag}", MaDonVi="999.99.99.H99")
    [refused] = (await d.call(sync(stranger, first)))["results"][:1]
    assert refused["status"] == "rejected" and refused["MaHoSo"] == f"HS-X-{d.tag}"
    assert refused["errors"][0]["field"] == "madonvi" and "999.99.99.H99" in refused["errors"][0]["message"]

    # On Kafka: a call with an unreadable dossier and a record that is not JSON, both full of personal data, are
    # refused to evidence.rejected.v1 with their reasons and without it.
    bad = dossier(d, MaHoSo=f"HS-Y-{d.tag}", TrangThaiHoSo="11")
    await publish(kafka_bootstrap, d, json.dumps(sync(bad), ensure_ascii=False).encode())
    await publish(kafka_bootstrap, d, f'{{"ChuHoSo": "{d.secrets[0]}", "SoDienThoai": "{d.secrets[1]}"'.encode())

    rows: list[Any] = []

    async def refused_twice() -> None:
        # This source's only: the session's database holds what other test files refused on Kafka.
        rows[:] = await fetch(
            database_url,
            "SELECT event_id, reasons FROM evidence.rejections WHERE channel = 'kafka' AND source = $1",
            d.source,
        )
        assert len(rows) == 2

    await eventually(refused_twice, timeout=30, interval=0.3)
    assert {r["event_id"] for r in rows} == {f"dvcqg:HS-Y-{d.tag}", None}
    assert any("TrangThaiHoSo" in r["reasons"] for r in rows) and any('"body"' in r["reasons"] for r in rows)

    await nothing_personal_anywhere(d, database_url, kafka_bootstrap, caplog)


async def publish(bootstrap: str, d: Door, value: bytes) -> None:
    """A record on the source's portal-format topic."""
    publisher = BatchPublisher(bootstrap, service="door-test")
    await publisher.start()
    try:
        await publisher.publish([Outgoing(topics.source_dvcqg(d.source), d.tag, value)])
    finally:
        await publisher.stop()


async def nothing_personal_anywhere(
    d: Door, database_url: str, kafka_bootstrap: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Every text, jsonb and bytea column of every table of every schema; the logs; every topic from the start."""
    columns = await fetch(
        database_url,
        "SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns c"
        " JOIN information_schema.tables t USING (table_schema, table_name)"
        " WHERE t.table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')"
        " AND data_type IN ('text', 'jsonb', 'json', 'bytea', 'character varying', 'ARRAY')",
    )
    assert {r["table_schema"] for r in columns} >= {"evidence", "scoring", "awards"}
    found_code = 0  # the dossier's code is stored: proof that the search below can find what is there
    for c in columns:
        column = f'"{c["table_schema"]}"."{c["table_name"]}"."{c["column_name"]}"'
        value = f'"{c["column_name"]}"'
        text = f"encode({value}, 'escape')" if c["data_type"] == "bytea" else f"{value}::text"
        for secret in (*d.secrets, f"250314-{d.tag}"):
            hits = await fetch(
                database_url,
                f'SELECT count(*) AS n FROM "{c["table_schema"]}"."{c["table_name"]}" WHERE {text} LIKE $1',
                f"%{secret}%",
            )
            if secret not in d.secrets:
                found_code += hits[0]["n"]
            else:
                assert hits[0]["n"] == 0, f"{secret!r} found in {column}"
    assert found_code > 0
    logged = "\n".join(r.getMessage() + repr(r.__dict__) for r in caplog.records)
    assert logged and not [s for s in d.secrets if s in logged]
    admin = AIOKafkaAdminClient(**kafka_options(kafka_bootstrap))
    await admin.start()
    try:
        names = [t for t in await admin.list_topics() if not t.startswith("__")]
        described = await admin.describe_topics(names)
    finally:
        await admin.close()
    assert topics.source_dvcqg(d.source) in names and topics.EVIDENCE_REJECTED in names
    consumer = AIOKafkaConsumer(**kafka_options(kafka_bootstrap), enable_auto_commit=False, group_id=None)
    await consumer.start()
    read, upstream = 0, []
    try:
        partitions = [TopicPartition(t["topic"], p["partition"]) for t in described for p in t["partitions"]]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        left = {tp for tp, end in ends.items() if end > 0}
        while left:
            batch = await consumer.getmany(*left, timeout_ms=1000)
            for tp, records in batch.items():
                for r in records:
                    read += 1
                    blob = (r.value or b"") + (r.key or b"")
                    if r.topic == topics.source_dvcqg(d.source):
                        upstream += [s for s in d.secrets if s.encode() in blob]
                        continue  # the upstream's own record, as it wrote it: what we refuse to repeat
                    assert not [s for s in d.secrets if s.encode() in blob], f"personal data in {r.topic}"
                    if r.offset + 1 >= ends[tp]:
                        left.discard(tp)
            for tp in list(left):
                if await consumer.position(tp) >= ends[tp]:
                    left.discard(tp)
    finally:
        await consumer.stop()
    assert read > 0 and upstream  # the search reads what is there: the upstream's own record holds the data


async def test_login_then_call_works_with_the_sources_credentials_only(door: Door, database_url: str) -> None:
    d = door
    await setup(d)
    other = await add_source(database_url, name=f"khac-{d.tag.lower()}", units=[d.unit])
    login = d.urls["evidence"] + "/v1/dvcqg/login"
    for password in (other, d.token + "x", d.admin):
        refused = await d.http.post(login, json={"username": d.source, "password": password})
        assert refused.status_code == 401, refused.text
        body = refused.json()
        assert body["error_code"] == 401 and body["message"] and body["error"] and body["details"]
    opened = await d.http.post(login, json={"username": d.source, "password": d.token})
    assert opened.status_code == 200
    session = opened.json()["session"]
    assert opened.json()["expires_in"] == 30 * 60
    # Only the session's hash is stored.
    stored = await fetch(database_url, "SELECT session_hash, source FROM evidence.dvcqg_sessions")
    assert [r["source"] for r in stored] == [d.source] and session not in stored[0]["session_hash"]
    first = four_snapshots(d)[0]
    reply = await d.call({**sync(first), "session": session}, headers={})
    assert reply["results"][0]["status"] == "accepted"
    # The array form takes the session from X-Session.
    reply = await d.call([first], path="/v1/dvcqg/DongBoHoSoMC", headers={"X-Session": session})
    assert reply["results"][0]["status"] == "unchanged"
    for headers, body in (({}, sync(first)), ({}, {**sync(first), "session": "nope"}), ({"X-Session": "x"}, [first])):
        path = "/v1/dvcqg" if isinstance(body, dict) else "/v1/dvcqg/DongBoHoSoMC"
        refused = await d.http.post(d.urls["evidence"] + path, json=body, headers=headers)
        assert refused.status_code == 401 and refused.json()["error_code"] == 401, refused.text
    # An expired session is refused.
    await fetch(database_url, "UPDATE evidence.dvcqg_sessions SET expires_at = now() - interval '1 second'")
    expired = await d.http.post(d.urls["evidence"] + "/v1/dvcqg", json={**sync(first), "session": session})
    assert expired.status_code == 401 and expired.json()["details"][0]["field"] == "session"
    # Another role's token: 403 in the portal's manner; a call that is not the portal's: 422 naming the field.
    forbidden = await d.http.post(d.urls["evidence"] + "/v1/dvcqg", json=sync(first), headers=d.auth(d.admin))
    assert forbidden.status_code == 403 and forbidden.json()["error_code"] == 403
    bad = await d.http.post(d.urls["evidence"] + "/v1/dvcqg", json={"service": "XoaHoSo"}, headers=d.auth())
    assert bad.status_code == 422 and bad.json()["details"][0]["field"] == "service"
