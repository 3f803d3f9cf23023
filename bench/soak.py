"""The soak: a steady load through evidence's HTTP front door, each service's RSS sampled, freshness read on the
way."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.dataset import make_event
from bench.machine import Load, Window, rss_mb
from bench.scoring_throughput import freshness_buckets, quantile

SUBJECTS = ("unit", "officer")


@dataclass
class Memory:
    """One service's RSS samples, (seconds since the soak started, MB)."""

    samples: list[tuple[float, float]] = field(default_factory=list)

    def after(self, warm_up: float) -> list[float]:
        """The samples taken once the warm-up was over."""
        return [mb for t, mb in self.samples if t >= warm_up]

    def spread(self, warm_up: float) -> tuple[float, float, float, float, float]:
        """(first overall, first after warm-up, min, max, last after warm-up) in MB."""
        kept = self.after(warm_up) or [mb for _, mb in self.samples]
        return self.samples[0][1], kept[0], min(kept), max(kept), kept[-1]


@dataclass
class SoakResult:
    """What the soak measured."""

    sent: int
    accepted: int
    load: Load
    memory: dict[str, Memory]
    freshness_p99: dict[str, float]  # subject → seconds
    freshness_load: Load | None
    failures: int
    arrival_p99: float = float("nan")  # the consumer's part of freshness over the same window, seconds
    passes: dict[str, tuple[float, float]] = field(default_factory=dict)  # work → (passes, mean seconds), same window


async def soak(
    evidence_url: str,
    token: str,
    source: str,
    pids: dict[str, int],
    *,
    seconds: float,
    rate: int = 1000,
    tick: float = 0.1,
    sample_every: float = 10.0,
    freshness_url: str,
    freshness_seconds: float,
) -> SoakResult:
    """POST rate × tick events every tick (each POST its own task), sample RSS every sample_every seconds and read
    the freshness histogram over the soak's first freshness_seconds."""
    rng = random.Random(7)
    size = max(1, round(rate * tick))
    memory = {name: Memory() for name in pids}
    sent = accepted = failures = 0
    in_flight: set[asyncio.Task[None]] = set()

    async with httpx.AsyncClient(
        base_url=evidence_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as http:

        async def post(body: list[dict[str, object]]) -> None:
            nonlocal accepted, failures
            try:
                answer = await http.post("/v1/events", json=body)
                answer.raise_for_status()
                accepted += sum(1 for r in answer.json() if r["status"] == "accepted")
            except httpx.HTTPError:
                failures += 1

        def sample(at: float) -> None:
            for name, pid in pids.items():
                mb = rss_mb(pid)
                if mb is not None:
                    memory[name].samples.append((at, mb))

        window = Window()
        before = {s: await asyncio.to_thread(freshness_buckets, f"{freshness_url}/metrics", s) for s in SUBJECTS}
        parts_before = await asyncio.to_thread(_parts, f"{freshness_url}/metrics")
        parts: tuple[float, dict[str, tuple[float, float]]] | None = None
        freshness_window: Window | None = window
        p99: dict[str, float] = {}
        freshness_load: Load | None = None
        start = time.perf_counter()
        next_sample, n = 0.0, 0
        while (elapsed := time.perf_counter() - start) < seconds:
            if elapsed >= next_sample:
                sample(elapsed)
                next_sample += sample_every
            if freshness_window is not None and elapsed >= freshness_seconds:
                freshness_load = freshness_window.end()
                for s in SUBJECTS:
                    after = await asyncio.to_thread(freshness_buckets, f"{freshness_url}/metrics", s)
                    p99[s] = quantile(before[s], after, 0.99)
                parts = _since(parts_before, await asyncio.to_thread(_parts, f"{freshness_url}/metrics"))
                freshness_window = None
            body = [make_event(n + i, rng, source, live=True)[1] for i in range(size)]
            n += size
            sent += size
            task = asyncio.create_task(post(body))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
            due = start + n / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
        sample(time.perf_counter() - start)
        load = window.end()
        if in_flight:
            await asyncio.wait(in_flight, timeout=60)
    if freshness_window is not None:  # a soak shorter than the freshness window
        freshness_load = freshness_window.end()
        for s in SUBJECTS:
            p99[s] = quantile(before[s], freshness_buckets(f"{freshness_url}/metrics", s), 0.99)
        parts = _since(parts_before, _parts(f"{freshness_url}/metrics"))
    arrival, passes = parts if parts is not None else (float("nan"), {})
    return SoakResult(sent, accepted, load, memory, p99, freshness_load, failures, arrival, passes)


Parts = tuple[dict[float, float], dict[str, tuple[float, float]]]


def _parts(url: str) -> Parts:
    """Scoring's arrival buckets and pass totals now."""
    return arrival_buckets(url), pass_totals(url)


def _since(before: Parts, after: Parts) -> tuple[float, dict[str, tuple[float, float]]]:
    """The arrival p99 and each work's (passes, mean seconds) between two readings."""
    passes = {}
    for work, (count, seconds) in after[1].items():
        n, total = count - before[1].get(work, (0.0, 0.0))[0], seconds - before[1].get(work, (0.0, 0.0))[1]
        passes[work] = (n, total / n if n else float("nan"))
    return quantile(before[0], after[0], 0.99), passes


def freshness_parts(result: SoakResult) -> str:
    """What the freshness waited behind over its window: the consumer's batches, then the passes."""
    passes = "; ".join(
        f"{work} {n:,.0f} × {mean * 1000:,.0f} ms" for work, (n, mean) in sorted(result.passes.items()) if n
    )
    return (
        f"scoring's batches, oldest evidence accepted → committed: p99 {result.arrival_p99 * 1000:,.0f} ms;"
        f" passes (count × mean): {passes or 'none'}"
    )


def arrival_buckets(url: str) -> dict[float, float]:
    """The cumulative buckets of scoring's arrival histogram (accepted → the consumer's batch committed)."""
    import urllib.request

    out = {}
    for line in urllib.request.urlopen(url, timeout=5).read().decode().splitlines():
        if line.startswith("thidua_scoring_arrival_seconds_bucket"):
            le = line.split('le="')[1].split('"')[0]
            out[float("inf") if le == "+Inf" else float(le)] = float(line.rsplit(" ", 1)[1])
    return out


def pass_totals(url: str) -> dict[str, tuple[float, float]]:
    """{work: (passes, seconds)} of scoring's pass histogram."""
    import urllib.request

    found: dict[str, list[float]] = {}
    for line in urllib.request.urlopen(url, timeout=5).read().decode().splitlines():
        for part, index in (("_count{", 0), ("_sum{", 1)):
            if line.startswith("thidua_scoring_pass_seconds" + part):
                work = line.split('work="')[1].split('"')[0]
                found.setdefault(work, [0.0, 0.0])[index] = float(line.rsplit(" ", 1)[1])
    return {w: (v[0], v[1]) for w, v in found.items()}


async def _watch(database_url: str, source: str, every: float, lines: list[str]) -> None:
    """Each `every` s: what waits for the rescorer (dirty subjects by kind), for the clock (cases due now) and for
    the consumer (events of source accepted, not yet applied), and how long ago a unit's standing last moved."""
    import asyncpg

    conn = await asyncpg.connect(database_url)
    start = time.perf_counter()
    try:
        while True:
            dirty = await conn.fetch("SELECT subject_kind, count(*) AS n FROM scoring.dirty GROUP BY 1")
            due = await conn.fetchval("SELECT count(*) FROM scoring.cases WHERE next_tick <= now()")
            waiting = await conn.fetchval(
                "SELECT (SELECT count(*) FROM evidence.ledger WHERE source = $1)"
                " - (SELECT count(*) FROM scoring.inbox WHERE source = $1)",
                source,
            )
            moved = await conn.fetchval(
                "SELECT extract(epoch FROM now() - max(changed_at)) FROM scoring.standings WHERE subject_kind = 'unit'"
            )
            queued = ", ".join(f"{r['subject_kind']} {r['n']}" for r in dirty) or "none"
            lines.append(
                f"  {time.perf_counter() - start:5.0f} s: dirty {queued}; clock due {due}; not yet consumed {waiting};"
                f" a unit standing last moved {float(moved or 0):.1f} s ago"
            )
            await asyncio.sleep(every)
    finally:
        await conn.close()


async def _short_soak(database_url: str, evidence_url: str, scoring_url: str, args: Any) -> None:
    """Backfill, optionally rebuild --all, then soak through HTTP and print freshness and what waited."""
    import os
    import sys

    from bench.dataset import backlog, produce_fast
    from bench.run import wait_scored
    from services.evidence.handlers.sources import add_source

    if args.events:
        source = f"soak-backfill-{int(time.time())}"
        await asyncio.to_thread(produce_fast, backlog(args.events, source, live=args.live))
        started = time.perf_counter()
        await wait_scored(database_url, source, args.events, timeout=1800)
        print(f"backfill of {args.events:,} events scored in {time.perf_counter() - started:.0f} s")
    if args.tracked:
        from datetime import UTC, datetime

        from bench.tracking import months_before, send_tracking_year

        source = f"soak-tracking-{int(time.time())}"
        count = await send_tracking_year(database_url, evidence_url, source, months_before(datetime.now(UTC).date()))
        await wait_scored(database_url, source, count, timeout=600)
        print(f"tracked 2026 scored: {count:,} events (make bench's Decree 335 figure's year)")
    if args.rebuild:
        cli = (sys.executable, "-m", "thidua.operator.cli", "scoring", "rebuild", "--all")
        proc = await asyncio.create_subprocess_exec(*cli, env=dict(os.environ), stdout=asyncio.subprocess.PIPE)
        out, _ = await proc.communicate()
        print(f"rebuild: {out.decode(errors='replace').strip().splitlines()[-1:]}")
    source = f"soak-{int(time.time())}"
    token = await add_source(database_url, name=source, units=["*"])
    lines: list[str] = []
    watcher = asyncio.create_task(_watch(database_url, source, args.watch, lines))
    result = await soak(
        evidence_url,
        token,
        source,
        {},
        seconds=args.seconds,
        rate=args.rate,
        freshness_url=scoring_url,
        freshness_seconds=args.seconds,
    )
    watcher.cancel()
    print("\n".join(lines))
    print(f"soak: {result.sent:,} sent, {result.accepted:,} accepted, {result.failures} failed requests")
    for subject, p99 in result.freshness_p99.items():
        print(f"freshness p99 of {subject} standings at {args.rate:,} ev/s (HTTP): {p99 * 1000:,.0f} ms")
    print(freshness_parts(result))


def main() -> None:
    """A short soak on a throw-away stack (or the running one): freshness through evidence's HTTP front door."""
    import argparse

    from bench._stack import throwaway_stack
    from thidua.operator.localinfra.stack import service

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--events", type=int, default=0, help="backfill scored before the soak")
    parser.add_argument("--rebuild", action="store_true", help="`scoring rebuild --all` before the soak")
    parser.add_argument(
        "--live", action="store_true", help="the backfill is of this month (the soak's periods), not of 2025"
    )
    parser.add_argument("--tracked", action="store_true", help="make bench's tracked 2026 sent and scored first")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--watch", type=float, default=2.0, help="seconds between looks at the queues")
    args = parser.parse_args()
    with throwaway_stack() as stack:
        evidence, scoring = (f"http://127.0.0.1:{stack.port_of(service(name))}" for name in ("evidence", "scoring"))
        asyncio.run(_short_soak(stack.env["DATABASE_URL"], evidence, scoring, args))


if __name__ == "__main__":
    main()
