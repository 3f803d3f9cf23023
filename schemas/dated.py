"""How the contract's dated statements take effect (officer.registered's transferred_at, unit.registered's
cluster_since): each holds from its date until a later-dated one, whatever order they arrive in; the earliest reaches
back to the beginning (a first registration says where, not since when)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol, TypeVar


class Dated(Protocol):
    """A statement with the instant it takes effect and its event key (source:event_id), which orders equal dates."""

    @property
    def at(self) -> datetime: ...

    @property
    def event(self) -> str: ...


D = TypeVar("D", bound=Dated)


def in_force(statements: Iterable[D], end: datetime) -> D | None:
    """The statement in force just before end (a period's exclusive end): the latest dated before it, else the
    earliest one; None without any."""
    ordered = sorted(statements, key=lambda s: (s.at, s.event))
    if not ordered:
        return None
    before = [s for s in ordered if s.at < end]
    return before[-1] if before else ordered[0]
