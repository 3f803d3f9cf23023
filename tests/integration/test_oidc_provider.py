"""The tests' OpenID Connect provider: a realm made through the admin API gives real tokens with the claims the
identity rules read (groups, unit_code, officer_id) and the API's audience; the login form works without a browser."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from joserfc import jwt
from joserfc.jwk import KeySet

from thidua.operator.localinfra.oidc_demo import (
    AUDIENCE,
    CLIENT_ID,
    DEMO_UNIT,
    IDENTITY_RULES,
    REALM,
    demo_officer,
    demo_people,
    demo_realm,
)
from thidua.runtime.identity import IdentityRule, principal_for
from thidua.testing.oidc import (
    COUNCIL_GROUP,
    UNIT_HEAD_GROUP,
    Provider,
    RealmInfo,
    authorize_url,
    login_without_browser,
    new_realm,
    provider_tokens,
)


def _verified_claims(info: RealmInfo, token: str) -> dict[str, Any]:
    """The token's claims after checking its signature with the realm's published keys."""
    discovery = httpx.get(f"{info.issuer}/.well-known/openid-configuration").json()
    keys = KeySet.import_key_set(httpx.get(discovery["jwks_uri"]).json())
    return dict(jwt.decode(token, keys).claims)


def _as_list(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else [value]


def test_realm_tokens_carry_the_claims_and_audience(oidc_provider: Provider) -> None:
    info = new_realm(oidc_provider)
    head = provider_tokens(info, "truongdonvi", "matkhau-truong")
    access = _verified_claims(info, head["access_token"])
    assert access["iss"] == info.issuer
    assert "thidua-api" in _as_list(access["aud"])
    assert access["azp"] == info.client_id
    assert access["groups"] == [UNIT_HEAD_GROUP]
    assert access["unit_code"] == "H40.11"
    identity = _verified_claims(info, head["id_token"])
    assert identity["nonce"] == head["nonce"]
    assert info.client_id in _as_list(identity["aud"])
    assert identity["groups"] == [UNIT_HEAD_GROUP]
    assert identity["sub"] == access["sub"] == oidc_provider.admin.user_id(info.name, "truongdonvi")

    officer = _verified_claims(info, provider_tokens(info, "canbo", "matkhau-canbo")["access_token"])
    assert officer["officer_id"] == "H40.11-CB01"
    assert "groups" not in officer or officer["groups"] == []
    council = _verified_claims(info, provider_tokens(info, "hoidong", "matkhau-hoidong")["access_token"])
    assert council["groups"] == [COUNCIL_GROUP]
    nobody = _verified_claims(info, provider_tokens(info, "chuaphanquyen", "matkhau-chua")["access_token"])
    assert "unit_code" not in nobody and "officer_id" not in nobody


def test_admin_changes_reach_the_next_token(oidc_provider: Provider) -> None:
    info = new_realm(oidc_provider)
    admin = oidc_provider.admin
    admin.add_to_group(info.name, "chuaphanquyen", COUNCIL_GROUP)
    admin.set_attribute(info.name, "chuaphanquyen", "officer_id", "H40.11-CB02")
    claims = _verified_claims(info, provider_tokens(info, "chuaphanquyen", "matkhau-chua")["access_token"])
    assert claims["groups"] == [COUNCIL_GROUP] and claims["officer_id"] == "H40.11-CB02"
    assert admin.user_sessions(info.name, "chuaphanquyen") == 1
    admin.logout_user(info.name, "chuaphanquyen")
    assert admin.user_sessions(info.name, "chuaphanquyen") == 0
    admin.remove_from_group(info.name, "chuaphanquyen", COUNCIL_GROUP)
    claims = _verified_claims(info, provider_tokens(info, "chuaphanquyen", "matkhau-chua")["access_token"])
    assert claims.get("groups", []) == []
    admin.delete_realm(info.name)
    assert httpx.get(f"{info.issuer}/.well-known/openid-configuration").status_code == 404


def test_login_without_browser_returns_a_code(oidc_provider: Provider) -> None:
    callback = "http://127.0.0.1:9/auth/callback"
    info = new_realm(oidc_provider, redirect_uris=[callback], public=True)
    url = authorize_url(info, redirect_uri=callback, state="s-123", nonce="n-456", challenge="x" * 43)
    location = login_without_browser(url, "hoidong", "matkhau-hoidong")
    assert location.startswith(callback + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["s-123"] and len(query["code"][0]) > 10
    # A wrong password is refused, not mistaken for a code.
    try:
        login_without_browser(url, "hoidong", "wrong")
    except RuntimeError as refused:
        assert "refused" in str(refused)
    else:
        raise AssertionError("a wrong password gave a code")
    # An unregistered redirect URI never reaches the login form.
    other = authorize_url(info, redirect_uri="http://evil.invalid/cb", state="s", nonce="n", challenge="x" * 43)
    assert httpx.get(other).status_code == 400


def _demo_rules() -> list[IdentityRule]:
    names = {"--claim": "claim", "--value": "value", "--role": "role", "--unit-claim": "unit_claim"}
    names |= {"--officer-claim": "officer_claim", "--label": "label"}
    rules = []
    for number, rule in enumerate(IDENTITY_RULES, start=1):
        fields: dict[str, Any] = {names[o]: v for o, v in zip(rule[::2], rule[1::2], strict=True)}
        rules.append(IdentityRule(id=number, **fields))
    return rules


def test_make_runs_demo_people_get_their_roles_from_the_demo_rules(oidc_provider: Provider) -> None:
    officer = demo_officer()
    people = demo_people(officer)
    dashboard = "http://127.0.0.1:9"
    oidc_provider.admin.create_realm(demo_realm("demo-secret", dashboard, people))
    try:
        issuer = f"{oidc_provider.base_url}/realms/{REALM}"
        info = RealmInfo(REALM, issuer, CLIENT_ID, "demo-secret", people, (f"{dashboard}/auth/callback",))
        granted = {}
        for person in people:
            claims = _verified_claims(info, provider_tokens(info, person.username, person.password)["access_token"])
            assert AUDIENCE in _as_list(claims["aud"])
            p = principal_for(claims, _demo_rules(), subject=str(claims["sub"]), issuer=issuer)
            assert p.subject == claims["sub"] and p.issuer == issuer
            granted[person.username] = (p.role, p.unit_id, p.officer_id)
        assert granted == {
            "truongdonvi": ("unit", DEMO_UNIT, None),
            "hoidong": ("council", None, None),
            "canbo": ("officer", None, officer),
            "chuaphanquyen": ("person", None, None),
        }
    finally:
        oidc_provider.admin.delete_realm(REALM)
