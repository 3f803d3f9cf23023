"""The rescorer's pace: how many subjects a pass takes, and how long it pauses between passes."""

from __future__ import annotations

from dataclasses import dataclass, field

LIMITS = {"unit": 20000, "officer": 50000}
"""Most subjects of each kind one pass takes (units × periods are few; officers are ranked once per pass, so a
big pass is cheaper than many small ones)."""


@dataclass
class Cadence:
    """When the rescorer may next run a pass of each kind: after a pass it pauses `factor` times as long as the
    pass took (at least `floor` seconds), so the consumer keeps its share of the process and each pass coalesces
    more batches; under a light load passes and pauses are short (issue 29's freshness: 500 ms, 1 s).

    Behind a backlog (the consumer applies evidence accepted more than `behind` seconds ago, e.g. a replay or a
    restart) the pauses are longer (`backlog_floor`): every pass republishes the standings it moved, and
    intermediate standings of a backlog are stale the moment they are published, yet each costs the awards
    and notify services a message. Judged by the consumer's lag, not by how long subjects waited for the
    rescorer: its own pauses must not keep it in backlog mode. A backlog also ends when no batch came for `idle`
    seconds: after a burst the consumer is caught up with nothing more to apply, and the last standings must not
    wait out a long pause (10 s for officers) that only a next batch used to cut short."""

    floor: dict[str, float] = field(default_factory=lambda: {"unit": 0.0, "officer": 0.25})
    factor: dict[str, float] = field(default_factory=lambda: {"unit": 0.5, "officer": 1.0})
    behind: float = 5.0
    idle: float = 3.0
    backlog_floor: dict[str, float] = field(default_factory=lambda: {"unit": 2.0, "officer": 10.0})
    next_at: dict[str, float] = field(default_factory=dict)
    backlog: bool = False
    last_batch: float = 0.0

    def due(self, kind: str, clock: float) -> bool:
        self._settle(clock)
        return clock >= self.next_at.get(kind, 0.0)

    def delay(self, clock: float, kind: str | None = None) -> float:
        """Seconds until kind (or the first kind) is due again (0 when it is due now)."""
        self._settle(clock)
        kinds = LIMITS if kind is None else (kind,)
        return max(0.0, min(self.next_at.get(k, 0.0) for k in kinds) - clock)

    def consumed(self, age: float, clock: float) -> None:
        """The consumer applied, at `clock`, a batch whose oldest evidence was accepted `age` seconds ago."""
        self.last_batch = clock
        if self.backlog and age <= self.behind:
            self.next_at.clear()  # caught up: the long pauses a backlog set end now
        self.backlog = age > self.behind

    def _settle(self, clock: float) -> None:
        if self.backlog and clock - self.last_batch > self.idle:
            self.backlog = False  # the burst is over: nothing came for a while
            self.next_at.clear()

    def ran(self, kind: str, started: float, ended: float) -> None:
        """A pass of kind ran from started to ended."""
        floor = self.backlog_floor[kind] if self.backlog else self.floor[kind]
        self.next_at[kind] = ended + max(floor, self.factor[kind] * (ended - started))
