"""Read side of the evidence service: what the API shows a source about its events."""

from __future__ import annotations

import json
from typing import Any

import asyncpg


async def event_status(conn: asyncpg.Connection, *, source: str, event_id: str) -> dict[str, Any] | None:
    """What became of (source, event_id): accepted (and whether retracted), rejected and why, or None."""
    row = await conn.fetchrow(
        "SELECT seq, type, unit_id, occurred_at, accepted_at, channel, envelope::text AS envelope,"
        " (SELECT r.event_id FROM ledger r WHERE r.type = 'evidence.retracted' AND r.source = l.source"
        "   AND r.envelope -> 'payload' ->> 'target_event_id' = l.event_id ORDER BY r.seq LIMIT 1)"
        "   AS retracted_by"
        " FROM ledger l WHERE source = $1 AND event_id = $2",
        source,
        event_id,
    )
    if row is not None:
        return {
            "event_id": event_id,
            "status": "accepted",
            "ledger_seq": row["seq"],
            "type": row["type"],
            "unit_id": row["unit_id"],
            "channel": row["channel"],
            "accepted_at": row["accepted_at"].isoformat(),
            "retracted_by": row["retracted_by"],
            "envelope": json.loads(row["envelope"]),
        }
    rej = await conn.fetchrow(
        "SELECT reasons::text AS reasons, channel, rejected_at FROM rejections"
        " WHERE source = $1 AND event_id = $2 ORDER BY id DESC LIMIT 1",
        source,
        event_id,
    )
    if rej is not None:
        return {
            "event_id": event_id,
            "status": "rejected",
            "channel": rej["channel"],
            "rejected_at": rej["rejected_at"].isoformat(),
            "errors": json.loads(rej["reasons"]),
        }
    return None
