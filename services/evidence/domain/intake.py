"""Deciding each submitted item: valid and in scope, duplicate within the batch, or refused with reasons."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from schemas.errors import EvidenceInvalid, FieldError
from schemas.evidence import EvidenceEvent, UnitReorganizedEvent, parse_evidence_batch
from services.evidence.domain.principal import SourceScope
from thidua.runtime.decoding import BadInput, load_json


@dataclass(frozen=True)
class Submission:
    """One item as it arrived: its bytes or decoded JSON, and where it came from."""

    data: bytes | Mapping[str, Any]
    # The authenticated source: the caller's token (HTTP) or the Kafka topic only that source may write to
    # (evidence.inbound.v1.<source>); None on the shared inbound topic, where the envelope names it.
    token_source: str | None = None


@dataclass(frozen=True)
class Candidate:
    """A valid, in-scope event, still to be checked against the ledger."""

    event: EvidenceEvent
    source: str


@dataclass(frozen=True)
class Refusal:
    """An item refused with the reasons, field by field."""

    reasons: list[FieldError]
    source: str | None = None
    event_id: str | None = None
    unit_id: str | None = None


@dataclass(frozen=True)
class BatchDuplicate:
    """The same (source, event_id) appeared earlier in the same batch."""

    event_id: str
    source: str


Verdict = Candidate | Refusal | BatchDuplicate


@dataclass
class _Seen:
    keys: set[tuple[str, str]] = field(default_factory=set)


def _hint(doc: object, key: str) -> str | None:
    """Best-effort identity of a refused item, so the caller can match the answer to it."""
    value = doc.get(key) if isinstance(doc, Mapping) else None
    return value[:128] if isinstance(value, str) else None


def decide_batch(items: Sequence[Submission], *, now: datetime, scopes: Mapping[str, SourceScope]) -> list[Verdict]:
    """Verdicts in the order of the items; a repeat inside the batch counts once."""
    verdicts: list[Verdict | None] = [None] * len(items)
    docs: list[dict[str, Any]] = []
    where: list[int] = []
    for i, item in enumerate(items):
        try:
            # One parse, bounded (depth, sizes, numbers, UTF-8) before any model looks at it; Kafka bytes then take
            # the same path as HTTP items, which the API decoded with the same function.
            doc = load_json(item.data) if isinstance(item.data, bytes) else item.data
        except BadInput as bad:
            verdicts[i] = Refusal([FieldError(field=bad.field, message=bad.message)], item.token_source, None, None)
            continue
        if not isinstance(doc, Mapping):
            verdicts[i] = Refusal([_NOT_AN_OBJECT], item.token_source, None, None)
            continue
        docs.append(doc if type(doc) is dict else dict(doc))
        where.append(i)
    # The items' envelopes validated together (one validator call for the batch), each with its own errors.
    parsed = parse_evidence_batch(docs, now=now, source_required=[items[i].token_source is None for i in where])
    seen = _Seen()
    for i, doc, event in zip(where, docs, parsed, strict=True):
        item = items[i]
        if isinstance(event, EvidenceInvalid):
            hints = {k: _hint(doc, k) for k in ("source", "event_id", "unit_id")}
            source = hints["source"] or item.token_source
            verdicts[i] = Refusal(list(event.details), source, hints["event_id"], hints["unit_id"])
        else:
            verdicts[i] = _settle(item, event, scopes=scopes, seen=seen)
    return [v for v in verdicts if v is not None]


_NOT_AN_OBJECT = FieldError(field="body", message="must be a JSON object (an evidence envelope)")


def _settle(item: Submission, event: EvidenceEvent, *, scopes: Mapping[str, SourceScope], seen: _Seen) -> Verdict:
    """A valid envelope's source settled, checked against what the source may speak for, and against the batch."""
    source = item.token_source or event.source
    assert source is not None  # parse_evidence_batch requires it when no token names it
    if item.token_source is not None and event.source not in (None, item.token_source):
        return Refusal(
            [FieldError(field="source", message=f"must match the caller's source '{item.token_source}'")],
            item.token_source,
            event.event_id,
            event.unit_id,
        )
    scope = scopes.get(source)
    if scope is None:
        return Refusal(
            [FieldError(field="source", message=f"unknown source '{source}'")], source, event.event_id, event.unit_id
        )
    if not scope.covers(event.unit_id):
        return Refusal(
            [FieldError(field="unit_id", message=f"source '{source}' is not registered for unit '{event.unit_id}'")],
            source,
            event.event_id,
            event.unit_id,
        )
    if isinstance(event, UnitReorganizedEvent):  # the whole map it redraws must be the source's
        outside = [u for u in (*event.payload.predecessors, *event.payload.successors) if not scope.covers(u)]
        if outside:
            return Refusal(
                [
                    FieldError(
                        field="payload",
                        message=f"source '{source}' is not registered for unit(s) {', '.join(outside)}",
                    )
                ],
                source,
                event.event_id,
                event.unit_id,
            )
    key = (source, event.event_id)
    if key in seen.keys:
        return BatchDuplicate(event.event_id, source)
    seen.keys.add(key)
    if event.source is None:
        event = event.model_copy(update={"source": source})
    return Candidate(event, source)
