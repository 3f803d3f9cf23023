"""The soak: a steady load through evidence's HTTP front door, each service's RSS sampled, freshness read on the
way."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field

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
    return SoakResult(sent, accepted, load, memory, p99, freshness_load, failures)
