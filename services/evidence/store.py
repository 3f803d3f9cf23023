"""The evidence store: what intake, the portal's door and the operator's mappings read and write, whatever keeps it
(PostgreSQL, or a fake in tests)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from schemas import topics
from schemas.dvcqg import Snapshot, Step
from services.evidence.domain.dvcqg import Kept
from services.evidence.domain.officers import Home, HomeChange
from services.evidence.domain.principal import SourceScope
from thidua.runtime.outbox import Message

Kind = Literal["unit", "officer"]
"""A mapping's kind: an upstream unit code, or an upstream user name."""


@dataclass(frozen=True)
class LedgerRow:
    """An accepted event as the ledger stores it."""

    source: str
    event_id: str
    type: str
    unit_id: str
    officer_id: str | None
    occurred_at: datetime
    envelope: str  # canonical JSON


@dataclass(frozen=True)
class RejectionRow:
    """A refused item with its reasons and original bytes."""

    source: str | None
    event_id: str | None
    unit_id: str | None
    reasons: list[dict[str, str]]
    original: bytes
    position: tuple[str, int, int] | None = None  # Kafka topic, partition, offset


@dataclass(frozen=True)
class Mapping:
    """One upstream name (unit code or user name) of a source and what it stands for here."""

    upstream: str
    target: str
    created_at: datetime


@dataclass(frozen=True)
class StoredDossier:
    """What the door kept of one portal dossier: its unit, last officer, kept state and the snapshot as read."""

    code: str
    unit_id: str
    officer_id: str | None
    kept: Kept
    snapshot: Snapshot


def accepted_message(row: LedgerRow, seq: int, accepted_at: datetime) -> Message:
    """The evidence.accepted.v1 record of an event the ledger took (the PostgreSQL store builds the same in SQL)."""
    # type: a consumer that keeps a few types skips the others without parsing them (issue 29).
    headers = {"ledger_seq": str(seq), "accepted_at": accepted_at.isoformat(), "type": row.type}
    return (topics.EVIDENCE_ACCEPTED, row.unit_id, row.envelope.encode(), headers)


class EvidenceStore(Protocol):
    """Everything evidence's use cases keep: sources, ledger, rejections, officers, outbox, inbox, the portal's
    dossiers and steps, and the operator's mappings."""

    def transaction(self) -> AbstractAsyncContextManager[None]:
        """One unit of work: all of it is kept, or none (nested, a part of the enclosing one)."""
        ...

    async def load_scopes(self) -> dict[str, SourceScope]:
        """Every registered source with its units."""
        ...

    async def add_source(self, name: str, units: Sequence[str]) -> None:
        """Register a source, or replace the units it may submit for."""
        ...

    async def store_source_token(self, source: str, token: str) -> None:
        """Keep a new HTTP token of the source (only its hash is kept)."""
        ...

    async def source_units(self, source: str) -> list[str] | None:
        """The units a source is registered for, None for no such source (held against a change for the unit of
        work)."""
        ...

    async def existing_events(self, keys: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which (source, event_id) pairs are already in the ledger."""
        ...

    async def append(
        self, rows: Sequence[LedgerRow], *, channel: str, accepted_at: datetime
    ) -> dict[tuple[str, str], int]:
        """Add the new events to the ledger and queue each added one in the outbox (accepted_message, ledger order);
        {(source, event_id): seq} of those added (a key there already is a duplicate, left alone)."""
        ...

    async def record_rejections(
        self, rows: Sequence[RejectionRow], *, channel: str, rejected_at: datetime
    ) -> list[int]:
        """Keep refusals (a Kafka record refused before, same position, is not kept again); the indexes of the new
        ones."""
        ...

    async def lock_officers(self, officers: Iterable[str]) -> None:
        """Serialise registrations of the same officers for the unit of work."""
        ...

    async def officer_homes(self, officers: Iterable[str]) -> dict[str, Home]:
        """The home unit of each registered officer among officers."""
        ...

    async def save_homes(self, changes: Sequence[tuple[str, HomeChange]], *, recorded_at: datetime) -> None:
        """Keep first registrations, restatements and transfers (source, change), decided in order: the last wins."""
        ...

    async def enqueue(self, messages: Sequence[Message]) -> None:
        """Queue messages in the outbox, in order."""
        ...

    async def claim(self, keys: Sequence[str]) -> set[str]:
        """Record keys in the inbox; those not seen before."""
        ...

    async def registered_units(self, codes: set[str]) -> set[str]:
        """The codes that are units registered here."""
        ...

    async def lock_dossiers(self, source: str, codes: Sequence[str]) -> None:
        """Serialise calls on the same portal dossiers for the unit of work."""
        ...

    async def kept_of(self, source: str, codes: Sequence[str]) -> dict[str, Kept]:
        """What was kept of each of the source's dossiers named (the diff's base)."""
        ...

    async def stored_dossiers(self, source: str, codes: Sequence[str]) -> list[StoredDossier]:
        """Everything kept of each of the source's dossiers named."""
        ...

    async def steps_of(self, source: str, codes: Sequence[str]) -> dict[str, list[Step]]:
        """The steps stored for each of the source's dossiers named, oldest first."""
        ...

    async def store_steps(self, source: str, steps: Sequence[Step], now: datetime) -> list[bool]:
        """Keep the steps; for each, whether it is new (one stored already, or twice in the call, is not)."""
        ...

    async def save_dossier(self, source: str, dossier: StoredDossier, now: datetime) -> None:
        """Keep what a snapshot left of a dossier."""
        ...

    async def mappings(self, kind: Kind, source: str) -> list[Mapping]:
        """Every mapping of one kind of a source, by upstream name."""
        ...

    async def put_mapping(self, kind: Kind, source: str, name: str, value: str) -> tuple[Mapping, str | None]:
        """Map name to value (a changed mapping keeps its first date); the mapping and what it replaced."""
        ...

    async def remove_mapping(self, kind: Kind, source: str, name: str) -> Mapping | None:
        """Forget one mapping; the one removed, None if there was none."""
        ...
