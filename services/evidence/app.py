"""Entry point of the evidence service: create_app(settings) wires HTTP, Kafka and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from fastapi import FastAPI

from schemas import topics
from services.evidence import api, dvcqg_api, mappings_api
from services.evidence.adapters.store import PostgresEvidenceStore
from services.evidence.config import MIGRATIONS, Settings
from services.evidence.domain.intake import Submission
from services.evidence.handlers import dvcqg_kafka
from services.evidence.handlers.ingest import ingest
from thidua.runtime import http
from thidua.runtime.outbox import OutboxRelay
from thidua.runtime.parking import Delivery
from thidua.runtime.service import Runtime


def create_app(settings: Settings) -> FastAPI:
    """The evidence service as an ASGI app: HTTP and Kafka ingest share one path into the ledger."""
    runtime = Runtime(name="evidence", settings=settings, migrations=MIGRATIONS)
    relay = OutboxRelay(runtime, batch=settings.relay_batch)
    if settings.relay_enabled:
        runtime.run_in_background(relay.run)

    async def on_inbound(deliveries: Sequence[Delivery[bytes]]) -> None:
        # Inbound bytes are not decoded here: the intake validates them and refuses what is bad, with reasons,
        # to evidence.rejected.v1 (never parked: a refusal is the answer the upstream system needs).
        # On a source's own topic the broker has authenticated the writer (SASL + ACL): that is the source.
        submissions = [Submission(d.event, token_source=topics.inbound_source(d.record.topic)) for d in deliveries]
        positions = [(d.record.topic, d.record.partition, d.record.offset) for d in deliveries]
        async with runtime.pool.acquire() as conn:
            await ingest(
                PostgresEvidenceStore(conn), submissions, channel="kafka", now=datetime.now(UTC), positions=positions
            )
        relay.wake()

    runtime.subscribe(
        topics.EVIDENCE_INBOUND,
        decode=lambda value: value or b"",
        handler=on_inbound,
        group_id=settings.group_id,
        max_records=settings.max_batch,
    )
    # evidence.inbound.v1.<source>: one topic per source, writable by that source's Kafka user only.
    runtime.subscribe(
        topics.EVIDENCE_INBOUND_PREFIX,
        decode=lambda value: value or b"",
        handler=on_inbound,
        group_id=settings.group_id,
        max_records=settings.max_batch,
        prefix=True,
    )

    async def on_portal(deliveries: Sequence[Delivery[object]]) -> None:
        async with runtime.pool.acquire() as conn:
            await dvcqg_kafka.apply(PostgresEvidenceStore(conn), deliveries)  # type: ignore[arg-type]
        relay.wake()

    # evidence.dvcqg.v1.<source>: the national portal's calls, one topic per source (ACL), parked without personal data.
    runtime.subscribe(
        topics.EVIDENCE_DVCQG_PREFIX,
        decode=dvcqg_kafka.decode,
        handler=on_portal,
        group_id=settings.group_id,
        max_records=settings.max_batch,
        prefix=True,
        scrub=dvcqg_kafka.scrub,
    )
    app = FastAPI(
        title="Thi đua — evidence",
        version="1",
        lifespan=runtime.lifespan,
        description="Cổng tiếp nhận minh chứng: the only way evidence enters the platform.",
    )
    http.install(app, runtime)
    app.state.evidence = api.Edge(settings, relay.wake)
    app.include_router(api.router)
    app.include_router(dvcqg_api.router)
    app.include_router(mappings_api.router)
    return app
