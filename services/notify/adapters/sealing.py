"""Webhook secrets encrypted at rest: sealed with Fernet before they reach `notify.channels`, opened to sign.

The key is NOTIFY_SECRET_KEY (a Fernet key from the operator's secret store) or, when that is empty, one the
service generates on first start and keeps in `notify.keys` (so `make run` needs no step; that key only protects
against a leak of the channels table alone). A key held in the database before NOTIFY_SECRET_KEY was set still
opens what it sealed; the service re-seals such rows under the configured key when it starts."""

from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from services.notify.adapters import postgres as pg

KEY_NAME = "webhook_secrets"


def check_key(key: str) -> str:
    """key if it is a Fernet key (32 url-safe base64-encoded bytes), else ValueError."""
    Fernet(key.encode())
    return key


class SecretBox:
    """Seals and opens webhook secrets; usable once load() has been given the keys (the first one seals)."""

    def __init__(self, keys: Sequence[str] = ()) -> None:
        self._primary: Fernet | None = None
        self._all: MultiFernet | None = None
        if keys:
            self.load(keys)

    def load(self, keys: Sequence[str]) -> None:
        fernets = [Fernet(k.encode()) for k in keys]
        self._primary, self._all = fernets[0], MultiFernet(fernets)

    def _keys(self) -> tuple[Fernet, MultiFernet]:
        if self._primary is None or self._all is None:
            raise RuntimeError("notify: webhook secret key used before start")
        return self._primary, self._all

    def seal(self, secret: str) -> str:
        return self._keys()[0].encrypt(secret.encode()).decode("ascii")

    def open(self, sealed: str) -> str:
        """The plain secret; InvalidToken when no loaded key sealed it."""
        return self._keys()[1].decrypt(sealed.encode("ascii")).decode()

    def is_current(self, sealed: str) -> bool:
        """True when the sealing key (the first) opens it."""
        try:
            self._keys()[0].decrypt(sealed.encode("ascii"))
        except InvalidToken:
            return False
        return True

    def reveal(self, row: Mapping[str, Any] | None) -> str | None:
        """A channels row's plain secret: a plain one (a row written before the upgrade, or since by an older
        version) wins, else the sealed one opened; None when there is none."""
        if row is None:
            return None
        if row["webhook_secret"] is not None:
            return str(row["webhook_secret"])
        sealed = row["webhook_secret_sealed"]
        return self.open(sealed) if sealed else None


async def prepare(conn: asyncpg.Connection, box: SecretBox, configured: str) -> int:
    """At start: load the keys into box, seal every plain secret and re-seal any not under the sealing key.

    Returns how many rows were (re)sealed; RuntimeError when a stored secret opens with no key we have."""
    async with conn.transaction():
        held = await pg.held_key(conn, KEY_NAME)
        if configured:
            box.load([configured, *([held] if held and held != configured else [])])
        else:
            box.load([held or await pg.hold_key(conn, KEY_NAME, Fernet.generate_key().decode("ascii"))])
        changed = 0
        for row in await pg.stored_secrets(conn):
            sealed = row["webhook_secret_sealed"]
            try:
                if row["webhook_secret"] is not None:  # written before the upgrade (or by an older version)
                    await pg.store_sealed(conn, row["unit_id"], box.seal(row["webhook_secret"]))
                elif sealed and not box.is_current(sealed):
                    await pg.store_sealed(conn, row["unit_id"], box.seal(box.open(sealed)))
                else:
                    continue
            except InvalidToken:
                raise RuntimeError(
                    f"notify: the webhook secret of unit {row['unit_id']} cannot be decrypted with"
                    " NOTIFY_SECRET_KEY (or the key kept in notify.keys); was the key changed?"
                ) from None
            changed += 1
        return changed
