"""Scoring's work beside HTTP: the evidence consumer, the rescorers, the officers' tracking, the clock and the
calendar watch, each a method the app registers with its runtime."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from functools import partial

from prometheus_client import Histogram

from schemas.evidence import EvidenceEvent
from services.scoring.adapters.fact_memo import FactMemo
from services.scoring.adapters.rulebook_store import hold_rulebook
from services.scoring.adapters.rulefiles import RulesCache, seed
from services.scoring.adapters.tracking_store import queue_everyone
from services.scoring.config import Settings
from services.scoring.handlers.cadence import LIMITS, Cadence
from services.scoring.handlers.calendar_watch import watch_calendar
from services.scoring.handlers.clock import tick
from services.scoring.handlers.consume import accepted_moment, apply_under_active_rules
from services.scoring.handlers.rebuild import RebuildBusy
from services.scoring.handlers.recalendar import recalendar
from services.scoring.handlers.rescore import rescore_kind
from services.scoring.handlers.tracking import Judge, in_process, in_thread, run_pass
from thidua.runtime.loop import Waker, drain_then_wait
from thidua.runtime.outbox import OutboxRelay
from thidua.runtime.parking import Delivery
from thidua.runtime.service import Runtime
from thidua.runtime.worker_pool import LowPriorityWorker

# The name the service has always logged under (operators filter on it).
log = logging.getLogger("services.scoring.app")
FRESHNESS = Histogram(
    "thidua_scoring_freshness_seconds",
    "Per rescored standing: from the oldest evidence it waited for (accepted) to committed",
    ["subject"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30, 60),
)
ARRIVAL = Histogram(
    "thidua_scoring_arrival_seconds",
    "Per consumed batch: from its oldest evidence accepted to the batch committed (freshness before the rescorer)",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30, 60),
)
PASSES = Histogram(
    "thidua_scoring_pass_seconds",
    "Per pass of the background work that did something: its duration (what freshness waits behind)",
    ["work"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30),
)


CLOCK_STEP = 200
"""Cases one tick judges. A rebuild's switch makes every open case due at once (over 100,000 after rebuilding a
million events): judged in short paced steps (≈ 30 ms of judging each), the live consumer and the rescorers in this
process wait one step at a time, never the whole backlog (the consumer's lag would also put the rescorer in backlog
mode, with its long pauses)."""


def tracking_pause(took: float, settings: Settings) -> float:
    """Seconds to wait after a tracking pass that took `took`, so that passes keep to their share of the process."""
    return max(settings.tracking_pause_seconds, took * (1 - settings.tracking_share) / settings.tracking_share)


class Workers:
    """The service's background work over one runtime, rules cache and outbox relay (today: the local day)."""

    def __init__(
        self, runtime: Runtime, settings: Settings, relay: OutboxRelay, cache: RulesCache, today: Callable[[], date]
    ) -> None:
        self.runtime, self.settings, self.relay, self.cache, self.today = runtime, settings, relay, cache, today
        self.cadence = Cadence()
        self.wakers = {kind: Waker() for kind in LIMITS}
        # Each rescorer's memory of the facts' sums (read again only where a fact changed: issue 29).
        self.memos = {kind: FactMemo() for kind in LIMITS}
        self.tracking_waker = Waker()
        self.judge: Judge = in_thread  # where the pass judges: a worker process while the tracker runs
        self.watched: list[date] = []  # the day the calendar was last checked (at start, then daily)

    async def seed_rules(self) -> None:
        async with self.runtime.pool.acquire() as conn:
            log.info("scoring rulebook %s active", await seed(conn, self.settings.rules_file))

    async def on_accepted(self, deliveries: Sequence[Delivery[EvidenceEvent]]) -> None:
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
        async with self.runtime.pool.acquire() as conn:
            await apply_under_active_rules(conn, batch, cache=self.cache, now=now, accepted_at=oldest)
        self.cadence.consumed((now - oldest).total_seconds(), time.monotonic())
        if accepted:
            ARRIVAL.observe(max(0.0, (datetime.now(UTC) - oldest).total_seconds()))
        self.wake_rescorers()

    def wake_rescorers(self, *_: object) -> None:
        """Work is queued (a batch or a tick committed, here or in another process): wake both rescorers."""
        for waker in self.wakers.values():
            waker.wake()
        self.tracking_waker.wake()

    async def rescore_pass(self, kind: str) -> bool:
        """One pass of kind once it is due; True when some subject was rescored."""
        while (pause := self.cadence.delay(time.monotonic(), kind)) > 0:  # noqa: ASYNC110 - a clock, not an event
            await asyncio.sleep(min(pause, 0.1))  # in slices: catching up after a backlog ends a long pause
        started = time.monotonic()
        async with self.runtime.pool.acquire() as conn, conn.transaction():
            await hold_rulebook(conn)
            rules = await self.cache.active(conn)
            waited = await rescore_kind(
                conn, kind, rules=rules, now=datetime.now(UTC), limit=LIMITS[kind], memo=self.memos[kind]
            )
        if not waited:
            return False
        ended = time.monotonic()
        self.cadence.ran(kind, started, ended)
        PASSES.labels(f"rescore_{kind}").observe(ended - started)
        done = datetime.now(UTC)
        for subject, since in waited:
            FRESHNESS.labels(subject).observe(max(0.0, (done - since).total_seconds()))
        self.relay.wake()
        return True

    async def rescorer(self) -> None:
        # Coalesces the subjects of many batches into one recomputation: the consumer never waits for it.
        # Units and officers each have their own loop, so the public standings never wait behind a long pass
        # over thousands of officers. The consumer may run in another process: its commits wake the loops
        # through LISTEN/NOTIFY.
        async with self.runtime.pool.acquire() as listener:
            await listener.add_listener("scoring_dirty", self.wake_rescorers)
            try:
                await asyncio.gather(
                    *(
                        drain_then_wait(
                            partial(self.rescore_pass, kind),
                            self.wakers[kind],
                            poll=self.settings.rescore_seconds,
                            log=log,
                            what=f"scoring rescorer ({kind}s)",
                        )
                        for kind in LIMITS
                    )
                )
            finally:
                await listener.remove_listener("scoring_dirty", self.wake_rescorers)

    async def tracking_pass(self) -> int:
        """Officers' Decree 335 ratings and low task scores of the queued officers (ratings.v1, alerts.v1)."""
        started = time.monotonic()
        async with self.runtime.pool.acquire() as conn, conn.transaction():
            await hold_rulebook(conn)
            rules = await self.cache.active(conn)
            done = await run_pass(
                conn, rules=rules, now=datetime.now(UTC), save_days=self.settings.tracking_save_days, judge=self.judge
            )
        if done:
            PASSES.labels("tracking").observe(time.monotonic() - started)
            self.relay.wake()
            # A pass recomputes the unit-years of the officers queued; woken by every batch, back-to-back passes took
            # 37 % of the process under a live load (freshness p99 2.6 s, issue 29), a pause as long as the pass
            # still a third: the pause keeps the pass to its share, and the next pass coalesces more officers.
            await asyncio.sleep(tracking_pause(time.monotonic() - started, self.settings))
        return done

    async def sweep(self) -> None:
        # A period closes, or a due date passes, with nothing new arriving: every tracked officer is looked at again
        # at each start and then hourly (the queue coalesces).
        while True:
            try:
                async with self.runtime.pool.acquire() as conn:
                    await queue_everyone(conn, datetime.now(UTC))
                self.tracking_waker.wake()
            except Exception:
                log.exception("scoring tracking sweep failed; retrying")
            await asyncio.sleep(self.settings.tracking_sweep_seconds)

    async def tracker(self) -> None:
        # Judging a unit's year is CPU for up to seconds: in this process's event loop (or a thread of it) it held
        # the consumer and the rescorers back (issue 29: the consumer's batches 400 ms later at p99). A worker
        # process at a lower priority takes the CPU the rest of the machine leaves.
        worker = LowPriorityWorker(self.settings.tracking_nice)
        self.judge = in_process(worker)
        try:
            await asyncio.gather(
                self.sweep(),
                drain_then_wait(
                    self.tracking_pass,
                    self.tracking_waker,
                    poll=self.settings.rescore_seconds,
                    log=log,
                    what="scoring tracking pass",
                ),
            )
        finally:
            self.judge = in_thread
            worker.close()

    async def watch(self) -> None:
        day = self.today()
        if self.watched and self.watched[-1] == day:
            return
        async with self.runtime.pool.acquire() as conn, conn.transaction():
            await hold_rulebook(conn)
            rules = await self.cache.active(conn)
            await watch_calendar(conn, rules=rules, today=day, alert_unit=self.settings.calendar_alert_unit)
        self.watched[:] = [day]
        self.relay.wake()

    async def clock(self) -> None:
        while True:
            try:
                await self.watch()
                async with self.runtime.pool.acquire() as conn:
                    while True:
                        started = time.monotonic()
                        async with conn.transaction():
                            await hold_rulebook(conn)
                            rules = await self.cache.active(conn)
                            ticked = await tick(conn, rules=rules, now=datetime.now(UTC), limit=CLOCK_STEP)
                        if not ticked:
                            break
                        self.wake_rescorers()
                        if ticked >= CLOCK_STEP:
                            # A backlog: as long a pause as the step took, so the consumer keeps half the process.
                            await asyncio.sleep(time.monotonic() - started)
            except Exception:
                log.exception("scoring clock failed; retrying")
            await asyncio.sleep(self.settings.tick_seconds)

    async def recalendar_once(self) -> None:
        # After the start: the consumer goes on while the rebuild judges, its switch holds writers briefly.
        s = self.settings
        try:
            done = await recalendar(self.runtime.pool, s.database_url, s.rules_file, now=datetime.now(UTC))
        except RebuildBusy:
            log.info("scoring: a rebuild is running; the calendar is re-judged at the next start")
            return
        except Exception:
            log.exception("scoring: re-judging under the new calendar failed; `thidua scoring rebuild` does it")
            return
        if done is not None:
            log.info("scoring rulebook %s active: %d period(s) re-judged", done.version, len(done.periods))
            self.wake_rescorers()
            self.relay.wake()
