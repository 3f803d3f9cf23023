"""The same events sent three times through both front doors (HTTP arrays of up to 1000 and evidence.inbound.v1)
count once: ledger rows and scoring's inbox equal the distinct events, counters and standings equal a single send."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer

from schemas import topics
from tests.reliability import table
from tests.reliability.conftest import heavy
from tests.reliability.harness import System, compare
from thidua.operator import demo, demo_units
from thidua.runtime.kafka_access import kafka_options
from thidua.testing.database import fetchval
from thidua.testing.infra import Infrastructure


def first_events(count: int) -> list[dict[str, Any]]:
    """`count` envelopes drawn (seeded, in stream order) from the demo province: every type, every unit."""
    every = [body for _, body in demo.events(7, 2025, 20)]
    chosen = sorted(random.Random(count).sample(range(len(every)), count))
    return [every[i] for i in chosen]


async def send_http(system: System, events: list[dict[str, Any]]) -> dict[str, int]:
    statuses: dict[str, int] = {}
    async with httpx.AsyncClient(timeout=120) as http:
        for source in (demo_units.SOURCE_ONE_STOP, demo_units.SOURCE_HR):
            mine = [e for e in events if e["source"] == source]
            for i in range(0, len(mine), 1000):
                for result in await system.post_events(http, source, mine[i : i + 1000]):
                    statuses[result["status"]] = statuses.get(result["status"], 0) + 1
    return statuses


async def send_kafka(system: System, events: list[dict[str, Any]]) -> None:
    producer = AIOKafkaProducer(**kafka_options(system.kafka), acks="all", linger_ms=20)
    await producer.start()
    try:
        for e in events:
            await producer.send(
                topics.EVIDENCE_INBOUND, json.dumps(e, ensure_ascii=False).encode(), key=e["unit_id"].encode()
            )
        await producer.flush()
    finally:
        await producer.stop()


async def three_times_through_both_doors(infra: Infrastructure, workdir: Path, count: int) -> None:
    system = System(infra.kafka_bootstrap, infra.database_url, workdir, label=f"duplicates-{count}")
    try:
        await system.start()
        events = [system.localise(e) for e in first_events(count)]
        units = sorted({e["unit_id"].replace(system.prefix, "H40") for e in events})
        first = await send_http(system, events)
        await system.drain()
        once = await system.snapshot(units)
        resent: dict[str, int] = {}
        await send_kafka(system, events)
        for _ in range(2):
            for status, n in (await send_http(system, events)).items():
                resent[status] = resent.get(status, 0) + n
            await send_kafka(system, events)
        await system.drain()
        thrice = await system.snapshot(units)
        distinct = await fetchval(system.database_url, "SELECT count(DISTINCT (source, event_id)) FROM evidence.ledger")
        parked = sum((await system.parked()).values())
    finally:
        system.stop()
    diff = compare(once, thrice)
    lost = len(diff.lost) + max(0, count - thrice.ledger) + max(0, count - thrice.inbox)
    doubled = len(diff.doubled) + max(0, thrice.ledger - count) + max(0, thrice.inbox - count)
    table.record(
        f"{count:,} events x3 through HTTP and Kafka",
        6 * count,
        lost=lost,
        doubled=doubled,
        parked=parked,
        http_5xx=system.counts.http_5xx,
        note=f"ledger {thrice.ledger}, scoring inbox {thrice.inbox}, resends over HTTP {resent}",
    )
    assert first == {"accepted": count}, first
    assert resent == {"duplicate": 2 * count}, resent
    assert thrice.ledger == distinct == count
    assert thrice.inbox == count
    assert not diff.lost and not diff.doubled, diff.describe()
    assert once.counters and once.standings, "the single send produced no counters or standings"
    assert parked == 0


async def test_2000_events_three_times_through_both_doors_count_once(
    infra: Infrastructure, kafka_bootstrap: str, workdir: Path
) -> None:
    """The sample in every `make test`."""
    await three_times_through_both_doors(infra, workdir, 2000)


@heavy()
async def test_10000_events_three_times_through_both_doors_count_once(
    infra: Infrastructure, kafka_bootstrap: str, workdir: Path
) -> None:
    await three_times_through_both_doors(infra, workdir, 10_000)
