"""The push loop: due deliveries read from PostgreSQL, sent through their channel, retried or parked."""

import asyncio
import json
import logging
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
from prometheus_client import Counter

from services.notify.adapters import postgres as pg
from services.notify.adapters.channels import CHANNELS, Kit
from services.notify.adapters.sealing import SecretBox
from services.notify.adapters.targets import Resolver, system_resolver
from services.notify.config import Settings
from services.notify.domain import delivery
from services.notify.domain.delivery import DeliveryResult, Outgoing
from thidua.runtime.loop import Waker, drain_then_wait

log = logging.getLogger(__name__)
ATTEMPTS = Counter("thidua_notify_delivery_attempts_total", "Push delivery attempts", ["channel", "outcome"])


def outgoing(row: asyncpg.Record, box: SecretBox) -> Outgoing:
    """A claimed delivery row as the channel sees it; the unit's secret is opened only if the channel asks."""
    return Outgoing(
        notification_id=row["notification_id"],
        unit_id=row["unit_id"],
        kind=row["kind"],
        priority=row["priority"],
        condition_key=row["condition_key"],
        title=row["title"],
        body=row["body"],
        link=row["link"],
        data=json.loads(row["data"]),
        created_at=row["created_at"],
        secret=lambda: box.reveal(row),
    )


class Deliverer:
    """Sends due deliveries; wake() after a commit makes it look at once instead of at the next poll."""

    def __init__(
        self, pool: Callable[[], asyncpg.Pool], settings: Settings, box: SecretBox, resolver: Resolver = system_resolver
    ) -> None:
        self._pool = pool
        self.settings = settings
        self._box = box
        self._kit = Kit(settings, resolver)
        self._waker = Waker()

    def wake(self) -> None:
        """A delivery was queued: try it now rather than at the next poll."""
        self._waker.wake()

    async def run(self) -> None:
        """The background loop: deliver until nothing is due, then wait for a wake-up or the poll interval."""
        async with httpx.AsyncClient(timeout=self.settings.webhook_timeout_seconds) as http:
            self._kit.http = http
            await drain_then_wait(
                self.deliver_due,
                self._waker,
                poll=self.settings.delivery_poll_seconds,
                log=log,
                what="notify: delivery loop",
            )

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
            for row, result in zip(rows, results, strict=True):
                ATTEMPTS.labels(row["channel"], result.outcome).inc()
                if result.error is None:
                    await pg.delivery_sent(conn, row["id"], now=done)
                    continue
                attempts = row["attempts"] + 1
                retry_at = None
                if not result.park and attempts < s.max_attempts:
                    wait = delivery.backoff(
                        attempts, base=s.retry_base_seconds, cap=s.retry_max_seconds, jitter=random.random()
                    )
                    retry_at = done + timedelta(seconds=wait)
                else:
                    log.warning(
                        "notify: parked %s delivery %s after %d attempts: %s",
                        row["channel"],
                        row["id"],
                        attempts,
                        result.error,
                    )
                await pg.delivery_failed(conn, row["id"], error=result.error, retry_at=retry_at, now=done)
        return len(rows)

    async def _attempt(self, row: asyncpg.Record) -> DeliveryResult:
        """One attempt through the row's channel; a channel not registered or not configured is refused."""
        channel = CHANNELS.get(row["channel"])
        if channel is None:
            return DeliveryResult.refused(f"refused: no channel {row['channel']!r} is registered")
        if not channel.configured(self.settings):
            return DeliveryResult.refused(f"refused: the {channel.name} channel is not configured")
        try:
            return await channel.send(outgoing(row, self._box), row["target"], self._kit)
        except Exception as exc:
            return DeliveryResult.failed(f"{type(exc).__name__}: {exc}")
