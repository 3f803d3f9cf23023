"""The evidence store kept in PostgreSQL: one connection, its transaction, over the tables' modules (postgres,
dvcqg_store, mappings) and the shared inbox and outbox."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime

import asyncpg

from schemas.dvcqg import Step
from services.evidence.adapters import dvcqg_store, postgres
from services.evidence.adapters import mappings as mapping_tables
from services.evidence.domain.dvcqg import Kept
from services.evidence.domain.officers import Home, HomeChange
from services.evidence.domain.principal import SourceScope
from services.evidence.store import Kind, LedgerRow, Mapping, RejectionRow, StoredDossier
from thidua.runtime import auth, inbox, outbox
from thidua.runtime.outbox import Message


class PostgresEvidenceStore:
    """EvidenceStore over one connection (its transactions nest as savepoints)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    def transaction(self) -> AbstractAsyncContextManager[None]:
        """The connection's transaction."""
        return self.conn.transaction()

    async def load_scopes(self) -> dict[str, SourceScope]:
        """One query for every source."""
        return await postgres.load_scopes(self.conn)

    async def add_source(self, name: str, units: Sequence[str]) -> None:
        """An upsert of the source's row."""
        await postgres.add_source(self.conn, name=name, units=units)

    async def store_source_token(self, source: str, token: str) -> None:
        """The shared tokens table, labelled with the source's name."""
        await auth.store_token(self.conn, token, role="source", source=source, label=source)

    async def source_units(self, source: str) -> list[str] | None:
        """Share-locked until commit."""
        return await mapping_tables.source_units(self.conn, source)

    async def existing_events(self, keys: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        """One query for all keys."""
        return await postgres.existing_events(self.conn, keys)

    async def append(
        self, rows: Sequence[LedgerRow], *, channel: str, accepted_at: datetime
    ) -> dict[tuple[str, str], int]:
        """One insert for all rows."""
        return await postgres.append(self.conn, rows, channel=channel, accepted_at=accepted_at)

    async def record_rejections(
        self, rows: Sequence[RejectionRow], *, channel: str, rejected_at: datetime
    ) -> list[int]:
        """One insert for all rows."""
        return await postgres.record_rejections(self.conn, rows, channel=channel, rejected_at=rejected_at)

    async def lock_officers(self, officers: Iterable[str]) -> None:
        """Advisory locks until commit."""
        await postgres.lock_officers(self.conn, officers)

    async def officer_homes(self, officers: Iterable[str]) -> dict[str, Home]:
        """One query for all officers."""
        return await postgres.officer_homes(self.conn, officers)

    async def save_homes(self, changes: Sequence[tuple[str, HomeChange]], *, recorded_at: datetime) -> None:
        """Upserts of the officers, inserts of the transfers."""
        await postgres.save_homes(self.conn, changes, recorded_at=recorded_at)

    async def enqueue(self, messages: Sequence[Message]) -> None:
        """The service's outbox table."""
        await outbox.enqueue(self.conn, messages)

    async def claim(self, keys: Sequence[str]) -> set[str]:
        """The service's inbox table."""
        return await inbox.claim(self.conn, keys)

    async def registered_units(self, codes: set[str]) -> set[str]:
        """From the ledger's unit registrations."""
        return await dvcqg_store.registered_units(self.conn, codes)

    async def lock_dossiers(self, source: str, codes: Sequence[str]) -> None:
        """Advisory locks until commit."""
        await dvcqg_store.lock_dossiers(self.conn, source, codes)

    async def kept_of(self, source: str, codes: Sequence[str]) -> dict[str, Kept]:
        """One query for all codes."""
        return await dvcqg_store.kept_of(self.conn, source, codes)

    async def stored_dossiers(self, source: str, codes: Sequence[str]) -> list[StoredDossier]:
        """One query for all codes."""
        return await dvcqg_store.stored_dossiers(self.conn, source, codes)

    async def steps_of(self, source: str, codes: Sequence[str]) -> dict[str, list[Step]]:
        """One query for all codes."""
        return await dvcqg_store.steps_of(self.conn, source, codes)

    async def store_steps(self, source: str, steps: Sequence[Step], now: datetime) -> list[bool]:
        """One insert for all steps."""
        return await dvcqg_store.store_steps(self.conn, source, steps, now)

    async def save_dossier(self, source: str, dossier: StoredDossier, now: datetime) -> None:
        """An upsert of the dossier's row."""
        await dvcqg_store.save_dossier(self.conn, source, dossier, now)

    async def mappings(self, kind: Kind, source: str) -> list[Mapping]:
        """One query."""
        return await mapping_tables.listing(self.conn, kind, source)

    async def put_mapping(self, kind: Kind, source: str, name: str, value: str) -> tuple[Mapping, str | None]:
        """The old value locked, then an upsert."""
        return await mapping_tables.put(self.conn, kind, source, name, value)

    async def remove_mapping(self, kind: Kind, source: str, name: str) -> Mapping | None:
        """A delete."""
        return await mapping_tables.remove(self.conn, kind, source, name)
