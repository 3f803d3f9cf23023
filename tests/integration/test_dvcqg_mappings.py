"""The operator's mappings for the national portal's door (issue 25), against the real PostgreSQL and Kafka: the
admin API and `thidua source map-unit|map-officer|mappings`, with the evidence service on its own database role."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest

from schemas.errors import FieldError
from services.evidence.adapters.store import PostgresEvidenceStore
from services.evidence.app import create_app
from services.evidence.config import Settings
from services.evidence.domain.dvcqg import unit_of
from services.evidence.handlers.dvcqg import door_names
from services.evidence.handlers.sources import add_source
from tests.integration.support import running_app
from thidua.operator import cli
from thidua.runtime import db_roles
from thidua.runtime.tokens import add_token

UNITS = ["H40.12.05", "H40.12.06"]


@dataclass(frozen=True)
class Door:
    """Evidence running as its own role, a source for two units, a province-wide one, and the callers' tokens."""

    http: httpx.AsyncClient
    source: str
    province: str
    tokens: dict[str, str]
    database_url: str
    service_url: str


@pytest.fixture
async def door(kafka_bootstrap: str, database_url: str) -> AsyncIterator[Door]:
    urls = await db_roles.provision(database_url, {"evidence": f"pw-evidence-{uuid.uuid4().hex[:6]}"})
    source, province = f"motcua-{uuid.uuid4().hex[:6]}", f"tinh-{uuid.uuid4().hex[:6]}"
    # The operator registers the sources as the database's admin (as `thidua source add` does).
    tokens = {
        "source": await add_source(database_url, name=source, units=UNITS),
        "province": await add_source(database_url, name=province, units=["*"]),
        "admin": await add_token(database_url, role="admin", unit_id=None, label="operator"),
        "council": await add_token(database_url, role="council", unit_id=None, label="council"),
        "unit": await add_token(database_url, role="unit", unit_id=UNITS[0], label="unit"),
    }
    settings = Settings(
        kafka_bootstrap_servers=kafka_bootstrap, database_url=urls["evidence"], group_id=f"test-{uuid.uuid4().hex[:8]}"
    )
    async with running_app(create_app(settings)) as base:
        headers = {"Authorization": f"Bearer {tokens['admin']}"}
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:
            yield Door(http, source, province, tokens, database_url, urls["evidence"])


async def _door_view(door: Door, source: str) -> tuple[dict[str, str], dict[str, str]]:
    """The mappings as the door reads them, on the service's own role."""
    conn = await asyncpg.connect(door.service_url, server_settings={"search_path": "evidence"})
    try:
        store = PostgresEvidenceStore(conn)
        return await door_names(store, "unit", source), await door_names(store, "officer", source)
    finally:
        await conn.close()


async def test_an_operator_maps_lists_changes_and_removes_unit_codes(door: Door) -> None:
    base = f"/v1/sources/{door.source}/unit-codes"
    put = await door.http.put(f"{base}/000.00.12.H40", json={"unit_id": "H40.12.05"})
    assert put.status_code == 200, put.text
    assert {k: v for k, v in put.json().items() if k != "created_at"} == {
        "source": door.source,
        "code": "000.00.12.H40",
        "unit_id": "H40.12.05",
        "replaced": None,
    }
    again = await door.http.put(f"{base}/000.00.12.H40", json={"unit_id": "H40.12.06"})
    assert again.json()["replaced"] == "H40.12.05" and again.json()["unit_id"] == "H40.12.06"
    assert again.json()["created_at"] == put.json()["created_at"]  # a change keeps the mapping's first date
    # A code holding a '/' (sent encoded) and one sent as a number by upstream (read as text) map alike.
    assert (await door.http.put(f"{base}/UBND%2FXA-01", json={"unit_id": "H40.12.05"})).status_code == 200
    assert (await door.http.put(f"{base}/12345", json={"unit_id": "H40.12.05"})).status_code == 200
    listed = (await door.http.get(base)).json()
    assert listed["source"] == door.source
    assert [(m["code"], m["unit_id"]) for m in listed["unit_codes"]] == [
        ("000.00.12.H40", "H40.12.06"),
        ("12345", "H40.12.05"),
        ("UBND/XA-01", "H40.12.05"),
    ]
    # What the door makes of a call's madonvi: its own unit ids as they are, a mapped code, an unknown one refused.
    codes, _ = await _door_view(door, door.source)
    assert unit_of("000.00.12.H40", frozenset(UNITS), codes) == "H40.12.06"
    assert unit_of("UBND/XA-01", frozenset(UNITS), codes) == "H40.12.05"
    assert unit_of("H40.12.05", frozenset(UNITS), codes) == "H40.12.05"
    unknown = unit_of("000.00.99.H40", frozenset(UNITS), codes)
    assert isinstance(unknown, FieldError) and "000.00.99.H40" in unknown.message
    removed = await door.http.delete(f"{base}/000.00.12.H40")
    assert removed.status_code == 200 and removed.json()["unit_id"] == "H40.12.06"
    gone = await door.http.delete(f"{base}/000.00.12.H40")
    assert gone.status_code == 404 and gone.json()["details"][0]["field"] == "code"
    assert [m["code"] for m in (await door.http.get(base)).json()["unit_codes"]] == ["12345", "UBND/XA-01"]
    # Another source's mappings are its own.
    assert (await door.http.get(f"/v1/sources/{door.province}/unit-codes")).json()["unit_codes"] == []


def _refusal(answer: httpx.Response, status: int) -> dict[str, str]:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["error"] and len(body["details"]) == 1
    detail: dict[str, str] = body["details"][0]
    return detail


async def test_a_unit_the_source_does_not_cover_or_a_bad_value_is_refused_naming_the_field(door: Door) -> None:
    base = f"/v1/sources/{door.source}/unit-codes"
    outside = _refusal(await door.http.put(f"{base}/X1", json={"unit_id": "H40.99.01"}), 422)
    assert outside["field"] == "unit_id" and "H40.99.01" in outside["message"] and door.source in outside["message"]
    malformed = _refusal(await door.http.put(f"{base}/X1", json={"unit_id": "h40 12"}), 422)
    assert malformed["field"] == "unit_id"
    reserved = _refusal(
        await door.http.put(f"/v1/sources/{door.province}/unit-codes/X1", json={"unit_id": "ADMIN"}), 422
    )
    assert reserved["field"] == "unit_id" and "reserved" in reserved["message"]
    control = _refusal(await door.http.put(f"{base}/X%011", json={"unit_id": "H40.12.05"}), 422)
    assert control["field"] == "code" and "control" in control["message"]
    long = _refusal(await door.http.put(f"{base}/{'C' * 201}", json={"unit_id": "H40.12.05"}), 422)
    assert long["field"] == "code"
    extra = await door.http.put(f"{base}/X1", json={"unit_id": "H40.12.05", "note": "x"})
    assert extra.status_code == 422
    not_text = await door.http.put(f"{base}/X1", json={"unit_id": 4012})
    assert not_text.status_code == 422 and not_text.json()["details"][0]["field"] == "unit_id"
    nobody = _refusal(
        await door.http.put("/v1/sources/no-such-source/unit-codes/X1", json={"unit_id": "H40.12.05"}), 404
    )
    assert nobody["field"] == "source"
    assert (await door.http.get("/v1/sources/no-such-source/officer-users")).status_code == 404
    # Values PostgreSQL would refuse never reach it: a source no one may be named, a code with a NUL.
    assert _refusal(await door.http.get("/v1/sources/a%00b/unit-codes"), 404)["field"] == "source"
    assert _refusal(await door.http.delete(f"{base}/X%00"), 422)["field"] == "code"
    assert _refusal(await door.http.delete(f"/v1/sources/{door.source}/officer-users/u%00"), 422)["field"] == "username"
    # A province-wide source may map a code to any unit.
    wide = await door.http.put(f"/v1/sources/{door.province}/unit-codes/X1", json={"unit_id": "H40.99.01"})
    assert wide.status_code == 200, wide.text
    assert (await _door_view(door, door.source))[0] == {}  # nothing refused was stored


async def test_upstream_users_map_to_officers_the_source_may_name(door: Door) -> None:
    # Two officers registered by the province-wide source: one in a unit the source covers, one outside it.
    async with httpx.AsyncClient(base_url=door.http.base_url) as http:
        answer = await http.post(
            "/v1/events",
            json=[_officer(f"reg-{o}", o, unit) for o, unit in (("CB-IN-1", "H40.12.06"), ("CB-OUT-1", "H40.99.01"))],
            headers={"Authorization": f"Bearer {door.tokens['province']}"},
        )
        assert [r["status"] for r in answer.json()] == ["accepted", "accepted"], answer.text
    base = f"/v1/sources/{door.source}/officer-users"
    ok = await door.http.put(f"{base}/nguyenvana", json={"officer_id": "CB-IN-1"})
    assert ok.status_code == 200, ok.text
    assert (ok.json()["username"], ok.json()["officer_id"]) == ("nguyenvana", "CB-IN-1")
    # An officer not registered yet may be mapped ahead of its registration.
    assert (await door.http.put(f"{base}/tranthib", json={"officer_id": "CB-NEW-9"})).status_code == 200
    outside = _refusal(await door.http.put(f"{base}/levanc", json={"officer_id": "CB-OUT-1"}), 422)
    assert outside["field"] == "officer_id" and "H40.99.01" in outside["message"]
    malformed = _refusal(await door.http.put(f"{base}/levanc", json={"officer_id": "CB 1"}), 422)
    assert malformed["field"] == "officer_id"
    listed = (await door.http.get(base)).json()["officer_users"]
    assert [(m["username"], m["officer_id"]) for m in listed] == [("nguyenvana", "CB-IN-1"), ("tranthib", "CB-NEW-9")]
    _, users = await _door_view(door, door.source)
    assert users == {"nguyenvana": "CB-IN-1", "tranthib": "CB-NEW-9"}
    assert (await door.http.delete(f"{base}/tranthib")).json()["officer_id"] == "CB-NEW-9"
    assert (await _door_view(door, door.source))[1] == {"nguyenvana": "CB-IN-1"}


def _officer(event_id: str, officer_id: str, unit_id: str) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": "officer.registered",
        "schema_version": 1,
        "occurred_at": "2025-01-02T08:00:00+07:00",
        "unit_id": unit_id,
        "officer_id": officer_id,
        "payload": {"full_name": "Cán bộ thử", "category": "civil_servant"},
    }


async def test_only_an_admin_keeps_the_mappings(door: Door) -> None:
    paths = [
        ("GET", f"/v1/sources/{door.source}/unit-codes", None),
        ("PUT", f"/v1/sources/{door.source}/unit-codes/X1", {"unit_id": "H40.12.05"}),
        ("DELETE", f"/v1/sources/{door.source}/unit-codes/X1", None),
        ("GET", f"/v1/sources/{door.source}/officer-users", None),
        ("PUT", f"/v1/sources/{door.source}/officer-users/u1", {"officer_id": "CB-1"}),
        ("DELETE", f"/v1/sources/{door.source}/officer-users/u1", None),
    ]
    async with httpx.AsyncClient(base_url=door.http.base_url) as http:
        for method, path, body in paths:
            assert (await http.request(method, path, json=body)).status_code == 401, path
            for caller in ("source", "council", "unit"):
                headers = {"Authorization": f"Bearer {door.tokens[caller]}"}
                answer = await http.request(method, path, json=body, headers=headers)
                assert answer.status_code == 403, (method, path, caller, answer.text)
    assert await _door_view(door, door.source) == ({}, {})  # a source cannot map itself a unit


async def test_thidua_source_map_commands(
    door: Door, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", door.database_url)
    monkeypatch.delenv("DATABASE_PASSWORD", raising=False)

    async def thidua(*args: str) -> int:
        return int(await asyncio.to_thread(cli.main, list(args)))

    assert await thidua("source", "map-unit", door.source, "000.00.12.H40", "H40.12.05") == 0
    assert "maps to H40.12.05" in capsys.readouterr().out
    assert await thidua("source", "map-unit", door.source, "000.00.12.H40", "H40.12.06") == 0
    assert "(was H40.12.05)" in capsys.readouterr().out
    assert await thidua("source", "map-officer", door.source, "nguyenvana", "CB-004512") == 0
    capsys.readouterr()
    assert await thidua("source", "map-unit", door.source, "X9", "H40.99.01") == 2
    refused = capsys.readouterr().err
    assert "refused" in refused and "unit_id" in refused and "H40.99.01" in refused
    assert await thidua("source", "map-unit", "no-such-source", "X9", "H40.12.05") == 2
    assert "source" in capsys.readouterr().err
    assert await thidua("source", "map-unit", door.source, "X9") == 2  # neither a unit nor --remove
    assert "--remove" in capsys.readouterr().err
    assert await thidua("source", "mappings", door.source) == 0
    listing = capsys.readouterr().out
    assert "unit_codes (1)" in listing and "000.00.12.H40" in listing and "H40.12.06" in listing
    assert "officer_users (1)" in listing and "nguyenvana" in listing and "CB-004512" in listing
    # What the command stored, the service (on its own role) reads and serves.
    served = (await door.http.get(f"/v1/sources/{door.source}/unit-codes")).json()["unit_codes"]
    assert [(m["code"], m["unit_id"]) for m in served] == [("000.00.12.H40", "H40.12.06")]
    assert await thidua("source", "map-unit", door.source, "000.00.12.H40", "--remove") == 0
    assert "no longer maps to H40.12.06" in capsys.readouterr().out
    assert await thidua("source", "map-officer", door.source, "nguyenvana", "--remove") == 0
    assert await thidua("source", "map-officer", door.source, "nguyenvana", "--remove") == 2
    assert "not mapped" in capsys.readouterr().err
    assert await _door_view(door, door.source) == ({}, {})


def _readme_call(code: str) -> dict[str, Any]:
    """README's DongBoHoSoMC example ("Sending evidence") with the call's madonvi."""
    return {
        "service": "DongBoHoSoMC",
        "isUpdating": "False",
        "madonvi": code,
        "data": [
            {
                "MaHoSo": f"{code}-250310-0001",
                "MaTTHC": "1.001234",
                "TrangThaiHoSo": "2",
                "KenhThucHien": "2",
                "NgayNopHoSo": "20250310075500",
                "NgayTiepNhan": "20250310080000",
                "NgayHenTra": "20250314170000",
                "ChuHoSo": "Nguyễn Văn A",
                "SoDienThoai": "0912345678",
                "DanhSachLePhi": [{"MaPhiLePhi": "LP01", "Gia": "50000"}],
                "DuocThanhToanTrucTuyen": "1",
            }
        ],
    }


async def test_the_door_reads_a_call_with_the_mapping_the_operator_made(door: Door) -> None:
    """README's example: refused with its value before the code is mapped, the mapped unit's after; a removed
    mapping refuses the code again."""
    source = {"Authorization": f"Bearer {door.tokens['source']}"}
    async with httpx.AsyncClient(base_url=door.http.base_url, headers=source) as upstream:
        before = (await upstream.post("/v1/dvcqg", json=_readme_call("000.00.12.H40"))).json()
        [refused] = before["results"]
        assert refused["status"] == "rejected" and refused["errors"][0]["field"] == "madonvi"
        assert "000.00.12.H40" in refused["errors"][0]["message"]
        mapped = await door.http.put(
            f"/v1/sources/{door.source}/unit-codes/000.00.12.H40", json={"unit_id": "H40.12.06"}
        )
        assert mapped.status_code == 200
        after = (await upstream.post("/v1/dvcqg", json=_readme_call("000.00.12.H40"))).json()
        assert after["error_code"] == 0
        [accepted] = after["results"]
        assert accepted["status"] == "accepted", accepted
        [event] = accepted["events"]
        assert event["type"] == "procedure.received"
        told = (await upstream.get(f"/v1/events/{event['event_id']}")).json()
        assert told["unit_id"] == "H40.12.06" and told["envelope"]["payload"]["channel"] == "online"
        assert (await door.http.delete(f"/v1/sources/{door.source}/unit-codes/000.00.12.H40")).status_code == 200
        again = (await upstream.post("/v1/dvcqg", json=_readme_call("000.00.12.H40"))).json()
        assert again["results"][0]["status"] == "rejected"
