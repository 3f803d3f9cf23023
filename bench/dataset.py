"""The events every bench figure uses: a realistic mix of accepted evidence, pre-encoded and produced fast."""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from thidua.runtime.kafka_access import KafkaAccess

UNITS = [f"B{d:02d}.{u:02d}" for d in range(1, 6) for u in range(1, 11)]  # 50 units in 5 clusters
TOPIC = "evidence.accepted.v1"
VN = ZoneInfo("Asia/Ho_Chi_Minh")
Record = tuple[bytes, bytes]  # key (the unit), value (the JSON envelope)


def make_event(n: int, rng: random.Random, source: str, live: bool = False) -> tuple[str, dict[str, Any]]:
    """A realistic mix; backfill spreads a year of 2025 over the months, live events are of this month."""
    unit = UNITS[n % len(UNITS)]
    if live:
        today = datetime.now(UTC).astimezone(VN)
        month, day = today.strftime("%Y-%m"), min(today.day, 1 + n % 27)
    else:
        month, day = f"2025-{1 + n % 12:02d}", 1 + n % 27
    base = {
        "event_id": f"{source}-{n}",
        "schema_version": 1,
        "unit_id": unit,
        "source": source,
        "occurred_at": f"{month}-{day:02d}T00:00:00+07:00",
        "officer_id": f"{unit}-CB{n % 40}",
    }
    kind = rng.random()
    if kind < 0.85:
        late = rng.random() < 0.15
        base.update(
            type="procedure.processed",
            payload={
                "dossier_code": f"{source}-HS{n}",
                "procedure_code": "1.00" + str(n % 9),
                "channel": rng.choice(["online", "online", "counter", "postal"]),
                "received_at": f"{month}-{day:02d}T08:00:00+07:00",
                "due_at": f"{month}-{day:02d}T17:00:00+07:00",
                "finished_at": f"{month}-{day:02d}T{18 if late else 16}:00:00+07:00",
                "status": "resolved",
                "supplement_requests": 0,
                "supplement_days": 0,
                "fee_required": n % 3 == 0,
                "paid_online": n % 6 == 0,
                "digitized": rng.random() < 0.8,
                "e_result": rng.random() < 0.9,
                "data_reused": rng.random() < 0.5,
            },
        )
    elif kind < 0.93:
        base.update(
            type="procedure.rated", payload={"dossier_code": f"{source}-HS{n - 1}", "satisfied": rng.random() < 0.9}
        )
    elif kind < 0.97:
        base.update(
            type="complaint.received",
            payload={
                "complaint_id": f"{source}-PA{n}",
                "category": "procedure",
                "received_at": f"{month}-{day:02d}T08:00:00+07:00",
            },
        )
    else:
        base.update(
            type="training.completed",
            payload={
                "course_code": "VHCS",
                "title": "Văn hóa công sở",
                "hours": 4,
                "topic": "office_culture",
                "completed_at": f"{month}-{day:02d}T08:00:00+07:00",
            },
        )
    return unit, base


def backlog(count: int, source: str, seed: int = 42, live: bool = False) -> list[Record]:
    """`count` backfill events of source (of this month when live), encoded once: (key, value) ready to produce."""
    rng = random.Random(seed)
    out: list[Record] = []
    for n in range(count):
        unit, body = make_event(n, rng, source, live=live)
        out.append((unit.encode(), orjson.dumps(body)))
    return out


def accepted_headers(seq: int, stamp: bytes, kind: bytes | None) -> list[tuple[str, bytes]]:
    """The headers the evidence relay sets on evidence.accepted.v1: ledger_seq, accepted_at and type (consumers skip
    the types they do not use by it, unparsed)."""
    headers = [("ledger_seq", str(seq).encode()), ("accepted_at", stamp)]
    if kind is not None:
        headers.append(("type", kind))
    return headers


def type_of(value: bytes) -> bytes | None:
    """The envelope's type, read from the bench's own compact JSON (its first "type" key is the envelope's)."""
    start = value.find(b'"type":"')
    if start < 0:
        return None
    start += len(b'"type":"')
    return value[start : value.index(b'"', start)]


def produce_fast(records: Sequence[Record], access: KafkaAccess | None = None, topic: str = TOPIC) -> float:
    """Produce records with confluent-kafka (as the evidence relay would: ledger_seq, accepted_at, type); seconds
    taken."""
    from confluent_kafka import KafkaError, Message, Producer

    access = access or KafkaAccess.from_env()
    config: dict[str, Any] = {
        **access.confluent_config(),
        "linger.ms": 20,
        "batch.size": 1_000_000,
        "queue.buffering.max.messages": 500_000,
        "queue.buffering.max.kbytes": 1_048_576,
    }
    producer = Producer(config)
    failures: list[str] = []

    def delivered(error: KafkaError | None, _message: Message) -> None:
        if error is not None:
            failures.append(str(error))

    started = time.perf_counter()
    stamp = datetime.now(UTC).isoformat().encode()
    for seq, (key, value) in enumerate(records):
        headers = accepted_headers(seq, stamp, type_of(value))
        while True:
            try:
                producer.produce(topic, value, key, headers=headers, on_delivery=delivered)
                break
            except BufferError:
                producer.poll(0.05)  # the local queue is full: let deliveries drain it
        if seq % 10_000 == 0:
            producer.poll(0)
    left = producer.flush(300)
    if left or failures:
        raise RuntimeError(f"{left} records undelivered, {len(failures)} failed: {failures[:3]}")
    return time.perf_counter() - started
