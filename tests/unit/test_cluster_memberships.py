"""Units belong to a cluster through time: the cluster a unit is ranked in for a period is the membership in force
at the period's end; rebuilt clusters never rewrite a closed period (pure rule, no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from schemas.evidence import parse_evidence
from schemas.vietnam import VN_TZ
from services.scoring.domain.clusters import ClusterMembership, cluster_at
from services.scoring.domain.evidence import UnitEntry, meaning
from services.scoring.domain.periods import parse_period

C1, C2 = "cum-1", "cum-2"
FIRST = datetime(2024, 3, 1, 9, tzinfo=UTC)  # the unit's first registration, in C1


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VN_TZ)


def moved(at: datetime) -> list[ClusterMembership]:
    """In C1 from FIRST, moved to C2 at."""
    return [ClusterMembership(FIRST, "dir:1", C1, "Cụm 1"), ClusterMembership(at, "dir:2", C2, "Cụm 2")]


def cluster_of(memberships: list[ClusterMembership], period: str) -> str | None:
    found = cluster_at(memberships, parse_period(period).end)
    return found.cluster_id if found else None


@pytest.mark.parametrize(
    ("at", "period", "cluster"),
    [
        (vn(2026, 1, 1), "2025", C1),  # rebuilt on 1/1/2026: the year 2025 stays in the old cluster
        (vn(2026, 1, 1), "2025-Q4", C1),
        (vn(2026, 1, 1), "2025-12", C1),
        (vn(2026, 1, 1), "2026-01", C2),
        (vn(2026, 1, 1), "2026", C2),
        (vn(2025, 12, 31, 23, 59), "2025", C2),  # the last minute of 2025, Vietnam time: in force at its end
        (vn(2025, 12, 31, 23, 59), "2025-12", C2),
        (vn(2025, 12, 31, 23, 59), "2025-11", C1),
        (vn(2025, 8, 15), "2025-Q3", C2),  # mid-quarter: the quarter goes to the cluster at its end
        (vn(2025, 8, 15), "2025-Q2", C1),
        (vn(2025, 8, 15), "2025-07", C1),
        (vn(2025, 8, 15), "2025-08", C2),
    ],
)
def test_a_period_is_ranked_in_the_cluster_in_force_at_its_end(at: datetime, period: str, cluster: str) -> None:
    assert cluster_of(moved(at), period) == cluster
    assert cluster_of(list(reversed(moved(at))), period) == cluster  # arrival order does not matter


def test_the_first_registration_reaches_back_and_none_without_any() -> None:
    late = [ClusterMembership(vn(2026, 2, 1), "dir:1", C2)]
    assert cluster_of(late, "2024") == C2  # a first registration says where, not since when
    assert cluster_at([], vn(2026, 1, 1)) is None


def test_equal_dates_are_ordered_by_event_key() -> None:
    at = vn(2026, 1, 1)
    both = [ClusterMembership(at, "dir:b", C2), ClusterMembership(at, "dir:a", C1)]
    assert cluster_of(both, "2026") == C2
    assert cluster_of(list(reversed(both)), "2026") == C2


def _registered(payload_extra: dict[str, object]) -> UnitEntry:
    event = parse_evidence(
        {
            "schema_version": 1,
            "event_id": "u-1",
            "type": "unit.registered",
            "occurred_at": "2026-02-10T09:00:00+07:00",
            "unit_id": "H40.12.05",
            "source": "dir",
            "payload": {"name": "UBND phường Nam Định", "level": "ward", "cluster_id": C2, **payload_extra},
        },
        now=vn(2026, 3, 1),
        source_required=True,
    )
    entry = meaning(event)
    assert isinstance(entry, UnitEntry)
    return entry


def test_cluster_since_dates_the_membership_else_occurred_at() -> None:
    dated = _registered({"cluster_since": "2026-01-01T00:00:00+07:00"})
    assert dated.since == vn(2026, 1, 1)
    assert dated.event == "dir:u-1"
    assert _registered({}).since == vn(2026, 2, 10, 9)
