"""A portal call as we may keep it: only what the parser read (nothing personal), in the portal's own field names.

The parsed models hold no applicant data, so their dump is what is stored (the last snapshot of a dossier), parked
(a Kafka record the door could not handle) and sent to evidence.rejected.v1 (a refused item). The dump reads back
into the same models (`parse_call`, `Snapshot.model_validate`): a parked record can be replayed as it was read."""

from __future__ import annotations

import json
from typing import Any

from schemas.dvcqg import Call, Refused, Snapshot, Step, SyncDossiers


def snapshot_body(snapshot: Snapshot) -> dict[str, Any]:
    """The snapshot as JSON under the portal's names; reads back to an equal Snapshot."""
    body = snapshot.model_dump(mode="json", by_alias=True)
    # A result paper keeps only whether a file was linked: "1" stands for the link itself (never kept).
    body["DanhSachGiayToKetQua"] = [
        {"DuongDanTepTinKetQua": "1" if paper.has_file else ""} for paper in snapshot.results
    ]
    return body


def step_body(step: Step) -> dict[str, Any]:
    """The step as JSON under the portal's names; reads back to an equal Step."""
    return step.model_dump(mode="json", by_alias=True)


def refused_body(refused: Refused) -> dict[str, Any]:
    """What is kept of an unreadable item: its position and dossier code (its content may be personal)."""
    return {"index": refused.index, "MaHoSo": refused.dossier_code}


def call_body(call: Call) -> dict[str, Any]:
    """The call without what the parser dropped (personal data, the session) nor its unreadable items."""
    body: dict[str, Any] = {"service": call.service}
    if isinstance(call, SyncDossiers):
        body["isUpdating"] = "True" if call.updating else "False"
        body["data"] = [snapshot_body(s) for s in call.data if isinstance(s, Snapshot)]
    else:
        body["data"] = [step_body(s) for s in call.data if isinstance(s, Step)]
    if call.unit_code is not None:
        body["madonvi"] = call.unit_code
    return body


def encoded(body: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
