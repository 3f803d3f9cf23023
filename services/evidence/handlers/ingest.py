"""Use case: ingest a batch (one HTTP request or one fetched Kafka batch) into the ledger in one transaction."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from schemas import topics
from schemas.errors import FieldError
from schemas.evidence import OfficerRegisteredEvent
from schemas.outputs import RejectedEvidence
from services.evidence.domain.intake import BatchDuplicate, Candidate, Refusal, Submission, Verdict, decide_batch
from services.evidence.domain.officers import HomeChange, apply_change, check_officers, named_officers
from services.evidence.domain.principal import SourceScope
from services.evidence.store import EvidenceStore, LedgerRow, RejectionRow
from thidua.runtime.metrics import REJECTED
from thidua.runtime.outbox import Message

log = logging.getLogger(__name__)
Channel = Literal["http", "kafka"]


@dataclass(frozen=True)
class ItemResult:
    """The answer for one submitted item, in the order submitted."""

    event_id: str | None
    status: Literal["accepted", "duplicate", "rejected"]
    errors: tuple[FieldError, ...] = ()

    def as_json(self) -> dict[str, object]:
        body: dict[str, object] = {"event_id": self.event_id, "status": self.status}
        if self.errors:
            body["errors"] = [e.model_dump() for e in self.errors]
        return body


def _original(item: Submission) -> bytes:
    data = item.data
    return data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode()


async def ingest(
    store: EvidenceStore,
    items: Sequence[Submission],
    *,
    channel: Channel,
    now: datetime,
    positions: Sequence[tuple[str, int, int]] | None = None,
) -> list[ItemResult]:
    """Validate, de-duplicate and append a batch to the ledger and outbox, in one transaction.

    Accepted events and refusals are queued in the outbox with the ledger rows, so a crash after
    the commit loses nothing: the relay publishes them later.
    """
    async with store.transaction():
        scopes = await store.load_scopes()
        verdicts = decide_batch(items, now=now, scopes=scopes)
        verdicts = await _check_retraction_targets(store, verdicts)
        verdicts, changes = await _check_officers(store, verdicts, scopes)
        candidates = [v for v in verdicts if isinstance(v, Candidate)]
        rows = [
            LedgerRow(
                c.source,
                c.event.event_id,
                c.event.type,
                c.event.unit_id,
                c.event.officer_id,
                c.event.occurred_at,
                c.event.model_dump_json(exclude_none=True),
            )
            for c in candidates
        ]
        seqs = await store.append(rows, channel=channel, accepted_at=now)
        # Only what entered the ledger moves an officer (a concurrent copy of the same event moved it already).
        await store.save_homes([(s, c) for s, c in changes if (s, c.event_id) in seqs], recorded_at=now)
        refusals = [(i, v) for i, v in enumerate(verdicts) if isinstance(v, Refusal)]
        rejection_rows = [
            RejectionRow(
                v.source,
                v.event_id,
                v.unit_id,
                [e.model_dump() for e in v.reasons],
                _original(items[i]),
                positions[i] if positions else None,
            )
            for i, v in refusals
        ]
        new_refusals = await store.record_rejections(rejection_rows, channel=channel, rejected_at=now)
        outbox: list[Message] = []  # the accepted ones were queued by the append
        for index in new_refusals:
            row = rejection_rows[index]
            outbox.append((topics.EVIDENCE_REJECTED, row.unit_id, rejected_message(row, channel, now), {}))
        await store.enqueue(outbox)
    if new_refusals:
        REJECTED.labels("evidence", channel).inc(len(new_refusals))
        for index in new_refusals:
            _log_refusal(rejection_rows[index], channel)
    return [_result(v, seqs) for v in verdicts]


def _log_refusal(row: RejectionRow, channel: Channel) -> None:
    position = dict(zip(("topic", "partition", "offset"), row.position, strict=True)) if row.position else {}
    first = row.reasons[0] if row.reasons else {}
    log.info(
        "evidence refused %s from %s: %s",
        row.event_id,
        row.source,
        f"{first.get('field')}: {first.get('message')}" if first else "",
        extra={"event_id": row.event_id, "source": row.source, "unit_id": row.unit_id, "channel": channel, **position},
    )


def _result(verdict: Candidate | Refusal | BatchDuplicate, seqs: dict[tuple[str, str], int]) -> ItemResult:
    if isinstance(verdict, Refusal):
        return ItemResult(verdict.event_id, "rejected", tuple(verdict.reasons))
    if isinstance(verdict, BatchDuplicate):
        return ItemResult(verdict.event_id, "duplicate")
    accepted = (verdict.source, verdict.event.event_id) in seqs
    return ItemResult(verdict.event.event_id, "accepted" if accepted else "duplicate")


async def _check_retraction_targets(
    store: EvidenceStore, verdicts: list[Candidate | Refusal | BatchDuplicate]
) -> list[Candidate | Refusal | BatchDuplicate]:
    """A retraction must name an event of the same source, already in the ledger or earlier in the batch."""
    wanted = {
        (v.source, v.event.payload.target_event_id)
        for v in verdicts
        if isinstance(v, Candidate) and v.event.type == "evidence.retracted"
    }
    if not wanted:
        return verdicts
    known = await store.existing_events(wanted)
    checked: list[Candidate | Refusal | BatchDuplicate] = []
    for v in verdicts:
        if isinstance(v, Candidate) and v.event.type == "evidence.retracted":
            target = v.event.payload.target_event_id
            if (v.source, target) not in known or target == v.event.event_id:
                v = Refusal(
                    [
                        FieldError(
                            field="payload.target_event_id",
                            message=f"no earlier event '{target}' from source '{v.source}'",
                        )
                    ],
                    v.source,
                    v.event.event_id,
                    v.event.unit_id,
                )
        if isinstance(v, Candidate):
            known.add((v.source, v.event.event_id))
        checked.append(v)
    return checked


async def _check_officers(
    store: EvidenceStore, verdicts: list[Verdict], scopes: dict[str, SourceScope]
) -> tuple[list[Verdict], list[tuple[str, HomeChange]]]:
    """Refuse events naming an officer of a unit the source does not cover; collect the registrations' changes.

    Items are judged in order on the homes as the earlier items of the batch leave them. An event already in the
    ledger is a duplicate (answered so by the append) and was judged when it first came."""
    naming = [v for v in verdicts if isinstance(v, Candidate) and named_officers(v.event)]
    if not naming:
        return verdicts, []
    known = await store.existing_events({(v.source, v.event.event_id) for v in naming})
    await store.lock_officers([v.event.officer_id for v in naming if isinstance(v.event, OfficerRegisteredEvent)])
    homes = await store.officer_homes({officer for v in naming for _, officer in named_officers(v.event)})
    changes: list[tuple[str, HomeChange]] = []
    checked: list[Verdict] = []
    for v in verdicts:
        if isinstance(v, Candidate) and (v.source, v.event.event_id) not in known:
            outcome = check_officers(scopes[v.source], homes, v.event)
            if isinstance(outcome, HomeChange):
                apply_change(homes, outcome)
                changes.append((v.source, outcome))
            elif outcome is not None:
                v = Refusal([outcome], v.source, v.event.event_id, v.event.unit_id)
        checked.append(v)
    return checked, changes


def rejected_message(row: RejectionRow, channel: Channel, now: datetime) -> bytes:
    topic, partition, offset = row.position if row.position else (None, None, None)
    return (
        RejectedEvidence(
            rejected_at=now,
            channel=channel,
            source=row.source,
            unit_id=row.unit_id,
            event_id=row.event_id,
            reasons=[FieldError(**r) for r in row.reasons],
            original_base64=base64.b64encode(row.original).decode(),
            original_topic=topic,
            original_partition=partition,
            original_offset=offset,
        )
        .model_dump_json(exclude_none=True)
        .encode()
    )
