"""Signed-in sessions kept in the dashboard's memory: the cookie names one by a random id, the token stays here."""

from __future__ import annotations

import hashlib
import secrets
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

MAX_SESSIONS = 10_000  # the oldest idle session goes first beyond this: memory stays bounded


@dataclass
class Session:
    """One sign-in: the user's token and who the services said it is, the form token and a one-time message."""

    token: str
    role: str
    unit_id: str | None
    source: str | None
    token_id: int | None
    created: float
    seen: float
    checked: float  # when the services last confirmed the token (whoami)
    data: dict[str, Any] = field(default_factory=dict)  # csrf, flash: what the cookie held before sign-in
    officer_id: str | None = None  # an officer's own token: the one officer whose sheet it reads
    subject: str | None = None  # a person signed in through the provider: its `sub`
    name: str | None = None  # that person's name from the ID token, for the header (memory only)
    provider: ProviderTokens | None = None  # a provider sign-in's tokens (token above is its access token)


@dataclass
class ProviderTokens:
    """A provider sign-in's refresh and ID tokens and when its access token ends (wall-clock seconds)."""

    refresh_token: str | None
    id_token: str | None
    expires_at: float


def session_key(session_id: str) -> str:
    """The store's key: a hash, so the ids that work as cookies appear nowhere in memory dumps of the keys."""
    return hashlib.sha256(session_id.encode()).hexdigest()


class SessionStore:
    """Sessions by hashed id, bounded in number, ended by idle time, by absolute age, by sign-out or revocation."""

    def __init__(self, *, idle_seconds: float, max_age_seconds: float, limit: int = MAX_SESSIONS) -> None:
        self.idle_seconds, self.max_age_seconds, self.limit = idle_seconds, max_age_seconds, limit
        self._rows: OrderedDict[str, Session] = OrderedDict()

    def __len__(self) -> int:
        return len(self._rows)

    def open(self, session: Session) -> str:
        """Keep session under a fresh random id and return the id (the cookie's only credential)."""
        session_id = secrets.token_urlsafe(32)
        self._rows[session_key(session_id)] = session
        while len(self._rows) > self.limit:
            self._rows.popitem(last=False)
        return session_id

    def get(self, session_id: object, now: float) -> Session | None:
        """The live session under session_id, its idle clock restarted; None (and forgotten) once it has expired."""
        if not isinstance(session_id, str) or not session_id:
            return None
        key = session_key(session_id)
        session = self._rows.get(key)
        if session is None:
            return None
        if now - session.seen > self.idle_seconds or now - session.created > self.max_age_seconds:
            del self._rows[key]
            return None
        session.seen = now
        self._rows.move_to_end(key)
        return session

    def end(self, session_id: object) -> None:
        """Sign-out: the session is gone, so a copy of its cookie opens nothing any more."""
        if isinstance(session_id, str):
            self._rows.pop(session_key(session_id), None)

    def end_token(self, token: str) -> int:
        """The services refused token (revoked or expired): every session signed in with it ends; how many."""
        keys = [key for key, session in self._rows.items() if session.token == token]
        for key in keys:
            del self._rows[key]
        return len(keys)
