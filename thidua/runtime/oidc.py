"""Access tokens of the province's OpenID Connect provider, checked by the services (resource servers).

The provider's signing keys come from its discovery document's `jwks_uri`, cached, and fetched again when a token
names a key the cache does not hold (the provider rotated its keys), at most once per REFETCH_SECONDS so that
made-up key ids cannot make a service hammer the provider. `verify_claims` is pure (time passed in)."""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "ES256")  # never `none` or HS*: a public key is no shared secret
MAX_TOKEN_BYTES = 8192
MAX_DOCUMENT_BYTES = 256 * 1024
MAX_SUBJECT_LENGTH = 255
LEEWAY_SECONDS = 30
REFETCH_SECONDS = 30.0
RETRY_SECONDS = 5.0  # after a failed fetch: requests meanwhile are answered 503 without asking the provider again
FETCH_TIMEOUT_SECONDS = 5.0
_JWT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")

Fetch = Callable[[str], Awaitable[Mapping[str, Any]]]


class TokenRefused(Exception):
    """The token is not a valid access token of the configured provider for this audience (answer 401)."""


class UnknownKey(TokenRefused):
    """The token names a signing key the provider's published set does not hold (yet)."""


class ProviderUnavailable(Exception):
    """The provider's discovery document or keys could not be fetched (answer 503, not 401)."""


def looks_like_jwt(token: str) -> bool:
    """True for a compact JWS (three base64url parts) rather than one of our own `td_` tokens."""
    return not token.startswith("td_") and _JWT.match(token) is not None


def _b64json(part: str) -> dict[str, Any]:
    try:
        value = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (binascii.Error, ValueError) as exc:
        raise TokenRefused("malformed token") from exc
    if not isinstance(value, dict):
        raise TokenRefused("malformed token")
    return value


def signing_keys(jwks: Mapping[str, Any]) -> KeySet:
    """The provider's published keys usable for our algorithms (encryption keys and other kinds left out)."""
    keys = jwks.get("keys")
    if not isinstance(keys, list):
        raise ProviderUnavailable("the provider's key set has no keys")
    usable = [
        k
        for k in keys
        if isinstance(k, dict)
        and k.get("kty") in ("RSA", "EC")
        and k.get("use", "sig") == "sig"
        and k.get("alg", "RS256") in ALGORITHMS
    ]
    try:
        return KeySet.import_key_set({"keys": usable})
    except (JoseError, ValueError, TypeError) as exc:
        raise ProviderUnavailable("the provider's key set cannot be read") from exc


def _audience_ok(aud: object, audience: str) -> bool:
    return aud == audience or (isinstance(aud, list) and audience in aud)


def verify_claims(token: str, keys: KeySet, *, issuer: str, audience: str, now: int) -> dict[str, Any]:
    """The claims of token, signed by one of keys with an allowed algorithm, for issuer and audience and valid at
    now (LEEWAY_SECONDS either way); TokenRefused otherwise (UnknownKey when its key id is not in keys)."""
    if len(token) > MAX_TOKEN_BYTES or not looks_like_jwt(token):
        raise TokenRefused("not a provider token of acceptable size")
    header = _b64json(token.split(".", 1)[0][:1024])
    if header.get("alg") not in ALGORITHMS:
        raise TokenRefused("algorithm not allowed")
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise TokenRefused("malformed key id")
    try:
        key = keys.get_by_kid(kid)
    except (JoseError, ValueError) as exc:
        raise UnknownKey("unknown signing key") from exc
    try:
        claims = dict(jwt.decode(token, key, algorithms=list(ALGORITHMS)).claims)
        jwt.JWTClaimsRegistry(
            now=now,
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": issuer},
            exp={"essential": True},
            sub={"essential": True},
        ).validate(claims)
    except (JoseError, ValueError, TypeError) as exc:
        raise TokenRefused("invalid token") from exc
    if not _audience_ok(claims.get("aud"), audience):
        raise TokenRefused("token not meant for this audience")
    subject = claims.get("sub")
    if not isinstance(subject, str) or not 0 < len(subject) <= MAX_SUBJECT_LENGTH:
        raise TokenRefused("malformed subject")
    return claims


async def fetch_json(url: str) -> Mapping[str, Any]:
    """A JSON object from the provider (size and time bounded); ProviderUnavailable otherwise."""
    try:
        async with (
            httpx.AsyncClient(timeout=FETCH_TIMEOUT_SECONDS, follow_redirects=False) as client,
            client.stream("GET", url, headers={"Accept": "application/json"}) as response,
        ):
            if response.status_code != 200:
                raise ProviderUnavailable(f"{url}: HTTP {response.status_code}")
            body = b""
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_DOCUMENT_BYTES:
                    raise ProviderUnavailable(f"{url}: document too large")
        value = json.loads(body)
    except (httpx.HTTPError, ValueError) as exc:
        raise ProviderUnavailable(f"{url}: {type(exc).__name__}") from exc
    if not isinstance(value, dict):
        raise ProviderUnavailable(f"{url}: not a JSON object")
    return value


class ProviderKeys:
    """One issuer's signing keys through its discovery document, cached; refetched on demand at most once per
    REFETCH_SECONDS."""

    def __init__(self, issuer: str, *, fetch: Fetch = fetch_json, clock: Callable[[], float] = time.monotonic) -> None:
        self.issuer = issuer
        self._fetch = fetch
        self._clock = clock
        self._keys: KeySet | None = None
        self._fetched_at = float("-inf")
        self._failed_at = float("-inf")
        self._lock = asyncio.Lock()

    async def current(self) -> KeySet:
        """The cached keys, fetched on first use."""
        if self._keys is None:
            return await self.refreshed()
        return self._keys

    async def refreshed(self) -> KeySet:
        """Fresh keys, unless they were fetched less than REFETCH_SECONDS ago (then the cached ones)."""
        async with self._lock:
            if self._keys is not None and self._clock() - self._fetched_at < REFETCH_SECONDS:
                return self._keys
            if self._clock() - self._failed_at < RETRY_SECONDS:
                if self._keys is not None:
                    return self._keys
                raise ProviderUnavailable("the provider's keys could not be fetched a moment ago")
            try:
                self._keys = await self._fetch_keys()
            except ProviderUnavailable:
                self._failed_at = self._clock()
                raise
            self._fetched_at = self._clock()
            return self._keys

    async def _fetch_keys(self) -> KeySet:
        discovery = await self._fetch(self.issuer.rstrip("/") + "/.well-known/openid-configuration")
        if discovery.get("issuer") != self.issuer:
            raise ProviderUnavailable("the discovery document names another issuer")
        jwks_uri = discovery.get("jwks_uri")
        if not isinstance(jwks_uri, str) or not jwks_uri.startswith(("https://", "http://")):
            raise ProviderUnavailable("the discovery document has no jwks_uri")
        return signing_keys(await self._fetch(jwks_uri))


class TokenVerifier:
    """Checks a provider's access tokens for one issuer and audience."""

    def __init__(
        self, issuer: str, audience: str, *, keys: ProviderKeys | None = None, wall: Callable[[], float] = time.time
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.keys = keys or ProviderKeys(issuer)
        self._wall = wall

    async def verify(self, token: str) -> dict[str, Any]:
        """The token's claims; TokenRefused (401) or ProviderUnavailable (503)."""
        if len(token) > MAX_TOKEN_BYTES:
            raise TokenRefused("token too large")
        try:
            return verify_claims(
                token, await self.keys.current(), issuer=self.issuer, audience=self.audience, now=int(self._wall())
            )
        except UnknownKey:
            keys = await self.keys.refreshed()
            return verify_claims(token, keys, issuer=self.issuer, audience=self.audience, now=int(self._wall()))


_VERIFIERS: dict[tuple[str, str], TokenVerifier] = {}


def verifier_for(issuer: str, audience: str) -> TokenVerifier:
    """The process's one verifier for issuer and audience (its key cache shared by every route)."""
    found = _VERIFIERS.get((issuer, audience))
    if found is None:
        found = _VERIFIERS[(issuer, audience)] = TokenVerifier(issuer, audience)
    return found
