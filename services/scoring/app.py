"""Entry point of the scoring service: create_app(settings) wires HTTP, Kafka and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from fastapi import FastAPI

from schemas import topics
from schemas.vietnam import VN_TZ
from services.scoring.adapters.rulefiles import RulesCache
from services.scoring.api import ROUTERS
from services.scoring.config import Settings
from services.scoring.web import Scoring, attach
from services.scoring.workers import Workers
from thidua.runtime import http
from thidua.runtime.decoding import EVIDENCE_DECODER
from thidua.runtime.outbox import OutboxRelay
from thidua.runtime.service import Runtime

MIGRATIONS = Path(__file__).parent / "migrations"


def local_today() -> date:
    """Today in Vietnam (UTC+7): the day the calendar watch checks."""
    return datetime.now(VN_TZ).date()


def create_app(settings: Settings, *, today: Callable[[], date] = local_today) -> FastAPI:
    """The scoring service as an ASGI app: evidence in, scores, standings and alerts out (today: the local day the
    calendar watch checks, a fixed day in tests)."""
    runtime = Runtime(name="scoring", settings=settings, migrations=MIGRATIONS)
    relay = OutboxRelay(runtime)
    cache = RulesCache()
    work = Workers(runtime, settings, relay, cache, today)
    runtime.on_start(work.seed_rules)
    runtime.run_in_background(relay.run)
    if "rescore" in settings.roles:
        runtime.run_in_background(work.recalendar_once)
        runtime.run_in_background(work.clock)
        runtime.run_in_background(work.rescorer)
    if "track" in settings.roles:
        runtime.run_in_background(work.tracker)
    if "consume" in settings.roles:
        # Several members of the group in one process: while one batch waits for PostgreSQL, another is decoded
        # and judged (a batch subscriber handles one batch at a time). Partitions are by unit, so their batches
        # touch disjoint cases, counters and queue rows.
        for _ in range(settings.consumers):
            runtime.subscribe(
                topics.EVIDENCE_ACCEPTED,
                decode=EVIDENCE_DECODER,
                handler=work.on_accepted,
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
    attach(app, Scoring(runtime, cache, alert_points=settings.reconcile_alert_points, wake_relay=relay.wake))
    for router in ROUTERS:
        app.include_router(router)
    return app
