"""The scoring store: what the batch use case and the clock read and write, whatever keeps it (PostgreSQL, or a
fake in tests)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Protocol

from services.scoring.domain.batch import CaseRow, Plan
from services.scoring.domain.batch_decide import Decided, Loaded
from services.scoring.domain.contributions import CounterKey
from services.scoring.domain.judging import CaseId
from thidua.runtime.outbox import Message

DirtyRow = tuple[str, str, str, str]
"""(subject kind, subject id, unit id, period) to score again."""


class ScoringStore(Protocol):
    """Everything a batch of evidence (or a clock tick) needs kept: inbox, cases, counters, facts, directory, queues."""

    def transaction(self) -> AbstractAsyncContextManager[None]:
        """One unit of work: all of it is kept, or none."""
        ...

    async def hold_rulebook(self) -> None:
        """Keep the active rulebook for the unit of work (a rebuild's switch waits for it)."""
        ...

    async def load(self, plan: Plan) -> Loaded:
        """Claim the batch in the inbox and read everything its new events need (the cases held for the unit of
        work); nothing but the claim when no event is new."""
        ...

    async def save(
        self, decided: Decided, messages: Sequence[Sequence[Message]], dirty: Sequence[DirtyRow], accepted_at: datetime
    ) -> None:
        """Write everything the batch decided (each pass's alerts as messages), queue the subjects to score again
        and wake the rescorer."""
        ...

    async def lock_cases(self, keys: Iterable[CaseId]) -> dict[CaseId, tuple[dict[str, Any], datetime]]:
        """(state, as_of) of the stored cases among keys, held for the unit of work (the clock's pass)."""
        ...

    async def save_cases(
        self, rows: Sequence[CaseRow], deltas: Mapping[CounterKey, Sequence[float]], messages: Sequence[Message]
    ) -> None:
        """Keep the cases, add the deltas to the counters and queue the alerts (the clock's pass)."""
        ...

    async def mark_dirty(self, rows: Sequence[DirtyRow], accepted_at: datetime) -> None:
        """Queue subjects for the rescorer, keeping the oldest pending evidence time."""
        ...
