"""The dashboard's sessions and exposure over real HTTP against the fake services of test_dashboard: a cookie that
is only a session id, sign-out and revocation ending sessions everywhere, the sign-in limit, the security headers,
unit ids checked before any upstream call, and the anonymous unit page's bounded fan-out."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from services.dashboard.app import create_app
from tests.integration.support import running_app
from tests.integration.test_dashboard import COUNCIL, UNIT, WHO, csrf, fake_services, settings_for, sign_in

SIGNED_IN = "Đăng xuất"  # the sign-out button is on every page of a signed-in user


class Services:
    """The fake services, recording every path they are asked for."""

    def __init__(self) -> None:
        self.app: FastAPI = fake_services()
        self.paths: list[str] = []

        @self.app.middleware("http")
        async def record(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
            self.paths.append(request.url.path)
            return await call_next(request)


@pytest.fixture
async def services() -> AsyncIterator[tuple[Services, str]]:
    fake = Services()
    async with running_app(fake.app) as base:
        yield fake, base


@pytest.fixture
async def web(services: tuple[Services, str]) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(create_app(settings_for(services[1]))) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            yield client


def payload(cookie: str) -> dict[str, Any]:
    """What Starlette's signed cookie holds: base64 JSON before the first dot."""
    data = cookie.split(".")[0]
    return json.loads(base64.b64decode(data + "=" * (-len(data) % 4)))


async def test_the_cookie_holds_a_random_session_id_and_never_the_token(web: httpx.AsyncClient) -> None:
    response = await sign_in(web, UNIT)
    assert response.status_code == 303
    held = payload(response.cookies["thidua_session"])
    assert set(held) == {"sid"} and len(held["sid"]) >= 43
    assert UNIT not in json.dumps(held) and UNIT not in response.headers["set-cookie"]
    again = httpx.AsyncClient(base_url=str(web.base_url), timeout=30)
    async with again:
        other = payload((await sign_in(again, UNIT)).cookies["thidua_session"])
    assert other["sid"] != held["sid"]  # a fresh random id per sign-in


async def test_a_cookie_captured_before_sign_out_opens_nothing_after_it(web: httpx.AsyncClient) -> None:
    await sign_in(web, UNIT)
    captured = web.cookies["thidua_session"]
    inbox = await web.get("/units/SO.TP/inbox")
    assert inbox.status_code == 200 and SIGNED_IN in inbox.text
    assert (await web.post("/sign-out", data={"csrf_token": csrf(inbox.text)})).status_code == 303
    async with httpx.AsyncClient(base_url=str(web.base_url), timeout=30) as thief:
        thief.cookies.set("thidua_session", captured)
        replay = await thief.get("/units/SO.TP/inbox")
        assert replay.status_code == 401 and "Cần đăng nhập" in replay.text and SIGNED_IN not in replay.text
        assert "Xếp loại giảm" not in replay.text
        home = await thief.get("/")
        assert SIGNED_IN not in home.text


async def test_a_revoked_token_ends_every_session_signed_in_with_it(
    web: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await sign_in(web, UNIT)
    async with httpx.AsyncClient(base_url=str(web.base_url), timeout=30) as laptop:
        await sign_in(laptop, UNIT)
        assert SIGNED_IN in (await laptop.get("/")).text
        monkeypatch.delitem(WHO, UNIT)  # `thidua token revoke`: the services now answer 401 to it
        refused = await web.get("/units/SO.TP/inbox")
        assert refused.status_code == 401 and "đã bị thu hồi hoặc hết hạn" in refused.text
        assert SIGNED_IN not in refused.text
        # The other session used only public pages since: it ended with the token all the same.
        public = await laptop.get("/")
        assert public.status_code == 200 and SIGNED_IN not in public.text
        assert (await laptop.get("/units/SO.TP/officers")).status_code == 401


async def test_a_revoked_token_ends_its_session_on_public_pages_at_the_next_check(
    services: tuple[Services, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(services[1]).model_copy(update={"session_recheck_seconds": 5})
    async with running_app(create_app(settings)) as base, httpx.AsyncClient(base_url=base, timeout=30) as web:
        await sign_in(web, COUNCIL)
        monkeypatch.delitem(WHO, COUNCIL)
        assert SIGNED_IN in (await web.get("/")).text  # checked at sign-in, less than 5 s ago
        await asyncio.sleep(5.2)
        home = await web.get("/")
        assert home.status_code == 200 and SIGNED_IN not in home.text


async def test_a_non_ascii_token_at_sign_in_is_a_form_error_not_a_500(
    web: httpx.AsyncClient, services: tuple[Services, str]
) -> None:
    for token in ("mã-truy-cập", "td_\u00e9", "td_a b", "td_\x00", "x" * 501):
        response = await sign_in(web, token)
        assert response.status_code == 400, token
        assert "Mã truy cập không hợp lệ" in response.text and SIGNED_IN not in response.text
    assert "/v1/whoami" not in services[0].paths  # refused at the door, no look-up


async def test_sign_in_failures_are_limited_per_client_with_retry_after(services: tuple[Services, str]) -> None:
    app = create_app(settings_for(services[1]))

    def client(ip: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(ip, 40000))
        return httpx.AsyncClient(transport=transport, base_url="http://dashboard")

    async with client("203.0.113.7") as guesser, client("198.51.100.9") as colleague:
        for _ in range(5):
            assert (await sign_in(guesser, "wrong-token")).status_code == 401
        asked = services[0].paths.count("/v1/whoami")
        blocked = await sign_in(guesser, UNIT)  # even the right token waits: the guesser is held back
        assert blocked.status_code == 429 and "quá nhiều lần" in blocked.text
        assert 1 <= int(blocked.headers["retry-after"]) <= 60
        assert services[0].paths.count("/v1/whoami") == asked  # a blocked attempt costs no look-up
        assert (await sign_in(colleague, UNIT)).status_code == 303  # another client signs in


async def test_every_response_carries_the_security_headers(web: httpx.AsyncClient) -> None:
    await sign_in(web, UNIT)
    for path in ("/", "/sign-in", "/units/SO.TP", "/static/app.css", "/static/app.js", "/no-such-page", "/healthz"):
        response = await web.get(path)
        headers = response.headers
        assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] == "same-origin", path
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "style-src 'self'" in csp, path
        assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp, path
        assert "strict-transport-security" not in headers, path  # plain HTTP (`make run`): no HSTS
        if path in ("/", "/units/SO.TP"):
            assert " style=" not in response.text and "<script>" not in response.text, path
    posted = await web.post("/sign-in", data={"token": "x"})
    assert posted.status_code == 403 and posted.headers["x-frame-options"] == "DENY"


async def test_over_https_the_cookie_is_secure_host_prefixed_and_hsts_is_sent(services: tuple[Services, str]) -> None:
    settings = settings_for(services[1]).model_copy(update={"cookie_secure": True})
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="https://dashboard.example") as web:
        form = await web.get("/sign-in")
        assert form.headers["strict-transport-security"].startswith("max-age=31536000")
        response = await web.post("/sign-in", data={"token": UNIT, "csrf_token": csrf(form.text)})
        assert response.status_code == 303
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("__Host-thidua_session=")
        flags = {flag.strip().lower() for flag in cookie.split(";")[1:]}
        assert {"secure", "httponly", "samesite=lax", "path=/"} <= flags
        assert not any(flag.startswith("domain=") for flag in flags)
        assert (await web.get("/units/SO.TP/inbox")).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/units/%2E%2E",
        "/units/%2E%2E/inbox",
        "/units/%2E%2E/officers",
        "/units/%2E%2E/events?indicator=on_time_rate",
        "/units/%2E%2E/scorecard.xlsx",
        "/units/..%5C..",
        "/units/so.tp",
        "/units/SO%3FTP",
        "/units/SO%23TP",
        "/units/SO%20TP",
        "/units/" + "A" * 33,
    ],
)
async def test_a_unit_id_outside_the_grammar_is_404_and_reaches_no_service(
    web: httpx.AsyncClient, services: tuple[Services, str], path: str
) -> None:
    await sign_in(web, COUNCIL)
    before = len(services[0].paths)
    response = await web.get(path)
    assert response.status_code == 404 and "Không tìm thấy" in response.text
    assert services[0].paths[before:] == []


async def test_unit_ids_in_forms_and_queries_are_checked_too(
    web: httpx.AsyncClient, services: tuple[Services, str]
) -> None:
    before = len(services[0].paths)
    for path in ("/units?unit_id=../v1/whoami", "/nominations/preview?period=2025&unit=../../x"):
        response = await web.get(path)
        assert response.status_code == 400 and "Mã đơn vị không hợp lệ" in response.text, path
    assert services[0].paths[before:] == []
    found = await web.get("/units?unit_id=so.tp")  # typed in lower case: the unit's id is upper case
    assert found.status_code == 303 and found.headers["location"].startswith("/units/SO.TP")


async def test_an_anonymous_unit_page_fans_out_once_and_an_unknown_unit_costs_two_calls(
    web: httpx.AsyncClient, services: tuple[Services, str]
) -> None:
    paths = services[0].paths
    unknown = await web.get("/units/NOPE.X", params={"period": "2025"})
    assert unknown.status_code == 404
    assert len([p for p in paths if p.startswith("/v1/units/NOPE.X/")]) == 2  # the card and next band, no months
    known = await web.get("/units/SO.TP", params={"period": "2025"})
    assert known.status_code == 200
    calls = len([p for p in paths if p.startswith("/v1/units/SO.TP/")])
    assert calls == 14  # the card, the next band and twelve months
    for _ in range(5):  # visitors within the cache's seconds are answered from it
        assert (await web.get("/units/SO.TP", params={"period": "2025"})).status_code == 200
    assert len([p for p in paths if p.startswith("/v1/units/SO.TP/")]) == calls
