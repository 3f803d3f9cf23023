"""`thidua demo`: a realistic demo province fed through the real front doors (HTTP and Kafka).

Deterministic for a seed: the same run twice sends the same event ids, which the evidence service reports
as duplicates, so restarting `make run` never doubles the demo.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from aiokafka import AIOKafkaProducer

VN = ZoneInfo("Asia/Ho_Chi_Minh")
SOURCE_ONE_STOP = "motcua-demo"
SOURCE_HR = "noivu-demo"
DEPARTMENTS = ["Sở Nội vụ", "Sở Tư pháp", "Sở Xây dựng", "Sở Tài chính", "Sở Y tế", "Sở Giáo dục và Đào tạo",
               "Sở Công Thương", "Sở Nông nghiệp và Môi trường", "Sở Văn hóa, Thể thao và Du lịch",
               "Sở Khoa học và Công nghệ", "Sở Dân tộc và Tôn giáo", "Văn phòng UBND tỉnh"]
COMMUNES = ["Xã Mỹ Lộc", "Xã Nam Trực", "Xã Hải Hậu", "Xã Giao Thủy", "Xã Ý Yên", "Xã Vụ Bản", "Phường Nam Định",
            "Phường Thiên Trường", "Xã Trực Ninh", "Xã Xuân Trường", "Xã Nghĩa Hưng", "Phường Đông A",
            "Xã Hải Thịnh", "Xã Quất Lâm", "Xã Nghĩa Lâm", "Xã Cổ Lễ", "Xã Liễu Đề", "Xã Yên Cường",
            "Xã Hiển Khánh", "Xã Nam Điền", "Phường Mỹ Xá", "Phường Lộc Hòa", "Xã Hồng Thuận", "Xã Xuân Hưng"]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ"]
GIVEN = ["Văn An", "Thị Bình", "Minh Châu", "Thu Hà", "Quốc Huy", "Thị Lan", "Đức Mạnh", "Thanh Hương", "Văn Nam",
         "Ngọc Oanh", "Hữu Phúc", "Thị Quỳnh", "Văn Sơn", "Thị Thảo", "Anh Tuấn", "Thị Yến"]


@dataclass(frozen=True)
class Unit:
    """A demo unit with its officers and its own shares of on-time, online and digitised dossiers."""

    unit_id: str
    name: str
    level: str
    cluster_id: str
    cluster_name: str
    officers: tuple[str, ...]
    on_time: float
    online: float
    digitised: float


def province(rng: random.Random) -> list[Unit]:
    """Two blocks of departments (khối sở) and two clusters of communes (cụm xã): 36 units, ~2,400 officers."""
    units = []
    for i, name in enumerate(DEPARTMENTS):
        cluster = (("KHOI-SO-1", "Khối các sở quản lý kinh tế") if i % 2 == 0
                   else ("KHOI-SO-2", "Khối các sở quản lý văn hóa – xã hội"))
        units.append(_unit(rng, f"H40.{10 + i:02d}", name, "department", cluster, 120))
    for i, name in enumerate(COMMUNES):
        cluster = ("CUM-XA-1", "Cụm xã, phường phía Bắc") if i < 12 else ("CUM-XA-2", "Cụm xã, phường phía Nam")
        units.append(_unit(rng, f"H40.40.{i + 1:02d}", name, "commune", cluster, 40))
    return units


def _unit(rng: random.Random, unit_id: str, name: str, level: str, cluster: tuple[str, str], size: int) -> Unit:
    officers = tuple(f"{unit_id.replace('.', '')}-CB{k:03d}" for k in range(1, size + rng.randint(-5, 5)))
    return Unit(unit_id, name, level, cluster[0], cluster[1], officers, on_time=rng.uniform(0.85, 0.995),
                online=rng.uniform(0.35, 0.8), digitised=rng.uniform(0.6, 0.95))


def _at(day: datetime, hour: int) -> str:
    return day.replace(hour=hour, minute=0, second=0, microsecond=0).isoformat()


def events(seed: int, year: int, dossiers_per_unit: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """(channel, envelope) for the whole demo year: directory, dossiers, complaints, HR, trainings."""
    rng = random.Random(seed)
    units = province(rng)
    start = datetime(year, 1, 2, tzinfo=VN)
    for u in units:
        yield "http", _env(SOURCE_HR, f"unit-{u.unit_id}", "unit.registered", u.unit_id, start, {
            "name": u.name, "level": u.level, "parent_id": "H40", "cluster_id": u.cluster_id,
            "cluster_name": u.cluster_name})
        for o in u.officers:
            yield "kafka", _env(SOURCE_HR, f"officer-{o}", "officer.registered", u.unit_id, start, {
                "full_name": f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}", "category": "civil_servant"}, officer=o)
    for u in units:
        for n in range(dossiers_per_unit):
            received = start + timedelta(days=rng.uniform(0, 330), hours=rng.uniform(0, 8))
            due = received + timedelta(days=rng.choice([3, 5, 7, 10, 15]))
            late = rng.random() > u.on_time
            finished = due + timedelta(days=rng.uniform(0.5, 6)) if late else received + (due - received) * rng.uniform(
                0.2, 0.95)
            code = f"{u.unit_id}-{year}-{n:05d}"
            channel = "online" if rng.random() < u.online else rng.choice(["counter", "counter", "postal"])
            fee = rng.random() < 0.6
            yield "http", _env(SOURCE_ONE_STOP, f"{code}-p", "procedure.processed", u.unit_id, finished, {
                "dossier_code": code, "procedure_code": f"1.00{rng.randint(1000, 9999)}", "channel": channel,
                "received_at": received.isoformat(), "due_at": due.isoformat(), "finished_at": finished.isoformat(),
                "status": "resolved", "supplement_requests": 1 if rng.random() < 0.1 else 0, "supplement_days": 0,
                "fee_required": fee, "paid_online": fee and channel == "online" and rng.random() < 0.85,
                "digitized": rng.random() < u.digitised, "e_result": rng.random() < u.digitised + 0.05,
                "data_reused": rng.random() < u.digitised - 0.2}, officer=rng.choice(u.officers))
            if rng.random() < 0.3:
                yield "http", _env(SOURCE_ONE_STOP, f"{code}-r", "procedure.rated", u.unit_id, finished, {
                    "dossier_code": code, "satisfied": rng.random() < 0.93, "score": rng.randint(3, 5)})
        for n in range(max(2, dossiers_per_unit // 60)):
            received = start + timedelta(days=rng.uniform(0, 320))
            cid = f"{u.unit_id}-PA{n:03d}"
            conduct = rng.random() < 0.3
            yield "http", _env(SOURCE_ONE_STOP, f"{cid}-c", "complaint.received", u.unit_id, received, {
                "complaint_id": cid, "category": "conduct" if conduct else "procedure",
                "received_at": received.isoformat()} | ({"officer_id": rng.choice(u.officers)} if conduct else {}))
            resolved = received + timedelta(days=rng.uniform(2, 25))
            yield "http", _env(SOURCE_ONE_STOP, f"{cid}-s", "complaint.resolved", u.unit_id, resolved, {
                "complaint_id": cid, "resolved_at": resolved.isoformat(), "outcome": "answered",
                "substantiated": conduct and rng.random() < 0.4})
    for u in units:
        for o in u.officers:
            if rng.random() < 0.7:
                done = start + timedelta(days=rng.uniform(10, 300))
                yield "kafka", _env(SOURCE_HR, f"train-{o}", "training.completed", u.unit_id, done, {
                    "course_code": "VHCS-2025", "title": "Văn hóa công sở và kỹ năng giao tiếp", "hours": 8,
                    "topic": rng.choice(["office_culture", "professional"]), "completed_at": done.isoformat()},
                    officer=o)
            for y in (year - 2, year - 1, year):
                level = rng.choices(["excellent", "good", "complete", "incomplete"], [0.12, 0.7, 0.16, 0.02])[0]
                when = datetime(y, 12, 10, tzinfo=VN)
                yield "kafka", _env(SOURCE_HR, f"eval-{o}-{y}", "evaluation.recorded", u.unit_id, when,
                                    {"year": y, "level": level}, officer=o)
            if rng.random() < 0.04:
                when = start + timedelta(days=rng.uniform(30, 300))
                yield "kafka", _env(SOURCE_HR, f"init-{o}", "initiative.recognized", u.unit_id, when, {
                    "title": "Sáng kiến cải tiến quy trình một cửa", "scope": rng.choice(["unit", "unit", "province"]),
                    "decided_at": when.isoformat()}, officer=o)
        if rng.random() < 0.3:
            o = rng.choice(u.officers)
            when = start + timedelta(days=rng.uniform(30, 300))
            yield "kafka", _env(SOURCE_HR, f"disc-{o}", "discipline.recorded", u.unit_id, when, {
                "decision_no": f"{rng.randint(1, 99)}/QĐ-KL", "form": rng.choice(["reprimand", "warning"]),
                "decided_at": when.isoformat(), "reason": "Vi phạm quy định về giờ giấc làm việc"}, officer=o)
        inspected = start + timedelta(days=rng.uniform(60, 300))
        findings = [{"code": rng.choice(["late_or_absent", "no_name_badge", "dress_code", "hygiene"]),
                     "count": rng.randint(1, 3)} for _ in range(rng.randint(0, 3))]
        if rng.random() < 0.1:
            findings.append({"code": "alcohol", "officer_id": rng.choice(u.officers)})
        yield "http", _env(SOURCE_HR, f"insp-{u.unit_id}", "inspection.recorded", u.unit_id, inspected, {
            "inspection_id": f"KT-{u.unit_id}", "inspected_at": inspected.isoformat(), "findings": findings})
        yield "kafka", _env(SOURCE_HR, f"eval-{u.unit_id}-{year}", "evaluation.recorded", u.unit_id,
                            datetime(year, 12, 10, tzinfo=VN), {"year": year, "level": rng.choices(
                                ["excellent", "good", "complete"], [0.3, 0.6, 0.1])[0]})


def _env(source: str, event_id: str, kind: str, unit: str, when: datetime, payload: dict[str, Any],
         officer: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"event_id": event_id, "type": kind, "schema_version": 1, "occurred_at": when.isoformat(),
                            "unit_id": unit, "source": source, "payload": payload}
    if officer:
        body["officer_id"] = officer
    return body


async def feed(*, evidence_url: str, kafka: str, tokens: dict[str, str], seed: int, year: int,
               dossiers_per_unit: int, live: bool = False) -> dict[str, int]:
    """Send the demo year: HTTP in batches of 500 with each source's token, the rest to evidence.inbound.v1."""
    counts = {"http": 0, "kafka": 0, "accepted": 0, "duplicate": 0, "rejected": 0}
    all_events = list(events(seed, year, dossiers_per_unit))
    if live:  # as they would arrive: in time order
        all_events.sort(key=lambda e: e[1]["occurred_at"])
    producer = AIOKafkaProducer(bootstrap_servers=kafka, linger_ms=20)
    await producer.start()
    started = time.monotonic()
    try:
        async with httpx.AsyncClient(base_url=evidence_url, timeout=120) as http:
            batch: dict[str, list[dict[str, Any]]] = {SOURCE_ONE_STOP: [], SOURCE_HR: []}

            async def flush(source: str) -> None:
                if not batch[source]:
                    return
                answer = await http.post("/v1/events", json=batch[source],
                                         headers={"Authorization": f"Bearer {tokens[source]}"})
                answer.raise_for_status()
                for r in answer.json():
                    counts[r["status"]] += 1
                counts["http"] += len(batch[source])
                batch[source] = []

            for i, (channel, body) in enumerate(all_events):
                if channel == "http":
                    batch[body["source"]].append(body)
                    if len(batch[body["source"]]) >= 500:
                        await flush(body["source"])
                        if live:
                            await asyncio.sleep(0.5)
                else:
                    await producer.send("evidence.inbound.v1", json.dumps(body).encode(),
                                        key=body["unit_id"].encode())
                    counts["kafka"] += 1
                if i % 2000 == 0:
                    _progress(i, len(all_events), started)
            for source in batch:
                await flush(source)
        await producer.flush()
    finally:
        await producer.stop()
    _progress(len(all_events), len(all_events), started)
    print(flush=True)
    return counts


def _progress(done: int, total: int, started: float) -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    rate = done / max(time.monotonic() - started, 1e-6)
    sys.stdout.write(f"\r  [{'#' * filled}{'.' * (width - filled)}] {done}/{total} events  {rate:,.0f}/s")
    sys.stdout.flush()
