"""Use case `thidua scoring rebuild`: recompute periods from scoring's raw evidence mirror under a rulebook, without
holding writers but for the final switch.

1. Heavy phase, no locks: the cases of the chosen periods are read from a REPEATABLE READ snapshot through a
   server-side cursor and judged under the new rules in worker processes (partial counter sums per chunk).
2. Catch-up, no locks: the cases written since (the consumer and the clock went on) are judged again from a
   second snapshot, old version out, new version in; the totals are staged (COPY into rebuild_counters).
3. Switch, one short transaction holding writers: the cases written since the second snapshot are caught up,
   the counters of the periods become the staged ones (only differing rows written), the rulebook is activated and
   every subject of the periods is rescored; readers see the old standings until the commit.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import asyncpg

from services.scoring.adapters import rebuild_store as store
from services.scoring.adapters import rulebook_store
from services.scoring.adapters.rulefiles import read_rules_file
from services.scoring.domain.judging import Affected
from services.scoring.domain.periods import Period, parse_period, periods_of
from services.scoring.domain.replay import Totals, add_totals, counter_rows, envelope, tally
from services.scoring.domain.rulebook import Rules, rules_from
from services.scoring.handlers.rescore import rescore
from thidua.runtime.db import create_pool

log = logging.getLogger(__name__)

CHUNK = 5000  # cases per fetch of the in-process cursor
TASKS_PER_WORKER = 16  # block ranges per worker process: progress steps, and an even share at the end
IN_PROCESS_BELOW = 20000  # fewer cases than this are judged in this process (starting workers costs more)
Progress = Callable[[int, int], None]  # (cases done, cases in all)
Phase = Callable[[str], Awaitable[None]]  # called with "computed" between the heavy phase and the catch-up


class RebuildBusy(RuntimeError):
    """Another rebuild is running."""


@dataclass(frozen=True)
class RebuildReport:
    """What a rebuild did, for the operator."""

    periods: list[str]
    rule_version: str
    cases: int  # cases judged in the heavy phase
    caught_up: int  # cases written while it ran, judged again
    units: int
    officers: int
    changes: list[tuple[str, str, float | None, float | None]]  # unit, period, old score, new score
    seconds: float  # the whole rebuild
    blocked_seconds: float  # the switch: how long writers waited
    phases: dict[str, float]  # seconds per phase (judge, catch_up, stage, switch_*)


async def rebuild(
    url: str,
    *,
    periods: Sequence[str] | None,
    rules_file: Path | None,
    now: datetime,
    workers: int | None = None,
    progress: Progress | None = None,
    on_phase: Phase | None = None,
    doc: dict[str, Any] | None = None,
) -> RebuildReport:
    """Recompute every counter and score of the periods (None: every period with counters or scores) from the
    cases and facts, under the given (or active) rules, and switch to them at once.

    `workers`: processes reading and judging cases (None: one per core, or none for a small rebuild). `doc`: a
    rulebook document to switch to instead of a rule file (the service's own recalendar at start)."""
    started = time.monotonic()
    pool = await create_pool(url, schema="scoring", min_size=1, max_size=3)
    try:
        return await _rebuild(pool, url, periods, rules_file, now, workers, progress, on_phase, started, doc)
    finally:
        await pool.close()


async def _rebuild(
    pool: asyncpg.Pool,
    url: str,
    periods: Sequence[str] | None,
    rules_file: Path | None,
    now: datetime,
    workers: int | None,
    progress: Progress | None,
    on_phase: Phase | None,
    started: float,
    given: dict[str, Any] | None = None,
) -> RebuildReport:
    async with pool.acquire() as control:
        if not await store.try_lock_rebuild(control):
            raise RebuildBusy("another rebuild is running")
        try:
            if given is not None:
                doc = await store.as_stored(control, given)
            elif rules_file is not None:
                doc = await store.as_stored(control, read_rules_file(rules_file))
            else:
                doc = await _active_doc(control)
            rules = rules_from(doc)
            stages = rules.book.stages
            if periods is not None:  # the operator's: a stage must be one of the new rules' movements
                chosen = {label: parse_period(label, stages) for label in sorted(set(periods))}
            else:  # every period stored, and every stage of the rules (a movement added: its stages filled here)
                present = await store.periods_present(control)
                chosen = {label: parse_period(label) for label in sorted({*present, *stages.labels})}
            labels = sorted(chosen)
            if not chosen:
                return RebuildReport([], rules.version, 0, 0, 0, 0, [], time.monotonic() - started, 0.0, {})
            phases: dict[str, float] = {}
            mark = time.monotonic()

            def lap(name: str) -> None:
                nonlocal mark
                phases[name], mark = time.monotonic() - mark, time.monotonic()

            async with _snapshot(pool) as (first, taken):
                totals, cases = await _replay(first, url, doc, rules, chosen, workers, progress)
                lap("judge")
                if on_phase is not None:
                    await on_phase("computed")
                    mark = time.monotonic()
                async with _snapshot(pool) as (second, retaken):
                    caught = await _catch_up(totals, first, second, taken, rules, chosen)
                    await first.execute("COMMIT")  # the first snapshot is no longer needed: release it
                    lap("catch_up")
                    await store.stage_counters(control, counter_rows(totals))
                    lap("stage")
                    async with control.transaction():
                        await store.lock_writers(control)  # from here on writers queue behind the switch
                        late = await _catch_up({}, second, control, retaken, rules, chosen, stage=control)
                        lap("switch_catch_up")
                        report = await _switch(control, doc, rules, chosen, now, lap)
                    lap("switch_commit")
            blocked = sum(v for k, v in phases.items() if k.startswith("switch"))
            log.info(
                "scoring: rebuild of %d period(s): %s",
                len(labels),
                ", ".join(f"{k} {v:.2f} s" for k, v in phases.items()),
            )
        finally:
            await store.unlock_rebuild(control)
    return RebuildReport(
        labels,
        rules.version,
        cases,
        caught + late,
        report.units,
        report.officers,
        report.changes,
        time.monotonic() - started,
        blocked,
        phases,
    )


@dataclass(frozen=True)
class _Switched:
    units: int
    officers: int
    changes: list[tuple[str, str, float | None, float | None]]


async def _active_doc(conn: asyncpg.Connection) -> dict[str, Any]:
    active = await rulebook_store.active_rulebook(conn)
    if active is None:
        raise ValueError("no rulebook stored: the service seeds one at start")
    return active[1]


@asynccontextmanager
async def _snapshot(pool: asyncpg.Pool) -> AsyncIterator[tuple[asyncpg.Connection, str]]:
    """A connection in a read-only REPEATABLE READ transaction, and its snapshot; writers are not blocked."""
    async with pool.acquire() as conn:
        await conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            yield conn, await store.snapshot(conn)
        finally:
            if not conn.is_closed() and conn.is_in_transaction():
                await conn.execute("ROLLBACK")


async def _replay(
    conn: asyncpg.Connection,
    url: str,
    doc: dict[str, Any],
    rules: Rules,
    chosen: dict[str, Period],
    workers: int | None,
    progress: Progress | None,
) -> tuple[Totals, int]:
    """Judge every case of the periods in the connection's snapshot; return the counter totals and the cases.

    Small rebuilds stream the cases through a server-side cursor here; large ones share the snapshot with worker
    processes, each reading block ranges of the table over its own connection and returning partial sums."""
    start, end = envelope(chosen.values())
    total = await store.count_cases(conn, start, end)
    report = progress or (lambda done, total: None)
    report(0, total)
    if workers is None:
        workers = 0 if total < IN_PROCESS_BELOW else max(1, os.cpu_count() or 1)
    totals: Totals = {}
    done = 0
    if workers == 0:
        async for rows in store.stream_cases(conn, start, end, chunk=CHUNK):
            tally(rows, rules, chosen, totals)
            done += len(rows)
            report(done, total)
        return totals, done
    exported, blocks = await store.export_snapshot(conn)
    step = max(1, -(-blocks // (TASKS_PER_WORKER * workers)))
    ranges = [(lo, lo + step if lo + step < blocks else None) for lo in range(0, max(blocks, 1), step)]
    loop = asyncio.get_running_loop()
    context = get_context("spawn")  # no fork of a process with an event loop and threads
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(doc, chosen)) as ex:
        running = [loop.run_in_executor(ex, _tally_blocks, url, exported, r, start, end) for r in ranges]
        for next_done in asyncio.as_completed(running):
            n, part = await next_done
            add_totals(totals, part)
            done += n
            report(done, total)
    return totals, done


# Worker processes of the heavy phase: the rules are built once per process from the rulebook document.
_worker: dict[str, Any] = {}


def _start_worker(rulebook: dict[str, Any], chosen: dict[str, Period]) -> None:
    """Process-pool initializer: the rules and the chosen periods, once per worker."""
    _worker["rules"] = rules_from(rulebook)
    _worker["chosen"] = chosen


def _tally_blocks(
    url: str, exported: str, blocks: tuple[int, int | None], start: datetime, end: datetime
) -> tuple[int, Totals]:
    """A worker's share: the cases of a block range, read in the exported snapshot; (cases, partial sums)."""
    rows = store.read_blocks(url, exported, blocks, start, end)
    return len(rows), tally(rows, _worker["rules"], _worker["chosen"])


async def _catch_up(
    totals: Totals,
    before: asyncpg.Connection,
    after: asyncpg.Connection,
    taken: str,
    rules: Rules,
    chosen: dict[str, Period],
    *,
    stage: asyncpg.Connection | None = None,
) -> int:
    """Judge again the cases `after` sees written since the snapshot `taken` (which `before` still reads): their
    old contribution out, their new one in; into totals, or added to the staged counters. Return how many."""
    keys = await store.cases_written_since(after, taken)
    if not keys:
        return 0
    delta: Totals = {}
    add_totals(delta, tally(await store.cases_by_key(before, keys), rules, chosen), sign=-1.0)
    add_totals(delta, tally(await store.cases_by_key(after, keys), rules, chosen))
    if stage is None:
        add_totals(totals, delta)
    else:
        await store.add_staged(stage, [(*k, v[0], v[1]) for k, v in sorted(delta.items()) if v[0] or v[1]])
    return len(keys)


async def _switch(
    conn: asyncpg.Connection,
    doc: dict[str, Any],
    rules: Rules,
    chosen: dict[str, Period],
    now: datetime,
    lap: Callable[[str], None],
) -> _Switched:
    """Inside the locked transaction: the staged counters in, the rulebook active, every subject rescored."""
    labels = sorted(chosen)
    await store.switch_counters(conn, labels)
    before = await rulebook_store.active_rulebook(conn)
    await rulebook_store.store_rulebook(conn, str(doc["version"]), doc, activate=True)
    # Deadlines move with the rules (a new calendar, other clocks): every case whose clock still matters is due
    # for the clock now, which judges it under the new rules and stores its next tick from them. A stored
    # version's content never changes, so under the version already active the stored ticks stand (a rebuild
    # --all under the active rules leaves the clock no backlog of ~12 % of the cases, issue 29).
    if before is None or before[0] != str(doc["version"]):
        await store.retick(conn, now)
    lap("switch_counters")
    old = await store.unit_scores_of(conn, labels)
    affected = Affected()
    for kind, subject, unit, label in await store.subjects_of(conn, labels):
        if kind == "unit":
            affected.units.add((unit, label))
        else:
            affected.officers.add((subject, unit, label))
    start, end = envelope(chosen.values())
    for unit, officer, month in await store.fact_subjects(conn, start, end):
        for p in periods_of(month, rules.book.stages):
            if p.label in chosen:
                affected.units.add((unit, p.label))
                if officer:
                    affected.officers.add((officer, unit, p.label))
    await rescore(conn, affected, rules=rules, now=now)
    new = await store.unit_scores_of(conn, labels)
    lap("switch_rescore")
    changes = [(u, p, old.get((u, p)), new.get((u, p))) for u, p in sorted(old.keys() | new.keys())]
    return _Switched(
        len({u for u, _ in affected.units}),
        len({o for o, _, _ in affected.officers}),
        [c for c in changes if c[2] != c[3]],
    )
