"""Signing and retry timing of push deliveries (pure)."""

import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from typing import Any


def new_secret() -> str:
    """A fresh webhook secret (256 bits)."""
    return "whsec_" + secrets.token_urlsafe(32)


def body_bytes(payload: Mapping[str, Any]) -> bytes:
    """The webhook body: compact UTF-8 JSON with diacritics kept as they are."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=str).encode()


def signature(secret: str, body: bytes) -> str:
    """The X-Signature header value: sha256=<hex HMAC-SHA256 of the raw body>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str) -> bool:
    """True when header is the signature of body under secret (constant-time comparison)."""
    return hmac.compare_digest(signature(secret, body), header)


def backoff(attempt: int, *, base: float, cap: float, jitter: float) -> float:
    """Seconds before the next try after `attempt` failures: base·2^(attempt−1), capped, then "equal jitter".

    jitter in [0, 1) picks a point in the upper half of the interval, so retries of many deliveries spread out.
    """
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    return ceiling / 2 + ceiling / 2 * min(max(jitter, 0.0), 1.0)
