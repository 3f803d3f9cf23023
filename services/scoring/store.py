"""The scoring store: what the batch use case reads and writes, whatever keeps it (PostgreSQL, or a fake in tests)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Protocol

from schemas.lineage import Reorganization
from services.scoring.domain.contributions import CounterKey
from services.scoring.domain.evidence import CaseEvent, Fact, OfficerEntry, UnitEntry
from services.scoring.domain.judging import CaseId
from services.scoring.domain.memberships import Registration
from thidua.runtime.outbox import Message

EventKey = tuple[str, str]
"""(source, event_id): how the inbox knows an event."""
InboxRow = tuple[str, str, str, str, str | None, int | None]
"""(source, event_id, type, unit_id, target, ledger_seq): target names what the event touched (a case, a fact)."""
CaseRow = tuple[str, str, str, str, datetime | None, datetime | None, datetime, datetime | None]
"""(kind, unit_id, case_id, state json, opened_at, closed_at, as_of, next_tick)."""
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

    async def claim(self, rows: Sequence[InboxRow]) -> set[EventKey]:
        """Record the events in the inbox; return the keys not seen before."""
        ...

    async def early_retracted(self, keys: Iterable[EventKey]) -> set[EventKey]:
        """The keys whose retraction arrived before them."""
        ...

    async def targets(self, keys: Iterable[EventKey]) -> dict[EventKey, str | None]:
        """What each event the inbox knows touched."""
        ...

    async def remember_early_retractions(self, rows: Sequence[tuple[str, str, str]]) -> None:
        """Keep (source, target_event_id, retraction_id) of retractions whose target has not arrived."""
        ...

    async def lock_cases(self, keys: Iterable[CaseId]) -> dict[CaseId, tuple[dict[str, Any], datetime]]:
        """(state, as_of) of the stored cases among keys, held for the unit of work."""
        ...

    async def save_cases(
        self, rows: Sequence[CaseRow], deltas: Mapping[CounterKey, Sequence[float]], messages: Sequence[Message]
    ) -> None:
        """Keep the cases, add the deltas to the counters and queue the alerts."""
        ...

    async def insert_facts(self, rows: Sequence[tuple[str, str, Fact, bool]]) -> None:
        """Keep (source, event_id, fact, retracted already) rows (a repeated one changes nothing)."""
        ...

    async def retract_facts(self, keys: Sequence[EventKey]) -> list[Fact]:
        """Mark the facts of the keys retracted; return them."""
        ...

    async def insert_reorganizations(self, rows: Sequence[tuple[Reorganization, bool]]) -> None:
        """Keep (reorganization, retracted already) rows (a repeated one changes nothing)."""
        ...

    async def retract_reorganizations(self, keys: Sequence[EventKey]) -> list[Reorganization]:
        """Mark the reorganizations of the keys retracted; return those that counted until now."""
        ...

    async def reorganizations(self) -> list[Reorganization]:
        """Every reorganization that counts."""
        ...

    async def unit_periods(self, units: Sequence[str]) -> set[str]:
        """Every period in which one of the units has counters or a score."""
        ...

    async def register(self, units: Sequence[UnitEntry], officers: Sequence[OfficerEntry]) -> None:
        """Keep the registrations: latest unit and officer records, every membership with its date, profiles."""
        ...

    async def timelines(self, officers: Iterable[str]) -> dict[str, list[Registration]]:
        """{officer_id: its registrations}."""
        ...

    async def periods_scored(self, units: Sequence[str]) -> list[tuple[str, str]]:
        """(unit_id, period) of every period the units are scored in."""
        ...

    async def officer_periods_scored(self, officers: Sequence[str]) -> list[tuple[str, str, str]]:
        """(officer_id, unit_id, period) of every period the officers are scored in."""
        ...

    async def attribute(self, events: Iterable[CaseEvent]) -> set[str]:
        """Remember whose work each case is; return the officers named."""
        ...

    async def officers_of_cases(self, cases: Iterable[CaseId]) -> set[str]:
        """The officers whose work the cases are."""
        ...

    async def queue_tracking(self, officers: Iterable[str], now: datetime) -> None:
        """Queue officers for the next Decree 335 tracking pass."""
        ...

    async def mark_dirty(self, rows: Sequence[DirtyRow], accepted_at: datetime) -> None:
        """Queue subjects for the rescorer, keeping the oldest pending evidence time."""
        ...

    async def wake_rescorer(self) -> None:
        """Wake the rescorer once the unit of work is kept."""
        ...
