"""`make bench`: one throw-away stack, every performance figure, one table (also saved to .state/bench-table.md).

    .venv/bin/python -m bench             # the full run (200,000 + top-up to 1,000,000 events, 60 s figures,
                                          # 10-minute soak)
    .venv/bin/python -m bench --quick     # small sizes, ~10 s figures, 60 s soak: to try it

See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import platform
import re
import subprocess
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from bench import table as t
from bench.compare import compare, our_counters
from bench.cpu import CpuWindow, per_event_text
from bench.dataset import backlog, produce_fast
from bench.evidence_ingest import http_ingest
from bench.limits import raw_consumption, upsert_limit
from bench.machine import Load, Window
from bench.peer_quix import run_peer
from bench.portal_door import add_portal_source, portal_ingest
from bench.soak import SoakResult, freshness_parts, soak
from bench.tracking import (
    OFFICERS_PER_UNIT,
    TRACKING_UNITS,
    council_token,
    endpoint_load,
    months_before,
    officer_check,
    officer_paths,
    send_tracking_year,
    unit_check,
    unit_paths,
)
from services.evidence.handlers.sources import add_source
from thidua.operator.localinfra.stack import Stack, service

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("evidence", "scoring", "awards", "notify")
CPU_PER_EVENT_LIMIT = 120.0  # µs of the whole stack's CPU per backfilled event (issue 29)
REBUILD_LIMIT = 30.0  # seconds for rebuild --all of 1,000,000 events (issue 29; 60 s before)
REBUILT = re.compile(r"rebuilt ([\d,]+) cases in ([\d.]+) s; writers blocked ([\d.]+) s")


@dataclass
class Settings:
    """Sizes and durations of one run."""

    events: int
    rebuild_events: int
    figure_seconds: float
    soak_seconds: float
    warm_up: float
    rate: int
    http_clients: int
    quick: bool
    portal_snapshots: int = 100


def say(text: str) -> None:
    """Progress on stderr (the table goes to stdout)."""
    print(f"bench: {text}", file=sys.stderr, flush=True)


async def scored(conn: asyncpg.Connection, source: str) -> int:
    """Events of source in scoring's inbox, or -1 while scores are still queued for recomputation."""
    if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM scoring.dirty)"):
        return -1
    return int(await conn.fetchval("SELECT count(*) FROM scoring.inbox WHERE source = $1", source))


async def wait_scored(database_url: str, source: str, count: int, timeout: float, poll: float = 0.5) -> None:
    """Until scoring has applied `count` events of source and recomputed every score they touched (one connection,
    polled every `poll` s so the wait itself stays light)."""
    conn = await asyncpg.connect(database_url)
    try:
        deadline = time.perf_counter() + timeout
        while (done := await scored(conn, source)) < count:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"only {done} of {count} events of {source} scored in {timeout:.0f} s")
            await asyncio.sleep(poll)
    finally:
        await conn.close()


async def fetch_value(database_url: str, query: str, *args: Any) -> Any:
    """One value from the stack's database."""
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetchval(query, *args)
    finally:
        await conn.close()


class Bench:
    """The figures, measured one after the other on one stack; rows and notes for the table."""

    def __init__(self, stack: Stack, settings: Settings) -> None:
        self.settings = settings
        self.db: str = stack.env["DATABASE_URL"]
        self.evidence_url = f"http://127.0.0.1:{stack.port_of(service('evidence'))}"
        self.scoring_url = f"http://127.0.0.1:{stack.port_of(service('scoring'))}"
        self.pids = {name: stack.children[name].pid for name in SERVICES}
        # Every part of the stack whose CPU a backfilled event costs (the bench's own producer is not one).
        self.parts = dict(self.pids)
        for name, infra in (("PostgreSQL", stack.postgres), ("Kafka", stack.kafka)):
            if infra is not None and infra.proc is not None:
                self.parts[name] = infra.proc.pid
        self.rows: list[t.Row] = []
        self.envelope_rate: float | None = None  # the HTTP ingest figure's, the portal door's reference
        self.notes: list[str] = []

    async def guarded(self, slot: int, figure: str, step: Callable[[], Awaitable[None]]) -> None:
        """Run one figure; a failure becomes its row (the others still run)."""
        say(f"measuring: {figure}")
        try:
            await step()
        except Exception as exc:  # a figure that failed is reported, never invented
            traceback.print_exc()
            self.rows.append(t.Row(figure, f"failed: {exc}"[:120], "-", "-", "-", "NO", "-", "-", slot))

    async def run(self) -> None:
        """Every figure, in an order that keeps the topic as the peer and the limits must see it."""
        s = self.settings
        source = f"backfill{int(time.time())}"
        say(f"encoding {s.events:,} backfill events")
        records = await asyncio.to_thread(backlog, s.events, source)
        say(f"producing {s.events:,} events to evidence.accepted.v1 and waiting for standings to be committed")
        window, cpu = Window(), CpuWindow(self.parts)
        produced = await asyncio.to_thread(produce_fast, records)
        await wait_scored(self.db, source, s.events, timeout=600 + s.events / 200)
        ours = window.end()
        self.cpu_row(cpu.seconds(), s.events, ours)
        ours_rate = s.events / ours.seconds
        say(f"backfill: {ours_rate:,.0f} ev/s ({ours.seconds:.1f} s; producing took {produced:.1f} s)")
        self.notes.append(
            f"- Backfill: {s.events:,} events produced in {produced:.1f} s (confluent-kafka), standings committed"
            f" after {ours.seconds:.1f} s."
        )
        counters = await our_counters(self.db)

        async def peer(guarantee: str) -> None:
            window = Window()
            result = await asyncio.to_thread(run_peer, s.events, guarantee, s.figure_seconds)
            load = dataclasses.replace(window.end(), seconds=result["seconds"])
            reference = guarantee == "exactly-once"
            beats, fast = ours_rate >= result["events_per_s"], ours_rate >= 20_000
            verdict = f"{t.met(beats and fast)} (≥ 1.0×: {t.met(beats)}; ≥ 20,000: {t.met(fast)})"
            self.rows.append(
                t.Row(
                    f"scoring backfill vs Quix Streams peer, {guarantee} ({s.events:,} events)",
                    t.rate(ours_rate),
                    f"peer {t.rate(result['events_per_s'])} ({t.passes(result['passes'])})",
                    t.ratio(ours_rate, result["events_per_s"]),
                    "≥ 1.0× and ≥ 20,000 ev/s" if reference else "none (reference row)",
                    verdict if reference else t.met(None),
                    t.durations(ours, load, labels=("ours", "peer")),
                    t.machine(ours, load, labels=("ours", "peer")),
                    slot=1,
                )
            )
            if reference:
                equal, summary = compare(counters, result["counters"])
                self.notes.append(f"- Peer counters equal to ours (first pass): {'yes' if equal else 'no'} — {summary}")

        await self.guarded(1, "Quix peer, exactly-once", lambda: peer("exactly-once"))
        await self.guarded(1, "Quix peer, at-least-once", lambda: peer("at-least-once"))

        async def raw() -> None:
            window = Window()
            value, passes, seconds = await raw_consumption(s.events, s.figure_seconds)
            load = dataclasses.replace(window.end(), seconds=seconds)
            self.rows.append(
                t.Row(
                    "scoring backfill vs raw aiokafka consumption + json.loads",
                    t.rate(ours_rate),
                    f"raw {t.rate(value)} ({t.passes(passes)})",
                    t.ratio(ours_rate, value),
                    "≥ 0.2×",
                    t.met(ours_rate / value >= 0.2),
                    t.durations(ours, load, labels=("ours", "raw")),
                    t.machine(ours, load, labels=("ours", "raw")),
                    slot=2,
                )
            )

        await self.guarded(2, "raw aiokafka consumption", raw)

        async def limit() -> None:
            window = Window()
            value, passes, seconds = await upsert_limit(self.db, records, s.figure_seconds)
            load = dataclasses.replace(window.end(), seconds=seconds)
            self.rows.append(
                t.Row(
                    "scoring backfill vs one unnest upsert per 5,000 events (limit)",
                    t.rate(ours_rate),
                    f"limit {t.rate(value)} ({t.passes(passes)})",
                    t.ratio(ours_rate, value),
                    "≥ 0.5×",
                    t.met(ours_rate / value >= 0.5),
                    t.durations(ours, load, labels=("ours", "limit")),
                    t.machine(ours, load, labels=("ours", "limit")),
                    slot=3,
                )
            )

        await self.guarded(3, "set-based upsert limit", limit)
        records.clear()  # the limit was the last use of the encoded events
        await self.guarded(5, "HTTP ingest", self.http)
        await self.guarded(6, "portal door (POST /v1/dvcqg)", self.portal)
        await self.guarded(7, "Decree 335 tracking endpoints", self.tracking)
        await self.guarded(8, "top-up before the rebuild", self.top_up)
        await self.guarded(8, "rebuild --all", self.rebuild)
        await self.guarded(4, "soak (freshness and RSS)", self.soak)

    def cpu_row(self, seconds: dict[str, float], events: int, ours: Load) -> None:
        """Whole-stack CPU per backfilled event, by part (issue 29's goal: ≤ 120 µs)."""
        total, parts = per_event_text(seconds, events)
        shown = f"{CPU_PER_EVENT_LIMIT:.0f} µs"
        figure = f"whole-stack CPU per backfilled event ({events:,} events)"
        self.rows.append(t.at_most(figure, f"{total:,.0f} µs ({parts})", total, CPU_PER_EVENT_LIMIT, shown, ours, 3))

    async def top_up(self) -> None:
        """Bring scoring to at least rebuild_events events (more backfill, produced in chunks) and wait for it;
        not a figure: the rebuild's input."""
        s = self.settings
        held = int(await fetch_value(self.db, "SELECT count(*) FROM scoring.inbox"))
        missing, chunk, round_ = max(0, s.rebuild_events - held), 200_000, 0
        if missing:
            say(f"topping scoring up by {missing:,} events to {s.rebuild_events:,} for the rebuild")
        started = time.perf_counter()
        while missing > 0:
            size, source = min(chunk, missing), f"topup{int(time.time())}r{round_}"
            records = await asyncio.to_thread(backlog, size, source, 1000 + round_)
            await asyncio.to_thread(produce_fast, records)
            records.clear()
            await wait_scored(self.db, source, size, timeout=600 + size / 200)
            missing, round_ = missing - size, round_ + 1
        if round_:
            took = time.perf_counter() - started
            self.notes.append(
                f"- Top-up before the rebuild: scoring took in {s.rebuild_events - held:,} more events"
                f" in {took:.0f} s ({(s.rebuild_events - held) / took:,.0f} ev/s, not a figure)."
            )

    async def rebuild(self) -> None:
        """`thidua scoring rebuild --all` over everything scoring holds; its own final line gives the figure."""
        events = int(await fetch_value(self.db, "SELECT count(*) FROM scoring.inbox"))
        window = Window()
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "thidua.operator.cli",
            "scoring",
            "rebuild",
            "--all",
            cwd=ROOT,
            env=dict(os.environ),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await proc.communicate()
        load = window.end()
        lines = out.decode(errors="replace").strip().splitlines()
        found = REBUILT.search(lines[-1]) if lines else None
        if proc.returncode != 0 or found is None:
            tail = (err.decode(errors="replace").strip().splitlines() or ["no output"])[-1]
            raise RuntimeError(f"rebuild exited {proc.returncode}: {tail}")
        cases, seconds, blocked = int(found[1].replace(",", "")), float(found[2]), float(found[3])
        load = dataclasses.replace(load, seconds=seconds)
        size_note = "" if events >= 1_000_000 else f" (only {events:,} events, not the goal's 1,000,000)"
        figure = f"rebuild --all of {events:,} events ({cases:,} cases)"
        ours = f"{seconds:.1f} s (writers blocked {blocked:.1f} s)"
        shown = f"{REBUILD_LIMIT:.0f} s"
        self.rows.append(t.at_most(figure, ours, seconds, REBUILD_LIMIT, shown, load, 8, size_note))
        self.notes.append(f"- Rebuild said: `{lines[-1].strip()}`")

    async def http(self) -> None:
        """HTTP ingest, batches of 500, sustained figure_seconds; then wait until scoring has caught up."""
        s = self.settings
        source = f"bench-http-{int(time.time())}"
        token = await add_source(self.db, name=source, units=["*"])
        await http_ingest(self.evidence_url, token, seconds=3, batch=500, clients=s.http_clients)  # warm-up
        window = Window()
        accepted, seconds = await http_ingest(
            self.evidence_url, token, seconds=s.figure_seconds, batch=500, clients=s.http_clients, first=10**9
        )
        load = dataclasses.replace(window.end(), seconds=seconds)
        value = accepted / seconds
        self.envelope_rate = value
        self.rows.append(
            t.Row(
                f"HTTP ingest, batches of 500, {s.http_clients} clients",
                t.rate(value),
                "limit 10,000 ev/s",
                t.ratio(value, 10_000),
                "≥ 10,000 ev/s",
                t.met(value >= 10_000),
                t.durations(load),
                t.machine(load),
                slot=5,
            )
        )
        say("waiting for scoring to catch up with the HTTP ingest before the soak")
        total = int(await fetch_value(self.db, "SELECT count(*) FROM evidence.ledger WHERE source = $1", source))
        await wait_scored(self.db, source, total, timeout=1800)

    async def portal(self) -> None:
        """The portal's door: DongBoHoSoMC calls of PORTAL_SNAPSHOTS snapshots, sustained figure_seconds; then the
        time until scoring has every event of them on the scorecards."""
        s = self.settings
        source = f"bench-dvcqg-{int(time.time())}"
        token = await add_portal_source(self.db, source)
        options = {"per_call": s.portal_snapshots, "clients": s.http_clients}
        await portal_ingest(self.evidence_url, token, seconds=3, **options)  # warm-up
        window = Window()
        run = await portal_ingest(self.evidence_url, token, seconds=s.figure_seconds, first=10**12, **options)
        load = dataclasses.replace(window.end(), seconds=run.seconds)
        if run.rejected:
            raise RuntimeError(f"{run.rejected} snapshots rejected, first {run.first_error}")
        p50, p95, p99 = run.latency_ms()
        events = run.events / run.seconds
        reference = self.envelope_rate
        self.rows.append(
            t.Row(
                f"portal door POST /v1/dvcqg, DongBoHoSoMC calls of {s.portal_snapshots} snapshots,"
                f" {s.http_clients} clients",
                f"{run.dossiers / run.seconds:,.0f} dossiers/s ({run.snapshots / run.seconds:,.0f} snapshots/s,"
                f" {t.rate(events)}); per call p50 {p50:,.0f} ms, p95 {p95:,.0f} ms, p99 {p99:,.0f} ms",
                f"envelope door {t.rate(reference)} (HTTP ingest)" if reference else "-",
                f"{t.ratio(events, reference)} (events)" if reference else "-",
                "none (informational)",
                t.met(None),
                t.durations(load),
                t.machine(load),
                slot=6,
            )
        )
        say("waiting for scoring to have the portal door's events on the scorecards")
        drain = Window()
        total = int(await fetch_value(self.db, "SELECT count(*) FROM evidence.ledger WHERE source = $1", source))
        await wait_scored(self.db, source, total, timeout=1800, poll=0.1)
        settled = drain.end()
        whole = run.seconds + settled.seconds
        self.rows.append(
            t.Row(
                "portal door → scorecards: last call answered → every event of its dossiers scored",
                f"{settled.seconds:.1f} s (first call → all scored: {run.dossiers / whole:,.0f} dossiers/s)",
                "-",
                "-",
                "none (informational)",
                t.met(None),
                t.durations(settled),
                t.machine(settled),
                slot=6,
            )
        )
        self.notes.append(
            f"- Portal door: {run.calls:,} calls, {run.snapshots:,} snapshots accepted ({run.dossiers:,} dossiers"
            f" finished, {run.events:,} events); {total:,} events of the source (warm-up included) in the ledger,"
            " all on the scorecards (scoring's inbox, no standing left to recompute) at the second row's time."
        )

    async def tracking(self) -> None:
        """Decree 335 tracking: a small 2026 year for a few backfill units, scored; then an officer's year and a
        unit's month requested by the HTTP clients with a council token, each sustained figure_seconds."""
        s = self.settings
        source, months = f"bench-tracking-{int(time.time())}", months_before(datetime.now(UTC).date())
        if not months:
            raise RuntimeError("no whole month of 2026 before today to track")
        say(f"sending a tracked 2026 ({len(months)} months) for {len(TRACKING_UNITS)} units and waiting until scored")
        count = await send_tracking_year(self.db, self.evidence_url, source, months)
        await wait_scored(self.db, source, count, timeout=600)
        token = await council_token(self.db)
        figures = (
            (
                f"officer's year GET /v1/officers/{{id}}/tracking?year=2026, {len(officer_paths())} officers",
                officer_paths(),
                officer_check(months),
            ),
            (
                f"unit's month GET /v1/units/{{id}}/tracking?period=2026-MM, {len(TRACKING_UNITS)} units",
                unit_paths(months),
                unit_check,
            ),
        )
        for label, paths, check in figures:
            await endpoint_load(self.scoring_url, token, paths, check, seconds=3, clients=s.http_clients)  # warm-up
            window = Window()
            run = await endpoint_load(
                self.scoring_url, token, paths, check, seconds=s.figure_seconds, clients=s.http_clients
            )
            load = dataclasses.replace(window.end(), seconds=run.seconds)
            p50, p95, p99 = run.latency_ms()
            self.rows.append(
                t.Row(
                    f"Decree 335 tracking: {label}, {s.http_clients} clients",
                    f"{run.requests / run.seconds:,.1f} req/s; p50 {p50:,.0f} ms, p95 {p95:,.0f} ms, p99 {p99:,.0f} ms",
                    "-",
                    "-",
                    "none (informational)",
                    t.met(None),
                    t.durations(load),
                    t.machine(load),
                    slot=7,
                )
            )
        self.notes.append(
            f"- Tracking: {count:,} events of 2026 ({len(months)} months) for {len(TRACKING_UNITS)} backfill units,"
            f" {OFFICERS_PER_UNIT} officers each (registrations, dossiers, returns, objective causes, general points),"
            " sent through evidence's HTTP front door and scored before the requests; every answer checked (an"
            " officer's year has each month's sheet and a rating; a unit's month lists every officer with a total)."
        )

    async def soak(self) -> None:
        """The soak's RSS rows and the freshness rows measured in its first figure_seconds."""
        s = self.settings
        source = f"bench-soak-{int(time.time())}"
        token = await add_source(self.db, name=source, units=["*"])
        result = await soak(
            self.evidence_url,
            token,
            source,
            self.pids,
            seconds=s.soak_seconds,
            rate=s.rate,
            freshness_url=self.scoring_url,
            freshness_seconds=s.figure_seconds,
        )
        self.freshness_rows(result)
        self.memory_rows(result)
        self.notes.append(
            f"- Soak: {result.sent:,} events sent through evidence's HTTP front door in batches of {s.rate // 10}"
            f" every 100 ms ({result.sent / result.load.seconds:,.0f} ev/s achieved), {result.accepted:,} accepted,"
            f" {result.failures} failed requests. Freshness was read from scoring's histogram over the soak's first"
            f" {s.figure_seconds:.0f} s (the same load); over that window, {freshness_parts(result)}."
        )

    def freshness_rows(self, result: SoakResult) -> None:
        """p99 accept → standings committed, units and officers."""
        s = self.settings
        load = result.freshness_load or result.load
        for subject, label, limit in (("unit", "units", 0.5), ("officer", "officers", 1.0)):
            p99 = result.freshness_p99.get(subject, float("nan"))
            figure = f"freshness accept → {label} standings, p99 at {s.rate:,} ev/s (soak's first part)"
            shown = f"{limit * 1000:,.0f} ms"
            self.rows.append(t.at_most(figure, f"{p99 * 1000:,.0f} ms", p99, limit, shown, load, 4))

    def memory_rows(self, result: SoakResult) -> None:
        """One RSS row per service: flat within ±10 % after the warm-up."""
        s = self.settings
        for name, memory in result.memory.items():
            if not memory.samples:
                self.rows.append(t.Row(f"RSS {name}", "no samples (process gone?)", "-", "-", "-", "NO", "-", "-", 9))
                continue
            first, reference, low, high, last = memory.spread(s.warm_up)
            drift = (high - low) / reference
            self.rows.append(
                t.Row(
                    f"RSS of {name} over the soak at {s.rate:,} ev/s (HTTP)",
                    f"first {first:.0f}; after warm-up min {low:.0f}, max {high:.0f}, last {last:.0f} MB",
                    f"first after warm-up {reference:.0f} MB",
                    f"(max−min)/ref {drift * 100:.1f} %",
                    "≤ 10 % (flat within ±10 %)",
                    t.met(drift <= 0.10),
                    t.durations(result.load),
                    t.machine(result.load),
                    slot=9,
                )
            )


def header(settings: Settings, started: datetime) -> str:
    """When, which commit, which machine, which sizes."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    models = [
        line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if "model name" in line
    ]
    model = models[0] if models else platform.processor() or "unknown CPU"
    mode = "quick" if settings.quick else "full"
    return (
        f"# make bench ({mode}), {started:%Y-%m-%d %H:%M} UTC, commit {commit.stdout.strip() or '?'}"
        f"{' with local changes' if dirty else ''}\n\n"
        f"Machine: {os.cpu_count()} cores ({model}); whole stack (Kafka, PostgreSQL, four services) on it."
        f" Backfill {settings.events:,} events; figures ≥ {settings.figure_seconds:.0f} s; soak"
        f" {settings.soak_seconds:.0f} s at {settings.rate:,} ev/s."
    )


def definitions(settings: Settings) -> str:
    """How the less obvious cells are defined (also in bench/README.md)."""
    return (
        "- ratio = ours / reference. Machine load = 1-minute load average at the end of the figure, and CPU busy %"
        " of all cores over the figure (/proc/stat).\n"
        f"- RSS: VmRSS of each service process every 10 s; warm-up = the first {settings.warm_up:.0f} s of the soak,"
        " excluded; ref = the first sample after it; flat within ±10 % means (max − min) / ref ≤ 10 % over the"
        " samples after the warm-up."
    )


def parse(argv: list[str] | None = None) -> Settings:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, ~10 s figures, 60 s soak")
    parser.add_argument(
        "--events", type=int, help="backfill compared with the peer and the limits (default 200,000; --quick 30,000)"
    )
    parser.add_argument(
        "--rebuild-events", type=int, help="events scoring holds before the rebuild (default 1,000,000; --quick 0)"
    )
    parser.add_argument("--soak-seconds", type=float, help="soak length (default 600; --quick 60)")
    parser.add_argument("--figure-seconds", type=float, help="each sustained figure (default 60; --quick 10)")
    parser.add_argument("--rate", type=int, default=1000, help="soak and freshness load, events/s (default 1000)")
    parser.add_argument(
        "--http-clients",
        type=int,
        default=4,
        help="concurrent clients of the HTTP figures (envelopes, portal door, tracking)",
    )
    parser.add_argument(
        "--portal-snapshots", type=int, default=100, help="snapshots per DongBoHoSoMC call of the portal door figure"
    )
    args = parser.parse_args(argv)
    soak_seconds = args.soak_seconds or (60.0 if args.quick else 600.0)
    return Settings(
        events=args.events or (30_000 if args.quick else 200_000),
        rebuild_events=args.rebuild_events if args.rebuild_events is not None else (0 if args.quick else 1_000_000),
        figure_seconds=args.figure_seconds or (10.0 if args.quick else 60.0),
        soak_seconds=soak_seconds,
        warm_up=60.0 if soak_seconds >= 240 else soak_seconds / 4,
        rate=args.rate,
        http_clients=args.http_clients,
        quick=args.quick,
        portal_snapshots=args.portal_snapshots,
    )


def main(argv: list[str] | None = None) -> int:
    """Start one throw-away stack, measure everything, print the table and save it."""
    from bench._stack import throwaway_stack

    settings = parse(argv)
    started = datetime.now(UTC)
    with throwaway_stack() as stack:
        bench = Bench(stack, settings)
        asyncio.run(bench.run())
    text = "\n\n".join([header(settings, started), t.render(bench.rows), "\n".join(bench.notes), definitions(settings)])
    print(text, flush=True)
    say(f"saved to {t.save(text).relative_to(ROOT)}")
    return 0 if all("failed" not in row.ours for row in bench.rows) else 1
