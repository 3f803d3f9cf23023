"""A batch of consumed events decided at once (no I/O): which conditions are seen, damped, notified or digested.

The handler loads what the batch needs (the unit directory, the conditions it touches, the recent overdue ones),
this module decides in event order exactly as one-by-one processing would, and the handler saves the result."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from schemas.outputs import Alert, NominationChanged, StandingChanged
from services.notify.domain import rules
from services.notify.domain.rules import Candidate

Event = Alert | StandingChanged | NominationChanged
Key = tuple[str, str]
"""A condition's (unit_id, condition_key)."""


@dataclass(frozen=True)
class Unit:
    """A unit of the directory: its name and parent (for escalations)."""

    unit_id: str
    name: str | None
    parent_id: str | None


@dataclass(frozen=True)
class Condition:
    """A condition as stored: when it was seen, how often notified (occurrences) and when last."""

    unit_id: str
    condition_key: str
    kind: str
    last_seen_at: datetime
    occurrences: int = 0
    notified_at: datetime | None = None


@dataclass(frozen=True)
class Knobs:
    """The settings a decision needs: links, damping and escalation."""

    base_url: str
    damping_seconds: float
    escalation_window_seconds: float
    escalation_threshold: int


@dataclass(frozen=True)
class Needs:
    """What to load for a batch: the directory's units, the conditions it touches, the overdue ones to count."""

    units: frozenset[str]
    conditions: frozenset[Key]
    escalations: frozenset[Key]
    """(child unit, escalation key): the parent's condition, found through the directory."""
    overdue: Mapping[Key, datetime]
    """(unit, kind) -> the earliest time from which its conditions may count towards an escalation."""


@dataclass(frozen=True)
class Loaded:
    """The state a batch is decided on."""

    units: Mapping[str, Unit]
    conditions: Mapping[Key, Condition]
    """The touched conditions, the parents' escalation ones and the recent overdue ones, by (unit, key)."""


@dataclass
class Seen:
    """What the batch did to one condition: sightings, damped repeats, and its state after the batch."""

    condition: Condition
    new: bool
    first_seen_at: datetime
    """The first sighting's time (stored only for a new condition)."""
    sightings: int = 0
    damped: int = 0
    notified: bool = False


@dataclass
class Decided:
    """The batch's writes: conditions seen, digest items and notifications (candidate, occurrence), in order."""

    seen: dict[Key, Seen] = field(default_factory=dict)
    digest: list[tuple[Candidate, int]] = field(default_factory=list)
    notifications: list[tuple[Candidate, int]] = field(default_factory=list)
    damped_kinds: list[str] = field(default_factory=list)
    digested_kinds: list[str] = field(default_factory=list)


def needs(events: Sequence[Event], knobs: Knobs) -> Needs:
    """What deciding events will read (a superset is harmless)."""
    units: set[str] = set()
    conditions: set[Key] = set()
    escalations: set[Key] = set()
    overdue: dict[Key, datetime] = {}
    for event in events:
        if isinstance(event, NominationChanged):
            candidate: Candidate | None = rules.from_nomination(event, base_url=knobs.base_url)
        else:
            units.add(event.unit_id)
            if isinstance(event, StandingChanged):
                candidate = rules.from_standing(event, unit_name=None, base_url=knobs.base_url)
            else:
                candidate = rules.from_alert(event, unit_name=None, base_url=knobs.base_url)
                if rules.escalates(event.kind):
                    escalations.add((event.unit_id, rules.escalation_key(event.kind, event.unit_id)))
                    since = event.occurred_at - timedelta(seconds=knobs.escalation_window_seconds)
                    key = (event.unit_id, event.kind)
                    overdue[key] = min(since, overdue.get(key, since))
        if candidate is not None:
            conditions.add((candidate.unit_id, candidate.condition_key))
    return Needs(frozenset(units), frozenset(conditions), frozenset(escalations), overdue)


class Batch:
    """Deciding a batch in event order over the loaded state; the result in `decided`."""

    def __init__(self, loaded: Loaded, knobs: Knobs) -> None:
        self.units = loaded.units
        self.conditions: dict[Key, Condition] = dict(loaded.conditions)
        self.knobs = knobs
        self.decided = Decided()

    def event(self, event: Event) -> None:
        """Decide one event: its own unit's notification, and an escalation to the parent when overdue ones pile up."""
        base = self.knobs.base_url
        if isinstance(event, NominationChanged):
            self.notify(rules.from_nomination(event, base_url=base), self.knobs.damping_seconds)
            return
        entry = self.units.get(event.unit_id)
        name = entry.name if entry else None
        if isinstance(event, StandingChanged):
            candidate = rules.from_standing(event, unit_name=name, base_url=base)
            if candidate is not None:
                self.notify(candidate, self.knobs.damping_seconds)
            return
        self.notify(rules.from_alert(event, unit_name=name, base_url=base), self.knobs.damping_seconds)
        if rules.escalates(event.kind):
            self.escalate(event, entry)

    def observe(self, c: Candidate) -> Condition:
        """Count one sighting of c's condition; the condition as it was before it (a new one: never notified)."""
        key = (c.unit_id, c.condition_key)
        fresh = Condition(*key, c.kind, c.at)
        before = self.conditions.get(key)
        after = fresh if before is None else replace(before, last_seen_at=max(before.last_seen_at, c.at))
        seen = self.decided.seen.setdefault(key, Seen(after, new=before is None, first_seen_at=c.at))
        seen.sightings += 1
        seen.condition = self.conditions[key] = after
        return before or fresh

    def notify(self, c: Candidate, damping_seconds: float) -> None:
        """One notification per condition: damped repeats are counted, low priority waits for the digest."""
        state = self.observe(c)
        seen = self.decided.seen[(c.unit_id, c.condition_key)]
        if rules.damped(state.notified_at, c.at, damping_seconds):
            seen.damped += 1
            self.decided.damped_kinds.append(c.kind)
            return
        occurrence = state.occurrences + 1
        seen.notified = True
        seen.condition = self.conditions[(c.unit_id, c.condition_key)] = replace(
            seen.condition, occurrences=occurrence, notified_at=c.at
        )
        if c.priority == "low":
            self.decided.digest.append((c, occurrence))
            self.decided.digested_kinds.append(c.kind)
        else:
            self.decided.notifications.append((c, occurrence))

    def escalate(self, alert: Alert, entry: Unit | None) -> None:
        """Tell the parent unit, once a window, when the unit has N conditions of the alert's kind within the window.

        Overdue dossiers and overdue complaints are counted apart, each with its own escalation (and damping)."""
        if entry is None or not entry.parent_id:
            return
        window = self.knobs.escalation_window_seconds
        since = alert.occurred_at - timedelta(seconds=window)
        count = _count(self.conditions.values(), alert.unit_id, alert.kind, since, alert.occurred_at)
        if count < self.knobs.escalation_threshold:
            return
        candidate = rules.escalation(
            parent_id=entry.parent_id,
            unit_id=alert.unit_id,
            unit_name=entry.name,
            count=count,
            at=alert.occurred_at,
            window_seconds=window,
            base_url=self.knobs.base_url,
            kind=alert.kind,
        )
        self.notify(candidate, window)


def _count(conditions: Iterable[Condition], unit_id: str, kind: str, since: datetime, until: datetime) -> int:
    """Distinct conditions of that kind of the unit last seen in (since, until]."""
    return sum(1 for c in conditions if c.unit_id == unit_id and c.kind == kind and since < c.last_seen_at <= until)


def decide(events: Sequence[Event], loaded: Loaded, knobs: Knobs) -> Decided:
    """Decide a batch's fresh events in order over the loaded state."""
    batch = Batch(loaded, knobs)
    for event in events:
        batch.event(event)
    return batch.decided
