"""Sends the demo through the evidence service's front doors: a year or a backfill at once, the live day in time.

HTTP `POST /v1/events` with each source's token for the "http" events, the source's Kafka topic
(`source_topic`) through its own producer (`source_producer`) for the "kafka" ones, and
`POST /v1/dvcqg` for the national portal's calls (channel "dvcqg", thidua/operator/demo_portal.py), as an upstream makes
them: signed in first (`POST /v1/dvcqg/login` with the one-stop source's name and token), the session in the body.
The streams themselves are pure (thidua/operator/demo_present.py); this module only sends them.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer

from schemas.topics import source_inbound
from thidua.operator import demo
from thidua.operator.demo_portal import MAX_ITEMS, PORTAL, PORTAL_SOURCE, merge_calls, portal_backfill
from thidua.operator.demo_profiles import Event, TimedEvent
from thidua.runtime.kafka_access import KafkaAccess

Clock = Callable[[], datetime]

KafkaTarget = str | KafkaAccess | Mapping[str, KafkaAccess]
"""Bootstrap servers (credentials from the environment), one access, or each source's own access."""


def source_producer(kafka: KafkaTarget, source: str) -> AIOKafkaProducer:
    """A Kafka producer that speaks as `source` (its own SASL user where the broker authenticates)."""
    access = kafka[source] if isinstance(kafka, Mapping) else KafkaAccess.coerce(kafka)
    return AIOKafkaProducer(**access.aiokafka_options(), linger_ms=20)


def source_topic(source: str) -> str:
    """The topic a demo source writes its Kafka evidence to: its own, writable by that source only."""
    return source_inbound(source)


def _progress(done: int, total: int, started: float) -> None:
    """A progress bar on the terminal."""
    width = 30
    filled = int(width * done / max(total, 1))
    rate = done / max(time.monotonic() - started, 1e-6)
    sys.stdout.write(f"\r  [{'#' * filled}{'.' * (width - filled)}] {done}/{total} events  {rate:,.0f}/s")
    sys.stdout.flush()


def _now() -> datetime:
    return datetime.now(UTC)


class Sender:
    """Batches per source over HTTP, a producer per source over Kafka, and counts what the evidence service said."""

    def __init__(
        self, http: httpx.AsyncClient, kafka: KafkaTarget, tokens: dict[str, str], *, portal: str = PORTAL_SOURCE
    ) -> None:
        self.http, self.kafka, self.tokens = http, kafka, tokens
        self.portal = portal  # the source whose name and token sign the portal calls in
        self.signed_in: str | None = None
        self.producers: dict[str, AIOKafkaProducer] = {}
        self.batch: dict[str, list[dict[str, Any]]] = {source: [] for source in tokens}
        self.calls: list[dict[str, Any]] = []
        self.counts = {"http": 0, "kafka": 0, "accepted": 0, "duplicate": 0, "rejected": 0}
        self.counts |= {f"portal_{k}": 0 for k in ("items", "accepted", "duplicate", "unchanged", "rejected")}
        self.told = 0  # refused portal items printed so far

    async def add(self, channel: str, body: dict[str, Any], *, batch_size: int = 500) -> None:
        """Queue one envelope for HTTP (sent when its source's batch is full), a portal call (sent with everything
        queued when MAX_ITEMS wait), or produce an envelope to Kafka."""
        if channel == PORTAL:
            self.calls.append(body)
            if sum(len(c["data"]) for c in self.calls) >= MAX_ITEMS:
                await self.flush()
            return
        source = body["source"]
        if channel == "http":
            self.batch[source].append(body)
            if len(self.batch[source]) >= batch_size:
                await self.flush(source)
            return
        if source not in self.producers:
            producer = source_producer(self.kafka, source)
            await producer.start()
            self.producers[source] = producer
        await self.producers[source].send(source_topic(source), json.dumps(body).encode(), key=body["unit_id"].encode())
        self.counts["kafka"] += 1

    async def flush(self, source: str | None = None) -> None:
        """POST what is queued (one source's envelopes, or all: the envelopes first, as the units a portal call
        names are registered by envelopes, then the portal calls in order)."""
        for name in [source] if source else list(self.batch):
            items = self.batch[name]
            if not items:
                continue
            answer = await self.http.post(
                "/v1/events", json=items, headers={"Authorization": f"Bearer {self.tokens[name]}"}
            )
            answer.raise_for_status()
            for result in answer.json():
                self.counts[result["status"]] += 1
            self.counts["http"] += len(items)
            self.batch[name] = []
        if source is None:
            await self.flush_calls()

    async def flush_calls(self) -> None:
        """POST the queued portal calls, merged where they may be, one after the other, in the portal's manner: a
        session from the sign-in in each body (signed in again when it has expired)."""
        calls, self.calls = merge_calls(self.calls), []
        for i, call in enumerate(calls):
            answer = await self.http.post("/v1/dvcqg", json={**call, "session": await self.session()})
            if answer.status_code == 401:  # the session expired: sign in again, once
                self.signed_in = None
                answer = await self.http.post("/v1/dvcqg", json={**call, "session": await self.session()})
            if answer.is_error:
                self.calls = calls[i:]  # kept for a retry (a restarting service), then raised
                answer.raise_for_status()
            for result in answer.json()["results"]:
                self.counts[f"portal_{result['status']}"] += 1
                if result["status"] == "rejected" and self.told < 5:
                    self.told += 1
                    print(f"==> demo portal call: {result['MaHoSo']} refused: {result['errors']}", file=sys.stderr)
            self.counts["portal_items"] += len(call["data"])

    async def session(self) -> str:
        """The portal-style session of the one-stop source (POST /v1/dvcqg/login with its name and token)."""
        if self.signed_in is None:
            login = {"username": self.portal, "password": self.tokens[self.portal]}
            answer = await self.http.post("/v1/dvcqg/login", json=login)
            answer.raise_for_status()
            self.signed_in = str(answer.json()["session"])
        return self.signed_in

    @property
    def queued(self) -> int:
        return sum(len(items) for items in self.batch.values()) + sum(len(c["data"]) for c in self.calls)

    async def close(self) -> None:
        """Flush HTTP and Kafka, stop the producers."""
        try:
            await self.flush()
            for producer in self.producers.values():
                await producer.flush()
        finally:
            for producer in self.producers.values():
                await producer.stop()


async def send_all(
    events: Iterable[Event],
    *,
    evidence_url: str,
    kafka: KafkaTarget,
    tokens: dict[str, str],
    progress: bool = True,
    pause: float = 0.0,
    portal: str = PORTAL_SOURCE,
) -> dict[str, int]:
    """Send a backfill as fast as the front doors take it (or pausing `pause` seconds every 500 events); the counts
    per channel and per answer."""
    items = list(events)
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=evidence_url, timeout=120) as http:
        sender = Sender(http, kafka, tokens, portal=portal)
        try:
            for i, (channel, body) in enumerate(items):
                await sender.add(channel, body)
                if pause and i % 500 == 499:
                    await asyncio.sleep(pause)
                if progress and i % 2000 == 0:
                    _progress(i, len(items), started)
        finally:
            await sender.close()
    if progress:
        _progress(len(items), len(items), started)
        print(flush=True)
    return sender.counts


async def feed(
    *,
    evidence_url: str,
    kafka: KafkaTarget,
    tokens: dict[str, str],
    seed: int,
    year: int,
    dossiers_per_unit: int,
    live: bool = False,
) -> dict[str, int]:
    """Send the demo year: HTTP in batches of 500 with each source's token, the Kafka envelopes to each source's
    topic, the portal units' dossiers as the national portal's calls (thidua/operator/demo_portal.py)."""
    all_events = list(demo.events(seed, year, dossiers_per_unit))
    if live:  # as they would arrive: in time order
        all_events.sort(key=lambda e: e[1]["occurred_at"])
    return await send_all(
        portal_backfill(all_events), evidence_url=evidence_url, kafka=kafka, tokens=tokens, pause=0.5 if live else 0
    )


async def play(
    stream: Iterator[TimedEvent],
    *,
    evidence_url: str,
    kafka: KafkaTarget,
    tokens: dict[str, str],
    until: datetime | None = None,
    clock: Clock = _now,
    flush_every: float = 0.25,
    report_every: float = 60.0,
    portal: str = PORTAL_SOURCE,
) -> dict[str, int]:
    """Send each event of the live stream at its moment (never before), until `until` or cancellation.

    HTTP batches go out at most every `flush_every` seconds; an unreachable evidence service is retried, so a
    service restart under `make run` pauses the feed instead of ending it.
    """
    async with httpx.AsyncClient(base_url=evidence_url, timeout=30) as http:
        sender = Sender(http, kafka, tokens, portal=portal)
        last_flush = last_report = time.monotonic()
        try:
            for at, channel, body in stream:
                if until is not None and at >= until:
                    break
                wait = (at - clock()).total_seconds()
                if wait > 0:
                    if sender.queued and time.monotonic() - last_flush >= flush_every:
                        await _flush_retrying(sender)
                        last_flush = time.monotonic()
                        wait = (at - clock()).total_seconds()
                    if wait > 0:
                        await asyncio.sleep(wait)
                await sender.add(channel, body, batch_size=1000)
                if report_every and time.monotonic() - last_report >= report_every:
                    last_report = time.monotonic()
                    print(f"==> live demo feed: {sender.counts}", flush=True)
            await _flush_retrying(sender)
        finally:
            await sender.close()
    return sender.counts


async def _flush_retrying(sender: Sender) -> None:
    """Flush, waiting out an evidence service that restarts (at most a minute, then give the batch up)."""
    for attempt in range(30):
        try:
            await sender.flush()
            return
        except httpx.HTTPError as exc:
            print(f"==> live demo feed: evidence not answering ({exc!r}); retrying", file=sys.stderr, flush=True)
            await asyncio.sleep(min(2.0, 0.2 * (attempt + 1)))
    dropped = sender.queued
    sender.batch = {source: [] for source in sender.batch}
    sender.calls = []
    print(f"==> live demo feed: gave up {dropped} events", file=sys.stderr, flush=True)


async def register_portal_mappings(
    evidence_url: str,
    admin_token: str,
    *,
    unit_codes: dict[str, str],
    officer_users: dict[str, str],
    source: str = PORTAL_SOURCE,
) -> int:
    """The operator's mappings of the demo's one-stop system (thidua.demo_portal's unit codes and upstream user
    names) through evidence's admin API; how many were put (each put again is harmless: the same mapping)."""
    headers = {"Authorization": f"Bearer {admin_token}"}
    base = f"/v1/sources/{source}"
    puts = [(f"{base}/unit-codes/{code}", {"unit_id": unit}) for code, unit in unit_codes.items()]
    puts += [(f"{base}/officer-users/{user}", {"officer_id": o}) for user, o in officer_users.items()]
    async with httpx.AsyncClient(base_url=evidence_url, timeout=30) as http:
        for path, body in puts:
            (await http.put(path, json=body, headers=headers)).raise_for_status()
    return len(puts)
