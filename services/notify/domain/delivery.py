"""Push deliveries (pure): what is sent, how an attempt ended, signatures and retry timing."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


def _no_secret() -> str | None:
    return None


@dataclass(frozen=True)
class Outgoing:
    """A notification on its way to one channel; `secret` opens the unit's signing secret when a channel needs it."""

    notification_id: int
    unit_id: str
    kind: str
    priority: str
    condition_key: str
    title: str
    body: str
    link: str | None
    data: Mapping[str, Any]
    created_at: datetime
    # Opened on demand only: channels that do not sign never decrypt it (may raise the sealing's InvalidToken).
    secret: Callable[[], str | None] = field(default=_no_secret, repr=False, compare=False)

    def document(self) -> dict[str, Any]:
        """The JSON document pushed for the notification (webhook body; the same on every attempt)."""
        return {
            "notification_id": self.notification_id,
            "unit_id": self.unit_id,
            "kind": self.kind,
            "priority": self.priority,
            "condition_key": self.condition_key,
            "title": self.title,
            "body": self.body,
            "link": self.link,
            "data": dict(self.data),
            "created_at": self.created_at.isoformat(),
        }

    def text(self) -> str:
        """Title, body and (when the body lacks it) the link, for channels that carry plain text."""
        return (
            self.title + "\n\n" + self.body + (f"\n\n{self.link}" if self.link and self.link not in self.body else "")
        )


@dataclass(frozen=True)
class DeliveryResult:
    """How one attempt ended: sent (error None), failed (retried with backoff) or refused (parked at once)."""

    error: str | None = None
    park: bool = False

    @property
    def outcome(self) -> str:
        """The metric label: sent, failed or refused."""
        return "sent" if self.error is None else "refused" if self.park else "failed"

    @classmethod
    def failed(cls, reason: str) -> DeliveryResult:
        return cls(reason[:1000])

    @classmethod
    def refused(cls, reason: str) -> DeliveryResult:
        return cls(reason[:1000], park=True)


SENT = DeliveryResult()


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


SIGNATURE_TOLERANCE_SECONDS = 300  # what receivers should accept between t= and their own clock (docs/notify.md)


def timestamped_signature(secret: str, body: bytes, t: int) -> str:
    """The X-Thidua-Signature header value: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">.

    Signing the time with the body lets a receiver refuse a captured request replayed later."""
    mac = hmac.new(secret.encode(), str(t).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify_timestamped(
    secret: str, body: bytes, header: str, *, now: float, tolerance: float = SIGNATURE_TOLERANCE_SECONDS
) -> bool:
    """True when header is `t=..,v1=..` of body under secret and t is within tolerance of now (either side).

    Several v1= values may appear (e.g. during a secret rotation on the receiver's side); one match suffices."""
    t: int | None = None
    macs: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isascii() and value.isdigit():
            t = int(value)
        elif key == "v1":
            macs.append(value)
    if t is None or not macs or abs(now - t) > tolerance:
        return False
    expected = timestamped_signature(secret, body, t).rsplit("v1=", 1)[1]
    return any(hmac.compare_digest(expected, m) for m in macs)


def fingerprint(secret: str) -> str:
    """A short, non-reversible name of a secret, so a unit can tell which one is configured without seeing it."""
    return "sha256:" + hashlib.sha256(secret.encode()).hexdigest()[:16]


def backoff(attempt: int, *, base: float, cap: float, jitter: float) -> float:
    """Seconds before the next try after `attempt` failures: base·2^(attempt−1), capped, then "equal jitter".

    jitter in [0, 1) picks a point in the upper half of the interval, so retries of many deliveries spread out.
    """
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    return ceiling / 2 + ceiling / 2 * min(max(jitter, 0.0), 1.0)
