"""Entry point of the awards service: create_app(settings) wires HTTP, Kafka and PostgreSQL."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from aiokafka import ConsumerRecord
from fastapi import FastAPI

from schemas import topics
from services.awards import api, handlers
from services.awards.config import Settings
from services.awards.domain.rulebook import build_award_rules
from thidua.runtime import http
from thidua.runtime.kafka import subscribe_batches
from thidua.runtime.outbox import OutboxRelay
from thidua.runtime.service import Runtime

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings) -> FastAPI:
    """The awards service: evidence and standings in, nominations and award signals out."""
    rules = build_award_rules(tomllib.loads(settings.rules_file.read_text(encoding="utf-8")))
    runtime = Runtime(name="awards", settings=settings, migrations=MIGRATIONS)
    relay = OutboxRelay(runtime)

    async def on_evidence(records: Sequence[ConsumerRecord[bytes, bytes]]) -> None:
        async with runtime.pool.acquire() as conn:
            await handlers.apply_evidence(conn, [r.value or b"" for r in records], rules=rules, now=datetime.now(UTC))
        relay.wake()

    async def on_standings(records: Sequence[ConsumerRecord[bytes, bytes]]) -> None:
        async with runtime.pool.acquire() as conn:
            await handlers.apply_standings(conn, [r.value or b"" for r in records], rules=rules, now=datetime.now(UTC))
        relay.wake()

    runtime.run_in_background(relay.run)
    subscribe_batches(runtime.broker, service="awards", topic=topics.EVIDENCE_ACCEPTED, group_id=settings.group_id,
                      handler=on_evidence, max_records=settings.max_batch)
    subscribe_batches(runtime.broker, service="awards", topic=topics.STANDINGS_CHANGED, group_id=settings.group_id,
                      handler=on_standings, max_records=settings.max_batch)
    app = FastAPI(title="Thi đua — awards", version="1", lifespan=runtime.lifespan,
                  description="Khen thưởng: nominations that follow the law, with the evidence attached.")
    http.install(app, runtime)
    app.include_router(api.router(runtime, rules))

    @app.middleware("http")
    async def wake_relay(request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        relay.wake()  # a close or a vote queued messages
        return response

    return app
