"""A NotifyStore in memory for the handler's unit tests: the tables as lists and dicts, a transaction that undoes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.notify.domain.batch import Condition, Decided, Key, Loaded, Needs, Unit
from services.notify.store import Saved
from tests.unit.fakes.unit_of_work import AllOrNothing


@dataclass
class Row:
    """A conditions row."""

    condition: Condition
    first_seen_at: datetime
    seen: int
    damped: int


@dataclass
class FakeNotifyStore(AllOrNothing):
    """Notify's tables in memory; `fail_on_save` makes the next save raise (to see the transaction undo)."""

    inbox: set[str] = field(default_factory=set)
    units: dict[str, Unit] = field(default_factory=dict)
    conditions: dict[Key, Row] = field(default_factory=dict)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    digest_items: list[dict[str, Any]] = field(default_factory=list)
    channels: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    deliveries: list[tuple[int, str, str]] = field(default_factory=list)
    fail_on_save: bool = False
    loads: int = 0
    saves: int = 0

    def unit(self, unit_id: str, name: str, parent_id: str | None = None) -> None:
        """Register a unit in the directory."""
        self.units[unit_id] = Unit(unit_id, name, parent_id)

    async def load(self, inbox_keys: Sequence[str], needs: Needs) -> tuple[set[str], Loaded]:
        self.loads += 1
        fresh = set(inbox_keys) - self.inbox
        self.inbox |= fresh
        wanted = set(needs.conditions)
        wanted |= {
            (u.parent_id, key) for child, key in needs.escalations if (u := self.units.get(child)) and u.parent_id
        }
        found = {k: r.condition for k, r in self.conditions.items() if k in wanted}
        for (unit_id, kind), since in needs.overdue.items():
            found |= {
                k: r.condition
                for k, r in self.conditions.items()
                if r.condition.unit_id == unit_id and r.condition.kind == kind and r.condition.last_seen_at > since
            }
        return fresh, Loaded({u: self.units[u] for u in needs.units if u in self.units}, found)

    async def save(self, decided: Decided) -> Saved:
        self.saves += 1
        if self.fail_on_save:
            raise RuntimeError("the database went away")
        for key, seen in decided.seen.items():
            row = self.conditions.get(key)
            if row is None:
                self.conditions[key] = Row(seen.condition, seen.first_seen_at, seen.sightings, seen.damped)
            else:
                last = max(row.condition.last_seen_at, seen.condition.last_seen_at)
                row.condition = Condition(
                    *key, row.condition.kind, last, seen.condition.occurrences, seen.condition.notified_at
                )
                row.seen += seen.sightings
                row.damped += seen.damped
        for candidate, occurrence in decided.digest:
            self.digest_items.append({"unit_id": candidate.unit_id, "occurrence": occurrence, "kind": candidate.kind})
        kinds, pushed = [], 0
        for candidate, occurrence in decided.notifications:
            exists = (candidate.unit_id, candidate.condition_key, occurrence)
            if any((n["unit_id"], n["condition_key"], n["occurrence"]) == exists for n in self.notifications):
                continue
            notification_id = len(self.notifications) + 1
            self.notifications.append(
                {
                    "id": notification_id,
                    "unit_id": candidate.unit_id,
                    "condition_key": candidate.condition_key,
                    "occurrence": occurrence,
                    "kind": candidate.kind,
                    "priority": candidate.priority,
                    "title": candidate.message.title,
                }
            )
            kinds.append(candidate.kind)
            for channel, target in self.channels.get(candidate.unit_id, []):
                self.deliveries.append((notification_id, channel, target))
                pushed += 1
        return Saved(kinds, pushed)

    async def record_units(self, rows: Sequence[tuple[str, str, str | None]]) -> None:
        for unit_id, name, parent_id in rows:
            self.unit(unit_id, name, parent_id)
