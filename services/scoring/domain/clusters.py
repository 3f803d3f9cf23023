"""Units belong to a cluster through time (issue 24): the cluster (cụm, khối thi đua) a unit is in for a period.

Every accepted `unit.registered` places the unit in its cluster from its date (`cluster_since`, else `occurred_at`);
the unit stays there until a later-dated registration places it elsewhere, so arrival order does not matter (equal
dates: the event key decides). The earliest registration reaches back to the beginning: a first registration says
where the unit belongs, not since when. A period's cluster is the one in force at its last instant, so clusters
rebuilt on 1/1/2026 leave 2025 (and every period of it) in the old cluster, and a move inside a quarter gives the
quarter to the new cluster: a closed period is never rewritten by a later move."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from schemas.dated import in_force


@dataclass(frozen=True, order=True)
class ClusterMembership:
    """One registration: the unit is in cluster_id from at; event (source:event_id) orders equal dates."""

    at: datetime
    event: str
    cluster_id: str
    cluster_name: str | None = field(default=None, compare=False)


def cluster_at(memberships: Iterable[ClusterMembership], end: datetime) -> ClusterMembership | None:
    """The membership in force just before end (a period's exclusive end); None without any."""
    return in_force(memberships, end)
