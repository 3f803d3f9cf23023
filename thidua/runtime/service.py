"""The resources of one running service, opened and closed in the app's lifespan."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from faststream.kafka import KafkaBroker

from thidua.runtime import auth
from thidua.runtime.db import create_pool, prepare_schema
from thidua.runtime.kafka import BatchPublisher, Subscription, subscribe_batches
from thidua.runtime.parking import Decoder, Handler, ParkingLot, Scrub, TypeFilter
from thidua.runtime.settings import ServiceSettings
from thidua.runtime.topics import ensure_topics

log = logging.getLogger(__name__)


class Runtime:
    """Pool, broker and publisher of a service; the lifespan starts them in a safe order."""

    def __init__(self, *, name: str, settings: ServiceSettings, migrations: Path, publishes: bool = True) -> None:
        self.name = name
        self.settings = settings
        self.migrations = migrations
        self.kafka = settings.kafka_access()
        self.broker = KafkaBroker(
            self.kafka.bootstrap,
            client_id=f"thidua-{name}",
            security=self.kafka.faststream_security(),
            # New per-source inbound topics are picked up within seconds, not minutes.
            metadata_max_age_ms=10_000,
            logger=logging.getLogger(f"thidua.{name}.broker"),
        )
        # A service that publishes nothing has no WRITE right, so its producer must not ask for a producer id.
        self.publisher = BatchPublisher(self.kafka, service=name, idempotent=publishes)
        self._pool: asyncpg.Pool | None = None
        self._background: list[Callable[[], Awaitable[None]]] = []
        self._startup: list[Callable[[], Awaitable[None]]] = []
        self._tasks: list[asyncio.Task[None]] = []
        self.parking = ParkingLot(name, lambda: self.pool, attempts=settings.park_attempts)
        self.subscriptions: list[Subscription] = []

    def subscribe(
        self,
        topic: str,
        *,
        decode: Decoder,
        handler: Handler,
        group_id: str,
        max_records: int,
        prefix: bool = False,
        scrub: Scrub | None = None,
        types: TypeFilter | None = None,
        patience_ms: int = 0,
    ) -> Subscription:
        """Consume topic (or every topic starting with it) in batches, each record decoded by the contract's
        model; poison is parked (its value through scrub when given); records whose `type` header names a known
        type not in types.used are committed unparsed; patience_ms lets a consumer off the freshness path wait for
        fuller fetches."""
        subscription = subscribe_batches(
            self.broker,
            service=self.name,
            topic=topic,
            group_id=group_id,
            handler=handler,
            decode=decode,
            parking=self.parking,
            max_records=max_records,
            prefix=prefix,
            scrub=scrub,
            types=types,
            patience_ms=patience_ms,
        )
        self.subscriptions.append(subscription)
        return subscription

    async def consumers(self) -> list[dict[str, object]]:
        """Each consumer's lag, age of its last progress and whether it is stalled."""
        return [await s.status(self.settings.stall_seconds) for s in self.subscriptions]

    async def watchdog(self) -> None:
        """Re-subscribe a consumer that has lag but made no progress for stall_seconds (aiokafka can stall
        silently after a broker restart); the group's committed offsets make the restart lossless."""
        while True:
            await asyncio.sleep(max(2.0, self.settings.stall_seconds / 4))
            for s in self.subscriptions:
                try:
                    if (await s.status(self.settings.stall_seconds))["stalled"]:
                        log.error("%s: consumer of %s stalled; re-subscribing", self.name, s.topic)
                        await s.restart()
                except Exception:
                    log.exception("%s: watchdog could not restart the consumer of %s", self.name, s.topic)

    def on_start(self, step: Callable[[], Awaitable[None]]) -> None:
        """Run step() after the migrations and before any consumer starts (e.g. seed reference data)."""
        self._startup.append(step)

    def run_in_background(self, loop: Callable[[], Awaitable[None]]) -> None:
        """Run loop() as a task once the pool and publisher are up; cancelled at shutdown."""
        self._background.append(loop)

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError(f"{self.name}: database pool used before start")
        return self._pool

    @asynccontextmanager
    async def lifespan(self, _app: object) -> AsyncIterator[None]:
        """Database and migrations first, topics next, consumers last: nothing is consumed unsaved."""
        self._pool = await create_pool(
            self.settings.database_url, schema=self.name, max_size=self.settings.db_pool_size
        )
        applied = await prepare_schema(self._pool, schema=self.name, directory=self.migrations)
        await auth.ensure_schema(self._pool)
        for step in self._startup:
            await step()
        if applied:
            log.info("%s: applied migrations %s", self.name, ", ".join(applied))
        await ensure_topics(self.kafka)
        await self.publisher.start()
        self._tasks = [asyncio.ensure_future(loop()) for loop in self._background]
        await self.broker.start()
        if self.subscriptions:
            self._tasks.append(asyncio.ensure_future(self.watchdog()))
        try:
            yield
        finally:
            await self.broker.stop()
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await self.publisher.stop()
            await self._pool.close()
            self._pool = None

    async def db_ready(self) -> bool:
        """True when PostgreSQL answers within two seconds."""
        if self._pool is None:
            return False
        try:
            return bool(await asyncio.wait_for(self._pool.fetchval("SELECT 1"), 2.0) == 1)
        except Exception:
            return False

    async def kafka_ready(self) -> bool:
        """True when the Kafka cluster answers a metadata request."""
        return await self.publisher.ping()
