"""Provider access tokens checked by the services: signature, algorithm, issuer, audience, times, size, key cache."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, RSAKey

from thidua.runtime.oidc import (
    REFETCH_SECONDS,
    RETRY_SECONDS,
    ProviderKeys,
    ProviderUnavailable,
    TokenRefused,
    TokenVerifier,
    UnknownKey,
    looks_like_jwt,
    signing_keys,
    verify_claims,
)

ISSUER = "https://sso.example.gov.vn/realms/thidua"
AUDIENCE = "thidua-api"
NOW = 1_780_000_000
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig", "alg": "RS256"})
OTHER = RSAKey.generate_key(2048, parameters={"kid": "k1"})
EC = ECKey.generate_key("P-256", parameters={"kid": "e1", "use": "sig", "alg": "ES256"})


def published(*keys: RSAKey | ECKey) -> dict[str, Any]:
    return {"keys": [k.as_dict(private=False) for k in keys]}


KEYS = signing_keys(published(KEY, EC))


def claims(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "iss": ISSUER,
        "aud": [AUDIENCE, "account"],
        "sub": "5f0c-person",
        "exp": NOW + 300,
        "iat": NOW - 5,
        "groups": ["TĐKT-HĐ"],
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def signed(payload: Mapping[str, object], key: RSAKey | ECKey = KEY, alg: str = "RS256") -> str:
    return jwt.encode({"alg": alg, "kid": key.kid}, dict(payload), key)


def check(token: str, keys: KeySet = KEYS) -> dict[str, Any]:
    return verify_claims(token, keys, issuer=ISSUER, audience=AUDIENCE, now=NOW)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_good_token_gives_its_claims() -> None:
    got = check(signed(claims()))
    assert got["sub"] == "5f0c-person" and got["groups"] == ["TĐKT-HĐ"]
    assert check(signed(claims(aud=AUDIENCE)))["aud"] == AUDIENCE
    assert check(signed(claims(), EC, "ES256"))["sub"] == "5f0c-person"


def test_leeway_of_thirty_seconds() -> None:
    assert check(signed(claims(exp=NOW - 20)))["sub"]
    assert check(signed(claims(nbf=NOW + 20)))["sub"]


def test_signed_by_another_key_with_the_same_kid() -> None:
    with pytest.raises(TokenRefused):
        check(signed(claims(), OTHER))


@pytest.mark.parametrize(
    "payload",
    [
        claims(iss="https://evil.example/realms/thidua"),
        claims(iss=None),
        claims(aud="account"),
        claims(aud=["account", "other"]),
        claims(aud=None),
        claims(exp=NOW - 31),
        claims(exp=None),
        claims(nbf=NOW + 31),
        claims(iat=NOW + 120),
        claims(sub=None),
        claims(sub=""),
        claims(sub="x" * 256),
        claims(sub=12),
    ],
    ids=[
        "wrong-iss",
        "no-iss",
        "wrong-aud",
        "wrong-aud-list",
        "no-aud",
        "expired",
        "no-exp",
        "nbf-future",
        "iat-future",
        "no-sub",
        "empty-sub",
        "long-sub",
        "int-sub",
    ],
)
def test_refused_claims(payload: dict[str, object]) -> None:
    with pytest.raises(TokenRefused):
        check(signed(payload))


def test_alg_none_refused() -> None:
    header = b64(json.dumps({"alg": "none", "kid": "k1"}).encode())
    body = b64(json.dumps(claims()).encode())
    for token in (f"{header}.{body}.", f"{header}.{body}.{b64(b'x')}"):
        with pytest.raises(TokenRefused):
            check(token)


def test_hs256_with_the_public_key_as_secret_refused() -> None:
    header = b64(json.dumps({"alg": "HS256", "kid": "k1", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims()).encode())
    for secret in (KEY.as_pem(private=False), json.dumps(KEY.as_dict(private=False)).encode()):
        mac = hmac.new(secret, f"{header}.{body}".encode(), hashlib.sha256).digest()
        with pytest.raises(TokenRefused):
            check(f"{header}.{body}.{b64(mac)}")


def test_oversized_token_refused_before_any_work() -> None:
    token = signed(claims(groups=["G" * 50] * 200))
    assert len(token) > 8192
    with pytest.raises(TokenRefused):
        check(token)


def test_unknown_kid_and_malformed_tokens() -> None:
    stranger = RSAKey.generate_key(2048, parameters={"kid": "k9"})
    with pytest.raises(UnknownKey):
        check(signed(claims(), stranger))
    for token in ("td_abc", "a.b", "!!.??.##", "e30.e30.", f"{b64(b'[1]')}.e30.x"):
        with pytest.raises(TokenRefused):
            check(token)


def test_looks_like_jwt() -> None:
    assert looks_like_jwt(signed(claims()))
    assert not looks_like_jwt("td_" + "a" * 43)
    assert not looks_like_jwt("not a jwt")


def test_encryption_keys_and_foreign_algorithms_left_out_of_the_key_set() -> None:
    enc = RSAKey.generate_key(2048, parameters={"kid": "enc", "use": "enc", "alg": "RSA-OAEP"}).as_dict(private=False)
    keys = signing_keys({"keys": [enc, *published(KEY)["keys"], {"kty": "oct", "k": "c2VjcmV0"}]})
    assert [k.kid for k in keys.keys] == ["k1"]
    with pytest.raises(ProviderUnavailable):
        signing_keys({"nokeys": []})


class FakeProvider:
    """Discovery and JWKS served from memory, with a fetch count."""

    def __init__(self, *keys: RSAKey | ECKey) -> None:
        self.jwks = published(*keys)
        self.fetches: list[str] = []
        self.issuer = ISSUER

    async def fetch(self, url: str) -> Mapping[str, Any]:
        self.fetches.append(url)
        if url.endswith("/.well-known/openid-configuration"):
            return {"issuer": self.issuer, "jwks_uri": ISSUER + "/protocol/openid-connect/certs"}
        return self.jwks


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_keys_cached_and_refetched_on_rotation_at_most_once_per_interval() -> None:
    provider, clock = FakeProvider(KEY), Clock()
    verifier = TokenVerifier(
        ISSUER, AUDIENCE, keys=ProviderKeys(ISSUER, fetch=provider.fetch, clock=clock), wall=lambda: NOW
    )

    async def scenario() -> None:
        assert (await verifier.verify(signed(claims())))["sub"]
        assert (await verifier.verify(signed(claims())))["sub"]
        assert len(provider.fetches) == 2  # discovery + keys, once
        rotated = RSAKey.generate_key(2048, parameters={"kid": "k2"})
        provider.jwks = published(KEY, rotated)
        clock.now += 1  # a rotation within the interval is not fetched yet
        with pytest.raises(UnknownKey):
            await verifier.verify(signed(claims(), rotated))
        with pytest.raises(UnknownKey):  # made-up key ids do not hammer the provider
            await verifier.verify(signed(claims(), RSAKey.generate_key(2048, parameters={"kid": "zz"})))
        assert len(provider.fetches) == 2
        clock.now += REFETCH_SECONDS
        assert (await verifier.verify(signed(claims(), rotated)))["sub"]
        assert len(provider.fetches) == 4

    asyncio.run(scenario())


def test_discovery_naming_another_issuer_is_unavailable() -> None:
    provider = FakeProvider(KEY)
    provider.issuer = "https://evil.example/"
    verifier = TokenVerifier(ISSUER, AUDIENCE, keys=ProviderKeys(ISSUER, fetch=provider.fetch), wall=lambda: NOW)
    with pytest.raises(ProviderUnavailable):
        asyncio.run(verifier.verify(signed(claims())))


def test_an_unreachable_provider_is_asked_again_only_after_a_pause() -> None:
    provider, clock = FakeProvider(KEY), Clock()
    calls: list[str] = []

    async def down(url: str) -> Mapping[str, Any]:
        calls.append(url)
        raise ProviderUnavailable("down")

    keys = ProviderKeys(ISSUER, fetch=down, clock=clock)
    verifier = TokenVerifier(ISSUER, AUDIENCE, keys=keys, wall=lambda: NOW)

    async def scenario() -> None:
        for _ in range(3):
            with pytest.raises(ProviderUnavailable):
                await verifier.verify(signed(claims()))
        assert len(calls) == 1
        keys._fetch = provider.fetch  # the provider is back
        clock.now += RETRY_SECONDS
        assert (await verifier.verify(signed(claims())))["sub"]

    asyncio.run(scenario())
