"""Hostile input through both front doors and poison straight onto the internal topics: each is refused (HTTP 4xx
with field and reason, never 5xx; Kafka intake: a record on evidence.rejected.v1 with reasons) or parked, and a
normal event on the same key afterwards still reaches scoring, awards and notify within seconds."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from schemas import topics
from tests.reliability import table
from tests.reliability.harness import PARTITIONS, YEAR, System
from tests.reliability.hostile import corpus, follow_up_events, nomination_changed, poison, typed_by
from thidua.runtime.kafka_access import kafka_options
from thidua.testing.database import fetch, fetchval
from thidua.testing.infra import Infrastructure

CONSUMERS = {
    topics.EVIDENCE_ACCEPTED: ("scoring", "awards", "notify"),
    topics.STANDINGS_CHANGED: ("awards", "notify"),
    topics.ALERTS: ("notify",),
    topics.NOMINATIONS: ("notify",),
}
REACH_SECONDS = 45.0


def refused_over_http(status: int, body: Any) -> str | None:
    """None when the answer is a proper refusal (4xx with field and reason, or every item rejected with them)."""
    if status >= 500:
        return f"answered {status}"
    if 400 <= status < 500:
        details = body.get("details") if isinstance(body, dict) else None
        if not details or not all(d.get("field") and d.get("message") for d in details):
            return f"{status} without field and reason: {str(body)[:200]}"
        return None
    if status == 200 and isinstance(body, list) and body:
        for item in body:
            errors = item.get("errors") or []
            if (
                item.get("status") != "rejected"
                or not errors
                or not all(e.get("field") and e.get("message") for e in errors)
            ):
                return f"200 with an item not refused with field and reason: {str(item)[:200]}"
        return None
    return f"unexpected {status}: {str(body)[:200]}"


async def ends(bootstrap: str, topic: str) -> dict[TopicPartition, int]:
    consumer = AIOKafkaConsumer(**kafka_options(bootstrap), group_id=None)
    await consumer.start()
    try:
        return dict(await consumer.end_offsets([TopicPartition(topic, p) for p in range(PARTITIONS[topic])]))
    finally:
        await consumer.stop()


async def rejected_since(
    bootstrap: str, start: dict[TopicPartition, int], wanted: set[bytes], *, timeout: float
) -> dict[bytes, list[dict[str, str]]]:
    """Kafka refusals on evidence.rejected.v1 after `start`, by original bytes, until all wanted are seen."""
    consumer = AIOKafkaConsumer(**kafka_options(bootstrap), group_id=None, enable_auto_commit=False)
    await consumer.start()
    found: dict[bytes, list[dict[str, str]]] = {}
    try:
        consumer.assign(list(start))
        for tp, offset in start.items():
            consumer.seek(tp, offset)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not wanted <= set(found):
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for r in records:
                    doc = json.loads(r.value or b"{}")
                    if doc.get("channel") == "kafka":
                        found[base64.b64decode(doc["original_base64"])] = doc.get("reasons") or []
    finally:
        await consumer.stop()
    return found


async def test_hostile_inputs_are_refused_or_parked_and_the_partition_moves_on(
    infra: Infrastructure, kafka_bootstrap: str, workdir: Path
) -> None:
    system = System(infra.kafka_bootstrap, infra.database_url, workdir, label="hostile")
    unit = f"{system.prefix}.10"
    rows: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])  # tried, lost, doubled, parked, 5xx
    problems: list[str] = []
    try:
        await system.start()
        token = {"Authorization": f"Bearer {system.tokens['motcua-demo']}", "Content-Type": "application/json"}
        # 1. HTTP front door.
        http_items = corpus(unit, "h")
        async with httpx.AsyncClient(timeout=60) as http:
            for item in http_items:
                answer = await http.post(f"{system.url('evidence')}/v1/events", content=item.body, headers=token)
                try:
                    body: Any = answer.json()
                except ValueError:
                    body = answer.text
                row = rows[f"HTTP: {item.category}"]
                row[0] += 1
                row[4] += answer.status_code >= 500
                if item.acceptable:
                    if answer.status_code != 200 or body[0]["status"] != "accepted":
                        problems.append(f"HTTP {item.name}: free text refused: {answer.status_code} {str(body)[:200]}")
                else:
                    verdict = refused_over_http(answer.status_code, body)
                    if verdict:
                        row[1] += 1  # an accepted hostile item is a loss of integrity, counted under "lost"
                        problems.append(f"HTTP {item.category} / {item.name}: {verdict}")
        # 2. Kafka front door: the same corpus (but what no broker carries) as records of evidence.inbound.v1.
        kafka_items = [i for i in corpus(unit, "k") if i.kafka]
        start = await ends(system.kafka, topics.EVIDENCE_REJECTED)
        producer = AIOKafkaProducer(**kafka_options(system.kafka), acks="all", max_request_size=4 * 1024 * 1024)
        await producer.start()
        try:
            for item in kafka_items:
                await producer.send_and_wait(topics.EVIDENCE_INBOUND, item.body, key=unit.encode())
        finally:
            await producer.stop()
        refused = [i for i in kafka_items if not i.acceptable]
        found = await rejected_since(system.kafka, start, {i.body for i in refused}, timeout=60)
        for item in kafka_items:
            row = rows[f"Kafka: {item.category}"]
            row[0] += 1
            if item.acceptable:
                continue
            reasons = found.get(item.body)
            if not reasons or not all(r.get("field") and r.get("message") for r in reasons):
                row[1] += 1
                problems.append(f"Kafka {item.category} / {item.name}: no refusal with reasons on evidence.rejected.v1")
        # Free text that looks like SQL or HTML is data: stored verbatim, and the ledger is still there.
        stored = await fetch(
            system.database_url,
            "SELECT envelope->'payload'->>'cluster_name' AS c"
            " FROM evidence.ledger WHERE unit_id = $1"
            " AND type = 'unit.registered'",
            unit,
        )
        assert {"'; DROP TABLE ledger; --", "<script>alert(1)</script>"} <= {r["c"] for r in stored}, stored
        # 3. Poison straight onto the internal topics, keyed by the unit.
        positions: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
        producer = AIOKafkaProducer(**kafka_options(system.kafka), acks="all")
        await producer.start()
        try:
            for topic, values in poison(unit, system.tag.lower()).items():
                for name, value in values:
                    meta = await producer.send_and_wait(topic, value, key=unit.encode())
                    positions[topic].append((name, meta.partition, meta.offset))
            # 4. A normal event on the same key afterwards: through the front door, and a valid nomination.
            sent = time.monotonic()
            async with httpx.AsyncClient(timeout=60) as http:
                answer = await http.post(
                    f"{system.url('evidence')}/v1/events", json=follow_up_events(unit, "f"), headers=token
                )
                assert {r["status"] for r in answer.json()} == {"accepted"}, answer.text
            nomination = nomination_changed(unit, f"ok-{system.tag.lower()}-n", datetime.now(UTC))
            await producer.send_and_wait(topics.NOMINATIONS, json.dumps(nomination).encode(), key=unit.encode())
        finally:
            await producer.stop()
        reached = await follow_ups_reached(system, unit, nomination["nomination_id"], deadline=sent + REACH_SECONDS)
        elapsed = time.monotonic() - sent
        for check, ok in reached.items():
            if not ok:
                problems.append(
                    f"after poison, the normal event on the same key did not reach {check} within {REACH_SECONDS:.0f}s"
                )
        parked = await parked_positions(system)
        for topic, records in positions.items():
            for name, partition, offset in records:
                row = rows[f"poison on {topic}"]
                row[0] += 1
                for service in typed_by(topic, name, CONSUMERS[topic]):
                    if (topic, partition, offset) in parked.get(service, set()):
                        row[3] += 1
                    else:
                        row[1] += 1
                        problems.append(f"{service} did not park {name} on {topic}[{partition}]@{offset}")
        readyz = {s: await system.readyz(s) for s in ("scoring", "awards", "notify")}
    finally:
        system.stop()
    for fault, (tried, lost, doubled, parked_count, fives) in rows.items():
        table.record(fault, tried, lost=lost, doubled=doubled, parked=parked_count, http_5xx=fives)
    table.record(
        "normal event after poison (scoring, awards, notify)",
        len(reached),
        lost=sum(not ok for ok in reached.values()),
        note=f"reached in {elapsed:.1f}s",
    )
    for service, (status, body) in readyz.items():
        if not isinstance(body.get("parked"), int) or body["parked"] < 1:
            problems.append(f"{service} /readyz does not report its parked records: {status} {str(body)[:300]}")
    assert not problems, "\n".join(problems)


async def follow_ups_reached(system: System, unit: str, nomination_id: str, *, deadline: float) -> dict[str, bool]:
    """Whether the follow-up evidence and nomination reached each consumer of each poisoned topic."""
    url = system.database_url
    checks: dict[str, Any] = {
        "scoring (evidence.accepted.v1 → scorecard)": lambda: _scorecard(system, unit),
        "awards (evidence.accepted.v1 → its units)": lambda: fetchval(
            url, "SELECT count(*) FROM awards.units WHERE unit_id = $1", unit
        ),
        "awards (standings.changed.v1 → its standings)": lambda: fetchval(
            url, "SELECT count(*) FROM awards.standings WHERE unit_id = $1", unit
        ),
        "notify (evidence.accepted.v1 → its units)": lambda: fetchval(
            url, "SELECT count(*) FROM notify.units WHERE unit_id = $1", unit
        ),
        "notify (alerts.v1 → dossier_overdue in the inbox)": lambda: fetchval(
            url, "SELECT count(*) FROM notify.notifications WHERE unit_id = $1 AND kind = 'dossier_overdue'", unit
        ),
        "notify (nominations.v1 → the inbox)": lambda: fetchval(
            url,
            "SELECT count(*) FROM notify.notifications WHERE unit_id = $1 AND condition_key LIKE $2",
            unit,
            f"nomination:{nomination_id}%",
        ),
        "notify (standings.changed.v1 → consumed)": lambda: _notify_saw_standing(url, unit),
    }
    reached = dict.fromkeys(checks, False)
    while True:
        for name, check in checks.items():
            if not reached[name]:
                try:
                    reached[name] = bool(await check())
                except Exception:
                    reached[name] = False
        if all(reached.values()) or time.monotonic() > deadline:
            return reached
        await asyncio.sleep(0.5)


async def _scorecard(system: System, unit: str) -> bool:
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.get(f"{system.url('scoring')}/v1/units/{unit}/scorecard", params={"period": str(YEAR)})
        return answer.status_code == 200


async def _notify_saw_standing(url: str, unit: str) -> bool:
    from tests.reliability.harness import notify_consumed

    return any(
        topic == topics.STANDINGS_CHANGED and f"unit:{unit}:" in message
        for topic, message in await notify_consumed(url)
    )


async def parked_positions(system: System) -> dict[str, set[tuple[str, int, int]]]:
    out: dict[str, set[tuple[str, int, int]]] = {}
    for service in ("scoring", "awards", "notify"):
        try:
            rows = await fetch(system.database_url, f'SELECT topic, "partition", "offset" FROM {service}.parked')
        except Exception:
            rows = []
        out[service] = {(r["topic"], r["partition"], r["offset"]) for r in rows}
    return out
