"""Webhooks through the real notify service: only public addresses (checked at registration and again at delivery),
secrets shown once and never read back, both signature headers, nothing of the receiver's answer kept."""

import time
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from services.notify.adapters.sealing import KEY_NAME, SecretBox
from services.notify.app import create_app
from services.notify.domain.delivery import fingerprint, verify, verify_timestamped
from tests.integration.support import eventually, running_app
from tests.integration.test_notify_service import alert, bearer, new_group, prefix, publish, settings_for
from thidua.runtime.tokens import add_token
from thidua.testing.database import fetch, fetchval

pytestmark = pytest.mark.integration


class Hook:
    """A receiver on loopback that records calls and answers `status` with a body notify must not keep."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        self.url = ""

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/hook")
        async def hook(request: Request) -> Response:
            self.calls.append((dict(request.headers), await request.body()))
            return Response(b"internal stack trace: db=10.0.0.7 password=hunter2", status_code=self.status)

        return app


@pytest.fixture
async def hook() -> AsyncIterator[Hook]:
    h = Hook()
    async with running_app(h.app()) as url:
        h.url = f"{url}/hook"
        yield h


async def test_a_webhook_to_a_non_public_address_is_refused_at_registration(
    kafka_bootstrap: str, database_url: str
) -> None:
    unit = f"{prefix()}.01"
    token = await add_token(database_url, role="unit", unit_id=unit, label="văn thư")
    group = await new_group(kafka_bootstrap)
    # The default: no allow-list, so loopback is refused like every other non-public address.
    app = create_app(settings_for(kafka_bootstrap, database_url, group, 25, webhook_allow=""))
    async with running_app(app) as base, httpx.AsyncClient(base_url=base, headers=bearer(token)) as http:
        for url, why in (
            ("http://127.0.0.1:9/hook", "loopback"),
            ("http://169.254.169.254/latest/meta-data/", "metadata"),
            ("http://10.0.0.1/hook", "private"),
            ("https://192.168.1.10/hook", "private"),
            ("http://172.16.5.4/hook", "private"),
            ("http://100.64.0.1/hook", "carrier-grade NAT"),
            ("http://0.0.0.0:8080/hook", "unspecified"),
            ("http://[::1]:8080/hook", "loopback"),
            ("http://[fe80::1]/hook", "link-local"),
            ("http://[fd00::1]/hook", "unique local"),
            ("http://[::ffff:10.0.0.1]/hook", "private"),
            ("http://localhost:8080/hook", "loopback"),
        ):
            answer = await http.put(f"/v1/units/{unit}/channels", json={"webhook_url": url})
            assert answer.status_code == 422, (url, answer.text)
            [detail] = answer.json()["details"]
            assert detail["field"] == "webhook_url" and why in detail["message"], (url, detail)
        assert (await http.get(f"/v1/units/{unit}/channels")).json()["webhook_url"] is None  # nothing stored
        # A public address is fine (not contacted at registration).
        ok = await http.put(f"/v1/units/{unit}/channels", json={"webhook_url": "https://93.184.216.34/hook"})
        assert ok.status_code == 200, ok.text


async def test_the_secret_is_shown_once_never_read_back_and_rotates(kafka_bootstrap: str, database_url: str) -> None:
    unit = f"{prefix()}.01"
    token = await add_token(database_url, role="unit", unit_id=unit, label="văn thư")
    group = await new_group(kafka_bootstrap)
    app = create_app(settings_for(kafka_bootstrap, database_url, group, 25))
    async with running_app(app) as base, httpx.AsyncClient(base_url=base, headers=bearer(token)) as http:
        empty = (await http.get(f"/v1/units/{unit}/channels")).json()
        assert empty["webhook_secret_set"] is False and "webhook_secret" not in empty
        first = await http.put(f"/v1/units/{unit}/channels", json={"webhook_url": "https://93.184.216.34/a"})
        assert first.status_code == 200
        secret = first.json()["webhook_secret"]
        assert secret.startswith("whsec_") and first.json()["webhook_secret_fingerprint"] == fingerprint(secret)

        shown = await http.get(f"/v1/units/{unit}/channels")
        assert shown.status_code == 200 and secret not in shown.text and "webhook_secret" not in shown.json()
        assert shown.json()["webhook_secret_set"] is True
        assert shown.json()["webhook_secret_fingerprint"] == fingerprint(secret)

        # Changing the URL keeps the secret, and does not show it again.
        again = await http.put(f"/v1/units/{unit}/channels", json={"webhook_url": "https://93.184.216.34/b"})
        assert again.status_code == 200 and secret not in again.text
        assert again.json()["webhook_secret_fingerprint"] == fingerprint(secret)

        rotated = await http.put(
            f"/v1/units/{unit}/channels", json={"webhook_url": "https://93.184.216.34/b", "rotate_secret": True}
        )
        assert rotated.status_code == 200
        new = rotated.json()["webhook_secret"]
        assert new != secret and rotated.json()["webhook_secret_fingerprint"] == fingerprint(new)
        assert new not in (await http.get(f"/v1/units/{unit}/channels")).text
        both = await http.put(f"/v1/units/{unit}/channels", json={"rotate_secret": True, "webhook_secret": "x" * 20})
        assert both.status_code == 422 and both.json()["details"][0]["field"] == "rotate_secret"
        # Stored encrypted, never in clear: the plain column stays empty and the sealed one opens to the secret.
        [row] = await fetch(
            database_url, "SELECT webhook_secret, webhook_secret_sealed FROM notify.channels WHERE unit_id = $1", unit
        )
        assert row["webhook_secret"] is None and new not in row["webhook_secret_sealed"]
        assert SecretBox([await held_key(database_url)]).open(row["webhook_secret_sealed"]) == new


async def test_the_operator_turns_the_untimestamped_signature_off(
    kafka_bootstrap: str, database_url: str, hook: Hook
) -> None:
    """Issue 23: X-Signature (no timestamp, replayable) is the binding contract's, so it is sent unless
    NOTIFY_WEBHOOK_LEGACY_SIGNATURE=false; then only X-Thidua-Signature goes out."""
    unit = f"{prefix()}.01"
    admin = await add_token(database_url, role="admin", unit_id=None, label="vận hành")
    group = await new_group(kafka_bootstrap)
    app = create_app(settings_for(kafka_bootstrap, database_url, group, 25, webhook_legacy_signature=False))
    async with running_app(app) as base, httpx.AsyncClient(base_url=base, headers=bearer(admin)) as http:
        put = await http.put(f"/v1/units/{unit}/channels", json={"webhook_url": hook.url})
        assert put.status_code == 200, put.text
        await publish(kafka_bootstrap, [alert(unit, "HS-L1")])
        await eventually(lambda: _assert(len(hook.calls) == 1), timeout=30)
    [(headers, body)] = hook.calls
    assert "x-signature" not in headers
    assert verify_timestamped(put.json()["webhook_secret"], body, headers["x-thidua-signature"], now=time.time())


async def test_a_delivery_carries_both_signatures_and_keeps_only_the_status_of_a_failure(
    kafka_bootstrap: str, database_url: str, hook: Hook
) -> None:
    unit = f"{prefix()}.01"
    admin = await add_token(database_url, role="admin", unit_id=None, label="vận hành")
    group = await new_group(kafka_bootstrap)
    app = create_app(settings_for(kafka_bootstrap, database_url, group, 25, max_attempts=2, webhook_allow="127.0.0.1"))
    async with running_app(app) as base, httpx.AsyncClient(base_url=base, headers=bearer(admin)) as http:
        put = await http.put(f"/v1/units/{unit}/channels", json={"webhook_url": hook.url})
        assert put.status_code == 200, put.text
        secret = put.json()["webhook_secret"]
        await publish(kafka_bootstrap, [alert(unit, "HS-K1")])
        await eventually(lambda: _assert(len(hook.calls) == 1), timeout=30)
        [(headers, body)] = hook.calls
        assert verify(secret, body, headers["x-signature"])
        signed = headers["x-thidua-signature"]
        t = int(signed.split(",")[0].removeprefix("t="))
        assert abs(time.time() - t) < 60
        assert verify_timestamped(secret, body, signed, now=time.time())
        assert not verify_timestamped(secret, body, signed, now=t + 301)
        assert not verify_timestamped("whsec_another-one-00000000", body, signed, now=time.time())

        # A receiver that fails: its answer's body is neither stored nor shown, only the status.
        hook.status = 500
        await publish(kafka_bootstrap, [alert(unit, "HS-K2")])

        async def parked() -> None:
            rows = await fetch(
                database_url,
                "SELECT status, last_error FROM notify.deliveries d JOIN"
                " notify.notifications n ON n.id = d.notification_id"
                " WHERE d.unit_id = $1 AND n.condition_key LIKE '%HS-K2'",
                unit,
            )
            assert [(r["status"], r["last_error"]) for r in rows] == [("parked", "HTTP 500")]

        await eventually(parked, timeout=30)
        listing = await http.get("/v1/deliveries", params={"status": "parked", "unit": unit})
        assert "hunter2" not in listing.text and listing.json()["items"][0]["last_error"] == "HTTP 500"


async def test_a_name_that_resolves_elsewhere_at_delivery_is_refused_and_parked(
    kafka_bootstrap: str, database_url: str, hook: Hook
) -> None:
    """DNS rebinding: public when registered, loopback when delivered; the delivery is parked with the reason
    and the receiver on loopback never hears of it."""
    unit = f"{prefix()}.01"
    admin = await add_token(database_url, role="admin", unit_id=None, label="vận hành")
    port = int(hook.url.rsplit(":", 1)[1].split("/")[0])
    answers = iter([["93.184.216.34"]])

    async def rebinding(host: str, _port: int) -> list[str]:
        assert host == "hooks.rebind.example"
        return next(answers, ["127.0.0.1"])

    group = await new_group(kafka_bootstrap)
    app = create_app(settings_for(kafka_bootstrap, database_url, group, 25, webhook_allow=""), resolver=rebinding)
    async with running_app(app) as base, httpx.AsyncClient(base_url=base, headers=bearer(admin)) as http:
        put = await http.put(
            f"/v1/units/{unit}/channels", json={"webhook_url": f"http://hooks.rebind.example:{port}/hook"}
        )
        assert put.status_code == 200, put.text
        await publish(kafka_bootstrap, [alert(unit, "HS-R1")])

        async def parked() -> None:
            rows = await fetch(
                database_url, "SELECT status, attempts, last_error FROM notify.deliveries WHERE unit_id = $1", unit
            )
            assert [(r["status"], r["attempts"]) for r in rows] == [("parked", 1)]
            assert rows[0]["last_error"].startswith(
                "refused: hooks.rebind.example resolves to 127.0.0.1 is a loopback address"
            )

        await eventually(parked, timeout=30)
    assert hook.calls == []


async def held_key(database_url: str) -> str:
    """The key notify generated and keeps in notify.keys (no NOTIFY_SECRET_KEY in the tests)."""
    return str(await fetchval(database_url, "SELECT key FROM notify.keys WHERE name = $1", KEY_NAME))


async def test_webhook_secrets_are_encrypted_at_rest_and_plain_ones_are_sealed_on_upgrade(
    kafka_bootstrap: str, database_url: str, hook: Hook
) -> None:
    """The channels row never holds the secret in clear, yet deliveries are signed with it; a plain secret left
    by the version before (or written since by one) is sealed when the service starts and keeps working."""
    unit, old_unit = f"{prefix()}.01", f"{prefix()}.02"
    admin = await add_token(database_url, role="admin", unit_id=None, label="vận hành")
    given = f"bí-mật-của-{unit}-0123456789"
    settings = settings_for(kafka_bootstrap, database_url, await new_group(kafka_bootstrap), 25)
    async with (
        running_app(create_app(settings)) as base,
        httpx.AsyncClient(base_url=base, headers=bearer(admin)) as http,
    ):
        put = await http.put(f"/v1/units/{unit}/channels", json={"webhook_url": hook.url, "webhook_secret": given})
        assert put.status_code == 200 and put.json()["webhook_secret"] == given
        assert put.json()["webhook_secret_fingerprint"] == fingerprint(given)
        [row] = await fetch(database_url, "SELECT * FROM notify.channels WHERE unit_id = $1", unit)
        assert row["webhook_secret"] is None
        assert given not in repr(dict(row))
        assert SecretBox([await held_key(database_url)]).open(row["webhook_secret_sealed"]) == given
        shown = await http.get(f"/v1/units/{unit}/channels")
        assert given not in shown.text and shown.json()["webhook_secret_fingerprint"] == fingerprint(given)

        await publish(kafka_bootstrap, [alert(unit, "HS-E1")])
        await eventually(lambda: _assert(len(hook.calls) == 1), timeout=30)
        [(headers, body)] = hook.calls
        assert verify(given, body, headers["x-signature"])
        assert verify_timestamped(given, body, headers["x-thidua-signature"], now=time.time())

    # A row as the version before wrote it: the secret in clear. The next start seals it.
    plain = f"whsec_plain-before-the-upgrade-{old_unit}"
    await fetch(
        database_url,
        "INSERT INTO notify.channels (unit_id, webhook_url, webhook_secret) VALUES ($1, $2, $3)",
        old_unit,
        hook.url,
        plain,
    )
    settings = settings_for(kafka_bootstrap, database_url, await new_group(kafka_bootstrap), 25)
    async with (
        running_app(create_app(settings)) as base,
        httpx.AsyncClient(base_url=base, headers=bearer(admin)) as http,
    ):
        [row] = await fetch(
            database_url,
            "SELECT webhook_secret, webhook_secret_sealed FROM notify.channels WHERE unit_id = $1",
            old_unit,
        )
        assert row["webhook_secret"] is None and plain not in row["webhook_secret_sealed"]
        shown = await http.get(f"/v1/units/{old_unit}/channels")
        assert (
            shown.json()["webhook_secret_set"] is True
            and shown.json()["webhook_secret_fingerprint"] == fingerprint(plain)
            and plain not in shown.text
        )
        again = await http.put(f"/v1/units/{old_unit}/channels", json={"webhook_url": hook.url})
        assert "webhook_secret" not in again.json()  # kept, so not shown again
        await publish(kafka_bootstrap, [alert(old_unit, "HS-E2")])
        await eventually(lambda: _assert(len(hook.calls) == 2), timeout=30)
        headers, body = hook.calls[1]
        assert verify(plain, body, headers["x-signature"])
        assert verify_timestamped(plain, body, headers["x-thidua-signature"], now=time.time())


def _assert(condition: bool) -> None:
    assert condition
