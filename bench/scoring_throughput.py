"""Scoring throughput (events/s) and freshness (accepted → standings committed, p50/p99) at a steady load.

    .venv/bin/python bench/scoring_throughput.py            # throw-away stack on spare ports
    .venv/bin/python bench/scoring_throughput.py --running  # the stack of `make run`

Accepted evidence is produced straight to evidence.accepted.v1 (as the evidence service's relay would),
with the accepted_at header set at send time; freshness is read from scoring's
thidua_scoring_freshness_seconds histogram (interpolated within buckets).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer

from thidua.runtime.kafka_access import kafka_options

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.dataset import TOPIC, accepted_headers, make_event


def freshness_buckets(url: str, subject: str) -> dict[float, float]:
    """The cumulative buckets of scoring's freshness histogram for subject (unit or officer), by upper bound."""
    text = urllib.request.urlopen(url, timeout=5).read().decode()
    out = {}
    for line in text.splitlines():
        if line.startswith("thidua_scoring_freshness_seconds_bucket") and f'subject="{subject}"' in line:
            le = line.split('le="')[1].split('"')[0]
            out[float("inf") if le == "+Inf" else float(le)] = float(line.rsplit(" ", 1)[1])
    return out


def quantile(before: dict[float, float], after: dict[float, float], q: float) -> float:
    """The q-quantile of the observations between two bucket snapshots, interpolated within its bucket."""
    bounds = sorted(after)
    counts = [after[b] - before.get(b, 0.0) for b in bounds]
    total = counts[-1]
    if total <= 0:
        return float("nan")
    target, previous_bound, previous_count = q * total, 0.0, 0.0
    for bound, count in zip(bounds, counts, strict=True):
        if count >= target:
            if bound == float("inf"):
                return previous_bound
            share = (target - previous_count) / max(count - previous_count, 1e-9)
            return previous_bound + share * (bound - previous_bound)
        previous_bound, previous_count = bound, count
    return bounds[-2]


async def produce(producer: AIOKafkaProducer, events: list[tuple[str, dict[str, Any]]], seq0: int) -> None:
    stamp = datetime.now(UTC).isoformat().encode()
    for i, (unit, body) in enumerate(events):
        await producer.send(
            TOPIC,
            json.dumps(body).encode(),
            key=unit.encode(),
            headers=accepted_headers(seq0 + i, stamp, str(body["type"]).encode()),
        )


async def inbox_count(database_url: str, source: str) -> int:
    """Events of source applied, or -1 while scores are still queued for recomputation."""
    conn = await asyncpg.connect(database_url)
    try:
        applied = int(await conn.fetchval("SELECT count(*) FROM scoring.inbox WHERE source = $1", source))
        queued = int(await conn.fetchval("SELECT count(*) FROM scoring.dirty"))
        return applied if queued == 0 else -1
    finally:
        await conn.close()


async def wait_for_inbox(database_url: str, source: str, count: int, timeout: float = 900) -> None:
    """Poll until scoring has applied `count` events of source and recomputed every score they touched."""
    deadline = time.perf_counter() + timeout
    while (done := await inbox_count(database_url, source)) < count:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"only {done} of {count} scored in {timeout:.0f} s")
        await asyncio.sleep(0.2)


async def measure(kafka: str, database_url: str, scoring_url: str, args: argparse.Namespace) -> None:
    rng = random.Random(42)
    producer = AIOKafkaProducer(**kafka_options(kafka), linger_ms=10, max_batch_size=1 << 20)
    await producer.start()
    try:
        # 1. Throughput: a backlog of events, timed from the first send to the last one committed.
        source = f"bench{int(time.time())}"
        events = [make_event(n, rng, source) for n in range(args.events)]
        started = time.perf_counter()
        await produce(producer, events, 0)
        await producer.flush()
        await wait_for_inbox(database_url, source, len(events))
        elapsed = time.perf_counter() - started
        print(
            f"scoring throughput (backfill, a year spread over 18 periods): {len(events) / elapsed:6.0f} events/s"
            f"  ({len(events)} events in {elapsed:.1f} s, produce to standings committed)"
        )
        # 2. Freshness at a steady rate, in 100 ms slices.
        source = f"steady{int(time.time())}"
        before = {s: freshness_buckets(f"{scoring_url}/metrics", s) for s in ("unit", "officer")}
        n, slice_size = 0, max(1, int(args.rate / 10))
        end = time.perf_counter() + args.seconds
        while time.perf_counter() < end:
            tick = time.perf_counter()
            await produce(producer, [make_event(n + i, rng, source, live=True) for i in range(slice_size)], n)
            await producer.flush()
            n += slice_size
            await asyncio.sleep(max(0.0, 0.1 - (time.perf_counter() - tick)))
        await wait_for_inbox(database_url, source, n)
        await asyncio.sleep(1.0)  # the rescorer's last pass
        for subject in ("unit", "officer"):
            after = freshness_buckets(f"{scoring_url}/metrics", subject)
            p50, p99 = quantile(before[subject], after, 0.5), quantile(before[subject], after, 0.99)
            print(
                f"freshness of {subject} standings, live load of {args.rate} ev/s for {args.seconds:.0f} s:"
                f" p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms  ({n} events)"
            )
    finally:
        await producer.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--running", action="store_true", help="use the running `make run` stack")
    parser.add_argument("--events", type=int, default=100_000, help="backlog size for the throughput figure")
    parser.add_argument("--rate", type=int, default=2000, help="steady load, events/s, for the freshness figure")
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    from bench._stack import endpoints

    with endpoints(running=args.running, service="scoring") as (kafka, database_url, scoring_url):
        asyncio.run(measure(kafka, database_url, scoring_url, args))


if __name__ == "__main__":
    main()
