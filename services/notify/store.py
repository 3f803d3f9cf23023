"""Notify's port to its state: what the consumer's use case loads and saves, one call each per batch."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

from services.notify.domain.batch import Decided, Loaded, Needs


@dataclass(frozen=True)
class Saved:
    """What saving a batch wrote: the kinds of the notifications inserted and the push deliveries queued."""

    notified_kinds: list[str]
    pushed: int


class NotifyStore(Protocol):
    """Notify's state behind the consumer: the PostgreSQL adapter, or a fake in the unit tests."""

    def transaction(self) -> AbstractAsyncContextManager[None]:
        """One transaction around a batch's load and save: a failure leaves nothing behind."""
        ...

    async def load(self, inbox_keys: Sequence[str], needs: Needs) -> tuple[set[str], Loaded]:
        """Claim the batch's inbox keys (the fresh ones returned) and read what deciding it needs."""
        ...

    async def save(self, decided: Decided) -> Saved:
        """Write the conditions seen, digest items, notifications and their push deliveries."""
        ...

    async def record_units(self, rows: Sequence[tuple[str, str, str | None]]) -> None:
        """Keep the latest (unit_id, name, parent_id) of each registered unit."""
        ...
