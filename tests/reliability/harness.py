"""One independent Thi đua system as real OS processes, fed a demo-like province, drained and snapshotted.

Every `System` has its own database, its own consumer groups (committed at the end of the topics before the
services start, so it never sees another run's records) and its own unit-id prefix (the demo's "H40" is
rewritten), so an undisturbed and a disturbed run of the same events can be compared by content.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import OffsetAndMetadata

from schemas import topics
from schemas.topics import TOPICS
from services.evidence.handlers.sources import add_source
from thidua import registry
from thidua.operator import demo, demo_units
from thidua.operator.localinfra.process import free_port, spawn
from thidua.runtime import db_roles
from thidua.runtime.kafka_access import kafka_options
from thidua.runtime.tokens import add_token
from thidua.testing.database import create_database, fetch, fetchval
from thidua.testing.infra import Infrastructure

SERVICES = registry.kafka_names()
# Each service process signs in to PostgreSQL as its own role (as under `thidua run`); roles are the server's, so
# one password per role for the whole session.
DB_PASSWORDS = {service: secrets.token_urlsafe(24) for service in SERVICES}
CONSUMED: dict[str, tuple[str, ...]] = {
    "evidence": (topics.EVIDENCE_INBOUND,),
    "scoring": (topics.EVIDENCE_ACCEPTED,),
    "awards": (topics.EVIDENCE_ACCEPTED, topics.STANDINGS_CHANGED),
    "notify": (topics.ALERTS, topics.NOMINATIONS, topics.STANDINGS_CHANGED, topics.EVIDENCE_ACCEPTED),
}
PARTITIONS = {spec.name: spec.partitions for spec in TOPICS}
SAMPLE_UNITS = ("H40.10", "H40.12", "H40.40.01", "H40.40.02", "H40.40.03")
"""Two departments of KHOI-SO-1 and three communes of CUM-XA-1: ~2,400 demo events."""
HEAVY_UNITS = ("H40.10", "H40.12", "H40.14", "H40.40.01", "H40.40.02", "H40.40.03", "H40.40.04")
"""Three departments and four communes: ~3,600 demo events."""
YEAR = 2025
STREAM_SECONDS = 20.0
"""How long a fault run streams its province (the faults land inside it)."""
# Notifications derived from intermediate standings (a rank passed through, a band dropped on the way, an award
# signal on track or at risk on the way) depend on how
# the stream was batched, not only on the evidence: two undisturbed runs differ there. They are checked for
# exactly-once consumption (notify's `consumed` table against the topics), not compared by content.
INTERMEDIATE_KINDS = ("rank_changed", "band_dropped", "award_on_track", "award_at_risk", "digest")
# Keys whose values are processing times or processing history, never evidence.
VOLATILE_KEYS = frozenset(
    {
        "as_of",
        "updated_at",
        "changed_at",
        "created_at",
        "computed_at",
        "closed_at",
        "evaluated_at",
        "decided_at_processing",
        "previous_rank",
        "previous_rank_in_cluster",
        "previous_rank_in_province",
        "read_at",
        "applied_at",
        "received_at_processing",
    }
)
# Any timestamp from 2026 on is a processing time here (the demo year is 2025 and its events end in it).
_PROCESSING_TIME = re.compile(r"20(?:2[6-9]|[3-9]\d)-\d\d-\d\d[T ][0-9:.]+(?:Z|[+-]\d\d:?\d\d)?")


def faults_enabled() -> bool:
    """The heavy fault suite runs only with THIDUA_FAULTS=1 (`make test-faults`)."""
    return os.environ.get("THIDUA_FAULTS") == "1"


@dataclass
class Counts:
    """Per-system tallies the fault table reports."""

    http_5xx: int = 0
    http_503_in_outage: int = 0
    http_retries: int = 0
    kafka_retries: int = 0


@dataclass
class System:
    """Four service processes on one Kafka and one PostgreSQL server, with a database and groups of their own."""

    kafka: str
    server_url: str
    workdir: Path
    label: str = "run"
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:6].upper())
    database_url: str = ""
    # Each service's own DATABASE_URL (its role); database_url is the admin's, for the harness's own reads.
    service_urls: dict[str, str] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    counts: Counts = field(default_factory=Counts)
    outage: bool = False
    extra_env: dict[str, str] = field(default_factory=dict)
    replicas: dict[str, int] = field(default_factory=dict)
    """Processes per service (1 unless named): the extra ones are "scoring#2", ... in `procs` and `ports`, with
    an HTTP port of their own and the same consumer groups."""

    @property
    def prefix(self) -> str:
        """Replaces the demo's province code "H40" in every unit, officer and event id of this run."""
        return f"R{self.tag}"

    def group(self, service: str) -> str:
        return f"rel-{self.tag.lower()}-{service}"

    def instances(self) -> list[str]:
        """Every process of the run: the service's name for its first replica, "service#n" for the others."""
        return [
            service if n == 1 else f"{service}#{n}"
            for service in SERVICES
            for n in range(1, self.replicas.get(service, 1) + 1)
        ]

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    # ---- lifecycle -------------------------------------------------------------------------------------------

    async def start(self) -> None:
        self.database_url = await create_database(self.server_url)
        for service, consumed in CONSUMED.items():
            for topic in consumed:
                await start_group_at_end(self.kafka, f"{self.group(service)}.{topic}", topic)
        self.tokens["motcua-demo"] = await add_source(self.database_url, name=demo_units.SOURCE_ONE_STOP, units=["*"])
        self.tokens["noivu-demo"] = await add_source(self.database_url, name=demo_units.SOURCE_HR, units=["*"])
        self.tokens["council"] = await add_token(self.database_url, role="council", unit_id=None, label="faults")
        self.tokens["admin"] = await add_token(self.database_url, role="admin", unit_id=None, label="faults")
        self.service_urls = await db_roles.provision(self.database_url, DB_PASSWORDS)
        for name in self.instances():
            self.ports[name] = free_port()
            self.spawn(name)
        for name in self.instances():
            await self.wait_ready(name, timeout=90)

    def env(self, name: str) -> dict[str, str]:
        service = name.partition("#")[0]
        env = {k: v for k, v in os.environ.items() if not k.startswith(tuple(s.upper() + "_" for s in SERVICES))}
        env.update(
            {
                "KAFKA_BOOTSTRAP_SERVERS": self.kafka,
                "DATABASE_URL": self.service_urls.get(service, self.database_url),
                "PYTHONUNBUFFERED": "1",
                f"{service.upper()}_HTTP_PORT": str(self.ports[name]),
                f"{service.upper()}_GROUP_ID": self.group(service),
                f"{service.upper()}_LOG_LEVEL": "WARNING",
                # A consumer that stops fetching after a broker restart is re-subscribed after this long.
                f"{service.upper()}_STALL_SECONDS": "10",
                "SCORING_TICK_SECONDS": "0.5",
                "NOTIFY_DIGEST_ENABLED": "false",
                "METRICS_PUBLIC": "true",  # the checks read /readyz's details (parked records) without a token
            }
        )
        env.update(self.extra_env)
        return env

    def spawn(self, name: str) -> None:
        self.procs[name] = spawn(
            [sys.executable, "-m", f"services.{name.partition('#')[0]}"],
            env=self.env(name),
            log_path=self.log(name),
            cwd=Path(__file__).resolve().parents[2],
        )

    def kill9(self, service: str) -> None:
        """SIGKILL: no shutdown hook, no flush, no offset commit."""
        proc = self.procs[service]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    async def wait_ready(self, service: str, *, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=3) as http:
            while True:
                proc = self.procs[service]
                if proc.poll() is not None:
                    raise AssertionError(f"{service} exited with {proc.returncode}; see {self.log(service)}")
                try:
                    if (await http.get(f"{self.url(service)}/readyz")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError(f"{service} not ready after {timeout:.0f}s; see {self.log(service)}")
                await asyncio.sleep(0.2)

    def log(self, service: str) -> Path:
        return self.workdir / f"{self.label}-{self.tag}" / f"{service.replace('#', '-')}.log"

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)

    async def readyz(self, service: str) -> tuple[int, dict[str, Any]]:
        async with httpx.AsyncClient(timeout=10) as http:
            answer = await http.get(f"{self.url(service)}/readyz")
            try:
                body = answer.json()
            except ValueError:
                body = {}
            return answer.status_code, body

    # ---- input -----------------------------------------------------------------------------------------------

    def localise(self, body: dict[str, Any]) -> dict[str, Any]:
        """The demo envelope with this run's prefix in place of the province code."""
        doc: dict[str, Any] = json.loads(json.dumps(body, ensure_ascii=False).replace("H40", self.prefix))
        return doc

    async def post_events(
        self, http: httpx.AsyncClient, source: str, batch: Sequence[dict[str, Any]], *, deadline: float = 180.0
    ) -> list[dict[str, Any]]:
        """POST one batch, again and again while the service is down or unavailable (a resend is a duplicate)."""
        give_up = time.monotonic() + deadline
        while True:
            try:
                answer = await http.post(
                    f"{self.url('evidence')}/v1/events",
                    json=list(batch),
                    headers={"Authorization": f"Bearer {self.tokens[source]}"},
                )
            except httpx.HTTPError:
                answer = None
            if answer is not None and answer.status_code == 200:
                result: list[dict[str, Any]] = answer.json()
                return result
            if answer is not None and answer.status_code >= 500:
                if answer.status_code == 503 and self.outage:
                    self.counts.http_503_in_outage += 1
                else:
                    self.counts.http_5xx += 1
            elif answer is not None:
                raise AssertionError(f"evidence answered {answer.status_code}: {answer.text[:500]}")
            self.counts.http_retries += 1
            if time.monotonic() > give_up:
                raise AssertionError("evidence did not take a batch within the deadline")
            await asyncio.sleep(0.5)

    async def stream(
        self, events: Sequence[tuple[str, dict[str, Any]]], *, seconds: float = 20.0, http_batch: int = 100
    ) -> None:
        """Send (channel, envelope) in order over about `seconds`: HTTP in batches per source, the rest to Kafka."""
        producer = AIOKafkaProducer(
            **kafka_options(self.kafka), acks="all", linger_ms=5, request_timeout_ms=10000, retry_backoff_ms=500
        )
        await producer.start()
        started = time.monotonic()
        pending: dict[str, list[dict[str, Any]]] = {demo_units.SOURCE_ONE_STOP: [], demo_units.SOURCE_HR: []}
        try:
            async with httpx.AsyncClient(timeout=60) as http:
                for i, (channel, body) in enumerate(events):
                    if channel == "http":
                        pending[body["source"]].append(body)
                        if len(pending[body["source"]]) >= http_batch:
                            await self.post_events(http, body["source"], pending[body["source"]])
                            pending[body["source"]] = []
                    else:
                        await self.produce(
                            producer,
                            topics.EVIDENCE_INBOUND,
                            body["unit_id"],
                            json.dumps(body, ensure_ascii=False).encode(),
                        )
                    # Pace the stream so faults land in the middle of it.
                    ahead = started + seconds * (i + 1) / len(events) - time.monotonic()
                    if ahead > 0 and i % 50 == 0:
                        await asyncio.sleep(ahead)
                for source, batch in pending.items():
                    if batch:
                        await self.post_events(http, source, batch)
            await self.flush(producer)
        finally:
            await producer.stop()

    async def produce(
        self, producer: AIOKafkaProducer, topic: str, key: str | None, value: bytes, *, deadline: float = 180.0
    ) -> None:
        """Send and wait for the acknowledgement, resending while the broker is away (a resend may duplicate)."""
        give_up = time.monotonic() + deadline
        while True:
            try:
                await asyncio.wait_for(producer.send_and_wait(topic, value, key=key.encode() if key else None), 15)
                return
            except Exception:
                self.counts.kafka_retries += 1
                if time.monotonic() > give_up:
                    raise
                await asyncio.sleep(0.5)

    async def flush(self, producer: AIOKafkaProducer) -> None:
        await producer.flush()

    # ---- draining and snapshots ------------------------------------------------------------------------------

    async def lag(self) -> dict[str, int]:
        """Records not yet committed per consumer group of this run (from the broker, not the services)."""
        admin = AIOKafkaAdminClient(**kafka_options(self.kafka), request_timeout_ms=5000)
        await admin.start()
        from aiokafka import AIOKafkaConsumer

        consumer = AIOKafkaConsumer(**kafka_options(self.kafka), group_id=None, request_timeout_ms=5000)
        await consumer.start()
        try:
            every = [TopicPartition(t, p) for t in PARTITIONS for p in range(PARTITIONS[t])]
            ends = await consumer.end_offsets(every)
            out = {}
            for service, consumed in CONSUMED.items():
                for topic in consumed:
                    group = f"{self.group(service)}.{topic}"
                    committed = await admin.list_consumer_group_offsets(group)
                    out[group] = sum(
                        ends[tp] - (committed[tp].offset if tp in committed else 0) for tp in every if tp.topic == topic
                    )
            return out
        finally:
            await consumer.stop()
            await admin.close()

    async def backlog(self) -> dict[str, int]:
        """Work the services still hold in their databases: outboxes and scoring's rescore queue."""
        url = self.database_url
        return {
            "evidence.outbox": await fetchval(url, "SELECT count(*) FROM evidence.outbox"),
            "scoring.outbox": await fetchval(url, "SELECT count(*) FROM scoring.outbox"),
            "scoring.dirty": await fetchval(url, "SELECT count(*) FROM scoring.dirty"),
            "awards.outbox": await fetchval(url, "SELECT count(*) FROM awards.outbox"),
        }

    async def drain(self, *, timeout: float = 240.0, settle: float = 3.0) -> None:
        """Wait until no group lags, nothing waits in an outbox or queue, and the snapshot no longer moves."""
        deadline = time.monotonic() + timeout
        previous: Any = None
        last: tuple[dict[str, int], dict[str, int]] = ({}, {})
        while time.monotonic() < deadline:
            try:
                lag, backlog = await self.lag(), await self.backlog()
            except Exception as exc:  # the broker or database is coming back
                last = ({"error": 1}, {str(exc)[:80]: 1})
                await asyncio.sleep(1)
                continue
            last = (lag, backlog)
            if not any(lag.values()) and not any(backlog.values()):
                current = await self.fingerprint()
                if current == previous:
                    return
                previous = current
            else:
                previous = None
            await asyncio.sleep(settle)
        raise AssertionError(f"{self.label}: not drained after {timeout:.0f}s: lag {last[0]}, backlog {last[1]}")

    async def fingerprint(self) -> tuple[int, ...]:
        url = self.database_url
        return (
            await fetchval(url, "SELECT count(*) FROM evidence.ledger"),
            await fetchval(url, "SELECT count(*) FROM scoring.inbox"),
            len(await notify_consumed(url)),
            await fetchval(
                url,
                "SELECT coalesce(sum(hashtext(subject_id || coalesce(score::text, '') || band"
                " || rank_in_province::text)), 0) FROM scoring.standings",
            ),
        )

    async def close_year(self) -> None:
        async with httpx.AsyncClient(timeout=120) as http:
            answer = await http.post(
                f"{self.url('awards')}/v1/periods/{YEAR}/close",
                headers={"Authorization": f"Bearer {self.tokens['council']}"},
            )
            assert answer.status_code == 200, answer.text

    async def parked(self) -> dict[str, int]:
        """Open parked records per service (0 where the table does not exist yet)."""
        out = {}
        for service in SERVICES:
            try:
                out[service] = int(
                    await fetchval(
                        self.database_url, f"SELECT count(*) FROM {service}.parked WHERE replayed_at IS NULL"
                    )
                )
            except Exception:
                out[service] = 0
        return out

    async def snapshot(self, units: Iterable[str]) -> Snapshot:
        """Standings, scorecards, nominations and notifications, with processing times and the prefix removed."""
        council = {"Authorization": f"Bearer {self.tokens['council']}"}
        async with httpx.AsyncClient(timeout=60) as http:
            scoring, awards = self.url("scoring"), self.url("awards")
            standings = (await http.get(f"{scoring}/v1/standings", params={"period": str(YEAR)})).json()
            officers = (
                await http.get(
                    f"{scoring}/v1/standings", params={"period": str(YEAR), "subject": "officer"}, headers=council
                )
            ).json()
            cards = {}
            for unit in units:
                local = unit.replace("H40", self.prefix)
                for period in (str(YEAR), f"{YEAR}-Q2"):
                    answer = await http.get(f"{scoring}/v1/units/{local}/scorecard", params={"period": period})
                    cards[f"{unit}@{period}"] = answer.json() if answer.status_code == 200 else answer.status_code
            nominations = (
                await http.get(f"{awards}/v1/nominations", params={"period": str(YEAR)}, headers=council)
            ).json()
        notes = await fetch(
            self.database_url,
            "SELECT unit_id, condition_key, occurrence, kind, priority, title, body, link, data::text"
            " AS data FROM notify.notifications WHERE NOT kind = ANY($1::text[])",
            list(INTERMEDIATE_KINDS),
        )
        ledger = await fetchval(self.database_url, "SELECT count(*) FROM evidence.ledger")
        inbox = await fetchval(self.database_url, "SELECT count(*) FROM scoring.inbox")
        counters = await fetch(
            self.database_url,
            "SELECT subject_kind, subject_id, unit_id, period, counter, num, den FROM scoring.counters",
        )
        n = self.normalise
        return Snapshot(
            standings={n(r["subject_id"]): n(r) for r in [*standings["rows"], *standings.get("unranked", [])]}
            | {"officer:" + n(r["subject_id"]): n(r) for r in officers.get("rows", [])},
            scorecards={k: n(v) for k, v in cards.items()},
            nominations={n(r["id"]): n(r) for r in nominations["nominations"]},
            notifications=Counter(json.dumps(n(dict(r)), sort_keys=True, ensure_ascii=False) for r in notes),
            counters={
                n("|".join(str(r[k]) for k in ("subject_kind", "subject_id", "unit_id", "period", "counter"))): (
                    round(r["num"], 6),
                    round(r["den"], 6),
                )
                for r in counters
            },
            ledger=int(ledger),
            inbox=int(inbox),
        )

    def normalise(self, value: Any) -> Any:
        """value without processing times, volatile keys or this run's prefix (so two runs compare)."""
        if isinstance(value, dict):
            return {k: self.normalise(v) for k, v in sorted(value.items()) if k not in VOLATILE_KEYS}
        if isinstance(value, list):
            return [self.normalise(v) for v in value]
        if isinstance(value, str):
            return _PROCESSING_TIME.sub("<t>", value.replace(self.prefix, "H40"))
        if isinstance(value, float):
            return round(value, 6)
        return value


@dataclass
class Snapshot:
    """What a run ended with, comparable by content with another run of the same events."""

    standings: dict[str, Any]
    scorecards: dict[str, Any]
    nominations: dict[str, Any]
    notifications: Counter[str]
    counters: dict[str, Any]
    ledger: int
    inbox: int


@dataclass
class Difference:
    """Items of the reference missing or different in the other run (lost), and items it has in excess (doubled)."""

    lost: list[str] = field(default_factory=list)
    doubled: list[str] = field(default_factory=list)

    def describe(self, limit: int = 8) -> str:
        return f"lost {len(self.lost)}: {self.lost[:limit]}; doubled {len(self.doubled)}: {self.doubled[:limit]}"

    def save(self, path: Path) -> None:
        """Every difference, one a line, next to the run's logs."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"lost {x}\n" for x in self.lost) + "".join(f"doubled {x}\n" for x in self.doubled))


def compare(reference: Snapshot, other: Snapshot) -> Difference:
    """Content comparison: every standing, scorecard, nomination, notification and counter, key by key."""
    diff = Difference()
    for name in ("standings", "scorecards", "nominations", "counters"):
        ref, got = getattr(reference, name), getattr(other, name)
        for key, value in ref.items():
            if key not in got:
                diff.lost.append(f"{name}:{key} missing")
            elif got[key] != value:
                # A changed value means evidence was lost or counted twice; tell which side looks bigger.
                side = diff.doubled if _bigger(got[key], value) else diff.lost
                side.append(f"{name}:{key} differs: {_first_difference(value, got[key])}")
        diff.doubled.extend(f"{name}:{key} unexpected" for key in got if key not in ref)
    missing = reference.notifications - other.notifications
    extra = other.notifications - reference.notifications
    diff.lost.extend(f"notification {k[:160]} x{v}" for k, v in missing.items())
    diff.doubled.extend(f"notification {k[:160]} x{v}" for k, v in extra.items())
    if other.ledger < reference.ledger:
        diff.lost.append(f"ledger rows {other.ledger} < {reference.ledger}")
    if other.ledger > reference.ledger:
        diff.doubled.append(f"ledger rows {other.ledger} > {reference.ledger}")
    if other.inbox < reference.inbox:
        diff.lost.append(f"scoring inbox {other.inbox} < {reference.inbox}")
    if other.inbox > reference.inbox:
        diff.doubled.append(f"scoring inbox {other.inbox} > {reference.inbox}")
    return diff


def _bigger(got: Any, ref: Any) -> bool:
    if isinstance(got, tuple) and isinstance(ref, tuple):
        return sum(abs(x) for x in got) > sum(abs(x) for x in ref)
    return len(json.dumps(got, sort_keys=True, default=str)) > len(json.dumps(ref, sort_keys=True, default=str))


def _first_difference(a: Any, b: Any, path: str = "") -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                return _first_difference(a.get(key), b.get(key), f"{path}.{key}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return _first_difference(x, y, f"{path}[{i}]")
    return f"{path or '.'}: {str(a)[:120]} != {str(b)[:120]}"


async def notify_consumed_exactly_once(system: System) -> Difference:
    """Every message of this run on notify's topics is recorded once in notify's `consumed` table, none invented.

    This covers the standings-derived notifications that are not compared by content across runs."""
    from aiokafka import AIOKafkaConsumer

    from services.notify.handlers.consume import MODELS, identity

    seen: dict[str, set[str]] = {t: set() for t in MODELS}
    consumer = AIOKafkaConsumer(
        *MODELS, **kafka_options(system.kafka), group_id=None, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    try:
        parts = [TopicPartition(t, p) for t in MODELS for p in range(PARTITIONS[t])]
        ends = await consumer.end_offsets(parts)
        done: set[TopicPartition] = {tp for tp in parts if ends[tp] == 0}
        while len(done) < len(parts):
            batch = await consumer.getmany(timeout_ms=1000)
            for tp, records in batch.items():
                for r in records:
                    if r.key and r.key.decode(errors="replace").startswith(system.prefix):
                        try:
                            seen[tp.topic].add(identity(MODELS[tp.topic].model_validate_json(r.value or b"")))
                        except ValueError:
                            pass
                if records and records[-1].offset + 1 >= ends[tp]:
                    done.add(tp)
            if not batch:
                done |= {tp for tp in parts if await consumer.position(tp) >= ends[tp]}
    finally:
        await consumer.stop()
    recorded: dict[str, set[str]] = {t: set() for t in MODELS}
    for topic, message in await notify_consumed(system.database_url):
        # Only this run's messages (every identity names its unit or subject): the topics are shared with others.
        if topic in recorded and system.prefix in message:
            recorded[topic].add(message)
    diff = Difference()
    for topic in MODELS:
        diff.lost.extend(f"notify never consumed {topic} {m}" for m in sorted(seen[topic] - recorded[topic]))
        diff.doubled.extend(f"notify consumed unknown {topic} {m}" for m in sorted(recorded[topic] - seen[topic]))
    return diff


async def notify_consumed(url: str) -> list[tuple[str, str]]:
    """(topic, message identity) of every message notify recorded: its shared `inbox` ("topic:identity"), or the
    older `consumed` table."""
    tables = {
        r["table_name"]
        for r in await fetch(url, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'notify'")
    }
    if "inbox" in tables:
        keys = [r["key"] for r in await fetch(url, "SELECT key FROM notify.inbox")]
        out = []
        for key in keys:
            topic, _, identity = key.partition(":")
            out.append((topic, identity))
        return out
    if "consumed" in tables:
        rows = await fetch(url, "SELECT topic, message_id FROM notify.consumed")
        return [(r["topic"], r["message_id"]) for r in rows]
    return []


async def start_group_at_end(bootstrap: str, group_id: str, topic: str) -> None:
    """Commit the group's offsets at the topic's end, so a new consumer skips earlier runs' records."""
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(**kafka_options(bootstrap), group_id=group_id, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(PARTITIONS[topic])]
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        await consumer.commit({tp: OffsetAndMetadata(offset, "") for tp, offset in ends.items()})
    finally:
        await consumer.stop()


def province_events(
    units: Sequence[str], *, seed: int = 7, dossiers_per_unit: int = 20
) -> list[tuple[str, dict[str, Any]]]:
    """The demo year of a subset of units, in the demo's order (channel, envelope with the "H40" code)."""
    wanted = set(units)
    return [
        (channel, body) for channel, body in demo.events(seed, YEAR, dossiers_per_unit) if body["unit_id"] in wanted
    ]


async def run_province(
    system: System,
    events: Sequence[tuple[str, dict[str, Any]]],
    units: Sequence[str],
    *,
    seconds: float,
    during: Any = None,
) -> Snapshot:
    """Stream the events (with `during(system)` running alongside), drain, close the year, drain, snapshot."""
    local = [(channel, system.localise(body)) for channel, body in events]
    feeder = asyncio.create_task(system.stream(local, seconds=seconds))
    if during is not None:
        await during(system)
    await feeder
    await system.drain()
    await system.close_year()
    await system.drain()
    return await system.snapshot(units)


async def undisturbed(infra: Infrastructure, workdir: Path, units: tuple[str, ...]) -> Snapshot:
    """The reference: one process per service, no fault, the same events."""
    system = System(infra.kafka_bootstrap, infra.database_url, workdir, label="undisturbed")
    try:
        await system.start()
        snapshot = await run_province(system, province_events(units), units, seconds=STREAM_SECONDS)
    finally:
        system.stop()
    assert snapshot.ledger > 0 and snapshot.standings and snapshot.nominations, "the reference run produced nothing"
    return snapshot
