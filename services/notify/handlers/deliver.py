"""The push channels: due webhook and e-mail deliveries read from PostgreSQL, tried, retried or parked."""

import asyncio
import json
import logging
import random
import smtplib
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import asyncpg
import httpx
from cryptography.fernet import InvalidToken
from prometheus_client import Counter

from services.notify.adapters import postgres as pg
from services.notify.adapters.sealing import SecretBox
from services.notify.adapters.targets import (
    AddressRefused,
    Resolver,
    Target,
    check_target,
    pinned_request,
    system_resolver,
)
from services.notify.config import Settings
from services.notify.domain import delivery

log = logging.getLogger(__name__)
ATTEMPTS = Counter("thidua_notify_delivery_attempts_total", "Push delivery attempts", ["channel", "outcome"])


class DeliveryError(Exception):
    """An attempt failed; the message is what operators see as last_error."""


class Refused(DeliveryError):
    """The attempt may not be made at all (e.g. the webhook's address is not public): parked at once."""


def payload(row: asyncpg.Record) -> dict[str, Any]:
    """The document pushed for a notification (the same bytes on every attempt)."""
    return {
        "notification_id": row["notification_id"],
        "unit_id": row["unit_id"],
        "kind": row["kind"],
        "priority": row["priority"],
        "condition_key": row["condition_key"],
        "title": row["title"],
        "body": row["body"],
        "link": row["link"],
        "data": json.loads(row["data"]),
        "created_at": row["created_at"].isoformat(),
    }


def email_message(row: asyncpg.Record, *, sender: str) -> EmailMessage:
    """A UTF-8 e-mail of a notification; its Message-ID lets a mailbox drop a rare resend."""
    msg = EmailMessage()
    msg["Subject"] = row["title"]
    msg["From"] = sender
    msg["To"] = row["target"]
    msg["Message-ID"] = make_msgid(idstring=f"thidua-notify-{row['notification_id']}", domain="thidua.local")
    body = row["body"] + ("\n\n" + row["link"] if row["link"] and row["link"] not in row["body"] else "")
    msg.set_content(body, charset="utf-8")
    return msg


class Deliverer:
    """Sends due deliveries; wake() after a commit makes it look at once instead of at the next poll."""

    def __init__(
        self, pool: Callable[[], asyncpg.Pool], settings: Settings, box: SecretBox, resolver: Resolver = system_resolver
    ) -> None:
        self._pool = pool
        self.settings = settings
        self._box = box
        self._resolver = resolver
        self._wake = asyncio.Event()
        self._http: httpx.AsyncClient | None = None

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """The background loop: deliver until nothing is due, then wait for a wake-up or the poll interval."""
        async with httpx.AsyncClient(timeout=self.settings.webhook_timeout_seconds) as http:
            self._http = http
            while True:
                self._wake.clear()
                try:
                    while await self.deliver_due():
                        pass
                except Exception:
                    log.exception("notify: delivery loop failed; retrying")
                try:
                    await asyncio.wait_for(self._wake.wait(), self.settings.delivery_poll_seconds)
                except TimeoutError:
                    pass

    async def deliver_due(self, now: datetime | None = None) -> int:
        """One round: claim due deliveries, try each once, record the outcomes; return how many were tried."""
        now = now or datetime.now(UTC)
        s = self.settings
        async with self._pool().acquire() as conn:
            rows = await pg.claim_due(
                conn, now=now, lease_until=now + timedelta(seconds=s.delivery_lease_seconds), limit=s.delivery_batch
            )
        if not rows:
            return 0
        results = await asyncio.gather(*(self._attempt(row) for row in rows))
        done = datetime.now(UTC)
        async with self._pool().acquire() as conn, conn.transaction():
            for row, (error, refused) in zip(rows, results, strict=True):
                ATTEMPTS.labels(row["channel"], "sent" if error is None else "refused" if refused else "failed").inc()
                if error is None:
                    await pg.delivery_sent(conn, row["id"], now=done)
                    continue
                attempts = row["attempts"] + 1
                retry_at = (
                    None
                    if refused or attempts >= s.max_attempts
                    else done
                    + timedelta(
                        seconds=delivery.backoff(
                            attempts, base=s.retry_base_seconds, cap=s.retry_max_seconds, jitter=random.random()
                        )
                    )
                )
                if retry_at is None:
                    log.warning(
                        "notify: parked %s delivery %s after %d attempts: %s",
                        row["channel"],
                        row["id"],
                        attempts,
                        error,
                    )
                await pg.delivery_failed(conn, row["id"], error=error, retry_at=retry_at, now=done)
        return len(rows)

    async def _attempt(self, row: asyncpg.Record) -> tuple[str | None, bool]:
        """(None, False) on success, else (the reason, whether to park at once)."""
        try:
            if row["channel"] == "webhook":
                await self._webhook(row)
            else:
                await asyncio.to_thread(self._email, row)
            return None, False
        except Refused as exc:
            return str(exc), True
        except DeliveryError as exc:
            return str(exc), False
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"[:1000], False

    async def _webhook(self, row: asyncpg.Record) -> None:
        try:
            secret = self._box.reveal(row)
        except InvalidToken:
            raise DeliveryError("the webhook secret cannot be decrypted (NOTIFY_SECRET_KEY changed?)") from None
        if not secret:
            raise DeliveryError("no webhook secret for this unit")
        # Checked again now, not only at registration: the name may resolve elsewhere today (DNS rebinding), or
        # the allow-list may have changed. The request then goes to the address just checked.
        try:
            target = await check_target(row["target"], self.settings.webhook_allow_list, self._resolver)
        except AddressRefused as exc:
            raise Refused(f"refused: {exc}") from None
        body = delivery.body_bytes(payload(row))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Signature": delivery.signature(secret, body),
            "X-Thidua-Signature": delivery.timestamped_signature(secret, body, int(time.time())),
            "X-Notification-Id": str(row["notification_id"]),
            "User-Agent": "thidua-notify/1",
        }
        if self._http is not None:
            status = await self._post(self._http, target, body, headers)
        else:
            async with httpx.AsyncClient(timeout=self.settings.webhook_timeout_seconds) as http:
                status = await self._post(http, target, body, headers)
        if not 200 <= status < 300:
            # Only the status is kept: the receiver's answer is neither read nor stored nor shown back.
            raise DeliveryError(f"HTTP {status}")

    @staticmethod
    async def _post(http: httpx.AsyncClient, target: Target, body: bytes, headers: dict[str, str]) -> int:
        request = pinned_request(http, target, content=body, headers=headers)
        answer = await http.send(request, stream=True, follow_redirects=False)
        await answer.aclose()
        return answer.status_code

    def _email(self, row: asyncpg.Record) -> None:
        s = self.settings
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds) as smtp:
            smtp.send_message(email_message(row, sender=s.smtp_from))
