"""Reference figures on the same records: raw aiokafka consumption, and one set-based PostgreSQL upsert."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer

from bench.dataset import TOPIC, Record
from thidua.runtime.kafka_access import KafkaAccess

Cell = tuple[str, str, str]  # unit, period, counter


async def raw_pass(events: int, access: KafkaAccess | None = None, idle_timeout: float = 60.0) -> tuple[int, float]:
    """One pass of a fresh group over the topic, json.loads per record: (records, seconds first → last record)."""
    access = access or KafkaAccess.from_env()
    consumer = AIOKafkaConsumer(
        TOPIC,
        **access.aiokafka_options(),
        group_id=f"bench-raw-{uuid.uuid4().hex[:12]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        seen, first, last_seen = 0, 0.0, time.perf_counter()
        while seen < events:
            batches = await consumer.getmany(timeout_ms=1000)
            for records in batches.values():
                if not first:
                    first = time.perf_counter()
                for record in records:
                    json.loads(record.value or b"null")
                seen += len(records)
                last_seen = time.perf_counter()
            if time.perf_counter() - last_seen > idle_timeout:
                raise TimeoutError(f"raw consumer: only {seen} of {events} records")
        return seen, time.perf_counter() - first
    finally:
        await consumer.stop()


async def raw_consumption(events: int, min_seconds: float) -> tuple[float, int, float]:
    """Passes until min_seconds of consuming: (events/s, passes, seconds)."""
    done, seconds, passes = 0, 0.0, 0
    while passes == 0 or seconds < min_seconds:
        count, spent = await raw_pass(events)
        done, seconds, passes = done + count, seconds + spent, passes + 1
    return done / seconds, passes, seconds


def _periods(occurred_at: str) -> tuple[str, ...]:
    """Month, quarter, year and (2019–2025) the stage, as scoring's periods of the same moment."""
    year, month = occurred_at[:4], int(occurred_at[5:7])
    labels = (occurred_at[:7], f"{year}-Q{(month - 1) // 3 + 1}", year)
    return (*labels, "2019-2025") if "2019" <= year <= "2025" else labels


def cells_of(event: dict[str, Any]) -> Iterator[tuple[str, float, float]]:
    """The (counter, num, den) one event adds to its unit (a simplified image of scoring's counters)."""
    payload = event.get("payload") or {}
    kind = event.get("type")
    if kind == "procedure.processed":
        yield "on_time", float(payload["finished_at"] <= payload["due_at"]), 1.0
        yield "online_submission", float(payload["channel"] == "online"), 1.0
        yield "digitised", float(payload["digitized"]), 1.0
        yield "result_publication", float(payload["e_result"]), 1.0
        yield "data_reuse", float(payload["data_reused"]), 1.0
        if payload["fee_required"]:
            yield "online_payment", float(payload["paid_online"]), 1.0
    elif kind == "procedure.rated":
        yield "satisfaction", float(payload["satisfied"]), 1.0
    elif kind == "complaint.received":
        yield "pakn_received", 1.0, 1.0
    elif kind == "training.completed":
        yield "training_hours", float(payload["hours"]), 1.0


def aggregate(values: Sequence[bytes]) -> dict[Cell, list[float]]:
    """Decode a batch and sum its counters per (unit, period, counter)."""
    sums: dict[Cell, list[float]] = {}
    for value in values:
        event = json.loads(value)
        unit, periods = event["unit_id"], _periods(event["occurred_at"])
        for counter, num, den in cells_of(event):
            for period in periods:
                cell = sums.setdefault((unit, period, counter), [0.0, 0.0])
                cell[0] += num
                cell[1] += den
    return sums


SCRATCH = """
CREATE SCHEMA IF NOT EXISTS bench_limit;
DROP TABLE IF EXISTS bench_limit.counters;
CREATE TABLE bench_limit.counters (
    unit_id text NOT NULL, period text NOT NULL, counter text NOT NULL,
    num double precision NOT NULL, den double precision NOT NULL,
    PRIMARY KEY (unit_id, period, counter)
);
"""
UPSERT = """
INSERT INTO bench_limit.counters AS c (unit_id, period, counter, num, den)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::float8[])
ON CONFLICT (unit_id, period, counter) DO UPDATE SET num = c.num + EXCLUDED.num, den = c.den + EXCLUDED.den
"""


async def upsert_limit(
    database_url: str, records: Sequence[Record], min_seconds: float, batch: int = 5000
) -> tuple[float, int, float]:
    """Decode, aggregate per batch and write each batch with one unnest upsert, passes until min_seconds:
    (events/s, passes, seconds)."""
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(SCRATCH)
        statement = await conn.prepare(UPSERT)
        done, passes, started = 0, 0, time.perf_counter()
        while passes == 0 or time.perf_counter() - started < min_seconds:
            for i in range(0, len(records), batch):
                sums = aggregate([value for _, value in records[i : i + batch]])
                keys = list(sums)
                await statement.fetch(
                    [k[0] for k in keys],
                    [k[1] for k in keys],
                    [k[2] for k in keys],
                    [sums[k][0] for k in keys],
                    [sums[k][1] for k in keys],
                )
                done += min(batch, len(records) - i)
            passes += 1
        seconds = time.perf_counter() - started
        await conn.execute("DROP SCHEMA bench_limit CASCADE")
        return done / seconds, passes, seconds
    finally:
        await conn.close()
