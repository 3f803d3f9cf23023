"""A real OpenID Connect provider (Keycloak) for the tests: one server per session, one realm per test."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import re
import secrets
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx

from thidua.operator.localinfra.keycloak import KeycloakAdmin, LocalKeycloak
from thidua.operator.localinfra.oidc_realm import COUNCIL_GROUP, UNIT_HEAD_GROUP, Person, realm
from thidua.operator.localinfra.process import free_port

__all__ = [
    "COUNCIL_GROUP",
    "UNIT_HEAD_GROUP",
    "Person",
    "Provider",
    "RealmInfo",
    "login_without_browser",
    "new_realm",
    "provider_tokens",
    "session_provider",
    "standard_people",
]


@dataclass(frozen=True)
class Provider:
    """A running provider: its base URL and an admin API client."""

    base_url: str
    admin: KeycloakAdmin


@dataclass(frozen=True)
class RealmInfo:
    """One test realm: its issuer and the dashboard client registered in it."""

    name: str
    issuer: str
    client_id: str
    client_secret: str | None
    people: Sequence[Person]
    redirect_uris: Sequence[str] = ("*",)
    post_logout_uris: Sequence[str] = ("*",)
    extra: dict[str, Any] = field(default_factory=dict)

    def person(self, username: str) -> Person:
        return next(p for p in self.people if p.username == username)


@contextlib.contextmanager
def session_provider() -> Iterator[Provider]:
    """Start a Keycloak on a free port for the session; stop it at the end whatever happened."""
    password = secrets.token_urlsafe(18)
    log = Path(tempfile.mkdtemp(prefix="thidua-keycloak-")) / "keycloak.log"
    server = LocalKeycloak(free_port(), password, log_path=log)
    started = time.monotonic()
    server.start()
    print(f"\n==> Keycloak up in {time.monotonic() - started:.1f}s at {server.base_url}", flush=True)
    admin = KeycloakAdmin(server.base_url, password)
    try:
        yield Provider(server.base_url, admin)
    finally:
        admin.close()
        server.stop()


def standard_people(unit_code: str = "H40.11", officer_id: str = "H40.11-CB01") -> list[Person]:
    """A unit head, a council member, an officer and a person nobody has mapped (all with password "matkhau-…")."""
    return [
        Person("truongdonvi", "matkhau-truong", [UNIT_HEAD_GROUP], {"unit_code": unit_code}, "Trưởng", "Đơn vị"),
        Person("hoidong", "matkhau-hoidong", [COUNCIL_GROUP], {}, "Thành viên", "Hội đồng"),
        Person("canbo", "matkhau-canbo", [], {"officer_id": officer_id, "unit_code": unit_code}, "Cán bộ", "Một"),
        Person("chuaphanquyen", "matkhau-chua", [], {}, "Chưa", "Phân quyền"),
    ]


def new_realm(
    provider: Provider,
    people: Sequence[Person] | None = None,
    *,
    redirect_uris: Sequence[str] = ("*",),
    post_logout_uris: Sequence[str] | None = None,
    client_id: str = "thidua-dashboard",
    public: bool = False,
    audience: str = "thidua-api",
) -> RealmInfo:
    """A fresh realm (unique name) with the dashboard client and the given people (default: standard_people())."""
    name = f"t{secrets.token_hex(5)}"
    secret = None if public else secrets.token_urlsafe(24)
    everyone = list(standard_people() if people is None else people)
    logout = list(post_logout_uris if post_logout_uris is not None else redirect_uris)
    representation = realm(
        name,
        client_id=client_id,
        client_secret=secret,
        redirect_uris=redirect_uris,
        post_logout_uris=logout,
        people=everyone,
        audience=audience,
    )
    provider.admin.create_realm(representation)
    issuer = f"{provider.base_url}/realms/{name}"
    return RealmInfo(name, issuer, client_id, secret, everyone, tuple(redirect_uris), tuple(logout))


def _browser_like_client() -> httpx.Client:
    """An httpx client whose cookie jar sends Keycloak's Secure login cookies over plain http on loopback.

    Without them the login form answers 400 (cookie not found). httpx copies the jar into one with the default
    policy for each request, so the Cookie header is written here, from the client's own jar."""
    jar = CookieJar(policy=DefaultCookiePolicy(secure_protocols=("https", "wss", "http")))

    def cookie_header(request: httpx.Request) -> None:
        probe = urllib.request.Request(str(request.url), method=request.method)
        jar.add_cookie_header(probe)
        header = probe.get_header("Cookie")
        if header:
            request.headers["Cookie"] = header

    return httpx.Client(cookies=jar, follow_redirects=False, timeout=30.0, event_hooks={"request": [cookie_header]})


_FORM = re.compile(r"<form[^>]*\bid=\"kc-form-login\"[^>]*>", re.IGNORECASE)
_ACTION = re.compile(r"\baction=\"([^\"]+)\"", re.IGNORECASE)


def login_without_browser(authorize_url: str, username: str, password: str) -> str:
    """Sign in at the provider's login form as a browser would; return the redirect's Location (code and state)."""
    with _browser_like_client() as client:
        page = client.get(authorize_url)
        hops = 0
        while page.status_code in (302, 303) and hops < 5 and "code=" not in page.headers.get("location", ""):
            page = client.get(urljoin(str(page.url), page.headers["location"]))
            hops += 1
        if page.status_code != 200:
            raise RuntimeError(f"the provider's authorization endpoint answered {page.status_code}: {page.text[:300]}")
        form = _FORM.search(page.text)
        action = _ACTION.search(form.group(0)) if form else None
        if action is None:
            raise RuntimeError("no login form in the provider's page")
        target = urljoin(str(page.url), html.unescape(action.group(1)))
        answer = client.post(target, data={"username": username, "password": password, "credentialId": ""})
        if answer.status_code not in (302, 303):
            raise RuntimeError(f"sign-in at the provider refused ({answer.status_code}) for {username!r}")
        return answer.headers["location"]


def _discovery(issuer: str) -> dict[str, Any]:
    answer = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=30.0)
    answer.raise_for_status()
    return dict(answer.json())


def _redirect_uri(info: RealmInfo) -> str:
    for uri in info.redirect_uris:
        if "*" not in uri:
            return uri
    return "http://127.0.0.1/test-callback"  # any URI matches the wildcard; nothing needs to listen there


def authorize_url(info: RealmInfo, *, redirect_uri: str, state: str, nonce: str, challenge: str) -> str:
    """The authorization code flow's first step, with PKCE S256."""
    query = {
        "response_type": "code",
        "client_id": info.client_id,
        "redirect_uri": redirect_uri,
        "scope": "openid profile",
        "state": state,
        "nonce": nonce,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    return f"{_discovery(info.issuer)['authorization_endpoint']}?{urlencode(query)}"


def provider_tokens(info: RealmInfo, username: str, password: str) -> dict[str, Any]:
    """Real tokens for a person (access, ID, refresh): the code flow with PKCE, as the dashboard's client."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    state, nonce, redirect_uri = secrets.token_urlsafe(16), secrets.token_urlsafe(16), _redirect_uri(info)
    location = login_without_browser(
        authorize_url(info, redirect_uri=redirect_uri, state=state, nonce=nonce, challenge=challenge),
        username,
        password,
    )
    query = parse_qs(urlsplit(location).query)
    if query.get("state") != [state] or "code" not in query:
        raise RuntimeError("the provider's redirect carries no code for this state")
    form = {
        "grant_type": "authorization_code",
        "code": query["code"][0],
        "redirect_uri": redirect_uri,
        "client_id": info.client_id,
        "code_verifier": verifier,
    }
    auth = (info.client_id, info.client_secret) if info.client_secret is not None else None
    answer = httpx.post(_discovery(info.issuer)["token_endpoint"], data=form, auth=auth, timeout=30.0)
    answer.raise_for_status()
    return {**answer.json(), "nonce": nonce}
