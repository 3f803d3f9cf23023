"""Entry point of the notify service: create_app(settings) wires HTTP, Kafka and PostgreSQL."""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from aiokafka import ConsumerRecord
from fastapi import FastAPI

from schemas import topics
from services.notify import api, handlers
from services.notify.config import Settings
from services.notify.delivery import Deliverer
from services.notify.domain.templates import VN
from thidua.runtime import http
from thidua.runtime.kafka import subscribe_batches
from thidua.runtime.service import Runtime

MIGRATIONS = Path(__file__).parent / "migrations"
INPUTS = (topics.ALERTS, topics.NOMINATIONS, topics.STANDINGS_CHANGED)
log = logging.getLogger(__name__)


def create_app(settings: Settings) -> FastAPI:
    """The notify service as an ASGI app: alerts, standings and nominations in; inbox, webhooks, e-mail out."""
    runtime = Runtime(name="notify", settings=settings, migrations=MIGRATIONS)
    deliverer = Deliverer(lambda: runtime.pool, settings)

    def on_topic(topic: str) -> Callable[[Sequence[ConsumerRecord[bytes, bytes]]], Awaitable[None]]:
        async def on_batch(records: Sequence[ConsumerRecord[bytes, bytes]]) -> None:
            events = handlers.decode(topic, records)
            if not events:
                return
            async with runtime.pool.acquire() as conn:
                outcome = await handlers.handle(conn, topic, events, settings=settings)
            if outcome.pushed:
                deliverer.wake()
        return on_batch

    async def on_directory(records: Sequence[ConsumerRecord[bytes, bytes]]) -> None:
        if not any(r.value and b'"unit.registered"' in r.value for r in records):
            return
        async with runtime.pool.acquire() as conn:
            await handlers.record_units(conn, records)

    async def digest_clock() -> None:
        while True:
            now = datetime.now(UTC)
            if now.astimezone(VN).hour >= settings.digest_hour:
                try:
                    async with runtime.pool.acquire() as conn:
                        if await handlers.assemble_digests(conn, now=now, settings=settings):
                            deliverer.wake()
                except Exception:
                    log.exception("notify: digest assembly failed; retrying")
            await asyncio.sleep(settings.digest_check_seconds)

    for topic in INPUTS:
        subscribe_batches(runtime.broker, service="notify", topic=topic, group_id=settings.group_id,
                          handler=on_topic(topic), max_records=settings.max_batch)
    subscribe_batches(runtime.broker, service="notify", topic=topics.EVIDENCE_ACCEPTED, group_id=settings.group_id,
                      handler=on_directory, max_records=settings.max_batch)
    runtime.run_in_background(deliverer.run)
    if settings.digest_enabled:
        runtime.run_in_background(digest_clock)
    app = FastAPI(title="Thi đua — notify", version="1", lifespan=runtime.lifespan,
                  description="Thông báo: the right unit hears it in time, and only once.")
    http.install(app, runtime)
    app.include_router(api.router(runtime, settings, deliverer.wake))
    return app
