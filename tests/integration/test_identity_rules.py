"""Identity rules in the real PostgreSQL and provider tokens from a REAL OpenID Connect provider (Keycloak) at the
real services (issue 27): rules kept by the operator's commands, each person's role at whoami, a council person's
vote recorded with the person's subject, a removed rule taking effect at the next call, sign-ins recorded."""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest

from services.awards.app import create_app as awards_app
from services.awards.config import Settings as AwardsSettings
from services.scoring.app import create_app as scoring_app
from services.scoring.config import Settings as ScoringSettings
from tests.integration.kafka_tools import start_group_at_end
from tests.integration.support import running_app
from tests.integration.test_awards_law import APPROVE, Service, staff
from thidua.operator import cli
from thidua.runtime import db_roles, identity_rules
from thidua.runtime.kafka import BatchPublisher
from thidua.runtime.tokens import add_token
from thidua.testing.oidc import COUNCIL_GROUP, UNIT_HEAD_GROUP, Provider, RealmInfo, new_realm, provider_tokens
from thidua.testing.oidc import standard_people as people

pytestmark = pytest.mark.integration

PASSWORDS = {"truongdonvi": "matkhau-truong", "hoidong": "matkhau-hoidong", "canbo": "matkhau-canbo"}
PASSWORDS["chuaphanquyen"] = "matkhau-chua"
DEMO_RULES = (
    ["--claim", "groups", "--value", COUNCIL_GROUP, "--role", "council", "--label", "Hội đồng"],
    ["--claim", "groups", "--value", UNIT_HEAD_GROUP, "--role", "unit", "--unit-claim", "unit_code"],
    ["--claim", "officer_id", "--role", "officer", "--officer-claim", "officer_id"],
)


async def thidua(monkeypatch: pytest.MonkeyPatch, database_url: str, *argv: str) -> int:
    """The operator's command line against the test's database (its own event loop, as from a shell)."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("DATABASE_PASSWORD", raising=False)
    return await asyncio.to_thread(cli.main, ["identity", *argv])


async def map_rules(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], database_url: str
) -> list[int]:
    ids = []
    for rule in DEMO_RULES:
        assert await thidua(monkeypatch, database_url, "map", *rule) == 0
        ids.append(int(capsys.readouterr().out.strip()))
    return ids


def claims_of(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    body: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return body


async def tokens(realm: RealmInfo, username: str) -> dict[str, Any]:
    return await asyncio.to_thread(provider_tokens, realm, username, PASSWORDS[username])


async def whoami(base: str, token: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        return await http.get("/v1/whoami", headers={"Authorization": f"Bearer {token}"})


async def test_rules_kept_by_the_operators_commands(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], database_url: str
) -> None:
    council, unit, officer = await map_rules(monkeypatch, capsys, database_url)
    assert council < unit < officer
    # Refused with the field and the reason, nothing stored.
    assert await thidua(monkeypatch, database_url, "map", "--claim", "groups", "--role", "unit") == 2
    assert "unit" in capsys.readouterr().err
    assert await thidua(monkeypatch, database_url, "map", "--claim", "a.b.c.d", "--role", "council") == 2
    assert await thidua(monkeypatch, database_url, "unmap", "999999") == 2
    assert await thidua(monkeypatch, database_url, "rules") == 0
    listed = capsys.readouterr().out
    assert f"groups = {COUNCIL_GROUP} → council" in listed and "(unit from unit_code)" in listed
    assert await thidua(monkeypatch, database_url, "unmap", str(council)) == 0
    assert "removed" in capsys.readouterr().out
    conn = await asyncpg.connect(database_url)
    try:
        assert [r.id for r in await identity_rules.live_rules(conn)] == [unit, officer]
        assert len(await identity_rules.list_rules(conn, include_removed=True)) == 3
        # The table's own checks hold whatever writes to it.
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute("INSERT INTO auth.identity_rules (claim, role, unit_id) VALUES ('g', 'council', 'H1')")
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute("INSERT INTO auth.identity_rules (claim, role, unit_id) VALUES ('g', 'unit', 'ADMIN')")
    finally:
        await conn.close()


async def test_services_role_reaches_rules_and_sign_ins_only_through_the_functions(database_url: str) -> None:
    urls = await db_roles.provision(database_url, {"scoring": secrets.token_urlsafe(16)})
    admin = await asyncpg.connect(database_url)
    try:
        await identity_rules.add_rule(admin, claim="groups", value="X", role="council")
    finally:
        await admin.close()
    conn = await asyncpg.connect(urls["scoring"])
    try:
        assert [r.role for r in await identity_rules.live_rules(conn)] == ["council"]
        assert await conn.fetchval("SELECT auth.record_sign_in('s', 'https://i', 'person', NULL, NULL)") > 0
        for query in ("SELECT * FROM auth.identity_rules", "SELECT * FROM auth.sign_ins"):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.fetch(query)
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("INSERT INTO auth.identity_rules (claim, role) VALUES ('groups', 'admin')")
    finally:
        await conn.close()


@pytest.fixture
async def scoring(
    oidc_provider: Provider, kafka_bootstrap: str, database_url: str
) -> AsyncIterator[tuple[RealmInfo, str, str]]:
    suffix = uuid.uuid4().hex[:6]
    unit = f"I{suffix[:2].upper()}.11"
    realm = await asyncio.to_thread(new_realm, oidc_provider, people(unit, f"{unit}-CB01"))
    group = f"identity-scoring-{suffix}"
    await start_group_at_end(kafka_bootstrap, f"{group}.evidence.accepted.v1", "evidence.accepted.v1")
    settings = ScoringSettings(
        kafka_bootstrap_servers=kafka_bootstrap, database_url=database_url, group_id=group, oidc_issuer=realm.issuer
    )
    async with running_app(scoring_app(settings)) as base:
        yield realm, base, unit


async def test_provider_tokens_mapped_at_whoami_and_sign_ins_recorded(
    scoring: tuple[RealmInfo, str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    database_url: str,
) -> None:
    realm, base, unit = scoring
    council_rule, _, _ = await map_rules(monkeypatch, capsys, database_url)
    expected = {
        "hoidong": ("council", None, None),
        "truongdonvi": ("unit", unit, None),
        "canbo": ("officer", None, f"{unit}-CB01"),
        "chuaphanquyen": ("person", None, None),
    }
    given = {name: await tokens(realm, name) for name in expected}
    for name, (role, unit_id, officer_id) in expected.items():
        access = given[name]["access_token"]
        answer = await whoami(base, access)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert (body["role"], body["unit_id"], body["officer_id"]) == (role, unit_id, officer_id), name
        assert body["subject"] == claims_of(access)["sub"] and body["token_id"] is None

    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        council = {"Authorization": f"Bearer {given['hoidong']['access_token']}"}
        signed = await http.post("/v1/sign-ins", headers=council)
        assert signed.status_code == 200 and signed.json()["role"] == "council" and signed.json()["sign_in_id"] > 0
        # The unmapped person signs in too (no rights), and a td_ token is no sign-in.
        nobody = {"Authorization": f"Bearer {given['chuaphanquyen']['access_token']}"}
        assert (await http.post("/v1/sign-ins", headers=nobody)).json()["role"] == "person"
        machine = await add_token(database_url, role="council", unit_id=None, label="máy")
        refused = await http.post("/v1/sign-ins", headers={"Authorization": f"Bearer {machine}"})
        assert refused.status_code == 422 and refused.json()["details"][0]["field"] == "authorization"
        assert (await http.post("/v1/sign-ins")).status_code == 401
        # A person with no rights reads what is public and nothing that names officers.
        officers = await http.get(f"/v1/units/{unit}/tracking", params={"period": "2026-03"}, headers=nobody)
        assert officers.status_code == 403
    conn = await asyncpg.connect(database_url)
    try:
        recorded = await identity_rules.list_sign_ins(conn)
    finally:
        await conn.close()
    assert [(r["role"], r["issuer"]) for r in recorded] == [("person", realm.issuer), ("council", realm.issuer)]
    assert recorded[1]["subject"] == claims_of(given["hoidong"]["access_token"])["sub"]

    # The ID token is meant for the dashboard, not the API: refused. So is a tampered access token.
    assert (await whoami(base, given["hoidong"]["id_token"])).status_code == 401
    header, _, signature = given["hoidong"]["access_token"].split(".")
    forged = {**claims_of(given["hoidong"]["access_token"]), "groups": [COUNCIL_GROUP, "ADMIN"]}
    tampered = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")
    assert (await whoami(base, f"{header}.{tampered}.{signature}")).status_code == 401

    # The operator removes the council rule: the same token is a person at the next call.
    assert await thidua(monkeypatch, database_url, "unmap", str(council_rule)) == 0
    after = await whoami(base, given["hoidong"]["access_token"])
    assert after.status_code == 200 and after.json()["role"] == "person"


async def test_provider_tokens_refused_where_no_issuer_is_configured(
    oidc_provider: Provider, kafka_bootstrap: str, database_url: str
) -> None:
    realm = await asyncio.to_thread(new_realm, oidc_provider, people())
    group = f"identity-off-{uuid.uuid4().hex[:6]}"
    await start_group_at_end(kafka_bootstrap, f"{group}.evidence.accepted.v1", "evidence.accepted.v1")
    settings = ScoringSettings(kafka_bootstrap_servers=kafka_bootstrap, database_url=database_url, group_id=group)
    async with running_app(scoring_app(settings)) as base:
        access = (await tokens(realm, "hoidong"))["access_token"]
        assert (await whoami(base, access)).status_code == 401


async def test_a_council_persons_vote_records_the_person(
    oidc_provider: Provider,
    kafka_bootstrap: str,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    realm = await asyncio.to_thread(new_realm, oidc_provider, people())
    await map_rules(monkeypatch, capsys, database_url)
    group = f"identity-awards-{uuid.uuid4().hex[:6]}"
    for topic in ("evidence.accepted.v1", "standings.changed.v1", "ratings.v1"):
        await start_group_at_end(kafka_bootstrap, f"{group}.{topic}", topic)
    machine = await add_token(database_url, role="council", unit_id=None, label="máy")
    settings = AwardsSettings(
        kafka_bootstrap_servers=kafka_bootstrap, database_url=database_url, group_id=group, oidc_issuer=realm.issuer
    )
    publisher = BatchPublisher(kafka_bootstrap, service="test")
    await publisher.start()
    try:
        async with (
            running_app(awards_app(settings)) as base,
            httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {machine}"}, timeout=30) as http,
        ):
            service = Service(http, publisher, database_url)
            u = "V" + uuid.uuid4().hex[:4].upper()
            await service.publish(staff(u, {1: "good", 2: "good", 3: "good"}, "good"))
            assert (await http.post("/v1/periods/2025/close")).status_code == 200
            nid = f"lao_dong_tien_tien:2025:officer:{u}-O1"
            access = (await tokens(realm, "hoidong"))["access_token"]
            person = {"Authorization": f"Bearer {access}"}
            voted = await http.post(f"/v1/nominations/{nid}/votes", json=APPROVE, headers=person)
            assert voted.status_code == 200, voted.text
            history = (await service.nomination(nid))["history"]
            assert history[-1]["actor"] == f"council:person#{claims_of(access)['sub']}"
            # A person no rule maps may not vote.
            nobody = (await tokens(realm, "chuaphanquyen"))["access_token"]
            other = f"lao_dong_tien_tien:2025:officer:{u}-O2"
            refused = await http.post(
                f"/v1/nominations/{other}/votes", json=APPROVE, headers={"Authorization": f"Bearer {nobody}"}
            )
            assert refused.status_code == 403
    finally:
        await publisher.stop()
