"""Entry point of the scoring service: create_app(settings) wires HTTP, Kafka and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path

from fastapi import FastAPI
from prometheus_client import Histogram

from schemas import topics
from schemas.evidence import EvidenceEvent
from schemas.vietnam import VN_TZ
from services.scoring import agency_api, api, reconcile_api, tracking_api
from services.scoring.adapters.postgres import hold_rulebook
from services.scoring.adapters.rulefiles import RulesCache, seed
from services.scoring.adapters.tracking_store import queue_everyone
from services.scoring.config import Settings
from services.scoring.handlers.calendar_watch import watch_calendar
from services.scoring.handlers.clock import tick
from services.scoring.handlers.consume import accepted_moment, apply_under_active_rules
from services.scoring.handlers.rebuild import RebuildBusy
from services.scoring.handlers.recalendar import recalendar
from services.scoring.handlers.rescore import LIMITS, Cadence, rescore_kind
from services.scoring.handlers.tracking import run_pass
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


def local_today() -> date:
    """Today in Vietnam (UTC+7): the day the calendar watch checks."""
    return datetime.now(VN_TZ).date()


def create_app(settings: Settings, *, today: Callable[[], date] = local_today) -> FastAPI:
    """The scoring service as an ASGI app: evidence in, scores, standings and alerts out (today: the local day the
    calendar watch checks, a fixed day in tests)."""
    runtime = Runtime(name="scoring", settings=settings, migrations=MIGRATIONS)
    relay = OutboxRelay(runtime)
    cache = RulesCache()

    async def seed_rules() -> None:
        async with runtime.pool.acquire() as conn:
            log.info("scoring rulebook %s active", await seed(conn, settings.rules_file))

    cadence = Cadence()

    async def on_accepted(deliveries: Sequence[Delivery[EvidenceEvent]]) -> None:
        batch = []
        accepted: list[datetime] = []
        now = datetime.now(UTC)
        for d in deliveries:
            seq = d.header("ledger_seq")
            bounded = seq is not None and seq.isascii() and seq.isdigit() and len(seq) <= 18  # a bigint
            batch.append((d.event, int(seq) if bounded and seq else None))
            if (moment := accepted_moment(d.header("accepted_at"), now)) is not None:
                accepted.append(moment)
        oldest = min(accepted, default=now)
        async with runtime.pool.acquire() as conn:
            await apply_under_active_rules(conn, batch, cache=cache, now=now, accepted_at=oldest)
        cadence.consumed((now - oldest).total_seconds())
        wake_rescorers()

    wakers = {kind: Waker() for kind in LIMITS}

    def wake_rescorers(*_: object) -> None:
        """Work is queued (a batch or a tick committed, here or in another process): wake both rescorers."""
        for waker in wakers.values():
            waker.wake()
        tracking_waker.wake()

    async def rescore_pass(kind: str) -> bool:
        """One pass of kind once it is due; True when some subject was rescored."""
        while (pause := cadence.delay(time.monotonic(), kind)) > 0:  # noqa: ASYNC110 - a clock, not an event
            await asyncio.sleep(min(pause, 0.1))  # in slices: catching up after a backlog ends a long pause
        started = time.monotonic()
        async with runtime.pool.acquire() as conn, conn.transaction():
            await hold_rulebook(conn)
            rules = await cache.active(conn)
            waited = await rescore_kind(conn, kind, rules=rules, now=datetime.now(UTC), limit=LIMITS[kind])
        if not waited:
            return False
        cadence.ran(kind, started, time.monotonic())
        done = datetime.now(UTC)
        for subject, since in waited:
            FRESHNESS.labels(subject).observe(max(0.0, (done - since).total_seconds()))
        relay.wake()
        return True

    async def rescorer() -> None:
        # Coalesces the subjects of many batches into one recomputation: the consumer never waits for it.
        # Units and officers each have their own loop, so the public standings never wait behind a long pass
        # over thousands of officers. The consumer may run in another process: its commits wake the loops
        # through LISTEN/NOTIFY.
        async with runtime.pool.acquire() as listener:
            await listener.add_listener("scoring_dirty", wake_rescorers)
            try:
                await asyncio.gather(
                    *(
                        drain_then_wait(
                            partial(rescore_pass, kind),
                            wakers[kind],
                            poll=settings.rescore_seconds,
                            log=log,
                            what=f"scoring rescorer ({kind}s)",
                        )
                        for kind in LIMITS
                    )
                )
            finally:
                await listener.remove_listener("scoring_dirty", wake_rescorers)

    tracking_waker = Waker()

    async def tracking_pass() -> int:
        """Officers' Decree 335 ratings and low task scores of the queued officers (ratings.v1, alerts.v1)."""
        async with runtime.pool.acquire() as conn, conn.transaction():
            await hold_rulebook(conn)
            rules = await cache.active(conn)
            done = await run_pass(conn, rules=rules, now=datetime.now(UTC), save_days=settings.tracking_save_days)
        if done:
            relay.wake()
        return done

    async def tracker() -> None:
        # A period closes, or a due date passes, with nothing new arriving: every tracked officer is looked at again
        # at each start and then hourly (the queue coalesces).
        async def sweep() -> None:
            while True:
                try:
                    async with runtime.pool.acquire() as conn:
                        await queue_everyone(conn, datetime.now(UTC))
                    tracking_waker.wake()
                except Exception:
                    log.exception("scoring tracking sweep failed; retrying")
                await asyncio.sleep(settings.tracking_sweep_seconds)

        await asyncio.gather(
            sweep(),
            drain_then_wait(
                tracking_pass, tracking_waker, poll=settings.rescore_seconds, log=log, what="scoring tracking pass"
            ),
        )

    watched: list[date] = []  # the day the calendar was last checked (at start, then daily)

    async def watch() -> None:
        day = today()
        if watched and watched[-1] == day:
            return
        async with runtime.pool.acquire() as conn, conn.transaction():
            await hold_rulebook(conn)
            rules = await cache.active(conn)
            await watch_calendar(conn, rules=rules, today=day, alert_unit=settings.calendar_alert_unit)
        watched[:] = [day]
        relay.wake()

    async def clock() -> None:
        while True:
            try:
                await watch()
                async with runtime.pool.acquire() as conn:
                    while True:
                        async with conn.transaction():
                            await hold_rulebook(conn)
                            rules = await cache.active(conn)
                            ticked = await tick(conn, rules=rules, now=datetime.now(UTC))
                        if not ticked:
                            break
                        wake_rescorers()
            except Exception:
                log.exception("scoring clock failed; retrying")
            await asyncio.sleep(settings.tick_seconds)

    async def recalendar_once() -> None:
        # After the start: the consumer goes on while the rebuild judges, its switch holds writers briefly.
        try:
            done = await recalendar(runtime.pool, settings.database_url, settings.rules_file, now=datetime.now(UTC))
        except RebuildBusy:
            log.info("scoring: a rebuild is running; the calendar is re-judged at the next start")
            return
        except Exception:
            log.exception("scoring: re-judging under the new calendar failed; `thidua scoring rebuild` does it")
            return
        if done is not None:
            log.info("scoring rulebook %s active: %d period(s) re-judged", done.version, len(done.periods))
            wake_rescorers()
            relay.wake()

    runtime.on_start(seed_rules)
    runtime.run_in_background(relay.run)
    if "rescore" in settings.roles:
        runtime.run_in_background(recalendar_once)
        runtime.run_in_background(clock)
        runtime.run_in_background(rescorer)
        runtime.run_in_background(tracker)
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
    app.include_router(tracking_api.router(runtime, cache))
    app.include_router(agency_api.router(runtime, cache))
    app.include_router(
        reconcile_api.router(runtime, cache, alert_points=settings.reconcile_alert_points, on_commit=relay.wake)
    )
    return app
