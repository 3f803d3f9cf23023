"""The dashboard's OpenID Connect relying party, pure parts: pending logins, URLs, discovery, ID-token checks."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from fastapi import FastAPI
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from services.dashboard import oidc
from services.dashboard.app import create_app
from services.dashboard.config import Settings
from services.dashboard.sessions import ProviderTokens, Session, SessionStore
from services.dashboard.sign_in_provider import ENDED, ProviderSignIn, Wiring

ISSUER, CLIENT = "https://sso.example.gov.vn/realms/tinh", "thidua-dashboard"
ENDPOINTS = oidc.Endpoints(
    ISSUER,
    f"{ISSUER}/protocol/openid-connect/auth",
    f"{ISSUER}/protocol/openid-connect/token",
    f"{ISSUER}/protocol/openid-connect/certs",
    f"{ISSUER}/protocol/openid-connect/logout",
)
NOW = 1_800_000_000.0
KEY = RSAKey.generate_key(2048, parameters={"kid": "good", "alg": "RS256", "use": "sig"})
OTHER = RSAKey.generate_key(2048, parameters={"kid": "good", "alg": "RS256", "use": "sig"})  # same kid, other key
KEYS = KeySet([KEY])


def id_token(key: Any = KEY, alg: str = "RS256", **changes: Any) -> str:
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": CLIENT,
        "azp": CLIENT,
        "sub": "6f1c-person",
        "exp": int(NOW) + 300,
        "iat": int(NOW) - 5,
        "nonce": "n-123",
        "name": "Nguyễn Văn An",
    }
    claims.update(changes)
    return jwt.encode({"alg": alg, "kid": "good"}, {k: v for k, v in claims.items() if v is not None}, key)


def verify(token: str, nonce: str | None = "n-123", now: float = NOW) -> dict[str, Any]:
    return oidc.verify_id_token(token, KEYS, issuer=ISSUER, client_id=CLIENT, nonce=nonce, now=now)


def refusal(token: str, **kwargs: Any) -> str:
    with pytest.raises(oidc.ProviderRefused) as refused:
        verify(token, **kwargs)
    return refused.value.reason


def test_a_good_id_token_gives_its_claims_and_a_refreshed_one_needs_no_nonce() -> None:
    assert verify(id_token())["sub"] == "6f1c-person"
    assert verify(id_token(nonce=None), nonce=None)["name"] == "Nguyễn Văn An"
    assert verify(id_token(aud=[CLIENT, "thidua-api"]))["sub"] == "6f1c-person"
    assert verify(id_token(azp=None))["sub"] == "6f1c-person"  # azp is checked only when present


def test_forged_or_stale_id_tokens_are_refused_each_for_its_reason() -> None:
    assert refusal(id_token(OTHER)) == "id_token_signature"
    assert refusal(id_token(iss="https://evil.example/realms/tinh")) == "id_token_issuer"
    assert refusal(id_token(aud="another-client")) == "id_token_audience"
    assert refusal(id_token(azp="another-client")) == "id_token_azp"
    assert refusal(id_token(exp=int(NOW) - 31)) == "id_token_expired"
    assert verify(id_token(exp=int(NOW) - 29))["sub"]  # within the 30 s leeway
    assert refusal(id_token(iat=int(NOW) + 120)) == "id_token_issued_in_future"
    assert refusal(id_token(nonce="someone-elses")) == "id_token_nonce"
    assert refusal(id_token(nonce=None)) == "id_token_nonce"
    assert refusal(id_token(sub=None)) == "id_token_subject"
    assert refusal(id_token(name="x" * 9000)) == "id_token_size"


def test_unsigned_and_shared_secret_tokens_are_refused() -> None:
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none"}).encode()).rstrip(b"=").decode()
    body = base64.urlsafe_b64encode(json.dumps({"iss": ISSUER, "aud": CLIENT}).encode()).rstrip(b"=").decode()
    assert refusal(f"{header}.{body}.") == "id_token_signature"
    hs_header = base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "kid": "good"}).encode()).rstrip(b"=").decode()
    signing_input = f"{hs_header}.{body}".encode()
    mac = hmac.new(KEY.as_pem(private=False), signing_input, hashlib.sha256).digest()
    hs = f"{hs_header}.{body}." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    assert refusal(hs) == "id_token_signature"  # the public key used as an HMAC secret (alg confusion)


def test_a_pending_login_is_found_once_by_its_own_browser_within_ten_minutes() -> None:
    logins = oidc.PendingLogins()
    first = logins.start("/nominations", 0.0)
    assert logins.take(first.state, "another-browsers-state", 1.0) is None  # bound to the cookie's state
    assert logins.take(first.state, None, 1.0) is None
    found = logins.take(first.state, first.state, 1.0)
    assert found is not None and found.next == "/nominations" and len(found.code_verifier) >= 43
    assert logins.take(first.state, first.state, 2.0) is None  # used once
    late = logins.start(None, 0.0)
    assert logins.take(late.state, late.state, 601.0) is None
    assert len({logins.start(None, 0.0).nonce for _ in range(50)}) == 50


def test_pending_logins_are_bounded() -> None:
    logins = oidc.PendingLogins(limit=3)
    oldest = logins.start(None, 0.0)
    for _ in range(3):
        logins.start(None, 0.0)
    assert len(logins) == 3 and logins.take(oldest.state, oldest.state, 1.0) is None


def test_the_authorization_url_asks_for_the_code_with_pkce_state_and_nonce() -> None:
    pending = oidc.Pending("st", "no", "v" * 50, None, 0.0)
    url = oidc.authorize_url(
        ENDPOINTS, pending, client_id=CLIENT, redirect_uri="http://web/auth/callback", scopes="openid"
    )
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == ENDPOINTS.authorization_endpoint
    assert query == {
        "response_type": "code",
        "client_id": CLIENT,
        "redirect_uri": "http://web/auth/callback",
        "scope": "openid",
        "state": "st",
        "nonce": "no",
        "code_challenge": create_s256_code_challenge("v" * 50),
        "code_challenge_method": "S256",
    }
    assert "v" * 50 not in url  # the verifier itself never leaves the dashboard


def test_the_end_session_url_names_the_id_token_and_the_way_back() -> None:
    url = oidc.end_session_url(ENDPOINTS, id_token="idt", client_id=CLIENT, after="http://web/")
    assert url is not None and url.startswith(ENDPOINTS.end_session_endpoint or "?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert query == {"id_token_hint": "idt", "client_id": CLIENT, "post_logout_redirect_uri": "http://web/"}
    no_logout = oidc.Endpoints(ISSUER, "https://a/x", "https://a/t", "https://a/k")
    assert oidc.end_session_url(no_logout, id_token="idt", client_id=CLIENT, after="http://web/") is None


def test_discovery_must_name_the_configured_issuer_and_the_needed_endpoints() -> None:
    document = {
        "issuer": ISSUER,
        "authorization_endpoint": ENDPOINTS.authorization_endpoint,
        "token_endpoint": ENDPOINTS.token_endpoint,
        "jwks_uri": ENDPOINTS.jwks_uri,
        "end_session_endpoint": "javascript:alert(1)",
    }
    found = oidc.endpoints_of(document, ISSUER)
    assert found.token_endpoint == ENDPOINTS.token_endpoint and found.end_session_endpoint is None
    with pytest.raises(oidc.ProviderRefused, match="discovery_issuer"):
        oidc.endpoints_of(document | {"issuer": "https://evil.example"}, ISSUER)
    with pytest.raises(oidc.ProviderRefused, match="discovery_incomplete"):
        oidc.endpoints_of({k: v for k, v in document.items() if k != "jwks_uri"}, ISSUER)


def test_token_answers_and_names_are_bounded() -> None:
    tokens = oidc.tokens_of({"access_token": "a", "refresh_token": "r", "id_token": "i", "expires_in": 60}, NOW)
    assert (tokens.access_token, tokens.refresh_token, tokens.id_token, tokens.expires_at) == ("a", "r", "i", NOW + 60)
    with pytest.raises(oidc.ProviderRefused):
        oidc.tokens_of({"access_token": "a" * 9000}, NOW)
    assert oidc.tokens_of({"access_token": "a", "expires_in": "soon"}, NOW).expires_at == NOW + 300
    assert oidc.display_name({"given_name": "An", "family_name": "Nguyễn"}) == "An Nguyễn"
    assert oidc.display_name({"preferred_username": "canbo"}) == "canbo"
    assert oidc.display_name({"name": "x" * 500}) == "x" * 200 and oidc.display_name({}) is None


async def page_of(settings: Settings, path: str, app: FastAPI | None = None) -> httpx.Response:
    transport = httpx.ASGITransport(app=app or create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://web") as client:
        return await client.get(path)


async def test_the_sign_in_page_offers_the_provider_only_when_configured() -> None:
    off = await page_of(Settings(), "/sign-in")
    assert off.status_code == 200 and 'id="sign-in-provider-off"' in off.text and "Mã truy cập" in off.text
    on = await page_of(Settings(oidc_issuer=ISSUER, oidc_provider_name="VNConnect Ninh Bình"), "/sign-in?next=/me")
    assert "Đăng nhập bằng VNConnect Ninh Bình" in on.text and "/sign-in/provider?next=%2Fme" in on.text
    assert (await page_of(Settings(), "/sign-in/provider")).status_code == 404


async def test_a_callback_without_this_browsers_pending_login_opens_nothing() -> None:
    app = create_app(Settings(oidc_issuer=ISSUER))
    answer = await page_of(Settings(), "/auth/callback?state=abc&code=def", app)
    assert answer.status_code == 400 and "lý do: state" in answer.text and len(app.state.sessions) == 0
    oversized = await page_of(Settings(), "/auth/callback?state=abc&code=" + "c" * 3000, app)
    assert oversized.status_code == 400 and "lý do: oversized" in oversized.text


class FakeProvider:
    """A provider whose refresh answers after a pause, or refuses: counts its calls."""

    def __init__(self, refuse: str | None = None) -> None:
        self.calls, self.refuse = 0, refuse

    async def refresh(self, refresh_token: str) -> oidc.Tokens:
        self.calls += 1
        await asyncio.sleep(0.01)
        if self.refuse:
            raise oidc.ProviderRefused(self.refuse)
        return oidc.Tokens(f"access-{self.calls}", f"refresh-{self.calls}", None, time.time() + 300)


def provider_session() -> Session:
    tokens = ProviderTokens("refresh-0", "id-0", time.time() + 10)
    return Session("access-0", "council", None, None, None, 0.0, 0.0, 0.0, subject="s", provider=tokens)


def sign_in_with(fake: FakeProvider) -> ProviderSignIn:
    wiring = Wiring(page=None, cookie=None, signed_in=None, call_as=None, home_of=None, clock=None)  # type: ignore[arg-type]
    found = ProviderSignIn(Settings(oidc_issuer=ISSUER), SessionStore(idle_seconds=60, max_age_seconds=60), wiring)
    found.provider = fake  # type: ignore[assignment]
    return found


async def test_requests_arriving_together_share_one_refresh() -> None:
    fake, found = FakeProvider(), provider_session()
    relying = sign_in_with(fake)
    assert relying.refresh_due(found)  # 10 s left: within the 30 s margin
    assert await asyncio.gather(*(relying.refresh(found) for _ in range(5))) == [None] * 5
    assert fake.calls == 1 and found.token == "access-1" and found.provider is not None
    assert found.provider.refresh_token == "refresh-1" and found.provider.id_token == "id-0"
    assert not relying.refresh_due(found)


async def test_a_refused_refresh_ends_the_session_a_provider_down_a_moment_does_not() -> None:
    found = provider_session()
    assert await sign_in_with(FakeProvider("token_refused")).refresh(found) == ENDED
    assert await sign_in_with(FakeProvider("provider_unreachable")).refresh(found) is None  # access still valid
    assert found.provider is not None
    found.provider.expires_at = time.time() - 1
    assert await sign_in_with(FakeProvider("provider_unreachable")).refresh(found) == ENDED
