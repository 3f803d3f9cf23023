"""Poison records parked with their error so the partition moves on; listed and replayed after a fix.

A record whose handling fails with a non-transient error (a bug, a value the domain cannot take) is retried
a bounded number of times, then stored in the service's `parked` table (shared migration parked_001.sql).
Replaying hands it to the same handler: its inbox makes a second application a no-op (exactly once)."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import traceback
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import asyncpg
from aiokafka import ConsumerRecord
from aiokafka.errors import KafkaError

from thidua.runtime.decoding import SKIPPED, Poison
from thidua.runtime.logs import record_fields
from thidua.runtime.metrics import PARKED

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Delivery(Generic[T]):
    """A consumed record and its value decoded by the contract's model."""

    record: ConsumerRecord[bytes, bytes]
    event: T

    def header(self, name: str) -> str | None:
        for key, value in self.record.headers or ():
            if key == name:
                return value.decode(errors="replace")
        return None


Handler = Callable[[Sequence[Delivery[Any]]], Awaitable[None]]
Decoder = Callable[[bytes | None], Any]
"""A record's value as its typed event (Poison when bad). A decoder may also have `many(values) -> list`: the
values of a batch in one call, Poison when any is bad (see decoding.BatchDecoder)."""
Scrub = Callable[[bytes | None], bytes | None]
"""What of a record's value may be kept when it is parked (e.g. without personal data); it must never raise."""


@dataclass(frozen=True)
class TypeFilter:
    """The record types (a record's `type` header) a consumer uses, among those its topic's contract knows."""

    used: frozenset[str]
    known: frozenset[str]

    def skipped(self) -> frozenset[bytes]:
        """Header values of the known types not used: such a record is acknowledged unparsed. A record without the
        header, or naming a type the contract does not know, is decoded as before (and parked if bad)."""
        return frozenset(t.encode() for t in self.known - self.used)


def type_header(record: ConsumerRecord[bytes, bytes]) -> bytes | None:
    """The record's `type` header, as sent (None when absent)."""
    for key, value in record.headers or ():
        if key == "type":
            return value
    return None


# Errors that say "try again later", never "this record is bad": retried without limit, never parked.
_TRANSIENT_SQLSTATE_CLASSES = ("08", "53", "57", "58", "40")


def is_transient(exc: BaseException) -> bool:
    """Database or broker unavailable, a timeout, a serialisation conflict: the record is not at fault."""
    if isinstance(exc, ConnectionError | TimeoutError | OSError | KafkaError | asyncpg.InterfaceError):
        return True
    if isinstance(exc, asyncpg.PostgresError):
        state = getattr(exc, "sqlstate", None) or ""
        return state[:2] in _TRANSIENT_SQLSTATE_CLASSES
    return False


def describe(exc: BaseException) -> str:
    """The error as stored with the parked record: type, message and the innermost frames."""
    frames = traceback.format_exception(exc)
    return storable("".join(frames[-6:]))


def storable(text: str) -> str:
    """Text PostgreSQL can keep (no NUL, valid UTF-8, bounded): a park must never fail on its own error message,
    or the record would be redelivered forever."""
    return text.replace("\x00", "\\0").encode("utf-8", "replace").decode("utf-8")[-4000:]


@dataclass
class _Route:
    decode: Decoder
    handler: Handler
    scrub: Scrub | None = None
    skip: frozenset[bytes] = frozenset()


class ParkingLot:
    """The `parked` table of one service, and the routes that can replay what it holds."""

    def __init__(self, service: str, pool: Callable[[], asyncpg.Pool], *, attempts: int = 3) -> None:
        self.service = service
        self._pool = pool
        self.attempts = attempts
        self._routes: dict[str, _Route] = {}
        self._prefixes: dict[str, _Route] = {}

    def register(
        self,
        topic: str,
        decode: Decoder,
        handler: Handler,
        *,
        prefix: bool = False,
        scrub: Scrub | None = None,
        types: TypeFilter | None = None,
    ) -> None:
        """Route records of topic (or, with prefix, of every topic whose name starts with it); scrub, if given, is
        what a parked record keeps of its value (it is replayed from that); types, if given, lets a record whose
        `type` header names a known type not used pass unparsed."""
        skip = types.skipped() if types is not None else frozenset()
        (self._prefixes if prefix else self._routes)[topic] = _Route(decode, handler, scrub, skip)

    def _route(self, topic: str) -> _Route | None:
        if topic in self._routes:
            return self._routes[topic]
        return next((r for p, r in self._prefixes.items() if topic.startswith(p)), None)

    async def park(self, topic: str, record: ConsumerRecord[bytes, bytes], error: str, attempts: int) -> None:
        """Store the record with its error (once per position); the caller then lets the partition move on.

        The row names the record's own topic (a prefix subscription reads several)."""
        topic = record.topic or topic
        route = self._route(topic)
        value = route.scrub(record.value) if route is not None and route.scrub is not None else record.value
        headers = [[k, base64.b64encode(v or b"").decode()] for k, v in record.headers or ()]
        async with self._pool().acquire() as conn:
            await conn.execute(
                'INSERT INTO parked (topic, "partition", "offset", key, value, headers, error, attempts)'
                ' VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8) ON CONFLICT (topic, "partition", "offset")'
                " DO UPDATE SET error = EXCLUDED.error, attempts = parked.attempts + EXCLUDED.attempts,"
                " replayed_at = NULL",
                topic,
                record.partition,
                record.offset,
                record.key,
                value,
                json.dumps(headers),
                storable(error),
                attempts,
            )
        PARKED.labels(self.service, topic).inc()
        log.error(
            "%s: parked %s[%d]@%d after %d attempt(s): %s",
            self.service,
            topic,
            record.partition,
            record.offset,
            attempts,
            error.splitlines()[-1] if error else "",
            extra=record_fields(record, topic=topic, attempts=attempts),
        )

    async def handle(self, topic: str, records: Sequence[ConsumerRecord[bytes, bytes]]) -> None:
        """Decode and handle a fetched batch; undecodable or failing records are parked, transient errors raise."""
        route = self._route(records[0].topic if records else topic) or self._route(topic)
        if route is None:
            raise LookupError(f"{self.service}: no route for {topic}")
        good = await self._decoded(topic, route, records)
        if not good:
            return
        try:
            await route.handler(good)
            return
        except Exception as exc:
            if is_transient(exc):
                raise
            log.warning(
                "%s: batch of %d from %s failed (%s); isolating the record at fault",
                self.service,
                len(good),
                topic,
                type(exc).__name__,
            )
        # The batch's transaction rolled back: apply record by record, each with bounded attempts.
        for delivery in good:
            await self._one(topic, route, delivery)

    async def _decoded(
        self, topic: str, route: _Route, records: Sequence[ConsumerRecord[bytes, bytes]]
    ) -> list[Delivery[Any]]:
        """The batch's records as typed events: in one call when the decoder takes batches, else (or when that call
        refuses the batch) one by one, so a bad record is parked alone with its own error and the rest handled."""
        skip = route.skip
        # A type this consumer does not use, named by its header: its value is never parsed.
        wanted = [r for r in records if not skip or type_header(r) not in skip]
        many = getattr(route.decode, "many", None)
        if many is not None and wanted:
            try:
                events = many([r.value for r in wanted])
            except Poison:
                pass  # some record is bad: the record-by-record pass below finds it and names its fault
            else:
                return [Delivery(r, e) for r, e in zip(wanted, events, strict=True) if e is not SKIPPED]
        good: list[Delivery[Any]] = []
        for r in wanted:
            try:
                event = route.decode(r.value)
            except Poison as exc:
                await self.park(topic, r, f"Poison: {exc}", 0)
                continue
            if event is not SKIPPED:  # a type this consumer does not use
                good.append(Delivery(r, event))
        return good

    async def _one(self, topic: str, route: _Route, delivery: Delivery[Any]) -> None:
        last: BaseException | None = None
        for attempt in range(1, self.attempts + 1):
            try:
                await route.handler([delivery])
                return
            except Exception as exc:
                if is_transient(exc):
                    raise
                last = exc
                await asyncio.sleep(0.05 * attempt)
        assert last is not None
        await self.park(topic, delivery.record, describe(last), self.attempts)

    async def open_count(self) -> int:
        """Parked records not yet replayed."""
        async with self._pool().acquire() as conn:
            return int(await conn.fetchval("SELECT count(*) FROM parked WHERE replayed_at IS NULL"))

    async def listing(self, *, include_replayed: bool = False, limit: int = 500) -> list[dict[str, Any]]:
        async with self._pool().acquire() as conn:
            rows = await conn.fetch(
                'SELECT id, topic, "partition", "offset", key, value, error, attempts, parked_at, replayed_at'
                " FROM parked WHERE $1 OR replayed_at IS NULL ORDER BY id LIMIT $2",
                include_replayed,
                limit,
            )
        return [
            {
                "id": r["id"],
                "topic": r["topic"],
                "partition": r["partition"],
                "offset": r["offset"],
                "key": (r["key"] or b"").decode(errors="replace"),
                "value": (r["value"] or b"")[:2000].decode(errors="replace"),
                "error": r["error"],
                "attempts": r["attempts"],
                "parked_at": r["parked_at"],
                "replayed_at": r["replayed_at"],
            }
            for r in rows
        ]

    async def replay(self, ids: Sequence[int] | None) -> list[dict[str, Any]]:
        """Hand parked records (all open ones when ids is None) to their handler again; report each outcome."""
        async with self._pool().acquire() as conn:
            rows = await conn.fetch(
                'SELECT id, topic, "partition", "offset", key, value, headers FROM parked'
                " WHERE replayed_at IS NULL AND ($1::bigint[] IS NULL OR id = ANY($1::bigint[])) ORDER BY id",
                list(ids) if ids is not None else None,
            )
        outcomes = []
        for r in rows:
            outcomes.append({"id": r["id"], **await self._replay_one(r)})
        return outcomes

    async def _replay_one(self, row: asyncpg.Record) -> dict[str, Any]:
        route = self._route(row["topic"])
        if route is None:
            return {"replayed": False, "error": f"this service does not consume {row['topic']}"}
        headers = [(k, base64.b64decode(v)) for k, v in json.loads(row["headers"])]
        record: ConsumerRecord[bytes, bytes] = ConsumerRecord(
            row["topic"],
            row["partition"],
            row["offset"],
            0,
            0,
            row["key"],
            row["value"],
            None,
            len(row["key"] or b""),
            len(row["value"] or b""),
            tuple(headers),
        )
        try:
            event = route.decode(row["value"])
            if event is not SKIPPED:
                await route.handler([Delivery(record, event)])
        except Exception as exc:
            async with self._pool().acquire() as conn:
                await conn.execute(
                    "UPDATE parked SET error = $2, attempts = attempts + 1 WHERE id = $1", row["id"], describe(exc)
                )
            return {"replayed": False, "error": str(exc)[:500]}
        async with self._pool().acquire() as conn:
            await conn.execute("UPDATE parked SET replayed_at = now() WHERE id = $1", row["id"])
        return {"replayed": True}
