"""Entry point of the evidence service: create_app(settings) wires HTTP, Kafka and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from aiokafka import ConsumerRecord
from fastapi import FastAPI

from schemas import topics
from services.evidence import api
from services.evidence.config import Settings
from services.evidence.domain.intake import Submission
from services.evidence.handlers import ingest
from thidua.runtime import http
from thidua.runtime.kafka import subscribe_batches
from thidua.runtime.outbox import OutboxRelay
from thidua.runtime.service import Runtime

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings) -> FastAPI:
    """The evidence service as an ASGI app: HTTP and Kafka ingest share one path into the ledger."""
    runtime = Runtime(name="evidence", settings=settings, migrations=MIGRATIONS)
    relay = OutboxRelay(runtime, batch=settings.relay_batch)
    if settings.relay_enabled:
        runtime.run_in_background(relay.run)

    async def on_inbound(records: Sequence[ConsumerRecord[bytes, bytes]]) -> None:
        submissions = [Submission(r.value or b"") for r in records]
        positions = [(r.topic, r.partition, r.offset) for r in records]
        async with runtime.pool.acquire() as conn:
            await ingest(conn, submissions, channel="kafka", now=datetime.now(UTC), positions=positions)
        relay.wake()

    subscribe_batches(runtime.broker, service="evidence", topic=topics.EVIDENCE_INBOUND,
                      group_id=settings.group_id, handler=on_inbound, max_records=settings.max_batch)
    app = FastAPI(title="Thi đua — evidence", version="1", lifespan=runtime.lifespan,
                  description="Cổng tiếp nhận minh chứng: the only way evidence enters the platform.")
    http.install(app, runtime)
    app.include_router(api.router(runtime, settings, relay.wake))
    return app
