"""Use case: take one national-portal call (DongBoHoSoMC snapshots or CapNhatTienDoHoSoMC steps) from a source.

Snapshots are diffed against what was kept per (source, MaHoSo) (domain/dvcqg.py) and the events they mean go
through the same intake as POST /v1/events, in the same transaction as what is kept; steps are stored and, when
they change who acted last, re-attribute the dossier's events. Nothing personal is read: the parser dropped it."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from schemas import topics
from schemas.dvcqg import Call, Refused, Snapshot, Step, SyncDossiers
from schemas.errors import FieldError
from services.evidence.domain.dvcqg import dossier_officer, snapshot_events, unit_of
from services.evidence.domain.dvcqg_body import encoded, refused_body, snapshot_body, step_body
from services.evidence.domain.intake import Submission
from services.evidence.domain.principal import ALL_UNITS, SourceScope
from services.evidence.handlers.ingest import Channel, ingest, rejected_message
from services.evidence.store import EvidenceStore, Kind, RejectionRow, StoredDossier
from thidua.runtime.metrics import REJECTED
from thidua.runtime.outbox import Message

log = logging.getLogger(__name__)
Status = Literal["accepted", "duplicate", "unchanged", "rejected"]


@dataclass
class Answer:
    """The answer for one dossier or step of a call, in the call's order."""

    index: int
    dossier_code: str | None
    status: Status = "unchanged"
    events: list[dict[str, str | None]] = field(default_factory=list)
    """{event_id, type, status} of each event the item made, as the intake answered it."""
    errors: list[FieldError] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "MaHoSo": self.dossier_code,
            "status": self.status,
            "events": self.events,
            "errors": [e.model_dump() for e in self.errors],
        }


@dataclass(frozen=True)
class Origin:
    """Where a call came from: the channel and, on Kafka, the record's position (its inbox key)."""

    channel: Channel
    position: tuple[str, int, int] | None = None


async def take_call(
    store: EvidenceStore, call: Call, *, source: str, origin: Origin, now: datetime
) -> list[Answer] | None:
    """Apply one call in one transaction; the answers, or None for a Kafka record applied before."""
    async with store.transaction():
        if origin.position is not None and not await store.claim([_inbox_key(origin.position)]):
            return None
        scope = (await store.load_scopes()).get(source)
        answers = [Answer(i, item.dossier_code) for i, item in enumerate(call.data)]
        for answer, item in zip(answers, call.data, strict=True):
            if isinstance(item, Refused):
                answer.status, answer.errors = "rejected", list(item.errors)
        if scope is None:
            for answer in answers:
                answer.status = "rejected"
                answer.errors = [FieldError(field="source", message=f"unknown source '{source}'")]
        elif isinstance(call, SyncDossiers):
            await _dossiers(store, call, answers, scope, origin, now)
        else:
            await _steps(store, [s for s in call.data if isinstance(s, Step)], answers, scope, origin, now)
        refused = [(a, item) for a, item in zip(answers, call.data, strict=True) if a.status == "rejected"]
        await _record_refusals(store, refused, source=source, origin=origin, now=now)
    return answers


async def refuse_record(
    store: EvidenceStore, errors: Sequence[FieldError], *, source: str | None, origin: Origin, now: datetime
) -> None:
    """A Kafka record that is not a readable call: refused once, with its reasons and none of its bytes (they may
    be personal; the upstream system still has them)."""
    async with store.transaction():
        if origin.position is not None and not await store.claim([_inbox_key(origin.position)]):
            return
        await _refuse(store, [(list(errors), b"", None)], source=source, origin=origin, now=now)


async def door_names(store: EvidenceStore, kind: Kind, source: str) -> dict[str, str]:
    """The source's unit codes → unit ids, or upstream user names → officer ids, as the door reads them (what the
    operator mapped; a source's own unit ids need none)."""
    return {m.upstream: m.target for m in await store.mappings(kind, source)}


def _inbox_key(position: tuple[str, int, int]) -> str:
    return "{}:{}:{}".format(*position)


async def _dossiers(
    store: EvidenceStore,
    call: SyncDossiers,
    answers: list[Answer],
    scope: SourceScope,
    origin: Origin,
    now: datetime,
) -> None:
    """Snapshots → events: one intake batch for the whole call, what is kept saved per dossier if all went in."""
    source = scope.name
    snapshots = [(i, s) for i, s in enumerate(call.data) if isinstance(s, Snapshot)]
    codes = sorted({s.dossier_code for _, s in snapshots})
    await store.lock_dossiers(source, codes)
    kept = await store.kept_of(source, codes)
    steps = await store.steps_of(source, codes)
    unit_codes = await door_names(store, "unit", source)
    users = await door_names(store, "officer", source)
    # A province-wide source may name any registered unit by its id: one look-up per call, not per dossier.
    registered = await store.registered_units(
        {c for _, s in snapshots if (c := s.unit_code or call.unit_code)} if ALL_UNITS in scope.units else set()
    )
    planned: list[tuple[int, list[dict[str, Any]]]] = []
    final: dict[str, StoredDossier] = {}
    for i, snapshot in snapshots:
        answer = answers[i]
        unit = _unit(scope, snapshot.unit_code or call.unit_code, unit_codes, registered)
        if isinstance(unit, FieldError):
            answer.status, answer.errors = "rejected", [unit]
            continue
        officer, _ = dossier_officer(steps.get(snapshot.dossier_code, []), users)
        previous = (
            final[snapshot.dossier_code].kept if snapshot.dossier_code in final else kept.get(snapshot.dossier_code)
        )
        diff = snapshot_events(previous, snapshot, unit_id=unit, source=source, officer_of=officer)
        answer.errors = list(diff.problems)
        if diff.kept is not None:
            final[snapshot.dossier_code] = StoredDossier(snapshot.dossier_code, unit, officer, diff.kept, snapshot)
        planned.append((i, list(diff.events)))
    failed = await _ingest(store, planned, answers, source=source, origin=origin, now=now)
    for code, dossier in final.items():
        if code not in failed:
            await store.save_dossier(source, dossier, now)


async def _steps(
    store: EvidenceStore,
    steps: list[Step],
    answers: list[Answer],
    scope: SourceScope,
    origin: Origin,
    now: datetime,
) -> None:
    """Steps stored (a repeat is a duplicate); a dossier whose last mapped actor changed is re-attributed."""
    source = scope.name
    new = await store.store_steps(source, steps, now)
    readable = [a for a in answers if a.status != "rejected"]
    users = await door_names(store, "officer", source)
    last_of: dict[str, int] = {}
    for answer, step, fresh in zip(readable, steps, new, strict=True):
        answer.status = "accepted" if fresh else "duplicate"
        if step.handler is not None and step.handler not in users:
            answer.errors = [FieldError(field="NguoiXuLy", message=f"{step.handler!r} is not mapped to an officer")]
        last_of[step.dossier_code] = answer.index
    codes = sorted(last_of)
    await store.lock_dossiers(source, codes)
    stored = await store.stored_dossiers(source, codes)
    all_steps = await store.steps_of(source, codes)
    planned: list[tuple[int, list[dict[str, Any]]]] = []
    changed: list[StoredDossier] = []
    for row in stored:
        officer, _ = dossier_officer(all_steps.get(row.code, []), users)
        if officer is None or officer == row.officer_id:
            continue  # who acted last is unknown or unchanged: the events stand
        diff = snapshot_events(row.kept, row.snapshot, unit_id=row.unit_id, source=source, officer_of=officer)
        if diff.kept is not None:
            changed.append(StoredDossier(row.code, row.unit_id, officer, diff.kept, row.snapshot))
        planned.append((last_of[row.code], list(diff.events)))
    failed = await _ingest(store, planned, answers, source=source, origin=origin, now=now, keep_status=True)
    for dossier in changed:
        if dossier.code not in failed:
            await store.save_dossier(source, dossier, now)


async def _ingest(
    store: EvidenceStore,
    planned: list[tuple[int, list[dict[str, Any]]]],
    answers: list[Answer],
    *,
    source: str,
    origin: Origin,
    now: datetime,
    keep_status: bool = False,
) -> set[str]:
    """All planned events through the intake as one batch; each answer told its events. Returns the dossiers with
    an event refused (what is kept for them stays as it was, so a corrected resend makes them again)."""
    events = [(i, e) for i, batch in planned for e in batch]
    results = (
        await ingest(store, [Submission(e, token_source=source) for _, e in events], channel=origin.channel, now=now)
        if events
        else []
    )
    failed: set[str] = set()
    for (i, event), result in zip(events, results, strict=True):
        answer = answers[i]
        answer.events.append({"event_id": result.event_id, "type": event["type"], "status": result.status})
        if result.status == "rejected":
            failed.add(event["payload"].get("dossier_code") or answer.dossier_code or "")
            answer.errors += [FieldError(field=e.field, message=f"{event['type']}: {e.message}") for e in result.errors]
    for i, batch in planned:
        answer = answers[i]
        statuses = {e["status"] for e in answer.events}
        if "rejected" in statuses:
            answer.status = "rejected"
        elif keep_status:
            continue
        elif "accepted" in statuses:
            answer.status = "accepted"
        elif "duplicate" in statuses:
            answer.status = "duplicate"
        elif answer.errors and not batch:
            answer.status = "rejected"  # nothing could be told of the dossier: the caller must look
    return failed


def _unit(scope: SourceScope, code: str | None, unit_codes: dict[str, str], registered: set[str]) -> str | FieldError:
    """Our unit for the portal's unit code: the source's own unit ids as they are, others through the mapping."""
    own: frozenset[str] = frozenset()
    if code and code in scope.units:
        own = frozenset({code})
    elif code and ALL_UNITS in scope.units and code not in unit_codes and code in registered:
        own = frozenset({code})  # a province-wide source: any unit registered here is one of its own
    unit = unit_of(code, own, unit_codes)
    if isinstance(unit, str) and not scope.covers(unit):
        return FieldError(
            field="madonvi", message=f"unit code {code!r} maps to {unit}, which source '{scope.name}' does not cover"
        )
    return unit


async def _record_refusals(
    store: EvidenceStore,
    refused: list[tuple[Answer, Snapshot | Step | Refused]],
    *,
    source: str,
    origin: Origin,
    now: datetime,
) -> None:
    """The call's own refusals (not the intake's, which it records itself): with the item as read, nothing more."""
    items: list[tuple[list[FieldError], bytes, str | None]] = []
    for answer, item in refused:
        if answer.events:
            continue  # an event of it was refused: the intake recorded that
        if isinstance(item, Snapshot):
            body = snapshot_body(item)
        elif isinstance(item, Step):
            body = step_body(item)
        else:
            body = refused_body(item)
        items.append((answer.errors, encoded(body), answer.dossier_code))
    await _refuse(store, items, source=source, origin=origin, now=now)


async def _refuse(
    store: EvidenceStore,
    items: list[tuple[list[FieldError], bytes, str | None]],
    *,
    source: str | None,
    origin: Origin,
    now: datetime,
) -> None:
    """Store refusals and queue them on evidence.rejected.v1 (the record's position named, never claimed: one
    Kafka record may hold many refused dossiers)."""
    if not items:
        return
    rows = [
        RejectionRow(source, f"dvcqg:{code}"[:128] if code else None, None, [e.model_dump() for e in errors], body)
        for errors, body, code in items
    ]
    await store.record_rejections(rows, channel=origin.channel, rejected_at=now)
    # The message names the record's position (the row does not: its position is unique per refusal).
    messages: list[Message] = [
        (
            topics.EVIDENCE_REJECTED,
            None,
            rejected_message(replace(row, position=origin.position), origin.channel, now),
            {},
        )
        for row in rows
    ]
    await store.enqueue(messages)
    REJECTED.labels("evidence", origin.channel).inc(len(rows))
    first = rows[0].reasons[0] if rows[0].reasons else {}
    log.info(
        "portal call from %s: %d item(s) refused, first %s: %s",
        source,
        len(rows),
        first.get("field"),
        first.get("message"),
        extra={"source": source, "channel": origin.channel},
    )
