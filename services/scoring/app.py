"""Entry point of the scoring service: create_app(settings) wires HTTP, Kafka and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI
from prometheus_client import Histogram

from schemas import topics
from schemas.evidence import EvidenceEvent
from services.scoring import api
from services.scoring.adapters.postgres import hold_rulebook
from services.scoring.adapters.rulefiles import RulesCache, seed
from services.scoring.config import Settings
from services.scoring.handlers.clock import tick
from services.scoring.handlers.consume import apply_under_active_rules
from services.scoring.handlers.rescore import LIMITS, Cadence, rescore_kind
from thidua.runtime import http
from thidua.runtime.decoding import decode_evidence
from thidua.runtime.loop import Waker, drain_then_wait
from thidua.runtime.outbox import OutboxRelay
from thidua.runtime.parking import Delivery
from thidua.runtime.service import Runtime

MIGRATIONS = Path(__file__).parent / "migrations"
log = logging.getLogger(__name__)
FRESHNESS = Histogram(
    "thidua_scoring_freshness_seconds",
    "Per rescored standing: from the oldest evidence it waited for (accepted) to committed",
    ["subject"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30, 60),
)


def create_app(settings: Settings) -> FastAPI:
    """The scoring service as an ASGI app: evidence in, scores, standings and alerts out."""
    runtime = Runtime(name="scoring", settings=settings, migrations=MIGRATIONS)
    relay = OutboxRelay(runtime)
    cache = RulesCache()

    async def seed_rules() -> None:
        async with runtime.pool.acquire() as conn:
            log.info("scoring rulebook %s active", await seed(conn, settings.rules_file))

    rescore_now = Waker()

    async def on_accepted(deliveries: Sequence[Delivery[EvidenceEvent]]) -> None:
        batch = []
        accepted: list[datetime] = []
        for d in deliveries:
            seq = d.header("ledger_seq")
            bounded = seq is not None and seq.isascii() and seq.isdigit() and len(seq) <= 18  # a bigint
            batch.append((d.event, int(seq) if bounded and seq else None))
            stamp = d.header("accepted_at")
            if stamp:
                try:
                    accepted.append(datetime.fromisoformat(stamp))
                except ValueError:
                    pass  # only the freshness figure uses it
        now = datetime.now(UTC)
        async with runtime.pool.acquire() as conn:
            await apply_under_active_rules(conn, batch, cache=cache, now=now, accepted_at=min(accepted, default=now))
        rescore_now.wake()

    cadence = Cadence()

    async def rescore_pending() -> bool:
        """One pass of each kind that is due; True when some subject was rescored."""
        await asyncio.sleep(cadence.delay(time.monotonic()))
        did = False
        async with runtime.pool.acquire() as conn:
            for kind, limit in LIMITS.items():
                if not cadence.due(kind, time.monotonic()):
                    continue
                started = time.monotonic()
                async with conn.transaction():
                    await hold_rulebook(conn)
                    rules = await cache.active(conn)
                    waited = await rescore_kind(conn, kind, rules=rules, now=datetime.now(UTC), limit=limit)
                if not waited:
                    continue
                done = datetime.now(UTC)
                ages = [max(0.0, (done - since).total_seconds()) for _, since in waited]
                cadence.ran(kind, started, time.monotonic(), max(ages))
                for (subject, _), age in zip(waited, ages, strict=True):
                    FRESHNESS.labels(subject).observe(age)
                relay.wake()
                did = True
        return did

    async def rescorer() -> None:
        # Coalesces the subjects of many batches into one recomputation: the consumer never waits for it.
        # The consumer may run in another process: its commits wake this loop through LISTEN/NOTIFY.
        async def step() -> bool:
            return await rescore_pending()  # paced by cadence; then wait for the next NOTIFY or poll

        wake = rescore_now.wake  # one bound method, so remove_listener finds what add_listener registered
        async with runtime.pool.acquire() as listener:
            await listener.add_listener("scoring_dirty", wake)
            try:
                await drain_then_wait(
                    step, rescore_now, poll=settings.rescore_seconds, log=log, what="scoring rescorer"
                )
            finally:
                await listener.remove_listener("scoring_dirty", wake)

    async def clock() -> None:
        while True:
            try:
                async with runtime.pool.acquire() as conn:
                    while True:
                        async with conn.transaction():
                            await hold_rulebook(conn)
                            rules = await cache.active(conn)
                            ticked = await tick(conn, rules=rules, now=datetime.now(UTC))
                        if not ticked:
                            break
                        rescore_now.wake()
            except Exception:
                log.exception("scoring clock failed; retrying")
            await asyncio.sleep(settings.tick_seconds)

    runtime.on_start(seed_rules)
    runtime.run_in_background(relay.run)
    if "rescore" in settings.roles:
        runtime.run_in_background(clock)
        runtime.run_in_background(rescorer)
    if "consume" in settings.roles:
        # Several members of the group in one process: while one batch waits for PostgreSQL, another is decoded
        # and judged (a batch subscriber handles one batch at a time). Partitions are by unit, so their batches
        # touch disjoint cases, counters and queue rows.
        for _ in range(settings.consumers):
            runtime.subscribe(
                topics.EVIDENCE_ACCEPTED,
                decode=decode_evidence,
                handler=on_accepted,
                group_id=settings.group_id,
                max_records=settings.max_batch,
            )
    app = FastAPI(
        title="Thi đua — scoring",
        version="1",
        lifespan=runtime.lifespan,
        description="Chấm điểm thi đua: live standings traced to the evidence.",
    )
    http.install(app, runtime)
    app.include_router(api.router(runtime, cache))
    return app
