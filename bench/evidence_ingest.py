"""Evidence ingest throughput: sustained HTTP (batches of 500) and Kafka events/s, whole stack running.

    .venv/bin/python bench/evidence_ingest.py            # starts a throw-away stack on spare ports
    .venv/bin/python bench/evidence_ingest.py --running  # uses the stack of `make run`

Prints events/s accepted into the ledger (HTTP: answered 'accepted'; Kafka: committed in the ledger).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.cpu import CpuWindow, per_event_text
from schemas.topics import EVIDENCE_INBOUND
from services.evidence.handlers.sources import add_source
from thidua.runtime.kafka_access import kafka_options

UNITS = [f"H40.{d:02d}.{u:02d}" for d in range(1, 5) for u in range(1, 11)]


def envelope(source: str | None, n: int) -> dict[str, Any]:
    """A realistic procedure.processed event."""
    body: dict[str, Any] = {
        "event_id": f"bench-{n}",
        "type": "procedure.processed",
        "schema_version": 1,
        "occurred_at": "2025-03-14T09:30:00+07:00",
        "unit_id": UNITS[n % len(UNITS)],
        "officer_id": f"CB-{n % 997}",
        "payload": {
            "dossier_code": f"HS-{n}",
            "procedure_code": "1.001234",
            "channel": "online",
            "received_at": "2025-03-10T08:00:00+07:00",
            "due_at": "2025-03-14T17:00:00+07:00",
            "finished_at": "2025-03-14T09:30:00+07:00",
            "status": "resolved",
            "supplement_requests": 0,
            "supplement_days": 0,
            "fee_required": True,
            "paid_online": n % 3 == 0,
            "digitized": True,
            "e_result": True,
            "data_reused": False,
        },
    }
    if source:
        body["source"] = source
    return body


async def http_ingest(
    url: str, token: str, *, seconds: float, batch: int, clients: int, first: int = 0
) -> tuple[int, float]:
    """POST batches from `clients` concurrent clients for `seconds`: (events accepted, seconds taken).
    Event numbers start at `first`, so a later run never repeats an earlier one's events."""
    counter = itertools.count(first)
    accepted = 0
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal accepted
        async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
            while time.perf_counter() < deadline:
                body = [envelope(None, next(counter)) for _ in range(batch)]
                answer = await http.post("/v1/events", json=body)
                answer.raise_for_status()
                accepted += sum(1 for r in answer.json() if r["status"] == "accepted")

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return accepted, time.perf_counter() - started


async def bench_http(url: str, token: str, *, seconds: float, batch: int, clients: int, first: int = 0) -> float:
    """Events/s accepted over HTTP (see http_ingest)."""
    accepted, elapsed = await http_ingest(url, token, seconds=seconds, batch=batch, clients=clients, first=first)
    return accepted / elapsed


async def bench_kafka(bootstrap: str, database_url: str, source: str, *, count: int) -> float:
    producer = AIOKafkaProducer(**kafka_options(bootstrap), linger_ms=20, max_batch_size=1 << 20)
    await producer.start()
    values = [(UNITS[n % len(UNITS)].encode(), json.dumps(envelope(source, n)).encode()) for n in range(count)]
    started = time.perf_counter()
    try:
        for key, value in values:
            await producer.send(EVIDENCE_INBOUND, value, key=key)
        await producer.flush()
    finally:
        await producer.stop()
    conn = await asyncpg.connect(database_url)
    try:
        while await conn.fetchval("SELECT count(*) FROM evidence.ledger WHERE source = $1", source) < count:
            if time.perf_counter() - started > 600:
                raise TimeoutError("Kafka ingest did not finish in 10 minutes")
            await asyncio.sleep(0.05)
    finally:
        await conn.close()
    return count / (time.perf_counter() - started)


async def measure(
    kafka: str, database_url: str, evidence_url: str, args: argparse.Namespace, parts: dict[str, int]
) -> None:
    http_source = f"bench-http-{uuid.uuid4().hex[:6]}"
    kafka_source = f"bench-kafka-{uuid.uuid4().hex[:6]}"
    token = await add_source(database_url, name=http_source, units=["*"])
    await add_source(database_url, name=kafka_source, units=["*"])
    await bench_http(evidence_url, token, seconds=3, batch=args.batch, clients=args.clients)  # warm-up
    cpu = CpuWindow(parts)
    accepted, elapsed = await http_ingest(
        evidence_url, token, seconds=args.seconds, batch=args.batch, clients=args.clients, first=10**9
    )
    print(
        f"HTTP ingest : {accepted / elapsed:8.0f} events/s"
        f"  (batches of {args.batch}, {args.clients} clients, {args.seconds:.0f} s)"
    )
    if parts:
        # CPU per accepted event, by process tree: meaningful on a shared machine where events/s is not.
        _, text = per_event_text(cpu.seconds(), max(accepted, 1))
        print(f"HTTP ingest CPU per event (µs): {text}")
    if args.kafka_events <= 0:
        return
    rate = await bench_kafka(kafka, database_url, kafka_source, count=args.kafka_events)
    print(f"Kafka ingest: {rate:8.0f} events/s  ({args.kafka_events} events, produce to ledger commit)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--running", action="store_true", help="use the running `make run` stack")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--kafka-events", type=int, default=100_000)
    args = parser.parse_args()
    from bench._stack import endpoints, throwaway_stack
    from thidua.operator.localinfra.stack import service

    if args.running:
        with endpoints(running=True, service="evidence") as (kafka, database_url, evidence_url):
            asyncio.run(measure(kafka, database_url, evidence_url, args, {}))
        return
    with throwaway_stack() as stack:
        parts = {"evidence": stack.children["evidence"].pid}
        for name, infra in (("PostgreSQL", stack.postgres), ("Kafka", stack.kafka)):
            if infra is not None and infra.proc is not None:
                parts[name] = infra.proc.pid
        evidence_url = f"http://127.0.0.1:{stack.port_of(service('evidence'))}"
        env = stack.env
        asyncio.run(measure(env["KAFKA_BOOTSTRAP_SERVERS"], env["DATABASE_URL"], evidence_url, args, parts))


if __name__ == "__main__":
    main()
