"""Entry point of the awards service: create_app(settings) wires HTTP, Kafka and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial

from fastapi import FastAPI

from schemas import topics
from schemas.evidence import EVIDENCE_TYPES, EvidenceEvent
from schemas.outputs import OfficerRating, StandingChanged
from services.awards import api
from services.awards.adapters.postgres import PostgresAwardsStore
from services.awards.adapters.rulefile import load_rules
from services.awards.config import MIGRATIONS, Settings
from services.awards.handlers.evidence import USED_TYPES, apply_evidence
from services.awards.handlers.ratings import apply_ratings
from services.awards.handlers.standings import apply_standings
from thidua.runtime import http
from thidua.runtime.decoding import decode_as, evidence_of
from thidua.runtime.kafka import BULK_FETCH_WAIT_MS
from thidua.runtime.outbox import OutboxRelay
from thidua.runtime.parking import Delivery, TypeFilter
from thidua.runtime.service import Runtime

decode_standing = partial(decode_as, StandingChanged)
decode_rating = partial(decode_as, OfficerRating)


def create_app(settings: Settings) -> FastAPI:
    """The awards service: evidence, standings and evidence ratings in, nominations and award signals out."""
    rules = load_rules(settings.rules_file)
    runtime = Runtime(name="awards", settings=settings, migrations=MIGRATIONS)
    relay = OutboxRelay(runtime)

    # Each call is one transaction: a batch that fails leaves nothing behind, so the runtime may retry it
    # record by record and park the one at fault (and replay it after a fix, once in effect: the inbox).
    async def on_evidence(deliveries: Sequence[Delivery[EvidenceEvent]]) -> None:
        async with runtime.pool.acquire() as conn:
            await apply_evidence(
                PostgresAwardsStore(conn), [d.event for d in deliveries], rules=rules, now=datetime.now(UTC)
            )
        relay.wake()

    async def on_standings(deliveries: Sequence[Delivery[StandingChanged]]) -> None:
        async with runtime.pool.acquire() as conn:
            await apply_standings(
                PostgresAwardsStore(conn), [d.event for d in deliveries], rules=rules, now=datetime.now(UTC)
            )
        relay.wake()

    async def on_ratings(deliveries: Sequence[Delivery[OfficerRating]]) -> None:
        async with runtime.pool.acquire() as conn:
            await apply_ratings(
                PostgresAwardsStore(conn), [d.event for d in deliveries], rules=rules, now=datetime.now(UTC)
            )
        relay.wake()

    runtime.run_in_background(relay.run)
    runtime.subscribe(
        topics.EVIDENCE_ACCEPTED,
        decode=evidence_of(USED_TYPES),
        handler=on_evidence,
        group_id=settings.group_id,
        max_records=settings.max_batch,
        types=TypeFilter(USED_TYPES, frozenset(EVIDENCE_TYPES)),
        # Off the freshness path and dropping most of the stream: big fetches, few commits, during a backfill.
        patience_ms=BULK_FETCH_WAIT_MS,
    )
    runtime.subscribe(
        topics.STANDINGS_CHANGED,
        decode=decode_standing,
        handler=on_standings,
        group_id=settings.group_id,
        max_records=settings.max_batch,
    )
    runtime.subscribe(
        topics.RATINGS,
        decode=decode_rating,
        handler=on_ratings,
        group_id=settings.group_id,
        max_records=settings.max_batch,
    )
    app = FastAPI(
        title="Thi đua — awards",
        version="1",
        lifespan=runtime.lifespan,
        description="Khen thưởng: nominations that follow the law, with the evidence attached.",
    )
    http.install(app, runtime)
    app.state.award_rules = rules  # the routes' rule file (api.rules_of)
    app.include_router(api.api)

    @app.middleware("http")
    async def wake_relay(request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        relay.wake()  # a close or a vote queued messages
        return response

    return app
