"""Officials' sign-in on the dashboard through a REAL OpenID Connect provider (Keycloak) and the real scoring
service (issue 27): each person's role from the operator's identity rules, forged callbacks refused, sign-out at
both ends, a session ended by the provider or by the rules."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from joserfc import jwt
from joserfc.jwk import RSAKey

from services.dashboard.app import create_app
from services.dashboard.config import Settings
from services.scoring.app import create_app as scoring_app
from services.scoring.config import Settings as ScoringSettings
from tests.integration.kafka_tools import start_group_at_end
from tests.integration.support import running_app
from tests.integration.test_dashboard import csrf
from thidua.operator.localinfra.keycloak import KeycloakAdmin
from thidua.runtime import identity_rules
from thidua.testing.oidc import (
    COUNCIL_GROUP,
    UNIT_HEAD_GROUP,
    Provider,
    RealmInfo,
    login_without_browser,
    new_realm,
    standard_people,
)

pytestmark = pytest.mark.integration

PASSWORDS = {"truongdonvi": "matkhau-truong", "hoidong": "matkhau-hoidong", "canbo": "matkhau-canbo"}
PASSWORDS["chuaphanquyen"] = "matkhau-chua"


@dataclass
class Stack:
    realm: RealmInfo
    dashboard: FastAPI
    base: str
    database_url: str
    unit: str
    officer: str
    rules: dict[str, int]
    admin: KeycloakAdmin

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.base, timeout=30)


@pytest.fixture
async def stack(oidc_provider: Provider, kafka_bootstrap: str, database_url: str) -> AsyncIterator[Stack]:
    suffix = uuid.uuid4().hex[:6]
    unit, officer = f"H{suffix[:2].upper()}.11", f"H{suffix[:2].upper()}.11-CB01"
    realm = await asyncio.to_thread(new_realm, oidc_provider, standard_people(unit, officer))
    await start_group_at_end(kafka_bootstrap, f"do-scoring-{suffix}.evidence.accepted.v1", "evidence.accepted.v1")
    common: dict[str, Any] = {"kafka_bootstrap_servers": kafka_bootstrap, "database_url": database_url}
    scoring = scoring_app(ScoringSettings(**common, group_id=f"do-scoring-{suffix}", oidc_issuer=realm.issuer))
    async with running_app(scoring) as sc:
        conn = await asyncpg.connect(database_url)
        try:
            rules = {
                "council": await identity_rules.add_rule(conn, claim="groups", value=COUNCIL_GROUP, role="council"),
                "unit": await identity_rules.add_rule(
                    conn, claim="groups", value=UNIT_HEAD_GROUP, role="unit", unit_claim="unit_code"
                ),
                "officer": await identity_rules.add_rule(
                    conn, claim="officer_id", role="officer", officer_claim="officer_id"
                ),
            }
        finally:
            await conn.close()
        settings = Settings(
            scoring_url=sc,
            oidc_issuer=realm.issuer,
            oidc_client_id=realm.client_id,
            oidc_client_secret=realm.client_secret,
            oidc_help_contact="Văn phòng Hội đồng TĐKT tỉnh (số máy lẻ 123)",
        )
        dashboard = create_app(settings)
        async with running_app(dashboard) as base:
            yield Stack(realm, dashboard, base, database_url, unit, officer, rules, oidc_provider.admin)


def callback_of(location: str) -> str:
    parts = urlsplit(location)
    return f"{parts.path}?{parts.query}"


async def start(web: httpx.AsyncClient, next_path: str = "") -> str:
    answer = await web.get("/sign-in/provider", params={"next": next_path} if next_path else None)
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


async def sign_in(
    web: httpx.AsyncClient, username: str, tamper: Callable[[str], str] = lambda url: url
) -> httpx.Response:
    """Through the provider's login form; the dashboard's answer to the provider's redirect."""
    location = await asyncio.to_thread(login_without_browser, tamper(await start(web)), username, PASSWORDS[username])
    return await web.get(callback_of(location))


def sessions(stack: Stack) -> list[Any]:
    return list(stack.dashboard.state.sessions._rows.values())


def recheck_now(stack: Stack) -> None:
    for found in sessions(stack):
        found.checked = float("-inf")


async def test_officials_sign_in_with_the_roles_their_directory_gives(stack: Stack) -> None:
    expected = {
        "truongdonvi": ("unit", stack.unit, None, f"/units/{stack.unit}/inbox"),
        "hoidong": ("council", None, None, "/nominations"),
        "canbo": ("officer", None, stack.officer, "/me/tracking"),
        "chuaphanquyen": ("person", None, None, "/me"),
    }
    for username, (role, unit, officer, home) in expected.items():
        async with stack.client() as web:
            answer = await sign_in(web, username)
            assert answer.status_code == 303 and answer.headers["location"] == home, (username, answer.text)
            mine = [s for s in sessions(stack) if s.name and s.name.startswith(stack.realm.person(username).first_name)]
            assert len(mine) == 1 and (mine[0].role, mine[0].unit_id, mine[0].officer_id) == (role, unit, officer)
            assert mine[0].subject and mine[0].provider is not None and not mine[0].token.startswith("td_")
            me = await web.get("/me")
            assert me.status_code == 200 and f'data-role="{role}"' in me.text
            assert stack.realm.person(username).first_name in me.text  # the header and /me name the person
    async with stack.client() as web:
        await sign_in(web, "chuaphanquyen")
        me = await web.get("/me")
        assert "chưa được phân quyền" in me.text and "số máy lẻ 123" in me.text
        assert (await web.get(f"/units/{stack.unit}/inbox")).status_code == 403
    async with stack.client() as web:
        await sign_in(web, "canbo")
        assert f"/officers/{stack.officer}/tracking" in (await web.get("/me")).text
        other = await web.get(f"/officers/{stack.unit}-CB99/tracking")
        assert other.status_code == 403
    conn = await asyncpg.connect(stack.database_url)
    try:
        recorded = await identity_rules.list_sign_ins(conn, limit=20)
    finally:
        await conn.close()
    assert sorted(str(r["role"]) for r in recorded) == ["council", "officer", "officer", "person", "person", "unit"]


def replace_param(url: str, name: str, value: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    return parts._replace(query=urlencode(query | {name: value})).geturl()


async def test_a_forged_state_or_nonce_or_a_replayed_code_opens_nothing(stack: Stack) -> None:
    async with stack.client() as web:
        location = await asyncio.to_thread(login_without_browser, await start(web), "hoidong", PASSWORDS["hoidong"])
        forged = await web.get(callback_of(replace_param(location, "state", "forged-state")))
        assert forged.status_code == 400 and "lý do: state" in forged.text
        async with stack.client() as elsewhere:  # the right state, in another browser
            assert (await elsewhere.get(callback_of(location))).status_code == 400
        nonce = await sign_in(web, "hoidong", lambda url: replace_param(url, "nonce", "someone-elses-nonce"))
        assert nonce.status_code == 401 and "lý do: id_token_nonce" in nonce.text
        good_location = await asyncio.to_thread(login_without_browser, await start(web), "hoidong", "matkhau-hoidong")
        assert (await web.get(callback_of(good_location))).status_code == 303
        code = parse_qs(urlsplit(good_location).query)["code"][0]
        again = await start(web)  # a new login of this browser, answered with the code already used
        state = parse_qs(urlsplit(again).query)["state"][0]
        replay = await web.get("/auth/callback", params={"state": state, "code": code})
        assert replay.status_code == 401 and "lý do: token_refused" in replay.text
        refused = await web.get(callback_of(replace_param(good_location, "error", "access_denied")))
        assert refused.status_code == 400
    assert len(sessions(stack)) == 1  # only the good sign-in


class Tampering(httpx.AsyncBaseTransport):
    """A test proxy before the real provider: adds the test's key to the published keys and re-signs the token
    endpoint's ID token with `change` applied (by `signer`); everything else is forwarded."""

    def __init__(self, trusted: RSAKey, signer: RSAKey, change: dict[str, Any]) -> None:
        self.inner, self.trusted, self.signer, self.change = httpx.AsyncHTTPTransport(), trusted, signer, change

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        answer = await self.inner.handle_async_request(request)
        path = request.url.path
        if not (path.endswith("/certs") or path.endswith("/token")):
            return answer
        body = json.loads(await answer.aread())
        if path.endswith("/certs"):
            body["keys"].append(self.trusted.as_dict(private=False))
        elif "id_token" in body:
            payload = body["id_token"].split(".")[1]
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            header = {"alg": "RS256", "kid": self.signer.kid}
            body["id_token"] = jwt.encode(header, claims | self.change, self.signer)
        return httpx.Response(answer.status_code, json=body)


@pytest.mark.parametrize(
    ("change", "other_key", "reason"),
    [
        ({"iss": "https://sso.evil.example/realms/thidua"}, False, "id_token_issuer"),
        ({"exp": int(time.time()) - 120}, False, "id_token_expired"),
        ({}, True, "id_token_signature"),
    ],
)
async def test_an_id_token_from_the_wrong_issuer_expired_or_signed_by_another_key_is_refused(
    stack: Stack, change: dict[str, Any], other_key: bool, reason: str
) -> None:
    trusted = RSAKey.generate_key(2048, parameters={"kid": "test-trusted", "alg": "RS256", "use": "sig"})
    other = RSAKey.generate_key(2048, parameters={"kid": "test-other", "alg": "RS256", "use": "sig"})
    stack.dashboard.state.provider_sign_in.provider.transport = Tampering(
        trusted, other if other_key else trusted, change
    )
    async with stack.client() as web:
        answer = await sign_in(web, "hoidong")
        assert answer.status_code == 401 and f"lý do: {reason}" in answer.text
    assert sessions(stack) == []


async def test_sign_out_ends_the_session_here_and_at_the_provider(stack: Stack) -> None:
    async with stack.client() as web:
        assert (await sign_in(web, "hoidong")).status_code == 303
        provider_admin = stack.admin
        assert await asyncio.to_thread(provider_admin.user_sessions, stack.realm.name, "hoidong") == 1
        page = await web.get("/me")
        out = await web.post("/sign-out", data={"csrf_token": csrf(page.text)})
        assert out.status_code == 303 and out.headers["location"].startswith(stack.realm.issuer)
        query = parse_qs(urlsplit(out.headers["location"]).query)
        assert query["post_logout_redirect_uri"] == [f"{stack.base}/"] and "id_token_hint" in query
        async with httpx.AsyncClient(timeout=30) as browser:  # the browser follows to the provider
            back = await browser.get(out.headers["location"])
            assert back.status_code in (302, 303) and back.headers["location"] == f"{stack.base}/"
        assert await asyncio.to_thread(provider_admin.user_sessions, stack.realm.name, "hoidong") == 0
        assert sessions(stack) == []
        assert (await web.get("/me")).headers["location"].startswith("/sign-in")


async def test_a_refused_refresh_ends_the_session_at_the_next_recheck(stack: Stack) -> None:
    async with stack.client() as web:
        await sign_in(web, "hoidong")
        assert (await web.get("/me")).status_code == 200
        await asyncio.to_thread(stack.admin.logout_user, stack.realm.name, "hoidong")
        recheck_now(stack)
        ended = await web.get("/me")
        assert ended.status_code == 303 and sessions(stack) == []
        home = await web.get("/")
        assert "Phiên đăng nhập của bạn đã kết thúc tại nhà cung cấp định danh" in home.text


async def test_removing_the_rule_ends_the_persons_session(stack: Stack) -> None:
    async with stack.client() as web:
        await sign_in(web, "hoidong")
        assert 'data-role="council"' in (await web.get("/me")).text
        conn = await asyncpg.connect(stack.database_url)
        try:
            await identity_rules.remove_rule(conn, stack.rules["council"])
        finally:
            await conn.close()
        recheck_now(stack)
        after = await web.get("/")
        assert "Quyền của bạn đã thay đổi" in after.text and sessions(stack) == []


async def test_a_unit_head_moved_to_another_unit_is_signed_out(stack: Stack) -> None:
    """The same role under another unit is another grant: the session opened for the first unit ends."""
    async with stack.client() as web:
        await sign_in(web, "truongdonvi")
        assert 'data-role="unit"' in (await web.get("/me")).text
        moved = stack.unit + ".9"
        await asyncio.to_thread(stack.admin.set_attribute, stack.realm.name, "truongdonvi", "unit_code", moved)
        try:
            recheck_now(stack)
            after = await web.get("/")
            assert "Quyền của bạn đã thay đổi" in after.text and sessions(stack) == []
        finally:
            await asyncio.to_thread(stack.admin.set_attribute, stack.realm.name, "truongdonvi", "unit_code", stack.unit)
