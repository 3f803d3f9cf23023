"""The national portal's calls on Kafka (evidence.dvcqg.v1.<source>): decoded, applied, refused or parked without
the applicant's personal data.

A record is read once (bounded JSON, then the portal's models, which drop personal data); what cannot be read is
refused to evidence.rejected.v1 with its reasons and none of its bytes; a record whose handling keeps failing is
parked as it was read (`scrub`), never as it came."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from schemas import topics
from schemas.dvcqg import Call, parse_call
from schemas.errors import EvidenceInvalid, FieldError
from services.evidence.domain.dvcqg_body import call_body, encoded
from services.evidence.handlers.dvcqg import Origin, refuse_record, take_call
from services.evidence.store import EvidenceStore
from thidua.runtime.decoding import BadInput, load_json
from thidua.runtime.parking import Delivery


@dataclass(frozen=True)
class Unreadable:
    """A record that is not a portal call: why (its bytes are not kept)."""

    errors: tuple[FieldError, ...]


def decode(value: bytes | None) -> Call | Unreadable:
    """A record's value as a portal call (object form, its service named in the body); never raises."""
    try:
        return parse_call(load_json(value or b""))
    except BadInput as bad:
        return Unreadable((FieldError(field=bad.field, message=bad.message),))
    except EvidenceInvalid as invalid:
        return Unreadable(tuple(invalid.details))


def scrub(value: bytes | None) -> bytes | None:
    """What a parked record keeps: the call as read (no personal data, no session, no unreadable item)."""
    try:
        read = decode(value)
    except Exception:
        return b""
    return b"" if isinstance(read, Unreadable) else encoded(call_body(read))


async def apply(store: EvidenceStore, deliveries: Sequence[Delivery[Call | Unreadable]]) -> None:
    """Each record in its own transaction (a call is a unit of its own, like an HTTP request), the source taken from
    the topic only that source may write to."""
    for d in deliveries:
        origin = Origin("kafka", (d.record.topic, d.record.partition, d.record.offset))
        source = topics.dvcqg_source(d.record.topic)
        now = datetime.now(UTC)
        if source is None:
            await refuse_record(store, [_no_source()], source=None, origin=origin, now=now)
        elif isinstance(d.event, Unreadable):
            await refuse_record(store, d.event.errors, source=source, origin=origin, now=now)
        else:
            await take_call(store, d.event, source=source, origin=origin, now=now)


def _no_source() -> FieldError:
    return FieldError(field="topic", message=f"portal calls go to {topics.EVIDENCE_DVCQG_PREFIX}<source>")
