"""Who is told what: contract events in, notification candidates out (no I/O)."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from schemas.evidence import UnitRegisteredEvent
from schemas.outputs import Alert, NominationChanged, StandingChanged
from services.notify.domain import templates
from services.notify.domain.templates import Message

Priority = Literal["high", "normal", "low"]
ESCALATED_KINDS = ("dossier_overdue", "complaint_overdue")
"""Alert kinds whose repetition in one unit is escalated to its parent unit, each kind counted on its own:
overdue dossiers (Decision 766/QĐ-TTg, group 2 timeliness) and overdue complaints (PAKN answer clock, group 5)."""


@dataclass(frozen=True)
class Candidate:
    """A notification to be decided: the unit told, the condition it is about, and when it happened."""

    unit_id: str
    condition_key: str
    kind: str
    priority: Priority
    at: datetime
    message: Message


def damped(last_notified: datetime | None, at: datetime, damping_seconds: float) -> bool:
    """True when the same condition was notified less than damping_seconds ago (event time)."""
    return last_notified is not None and abs(at - last_notified) < timedelta(seconds=damping_seconds)


def from_alert(alert: Alert, *, unit_name: str | None, base_url: str) -> Candidate:
    """An alert is told to its own unit, at its own priority."""
    message = templates.alert(
        alert.kind,
        unit_id=alert.unit_id,
        unit_name=unit_name,
        title=alert.title,
        period=alert.period,
        subject_id=alert.subject_id,
        data=alert.data,
        base_url=base_url,
    )
    return Candidate(alert.unit_id, alert.condition_key, alert.kind, alert.priority, alert.occurred_at, message)


def moved_in_cluster(event: StandingChanged) -> bool:
    """A unit whose rank inside its own cluster changed: the only standing a unit is told about."""
    if event.subject_kind != "unit" or event.cluster_id is None:
        return False
    rank, previous = event.rank_in_cluster, event.previous_rank_in_cluster
    return rank is not None and previous is not None and rank != previous


def from_standing(event: StandingChanged, *, unit_name: str | None, base_url: str) -> Candidate | None:
    """A unit's move inside its own cluster: a drop now, a rise in the daily digest; anything else is silent."""
    if not moved_in_cluster(event):
        return None
    rank, previous = event.rank_in_cluster, event.previous_rank_in_cluster
    assert rank is not None and previous is not None and event.cluster_id is not None
    message = templates.rank_changed(
        unit_id=event.unit_id,
        unit_name=unit_name or event.name,
        cluster_id=event.cluster_id,
        period=event.period,
        rank=rank,
        previous=previous,
        score=event.score,
        band=event.band,
        base_url=base_url,
    )
    key = f"rank:{event.unit_id}:{event.period}:{rank}"
    return Candidate(
        event.unit_id, key, "rank_changed", "normal" if rank > previous else "low", event.occurred_at, message
    )


def from_nomination(event: NominationChanged, *, base_url: str) -> Candidate:
    """A nomination is told to the unit it belongs to; decisions and revocations are urgent."""
    message = templates.nomination(
        nomination_id=event.nomination_id,
        change=event.change,
        status=event.status,
        title=event.title,
        year=event.year,
        subject_kind=event.subject_kind,
        subject_id=event.subject_id,
        cash_multiple=event.cash_multiple,
        reason=event.reason,
        base_url=base_url,
        cash_vnd=event.cash_vnd,
        cash_estimate=event.cash_estimate,
        recover_vnd=event.recover_vnd,
    )
    key = f"nomination:{event.nomination_id}:{event.status}"
    priority: Priority = "normal" if event.change == "created" else "high"
    return Candidate(event.unit_id, key, f"nomination_{event.change}", priority, event.occurred_at, message)


def escalates(kind: str) -> bool:
    """True for the alert kinds a parent unit hears about when they pile up in a child unit."""
    return kind in ESCALATED_KINDS


def escalation(
    *,
    parent_id: str,
    unit_id: str,
    unit_name: str | None,
    count: int,
    at: datetime,
    window_seconds: float,
    base_url: str,
    kind: str = "dossier_overdue",
) -> Candidate:
    """The parent unit hears about a child unit's repeated overdue dossiers (or complaints: kind)."""
    message = templates.escalation(
        unit_id=unit_id,
        unit_name=unit_name,
        count=count,
        window_hours=window_seconds / 3600,
        base_url=base_url,
        kind=kind,
    )
    return Candidate(parent_id, escalation_key(kind, unit_id), "escalation", "high", at, message)


def escalation_key(kind: str, unit_id: str) -> str:
    """The parent's condition about a child unit's pile-up of one kind (one condition per child and kind)."""
    return f"escalation:{kind}:{unit_id}"


def directory_entry(event: UnitRegisteredEvent) -> tuple[str, str, str | None]:
    """(unit_id, name, parent_id) of a unit.registered event, for the unit directory."""
    return event.unit_id, event.payload.name, event.payload.parent_id
