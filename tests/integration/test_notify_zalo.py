"""Zalo Official Account messages against a local stand-in of Zalo's OA API v3 that checks every request as Zalo's
documentation specifies it and answers as Zalo does: the channel alone, then through the real notify service."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from services.notify.adapters.channels import CHANNELS, Kit
from services.notify.adapters.channels.zalo import CHANNEL as ZALO
from services.notify.adapters.channels.zalo import TEXT_LIMIT, bounded_text
from services.notify.app import create_app
from services.notify.config import Settings
from services.notify.domain.delivery import SENT, DeliveryResult, Outgoing
from tests.integration.support import eventually, running_app
from tests.integration.test_notify_service import alert, bearer, new_group, prefix, publish, settings_for
from thidua.runtime.tokens import add_token
from thidua.testing.database import fetch

PATH = "/v3.0/oa/message/cs"
TOKEN = "oa-access-token-for-tests"
FOLLOWER = "2468013579246801357"  # a user id as the OA sees it (digits)
STRANGER = "1111111111111111111"  # not a follower: Zalo answers error -213

pytestmark = pytest.mark.integration


@dataclass
class StandIn:
    """Zalo's OA message endpoint on loopback: records requests, notes every deviation from the documentation."""

    url: str = ""
    token: str = TOKEN
    texts: dict[str, list[str]] = field(default_factory=dict)
    deviations: list[str] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.api_route("/{path:path}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
        async def anything(path: str, request: Request) -> Response:
            return self.answer(request.method, "/" + path, dict(request.headers), await request.body())

        return app

    def answer(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> Response:
        if path != PATH:  # what a proxy in front of Zalo answers for an unknown path
            self.deviations.append(f"path {path}")
            return Response(b"<html>404 Not Found</html>", status_code=404, media_type="text/html")
        wrong = []
        if method != "POST":
            wrong.append(f"method {method}")
        if headers.get("content-type", "").split(";")[0].strip() != "application/json":
            wrong.append(f"content type {headers.get('content-type')!r}")
        try:
            doc = json.loads(raw)
        except ValueError:
            doc = None
        if not (
            isinstance(doc, dict)
            and set(doc) == {"recipient", "message"}
            and isinstance(doc["recipient"], dict)
            and set(doc["recipient"]) == {"user_id"}
            and isinstance(doc["recipient"]["user_id"], str)
            and isinstance(doc["message"], dict)
            and set(doc["message"]) == {"text"}
            and isinstance(doc["message"]["text"], str)
            and 0 < len(doc["message"]["text"]) <= TEXT_LIMIT
        ):
            wrong.append(f"body {raw[:200]!r}")
        if wrong:
            self.deviations.extend(wrong)
            return zalo_answer(-201, "Parameters are invalid")
        if headers.get("access_token") != self.token:
            return zalo_answer(-216, "Access token is invalid")
        user, text = doc["recipient"]["user_id"], doc["message"]["text"]
        if user == STRANGER:
            return zalo_answer(-213, "User has not followed OA")
        self.texts.setdefault(user, []).append(text)
        return zalo_answer(0, "Success", {"message_id": f"m{len(self.texts[user])}", "user_id": user})


def zalo_answer(error: int, message: str, data: dict[str, Any] | None = None) -> Response:
    """An answer as Zalo gives it: HTTP 200 and the outcome in `error` (0 success)."""
    doc: dict[str, Any] = {"error": error, "message": message}
    if data is not None:
        doc["data"] = data
    return Response(json.dumps(doc), status_code=200, media_type="application/json")


@pytest.fixture
async def zalo() -> AsyncIterator[StandIn]:
    stand_in = StandIn()
    async with running_app(stand_in.app()) as url:
        stand_in.url = url + PATH
        yield stand_in
    assert stand_in.deviations == []


def message(body: str = "Đơn vị: UBND xã Hải Đường (H40.01).", link: str | None = "http://x/units/H40.01") -> Outgoing:
    return Outgoing(
        notification_id=7,
        unit_id="H40.01",
        kind="dossier_overdue",
        priority="high",
        condition_key="k",
        title="Hồ sơ HS-1 đã quá hạn giải quyết",
        body=body,
        link=link,
        data={},
        created_at=datetime(2025, 3, 14, 2, 30, tzinfo=UTC),
    )


def test_the_zalo_channel_is_registered_and_off_unless_configured() -> None:
    assert CHANNELS["zalo"] is ZALO and ZALO.field == "zalo_user_id"
    assert not ZALO.configured(Settings())
    assert Settings().zalo_api_url == "https://openapi.zalo.me/v3.0/oa/message/cs"
    assert ZALO.configured(Settings(zalo_access_token=TOKEN))


def test_texts_are_bounded_to_zalo_limit_and_keep_their_link() -> None:
    short = message()
    assert bounded_text(short) == f"{short.title}\n\n{short.body}\n\n{short.link}"
    long = message(body="Đề nghị đơn vị khẩn trương xử lý. " * 200)
    text = bounded_text(long)
    assert len(text) == TEXT_LIMIT and text.endswith(f"…\n\n{long.link}") and text.startswith(long.title)
    assert len(bounded_text(message(body="x" * 5000, link=None))) == TEXT_LIMIT


async def test_a_message_is_sent_as_documented_and_error_answers_fail(zalo: StandIn) -> None:
    kit = Kit(Settings(zalo_access_token=TOKEN, zalo_api_url=zalo.url))
    assert await ZALO.send(message(), FOLLOWER, kit) == SENT
    [text] = zalo.texts[FOLLOWER]
    assert text.startswith("Hồ sơ HS-1 đã quá hạn giải quyết\n\n") and "Hải Đường" in text  # UTF-8 kept
    assert await ZALO.send(message(body="y" * 5000), FOLLOWER, kit) == SENT
    assert len(zalo.texts[FOLLOWER][1]) == TEXT_LIMIT
    # Zalo's error answers (HTTP 200, error ≠ 0): a failure with the code only, retried by the push loop.
    assert await ZALO.send(message(), STRANGER, kit) == DeliveryResult.failed("Zalo error -213")
    wrong_token = Kit(Settings(zalo_access_token="expired", zalo_api_url=zalo.url))
    assert await ZALO.send(message(), FOLLOWER, wrong_token) == DeliveryResult.failed("Zalo error -216")
    # A wrong URL (a proxy's error page): the status only, never the page.
    elsewhere = Kit(Settings(zalo_access_token=TOKEN, zalo_api_url=zalo.url.replace("/v3.0/", "/v2.0/")))
    assert await ZALO.send(message(), FOLLOWER, elsewhere) == DeliveryResult.failed("HTTP 404")
    assert zalo.deviations == ["path /v2.0/oa/message/cs"]
    zalo.deviations.clear()  # that one was wrong on purpose


async def test_a_unit_registers_a_zalo_user_and_hears_its_alerts_there(
    kafka_bootstrap: str, database_url: str, zalo: StandIn
) -> None:
    unit, stranger_unit = f"{prefix()}.01", f"{prefix()}.02"
    admin = await add_token(database_url, role="admin", unit_id=None, label="vận hành")
    # Without an access token the channel is off: the address is refused, naming the field.
    off = create_app(settings_for(kafka_bootstrap, database_url, await new_group(kafka_bootstrap), 25))
    async with running_app(off) as base, httpx.AsyncClient(base_url=base, headers=bearer(admin)) as http:
        refused = await http.put(f"/v1/units/{unit}/channels", json={"zalo_user_id": FOLLOWER})
        assert refused.status_code == 422, refused.text
        [detail] = refused.json()["details"]
        assert detail["field"] == "zalo_user_id" and "not configured" in detail["message"]

    settings = settings_for(
        kafka_bootstrap,
        database_url,
        await new_group(kafka_bootstrap),
        25,
        max_attempts=2,
        zalo_access_token=TOKEN,
        zalo_api_url=zalo.url,
    )
    async with (
        running_app(create_app(settings)) as base,
        httpx.AsyncClient(base_url=base, headers=bearer(admin)) as http,
    ):
        bad = await http.put(f"/v1/units/{unit}/channels", json={"zalo_user_id": "not digits"})
        assert bad.status_code == 422
        put = await http.put(f"/v1/units/{unit}/channels", json={"zalo_user_id": FOLLOWER})
        assert put.status_code == 200, put.text
        assert put.json()["zalo_user_id"] == FOLLOWER and put.json()["email"] is None
        shown = (await http.get(f"/v1/units/{unit}/channels")).json()
        assert shown["zalo_user_id"] == FOLLOWER and shown["webhook_url"] is None
        assert (
            await http.put(f"/v1/units/{stranger_unit}/channels", json={"zalo_user_id": STRANGER})
        ).status_code == 200

        await publish(kafka_bootstrap, [alert(unit, "HS-Z1"), alert(stranger_unit, "HS-Z2")])
        await eventually(lambda: _assert(len(zalo.texts.get(FOLLOWER, [])) == 1), timeout=30)
        [text] = zalo.texts[FOLLOWER]
        assert text.startswith("Hồ sơ HS-Z1 đã quá hạn giải quyết") and f"/units/{unit}" in text

        async def parked() -> None:
            rows = await fetch(
                database_url,
                "SELECT channel, status, attempts, last_error FROM notify.deliveries WHERE unit_id = $1",
                stranger_unit,
            )
            assert [(r["channel"], r["status"], r["attempts"], r["last_error"]) for r in rows] == [
                ("zalo", "parked", 2, "Zalo error -213")
            ]

        await eventually(parked, timeout=30)
        listing = await http.get("/v1/deliveries", params={"status": "parked", "unit": stranger_unit})
        assert "followed" not in listing.text  # Zalo's words are not kept, only its code
        # Switching the channel off: an omitted field is off.
        off_again = await http.put(f"/v1/units/{unit}/channels", json={})
        assert off_again.json()["zalo_user_id"] is None


def _assert(condition: bool) -> None:
    assert condition
