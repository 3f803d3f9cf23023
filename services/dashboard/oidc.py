"""The dashboard as an OpenID Connect relying party: discovery, keys, PKCE login, code exchange, ID-token checks."""

from __future__ import annotations

import hmac
import secrets
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256"]  # never "none" nor a shared-secret HS*
LEEWAY = 30  # seconds of clock difference tolerated on exp/iat
MAX_TOKEN_BYTES = 8192  # an ID or access token larger than this is refused unread
MAX_DOCUMENT_BYTES = 256 * 1024  # a discovery document or key set larger than this is refused
KEYS_REFETCH_SECONDS = 30.0  # an unknown key id fetches the key set again at most this often
PENDING_SECONDS = 600.0  # a login started at the provider must come back within 10 minutes
MAX_PENDING = 10_000
MAX_CLAIM_CHARS = 200


class ProviderRefused(Exception):
    """The provider, or its answer, was refused; `reason` is a short code for logs and tests (no token in it)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Endpoints:
    """The provider's published endpoints (its discovery document)."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str | None = None
    revocation_endpoint: str | None = None


@dataclass(frozen=True)
class Pending:
    """A login sent to the provider and not back yet: what the callback must find again."""

    state: str
    nonce: str
    code_verifier: str
    next: str | None
    created: float


@dataclass(frozen=True)
class Tokens:
    """A token answer: the access token (the services' bearer), the refresh and ID tokens, when access ends."""

    access_token: str
    refresh_token: str | None
    id_token: str | None
    expires_at: float  # wall-clock seconds


class PendingLogins:
    """Logins in flight keyed by state, each usable once, bounded in number and in age."""

    def __init__(self, *, seconds: float = PENDING_SECONDS, limit: int = MAX_PENDING) -> None:
        self.seconds, self.limit = seconds, limit
        self._rows: OrderedDict[str, Pending] = OrderedDict()

    def __len__(self) -> int:
        return len(self._rows)

    def start(self, next_path: str | None, now: float) -> Pending:
        """A new login with fresh random state, nonce and PKCE verifier."""
        token = secrets.token_urlsafe
        pending = Pending(token(32), token(32), token(48), next_path, now)
        self._rows[pending.state] = pending
        while len(self._rows) > self.limit:
            self._rows.popitem(last=False)
        return pending

    def take(self, state: object, expected: object, now: float) -> Pending | None:
        """The login for state, once, if it is this browser's (expected: the state its cookie holds) and fresh."""
        if not isinstance(state, str) or not isinstance(expected, str) or not state or len(state) > 128:
            return None
        if not hmac.compare_digest(state.encode(), expected.encode()):
            return None
        pending = self._rows.pop(state, None)
        if pending is None or now - pending.created > self.seconds:
            return None
        return pending


def authorize_url(endpoints: Endpoints, pending: Pending, *, client_id: str, redirect_uri: str, scopes: str) -> str:
    """The provider's authorization URL: code flow, PKCE S256, state and nonce."""
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": scopes,
        "state": pending.state,
        "nonce": pending.nonce,
        "code_challenge": create_s256_code_challenge(pending.code_verifier),
        "code_challenge_method": "S256",
    }
    separator = "&" if "?" in endpoints.authorization_endpoint else "?"
    return endpoints.authorization_endpoint + separator + urlencode(params)


def end_session_url(endpoints: Endpoints, *, id_token: str | None, client_id: str, after: str) -> str | None:
    """RP-initiated logout at the provider, back to `after`; None when the provider publishes no such endpoint."""
    if not endpoints.end_session_endpoint:
        return None
    params = {"post_logout_redirect_uri": after, "client_id": client_id}
    if id_token:
        params["id_token_hint"] = id_token
    separator = "&" if "?" in endpoints.end_session_endpoint else "?"
    return endpoints.end_session_endpoint + separator + urlencode(params)


def endpoints_of(document: object, issuer: str) -> Endpoints:
    """The endpoints of a discovery document, which must name the configured issuer exactly."""
    if not isinstance(document, Mapping) or document.get("issuer") != issuer:
        raise ProviderRefused("discovery_issuer")
    urls: dict[str, str | None] = {}
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri", "end_session_endpoint", "revocation_endpoint"):
        value = document.get(name)
        ok = isinstance(value, str) and value.startswith(("https://", "http://")) and len(value) <= 2048
        urls[name] = value if ok else None
    if not (urls["authorization_endpoint"] and urls["token_endpoint"] and urls["jwks_uri"]):
        raise ProviderRefused("discovery_incomplete")
    return Endpoints(issuer, **urls)  # type: ignore[arg-type]


def verify_id_token(
    id_token: str, keys: KeySet, *, issuer: str, client_id: str, nonce: str | None, now: float
) -> dict[str, Any]:
    """The ID token's claims once signature, iss, aud, azp, exp/iat and nonce hold (nonce None: a refreshed one)."""
    if not isinstance(id_token, str) or len(id_token) > MAX_TOKEN_BYTES:
        raise ProviderRefused("id_token_size")
    try:
        claims = dict(jwt.decode(id_token, keys, algorithms=ALGORITHMS).claims)
    except (JoseError, ValueError, TypeError) as exc:
        raise ProviderRefused("id_token_signature") from exc
    if claims.get("iss") != issuer:
        raise ProviderRefused("id_token_issuer")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if client_id not in audiences:
        raise ProviderRefused("id_token_audience")
    if "azp" in claims and claims["azp"] != client_id:
        raise ProviderRefused("id_token_azp")
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int | float) or now > exp + LEEWAY:
        raise ProviderRefused("id_token_expired")
    if not isinstance(iat, int | float) or iat > now + LEEWAY:
        raise ProviderRefused("id_token_issued_in_future")
    if nonce is not None:
        sent = claims.get("nonce")
        if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), nonce.encode()):
            raise ProviderRefused("id_token_nonce")
    subject = claims.get("sub")
    if not isinstance(subject, str) or not 0 < len(subject) <= MAX_CLAIM_CHARS:
        raise ProviderRefused("id_token_subject")
    return claims


def display_name(claims: Mapping[str, object]) -> str | None:
    """A person's name for the header: name, else given and family names, else the user name (bounded)."""
    parts = [claims.get("given_name"), claims.get("family_name")]
    joined = " ".join(p for p in parts if isinstance(p, str))
    for value in (claims.get("name"), joined, claims.get("preferred_username")):
        if isinstance(value, str) and value.strip():
            return value.strip()[:MAX_CLAIM_CHARS]
    return None


def tokens_of(answer: Mapping[str, Any], now: float) -> Tokens:
    """The tokens of a token endpoint's answer, each bounded; no access token is a refusal."""
    access = answer.get("access_token")
    if not isinstance(access, str) or not access or len(access) > MAX_TOKEN_BYTES or not access.isascii():
        raise ProviderRefused("access_token")
    refresh, id_token = answer.get("refresh_token"), answer.get("id_token")
    lifetime = answer.get("expires_in")
    seconds = float(lifetime) if isinstance(lifetime, int | float) and 0 < lifetime < 86_400 else 300.0
    return Tokens(
        access,
        refresh if isinstance(refresh, str) and len(refresh) <= MAX_TOKEN_BYTES else None,
        id_token if isinstance(id_token, str) and len(id_token) <= MAX_TOKEN_BYTES else None,
        now + seconds,
    )


class Provider:
    """One configured provider: its endpoints and keys fetched when first needed and kept; token calls."""

    def __init__(
        self, issuer: str, *, client_id: str, client_secret: str | None, timeout: float = 5.0, clock: Any = time.time
    ) -> None:
        self.issuer, self.client_id, self.client_secret = issuer.rstrip("/"), client_id, client_secret
        self.timeout, self.clock = timeout, clock
        self.transport: httpx.AsyncBaseTransport | None = None  # tests put a proxy here
        self._endpoints: Endpoints | None = None
        self._keys: KeySet | None = None
        self._keys_fetched = float("-inf")

    async def _get_json(self, url: str) -> Any:
        try:
            async with httpx.AsyncClient(timeout=self.timeout, transport=self.transport) as client:
                response = await client.get(url, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise ProviderRefused("provider_unreachable") from exc
        if response.status_code != 200 or len(response.content) > MAX_DOCUMENT_BYTES:
            raise ProviderRefused("provider_document")
        try:
            return response.json()
        except ValueError as exc:
            raise ProviderRefused("provider_document") from exc

    async def endpoints(self) -> Endpoints:
        """The discovery document's endpoints, fetched once."""
        if self._endpoints is None:
            document = await self._get_json(f"{self.issuer}/.well-known/openid-configuration")
            self._endpoints = endpoints_of(document, self.issuer)
        return self._endpoints

    async def keys(self, *, again: bool = False) -> KeySet:
        """The provider's signing keys; `again` fetches them anew (a key id not seen yet), at most every 30 s."""
        now = time.monotonic()
        if self._keys is None or (again and now - self._keys_fetched >= KEYS_REFETCH_SECONDS):
            document = await self._get_json((await self.endpoints()).jwks_uri)
            try:
                self._keys = KeySet.import_key_set(document)
            except (JoseError, ValueError, TypeError, KeyError) as exc:
                raise ProviderRefused("provider_keys") from exc
            self._keys_fetched = now
        return self._keys

    async def verify(self, id_token: str, *, nonce: str | None) -> dict[str, Any]:
        """The ID token's claims (design §2), the keys fetched again once if its key is not known yet."""
        check = {"issuer": self.issuer, "client_id": self.client_id, "nonce": nonce}
        try:
            return verify_id_token(id_token, await self.keys(), now=self.clock(), **check)  # type: ignore[arg-type]
        except ProviderRefused as refused:
            if refused.reason != "id_token_signature":
                raise
        return verify_id_token(id_token, await self.keys(again=True), now=self.clock(), **check)  # type: ignore[arg-type]

    def _client(self) -> AsyncOAuth2Client:
        method = "client_secret_basic" if self.client_secret else "none"
        return AsyncOAuth2Client(
            client_id=self.client_id,
            client_secret=self.client_secret,
            token_endpoint_auth_method=method,
            revocation_endpoint_auth_method=method,
            timeout=self.timeout,
            transport=self.transport,
        )

    async def _token_call(self, **kwargs: Any) -> Tokens:
        url = (await self.endpoints()).token_endpoint
        try:
            async with self._client() as client:
                if "refresh_token" in kwargs:
                    answer = await client.refresh_token(url, **kwargs)
                else:
                    answer = await client.fetch_token(url, grant_type="authorization_code", **kwargs)
        except httpx.HTTPError as exc:
            raise ProviderRefused("provider_unreachable") from exc
        except Exception as exc:  # Authlib's OAuthError and friends: the provider said no (invalid_grant, …)
            raise ProviderRefused("token_refused") from exc
        return tokens_of(answer, self.clock())

    async def exchange(self, code: str, *, code_verifier: str, redirect_uri: str) -> Tokens:
        """The code's tokens (the code is good once)."""
        return await self._token_call(code=code, code_verifier=code_verifier, redirect_uri=redirect_uri)

    async def refresh(self, refresh_token: str) -> Tokens:
        """New tokens for a refresh token; ProviderRefused when the provider ended the person's session."""
        return await self._token_call(refresh_token=refresh_token)

    async def revoke(self, refresh_token: str) -> None:
        """Revoke the refresh token where the provider publishes a revocation endpoint; failures are only logged by
        the caller (the local session has ended already)."""
        url = (await self.endpoints()).revocation_endpoint
        if url is None:
            return
        try:
            async with self._client() as client:
                await client.revoke_token(url, token=refresh_token, token_type_hint="refresh_token")
        except Exception as exc:  # the provider is down or says no: nothing more the dashboard can do
            raise ProviderRefused("revocation_failed") from exc
