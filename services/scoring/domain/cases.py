"""Dossiers and complaints as cases merged from their events, whatever order the events arrive in.

A case keeps every event of each kind (slot) by its key; the effective one is the latest by
(occurred_at, key) that is not retracted. Merging is therefore idempotent and order-independent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

State = dict[str, Any]  # JSON-serialisable: {"slots": {slot: {key: record}}, "retracted": [keys]}

# Derived slot of a dossier: the verdict of each complaint about it, keyed by the complaint's case id.
COMPLAINTS_ABOUT = "complaints"


def empty() -> State:
    return {"slots": {}, "retracted": []}


def merge(state: State, slot: str, key: str, record: dict[str, Any]) -> State:
    """The state with one more event in slot (a repeat of the same key changes nothing)."""
    slots = {name: dict(records) for name, records in state["slots"].items()}
    slots.setdefault(slot, {})[key] = record
    return {"slots": slots, "retracted": list(state["retracted"])}


def retract(state: State, key: str) -> State:
    """The state with the event `key` no longer counting (history keeps it)."""
    if key in state["retracted"]:
        return state
    return {"slots": state["slots"], "retracted": sorted([*state["retracted"], key])}


def holds(state: State, key: str) -> bool:
    return any(key in records for records in state["slots"].values())


def effective(state: State, slot: str) -> tuple[str, dict[str, Any]] | None:
    """The (key, record) that counts for slot, or None."""
    records = state["slots"].get(slot)
    if not records:
        return None
    retracted = state["retracted"]
    if len(records) == 1:  # one record: it counts unless retracted (no instant to compare, none to parse)
        ((key, record),) = records.items()
        return None if key in retracted else (key, record)
    # By instant, not by text: sources write occurred_at with different offsets (Z, +07:00).
    live = [(_at(r["occurred_at"]), k, r) for k, r in records.items() if k not in retracted]
    if not live:
        return None
    _, key, record = max(live, key=lambda item: (item[0], item[1]))
    return key, record


def _at(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


# A supplement request (yêu cầu bổ sung): when it was asked and, once the citizen answered, when it was supplied.
Supplement = tuple[datetime, datetime | None]


def _supplements(*records: dict[str, Any]) -> tuple[Supplement, ...] | None:
    """The requests of the first record that carries `supplements` (the latest event first), parsed once."""
    for record in records:
        listed = record.get("supplements")
        if listed is not None:
            parsed = ((_at(s.get("requested_at")), _at(s.get("supplied_at"))) for s in listed)
            return tuple(sorted(((a, b) for a, b in parsed if a is not None), key=lambda item: item[0]))
    return None


@dataclass(frozen=True)
class Dossier:
    """The effective view of a dossier (hồ sơ thủ tục hành chính)."""

    unit_id: str
    code: str
    received_at: datetime | None
    due_at: datetime | None
    channel: str | None
    fee_required: bool | None
    finished_at: datetime | None
    status: str | None
    supplement_requests: int
    supplement_days: float
    paid_online: bool
    digitized: bool
    e_result: bool
    data_reused: bool
    officer_id: str | None
    unsatisfied: bool
    event_keys: tuple[str, ...]
    published_at: datetime | None = None
    complained: bool = False  # a substantiated complaint (PAKN) about this very dossier
    # The supplement requests' dates when the source gave them (then supplement_days is not used); sorted.
    supplements: tuple[Supplement, ...] | None = None

    @property
    def is_open(self) -> bool:
        return self.finished_at is None and self.due_at is not None


def dossier_view(unit_id: str, code: str, state: State) -> Dossier:
    """What counts of a dossier's events."""
    received = effective(state, "received")
    processed = effective(state, "processed")
    rated = effective(state, "rated")
    published = effective(state, "published")
    base = (processed or received or (None, {}))[1]
    p = processed[1] if processed else {}
    r = received[1] if received else {}
    supplements = _supplements(p, r)
    keys = tuple(k for k, _ in (x for x in (received, processed, rated, published) if x is not None))
    about = state["slots"].get(COMPLAINTS_ABOUT, {})
    return Dossier(
        unit_id=unit_id,
        code=code,
        received_at=_at(base.get("received_at")),
        due_at=_at(base.get("due_at")),
        channel=base.get("channel"),
        fee_required=base.get("fee_required"),
        finished_at=_at(p.get("finished_at")),
        status=p.get("status"),
        supplement_requests=len(supplements) if supplements is not None else int(p.get("supplement_requests", 0)),
        supplement_days=float(p.get("supplement_days", 0)),
        paid_online=bool(p.get("paid_online")),
        digitized=bool(p.get("digitized")),
        e_result=bool(p.get("e_result")),
        data_reused=bool(p.get("data_reused")),
        officer_id=p.get("officer_id"),
        unsatisfied=bool(rated and rated[1].get("satisfied") is False),
        event_keys=keys,
        published_at=_at(published[1].get("published_at")) if published else None,
        complained=any(v.get("substantiated") for v in about.values()),
        supplements=supplements,
    )


@dataclass(frozen=True)
class Complaint:
    """The effective view of a complaint or feedback (phản ánh, kiến nghị)."""

    unit_id: str
    complaint_id: str
    received_at: datetime | None
    category: str | None
    officer_id: str | None
    resolved_at: datetime | None
    outcome: str | None
    substantiated: bool
    unsatisfied: bool
    re_complained: bool
    event_keys: tuple[str, ...]
    supplement_requested_at: datetime | None = None
    published_at: datetime | None = None
    dossier_code: str | None = None


def complaint_view(unit_id: str, complaint_id: str, state: State) -> Complaint:
    """What counts of a complaint's events."""
    received = effective(state, "received")
    resolved = effective(state, "resolved")
    feedback = effective(state, "feedback")
    supplement = _first(state, "supplement", "requested_at")
    published = effective(state, "published")
    r = received[1] if received else {}
    s = resolved[1] if resolved else {}
    f = feedback[1] if feedback else {}
    keys = tuple(k for k, _ in (x for x in (received, resolved, feedback, published) if x is not None))
    return Complaint(
        unit_id,
        complaint_id,
        _at(r.get("received_at")),
        r.get("category"),
        r.get("officer_id"),
        _at(s.get("resolved_at")),
        s.get("outcome"),
        bool(s.get("substantiated")),
        f.get("satisfied") is False,
        bool(f.get("re_complained")),
        keys,
        supplement_requested_at=supplement,
        published_at=_at(published[1].get("published_at")) if published else None,
        dossier_code=r.get("dossier_code"),
    )


def _first(state: State, slot: str, field: str) -> datetime | None:
    """The earliest value of a time field among the live events of slot (the first request is the one clocked)."""
    moments = [_at(r.get(field)) for k, r in state["slots"].get(slot, {}).items() if k not in state["retracted"]]
    found = [m for m in moments if m is not None]
    return min(found) if found else None
