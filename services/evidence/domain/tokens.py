"""Bearer tokens: random, shown once, stored as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets

PREFIX = "td_"


def new_token() -> str:
    """A fresh high-entropy token (256 bits)."""
    return PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """The stored form: a fast hash is enough because tokens are random, not passwords."""
    return hashlib.sha256(token.encode()).hexdigest()
