"""The national portal's snapshots become our contract's events (pure: no I/O, no clock).

A snapshot states a whole dossier; our contract counts facts. For each (source, MaHoSo) the adapter keeps what it
last emitted (`Kept`: the snapshot's latest moment and, per fact, the live event); a new snapshot is compared to it:
the same facts again change nothing, an older snapshot changes nothing, a supplement requested or answered re-sends
`procedure.received` with a later occurred_at (the contract's way), and any other change of a fact already emitted
is a correction: an `evidence.retracted` of the old event plus the corrected one. Event ids are derived from the
dossier, the fact and a hash of the facts (and of the event they replace), so a repeat is a duplicate to evidence.
Mappings follow the national portal's sync format (DongBoHoSoMC); the guesses are named in docs/contract.md,
"Upstream: the national portal's format"."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from schemas.dvcqg import Snapshot, Step
from schemas.errors import FieldError

RECEIVED, PROCESSED = "procedure.received", "procedure.processed"
CHANNELS = {1: "counter", 2: "online", 3: "postal"}
"""KenhThucHien."""
FINISHED = {3: "rejected", 7: "withdrawn", 8: "stopped", 9: "resolved", 10: "resolved"}
"""TrangThaiHoSo → the contract's status: 3 not received (refused), 7 withdrawn by the citizen, 8 stopped, 9 done,
10 result returned. Open: 1 new, 2 received, 4 processing, 5 supplement asked, 6 financial obligation."""
NOT_RECEIVED = {1, 3}
"""Statuses under which no receipt is stated (new registration; refused at the door)."""
MAX_SUPPLEMENTS = 50
"""The contract's bound on a payload's supplements."""
_SAFE = re.compile(r"[A-Za-z0-9._-]{1,64}")


@dataclass(frozen=True)
class Emitted:
    """The live event of one fact (received, processed) of a dossier: its id, when it occurred, what it said."""

    event_id: str
    occurred_at: datetime
    envelope: dict[str, Any]


@dataclass(frozen=True)
class Kept:
    """What the adapter keeps per (source, MaHoSo) (JSON-storable, nothing personal)."""

    latest: datetime | None
    facts: Mapping[str, Emitted] = field(default_factory=dict)


@dataclass(frozen=True)
class Diff:
    """The events to publish (in order), what to keep instead of the previous (None: keep it), and what could not
    be told (field and reason, for the caller's answer)."""

    events: tuple[dict[str, Any], ...]
    kept: Kept | None
    problems: tuple[FieldError, ...] = ()


def snapshot_events(
    previous: Kept | None, current: Snapshot, *, unit_id: str, source: str, officer_of: str | None
) -> Diff:
    """The events a new snapshot means against what was kept for its dossier (see the module's docstring).

    officer_of: our officer id for the dossier (the mapped NguoiXuLy of its steps, `dossier_officer`), or None."""
    latest = current.latest()
    if previous is not None and previous.latest is not None and (latest is None or latest < previous.latest):
        return Diff(events=(), kept=None)  # older than what was kept: the portal sent a stale copy
    wanted, problems = _facts(current, unit_id=unit_id, source=source, officer_id=officer_of)
    events: list[dict[str, Any]] = []
    live: dict[str, Emitted] = {}
    before = previous.facts if previous is not None else {}
    for slot in (RECEIVED, PROCESSED):
        old, new = before.get(slot), wanted.get(slot)
        if old is not None and new is not None and _same(old.envelope, new):
            live[slot] = old
            continue
        if old is not None and new is None and problems:
            live[slot] = old  # the snapshot cannot tell this fact now (reported): it does not unsay it
            continue
        if old is not None and (new is None or not _develops(old, new)):
            events.append(_retraction(old, current.dossier_code, source, latest or old.occurred_at))
        if new is not None:
            emitted = _emit(new, current.dossier_code, slot, replaces=old.event_id if old else "")
            events.append(emitted.envelope)
            live[slot] = emitted
    return Diff(events=tuple(events), kept=Kept(latest=latest, facts=live), problems=tuple(problems))


def _facts(
    s: Snapshot, *, unit_id: str, source: str, officer_id: str | None
) -> tuple[dict[str, dict[str, Any]], list[FieldError]]:
    """The envelopes (without event_id) the snapshot states, per fact, and why a fact could not be told."""
    problems: list[FieldError] = []
    channel = CHANNELS.get(s.channel) if s.channel is not None else None
    if channel is None:
        problems.append(FieldError(field="KenhThucHien", message="must be 1 (counter), 2 (online) or 3 (postal)"))
    supplements = _supplements(s, problems)
    due = _original_due(s)
    base = {"dossier_code": s.dossier_code, "procedure_code": s.procedure_code, "channel": channel}
    facts: dict[str, dict[str, Any]] = {}
    received = s.received_at or (s.submitted_at if s.status == 3 else None)
    if channel is None:
        return facts, problems
    if received is None or due is None:
        if s.status != 1:  # a new registration is not received yet: nothing is missing
            missing = "NgayTiepNhan" if received is None else "NgayHenTra"
            problems.append(FieldError(field=missing, message='required to count the dossier (absent or "")'))
        return facts, problems
    stamps = {"received_at": received.isoformat(), "due_at": due.isoformat(), "fee_required": _fee_required(s)}
    dated = [{k: v.isoformat() for k, v in pair.items() if v is not None} for pair in supplements]
    if s.status not in NOT_RECEIVED:
        moments = [received, *(m for pair in supplements for m in pair.values() if m is not None)]
        payload = {**base, **stamps, **({"supplements": dated} if dated else {})}
        facts[RECEIVED] = _envelope(RECEIVED, max(moments), payload, unit_id, source, officer_id)
    status = FINISHED.get(s.status)
    if status is not None:
        finished = _finished_at(s)
        if finished is None:
            problems.append(FieldError(field="NgayKetThucXuLy", message=f"required when TrangThaiHoSo is {s.status}"))
        else:
            payload = {
                **base,
                **stamps,
                "finished_at": finished.isoformat(),
                "status": status,
                "supplement_requests": len(dated),
                "supplement_days": 0.0,  # the dates below count instead
                "paid_online": s.paid_online == 1,
                "digitized": s.has_digitized_parts or any(d.digitized for d in s.documents),
                "e_result": any(r.has_file for r in s.results),
                "data_reused": any(d.reused == 1 or d.from_national_store for d in s.documents),
                "supplements": dated,
            }
            facts[PROCESSED] = _envelope(PROCESSED, finished, payload, unit_id, source, officer_id)
    return facts, problems


def _supplements(s: Snapshot, problems: list[FieldError]) -> list[dict[str, datetime | None]]:
    """DanhSachHoSoBoSung as the contract's requests: NgayBoSung → requested_at, NgayTiepNhanBoSung → supplied_at."""
    out: list[dict[str, datetime | None]] = []
    for i, item in enumerate(s.supplements):
        if item.requested_at is None:
            problems.append(FieldError(field=f"DanhSachHoSoBoSung.{i}.NgayBoSung", message="absent: request ignored"))
            continue
        supplied = item.supplied_at
        if supplied is not None and supplied < item.requested_at:
            problems.append(
                FieldError(field=f"DanhSachHoSoBoSung.{i}.NgayTiepNhanBoSung", message="before NgayBoSung: ignored")
            )
            supplied = None
        out.append({"requested_at": item.requested_at, "supplied_at": supplied})
    out.sort(key=lambda pair: pair["requested_at"] or datetime.min)
    if len(out) > MAX_SUPPLEMENTS:
        problems.append(FieldError(field="DanhSachHoSoBoSung", message=f"only the first {MAX_SUPPLEMENTS} count"))
    return out[:MAX_SUPPLEMENTS]


def _original_due(s: Snapshot) -> datetime | None:
    """The due date before any supplement moved it (guess: NgayHenTra is the moved one once a supplement is in):
    our rules push the due by the wait themselves, so the moved date would count the wait twice."""
    firsts = sorted((x for x in s.supplements if x.requested_at is not None), key=lambda x: x.requested_at or 0)
    if firsts and firsts[0].due_before is not None:
        return firsts[0].due_before
    return s.due_at


def _finished_at(s: Snapshot) -> datetime | None:
    """When processing ended: NgayKetThucXuLy; for a refusal NgayTuChoi first; for a returned result NgayTra last."""
    if s.status == 3:
        return s.refused_at or s.finished_at
    return s.finished_at or (s.returned_at if s.status == 10 else None)


def _fee_required(s: Snapshot) -> bool:
    """Guess: a listed fee whose price is not 0 (an unreadable price counts as a fee)."""
    return any(fee.price is None or fee.price > 0 for fee in s.fees)


def _envelope(
    kind: str, at: datetime, payload: dict[str, Any], unit_id: str, source: str, officer_id: str | None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": kind,
        "schema_version": 1,
        "occurred_at": at.isoformat(),
        "unit_id": unit_id,
        "source": source,
        "payload": payload,
    }
    if officer_id is not None:
        body["officer_id"] = officer_id
    return body


def _same(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """The same fact (the event id apart)."""
    return {k: v for k, v in old.items() if k != "event_id"} == new


def _develops(old: Emitted, new: dict[str, Any]) -> bool:
    """A receipt whose only change is a supplement requested or answered, later than before: re-sent, not retracted
    (the latest procedure.received by occurred_at counts)."""
    if old.envelope["type"] != RECEIVED or datetime.fromisoformat(new["occurred_at"]) <= old.occurred_at:
        return False
    keep = ("type", "unit_id", "source", "officer_id")
    if any(old.envelope.get(k) != new.get(k) for k in keep):
        return False
    was, now = dict(old.envelope["payload"]), dict(new["payload"])
    before, after = was.pop("supplements", []), now.pop("supplements", [])
    if was != now or len(after) < len(before):
        return False
    return all(
        a["requested_at"] == b["requested_at"] and b.get("supplied_at") in (None, a.get("supplied_at"))
        for a, b in zip(after, before, strict=False)
    )


def _digest(*parts: object) -> str:
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _dossier_key(code: str) -> str:
    """MaHoSo as it may appear in an event id, else a hash of it."""
    return code if _SAFE.fullmatch(code) else "h" + _digest(code)[:16]


def _emit(body: dict[str, Any], code: str, slot: str, *, replaces: str) -> Emitted:
    """The event with its id: dossier, fact, a hash of what it says and of the event it replaces."""
    what = slot.split(".")[1]
    event_id = f"dvcqg:{_dossier_key(code)}:{what}:{_digest(body, replaces)}"
    envelope = {"event_id": event_id, **body}
    return Emitted(event_id=event_id, occurred_at=datetime.fromisoformat(body["occurred_at"]), envelope=envelope)


def _retraction(old: Emitted, code: str, source: str, at: datetime) -> dict[str, Any]:
    """evidence.retracted of a fact the portal now states otherwise (its id from the target's: one per target)."""
    return {
        "event_id": f"dvcqg:{_dossier_key(code)}:retract:{_digest(old.event_id)}",
        "type": "evidence.retracted",
        "schema_version": 1,
        "occurred_at": max(at, old.occurred_at).isoformat(),
        "unit_id": old.envelope["unit_id"],
        "source": source,
        "payload": {
            "target_event_id": old.event_id,
            "reason": f"Cổng DVCQG gửi lại hồ sơ {code[:200]} với dữ liệu đã sửa: thay bằng bản mới",
        },
    }


def dump_kept(kept: Kept) -> dict[str, Any]:
    """Kept as JSON (for the adapter's table)."""
    return {
        "latest": kept.latest.isoformat() if kept.latest else None,
        "facts": {slot: e.envelope for slot, e in kept.facts.items()},
    }


def load_kept(data: Mapping[str, Any]) -> Kept:
    """Kept from dump_kept's JSON."""
    facts = {
        slot: Emitted(envelope["event_id"], datetime.fromisoformat(envelope["occurred_at"]), dict(envelope))
        for slot, envelope in data["facts"].items()
    }
    return Kept(latest=datetime.fromisoformat(data["latest"]) if data["latest"] else None, facts=facts)


def step_officer(step: Step, mapping: Mapping[str, str]) -> str | FieldError | None:
    """Our officer id for the upstream user who acted (NguoiXuLy), through the operator's mapping; unknown → a
    report naming the value, never a guess; a step without NguoiXuLy → None."""
    if step.handler is None:
        return None
    officer = mapping.get(step.handler)
    if officer is None:
        return FieldError(field="NguoiXuLy", message=f"{_shown(step.handler)} is not mapped to an officer")
    return officer


def dossier_officer(steps: Sequence[Step], mapping: Mapping[str, str]) -> tuple[str | None, list[FieldError]]:
    """The officer of the dossier's latest step that maps (our choice: who acted last), and the unmapped users."""
    officer, problems = None, []
    for step in sorted(steps, key=lambda s: s.acted_at):
        found = step_officer(step, mapping)
        if isinstance(found, FieldError):
            problems.append(found)
        elif found is not None:
            officer = found
    return officer, problems


def unit_of(code: str | None, source_units: frozenset[str], mapping: Mapping[str, str]) -> str | FieldError:
    """Our unit for the portal's unit code (madonvi, MaDonVi): one of the source's unit ids as it is, any other by
    the operator's mapping; unknown → refused with its value, never guessed. source_units are concrete ids (a
    province-wide source passes the units registered)."""
    if code is None or code == "":
        return FieldError(field="madonvi", message="required: the unit code (madonvi or the dossier's MaDonVi)")
    if code in source_units:
        return code
    unit = mapping.get(code)
    if unit is None:
        return FieldError(
            field="madonvi", message=f"unit code {_shown(code)} is neither one of the source's units nor mapped"
        )
    return unit


def _shown(value: str) -> str:
    """A value quoted for a message, cut to 80 characters."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
