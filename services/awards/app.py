"""Entry point of the awards service: create_app(settings) wires HTTP, Kafka and PostgreSQL."""

from collections.abc import Sequence
from pathlib import Path

from aiokafka import ConsumerRecord
from fastapi import FastAPI

from schemas import topics
from services.awards.adapters import postgres
from services.awards.config import Settings
from thidua.runtime import http
from thidua.runtime.kafka import subscribe_batches
from thidua.runtime.service import Runtime

MIGRATIONS = Path(__file__).parent / "migrations"
INPUTS = (topics.EVIDENCE_ACCEPTED, topics.STANDINGS_CHANGED)


def create_app(settings: Settings) -> FastAPI:
    """The awards service as an ASGI app; its resources open in the lifespan."""
    runtime = Runtime(name="awards", settings=settings, migrations=MIGRATIONS)

    async def on_batch(records: Sequence[ConsumerRecord[bytes, bytes]]) -> None:
        async with runtime.pool.acquire() as conn, conn.transaction():
            await postgres.record_received(conn, records)

    for topic in INPUTS:
        subscribe_batches(runtime.broker, service="awards", topic=topic, group_id=settings.group_id,
                          handler=on_batch, max_records=settings.max_batch)
    app = FastAPI(title="Thi đua — awards", version="1", lifespan=runtime.lifespan)
    http.install(app, runtime)
    return app
