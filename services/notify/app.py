"""Entry point of the notify service: create_app(settings) wires HTTP, Kafka and PostgreSQL."""

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from fastapi import FastAPI

from schemas import topics
from schemas.evidence import EVIDENCE_TYPES, EvidenceEvent, UnitRegisteredEvent, types_of
from schemas.vietnam import VN_TZ
from services.notify import api, channels_api
from services.notify.adapters.channels import Kit
from services.notify.adapters.sealing import SecretBox, prepare
from services.notify.adapters.store import PostgresNotifyStore
from services.notify.adapters.targets import Resolver, system_resolver
from services.notify.config import Settings
from services.notify.handlers import consume
from services.notify.handlers.deliver import Deliverer
from services.notify.handlers.digest import assemble_digests
from thidua.runtime import http
from thidua.runtime.decoding import decode_as, evidence_of
from thidua.runtime.kafka import BULK_FETCH_WAIT_MS
from thidua.runtime.parking import Delivery, Handler, TypeFilter
from thidua.runtime.service import Runtime

MIGRATIONS = Path(__file__).parent / "migrations"
INPUTS = (topics.ALERTS, topics.NOMINATIONS, topics.STANDINGS_CHANGED)
DIRECTORY_TYPES = types_of(UnitRegisteredEvent)
"""The evidence types notify keeps (its directory of units); the others are committed unread."""
log = logging.getLogger(__name__)


def create_app(settings: Settings, *, resolver: Resolver = system_resolver) -> FastAPI:
    """The notify service as an ASGI app: alerts, standings and nominations in; inbox, webhooks, e-mail out.

    resolver (host, port -> addresses) is the system's DNS; tests give another to play DNS rebinding."""
    # notify publishes nothing to Kafka (its users are units, reached by e-mail and webhooks).
    runtime = Runtime(name="notify", settings=settings, migrations=MIGRATIONS, publishes=False)
    box = SecretBox()  # keys loaded at start, before the API or the deliverer opens a secret
    deliverer = Deliverer(lambda: runtime.pool, settings, box, resolver)

    async def seal_secrets() -> None:
        async with runtime.pool.acquire() as conn:
            sealed = await prepare(conn, box, settings.secret_key.get_secret_value())
        if sealed:
            log.info("notify: sealed %d stored webhook secrets under the current key", sealed)

    runtime.on_start(seal_secrets)

    # Each call is one transaction: a batch that fails leaves nothing behind, so the runtime may retry it
    # record by record and park the one at fault (and replay it after a fix, once in effect: the inbox).
    def on_topic(topic: str) -> Handler:
        async def on_batch(deliveries: Sequence[Delivery[consume.Event]]) -> None:
            async with runtime.pool.acquire() as conn:
                store = PostgresNotifyStore(conn)
                outcome = await consume.handle(store, topic, [d.event for d in deliveries], settings=settings)
            if outcome.pushed:
                deliverer.wake()

        return on_batch

    async def on_directory(deliveries: Sequence[Delivery[EvidenceEvent]]) -> None:
        events = [d.event for d in deliveries]
        if not any(e.type == "unit.registered" for e in events):
            return  # nothing for the directory: no database round trip
        async with runtime.pool.acquire() as conn:
            await consume.record_units(PostgresNotifyStore(conn), events)

    async def digest_clock() -> None:
        while True:
            now = datetime.now(UTC)
            if now.astimezone(VN_TZ).hour >= settings.digest_hour:
                try:
                    async with runtime.pool.acquire() as conn:
                        if await assemble_digests(conn, now=now, settings=settings):
                            deliverer.wake()
                except Exception:
                    log.exception("notify: digest assembly failed; retrying")
            await asyncio.sleep(settings.digest_check_seconds)

    for topic in INPUTS:
        runtime.subscribe(
            topic,
            decode=partial(decode_as, consume.MODELS[topic]),
            handler=on_topic(topic),
            group_id=settings.group_id,
            max_records=settings.max_batch,
        )
    runtime.subscribe(
        topics.EVIDENCE_ACCEPTED,
        decode=evidence_of(DIRECTORY_TYPES),
        handler=on_directory,
        group_id=settings.group_id,
        max_records=settings.max_batch,
        types=TypeFilter(DIRECTORY_TYPES, frozenset(EVIDENCE_TYPES)),
        # Off the freshness path and dropping most of the stream: big fetches, few commits, during a backfill.
        patience_ms=BULK_FETCH_WAIT_MS,
    )
    runtime.run_in_background(deliverer.run)
    if settings.digest_enabled:
        runtime.run_in_background(digest_clock)
    app = FastAPI(
        title="Thi đua — notify",
        version="1",
        lifespan=runtime.lifespan,
        description="Thông báo: the right unit hears it in time, and only once.",
    )
    http.install(app, runtime)
    app.state.notify = api.Edge(settings, box, Kit(settings, resolver), deliverer.wake)
    app.include_router(api.router)
    app.include_router(channels_api.router)
    return app
