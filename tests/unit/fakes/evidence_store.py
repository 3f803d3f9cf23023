"""An EvidenceStore in memory (services/evidence/store.py) for evidence's use-case unit tests: the tables as
dictionaries, the same answers for what the handlers ask (sources, ledger, rejections, officers, outbox, inbox, the
portal's dossiers and steps, the mappings); a unit of work that fails leaves nothing behind, as a PostgreSQL
transaction would."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from schemas.dvcqg import Step
from services.evidence.domain.dvcqg import Kept
from services.evidence.domain.officers import Home, HomeChange, is_transfer
from services.evidence.domain.principal import SourceScope
from services.evidence.store import Kind, LedgerRow, Mapping, RejectionRow, StoredDossier, accepted_message
from tests.unit.fakes.unit_of_work import AllOrNothing
from thidua.runtime.auth import token_hash
from thidua.runtime.outbox import Message

MAPPED_AT = datetime(2025, 1, 2, tzinfo=UTC)


@dataclass
class FakeEvidenceStore(AllOrNothing):
    """Evidence's tables in memory; `fail_on` names a write that raises (to see the unit of work undo)."""

    sources: dict[str, list[str]] = field(default_factory=dict)
    ledger: dict[tuple[str, str], tuple[int, LedgerRow, str]] = field(default_factory=dict)  # seq, row, channel
    rejections: list[tuple[RejectionRow, str]] = field(default_factory=list)  # row, channel
    officers: dict[str, Home] = field(default_factory=dict)
    transfers: dict[str, HomeChange] = field(default_factory=dict)  # by "source:event_id"
    outbox: list[Message] = field(default_factory=list)
    inbox: set[str] = field(default_factory=set)
    tokens: list[tuple[str, str]] = field(default_factory=list)  # (source, token hash)
    dossiers: dict[tuple[str, str], StoredDossier] = field(default_factory=dict)
    steps: dict[tuple[str, str], list[Step]] = field(default_factory=dict)
    mapped: dict[tuple[Kind, str, str], Mapping] = field(default_factory=dict)  # (kind, source, upstream name)
    locked_officers: list[str] = field(default_factory=list)
    locked_dossiers: list[tuple[str, str]] = field(default_factory=list)
    fail_on: str | None = None

    def _write(self, name: str) -> None:
        if self.fail_on == name:
            raise RuntimeError(f"the store failed on {name}")

    async def load_scopes(self) -> dict[str, SourceScope]:
        """Every source with its units."""
        return {name: SourceScope(name, frozenset(units)) for name, units in self.sources.items()}

    async def add_source(self, name: str, units: Sequence[str]) -> None:
        """Registered, or its units replaced."""
        self.sources[name] = list(units)

    async def store_source_token(self, source: str, token: str) -> None:
        """Only the hash, as the tokens table keeps it."""
        self._write("store_source_token")
        self.tokens.append((source, token_hash(token)))

    async def source_units(self, source: str) -> list[str] | None:
        """None for no such source."""
        return list(self.sources[source]) if source in self.sources else None

    async def existing_events(self, keys: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        """The keys in the ledger."""
        return {k for k in keys if k in self.ledger}

    async def append(
        self, rows: Sequence[LedgerRow], *, channel: str, accepted_at: datetime
    ) -> dict[tuple[str, str], int]:
        """A key in the ledger already is left alone; the others get the next seq and their outbox message."""
        self._write("append")
        added: dict[tuple[str, str], int] = {}
        for row in rows:
            key = (row.source, row.event_id)
            if key not in self.ledger:
                self.ledger[key] = (len(self.ledger) + 1, row, channel)
                added[key] = self.ledger[key][0]
                self.outbox.append(accepted_message(row, added[key], accepted_at))
        return added

    async def record_rejections(
        self, rows: Sequence[RejectionRow], *, channel: str, rejected_at: datetime
    ) -> list[int]:
        """A position refused before is not kept again."""
        self._write("record_rejections")
        seen: set[tuple[str, int, int] | None] = {r.position for r, _ in self.rejections if r.position is not None}
        new = []
        for i, row in enumerate(rows):
            if row.position is None or row.position not in seen:
                self.rejections.append((row, channel))
                seen.add(row.position)
                new.append(i)
        return new

    async def lock_officers(self, officers: Iterable[str]) -> None:
        """Counted, in the order PostgreSQL would take them."""
        self.locked_officers.extend(sorted(set(officers)))

    async def officer_homes(self, officers: Iterable[str]) -> dict[str, Home]:
        """The registered among officers."""
        return {o: self.officers[o] for o in set(officers) if o in self.officers}

    async def save_homes(self, changes: Sequence[tuple[str, HomeChange]], *, recorded_at: datetime) -> None:
        """The last change of an officer wins; every transfer kept once."""
        self._write("save_homes")
        for source, change in changes:
            self.officers[change.officer_id] = Home(change.unit_id, change.at)
            if is_transfer(change):
                self.transfers.setdefault(f"{source}:{change.event_id}", change)

    async def enqueue(self, messages: Sequence[Message]) -> None:
        """Appended in order."""
        self._write("enqueue")
        self.outbox.extend(messages)

    async def claim(self, keys: Sequence[str]) -> set[str]:
        """The keys not seen before, now seen."""
        fresh = set(keys) - self.inbox
        self.inbox |= fresh
        return fresh

    async def registered_units(self, codes: set[str]) -> set[str]:
        """The codes a unit.registered event in the ledger names."""
        return {row.unit_id for _, row, _ in self.ledger.values() if row.type == "unit.registered"} & codes

    async def lock_dossiers(self, source: str, codes: Sequence[str]) -> None:
        """Counted."""
        self.locked_dossiers.extend((source, c) for c in codes)

    async def kept_of(self, source: str, codes: Sequence[str]) -> dict[str, Kept]:
        """The kept state of the dossiers kept."""
        return {c: self.dossiers[(source, c)].kept for c in codes if (source, c) in self.dossiers}

    async def stored_dossiers(self, source: str, codes: Sequence[str]) -> list[StoredDossier]:
        """The dossiers kept."""
        return [self.dossiers[(source, c)] for c in codes if (source, c) in self.dossiers]

    async def steps_of(self, source: str, codes: Sequence[str]) -> dict[str, list[Step]]:
        """Oldest first."""
        kept = {c: self.steps.get((source, c), []) for c in codes}
        return {c: sorted(steps, key=lambda s: s.acted_at) for c, steps in kept.items() if steps}

    async def store_steps(self, source: str, steps: Sequence[Step], now: datetime) -> list[bool]:
        """A step is the same step when its dossier, time and actor are."""
        self._write("store_steps")
        fresh = []
        for step in steps:
            kept = self.steps.setdefault((source, step.dossier_code), [])
            same = any(s.acted_at == step.acted_at and (s.handler or "") == (step.handler or "") for s in kept)
            if not same:
                kept.append(step)
            fresh.append(not same)
        return fresh

    async def save_dossier(self, source: str, dossier: StoredDossier, now: datetime) -> None:
        """Kept, replacing what was."""
        self._write("save_dossier")
        self.dossiers[(source, dossier.code)] = dossier

    async def mappings(self, kind: Kind, source: str) -> list[Mapping]:
        """By upstream name."""
        return sorted(
            (m for (k, s, _), m in self.mapped.items() if k == kind and s == source), key=lambda m: m.upstream
        )

    async def put_mapping(self, kind: Kind, source: str, name: str, value: str) -> tuple[Mapping, str | None]:
        """A changed mapping keeps its first date."""
        self._write("put_mapping")
        old = self.mapped.get((kind, source, name))
        self.mapped[(kind, source, name)] = Mapping(name, value, old.created_at if old else MAPPED_AT)
        return self.mapped[(kind, source, name)], old.target if old else None

    async def remove_mapping(self, kind: Kind, source: str, name: str) -> Mapping | None:
        """The one removed, None if there was none."""
        return self.mapped.pop((kind, source, name), None)
