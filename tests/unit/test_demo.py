"""The demo province: the original stream of a seed is unchanged, the contract's additions are there and valid."""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from schemas.evidence import EVIDENCE_ADAPTER
from thidua.demo import NEW_TYPES, events, is_addition

# thidua.demo.events(7, 2025, 12) at commit c23daba (before the contract's additions): how many envelopes, and the
# SHA-256 of their lines f"{channel} {json.dumps(envelope)}\n" in order. Recomputed from that commit's demo.py.
ORIGINAL_COUNT = 12032
ORIGINAL_SHA256 = "fd0c108c63560f0f7437d1dd71d2fed78e329604ea8b92df9785972833646a23"


def _stream() -> list[tuple[str, dict[str, Any]]]:
    return list(events(7, 2025, 12))


def test_the_original_events_of_a_seed_are_byte_for_byte_unchanged() -> None:
    digest, count = hashlib.sha256(), 0
    for channel, body in _stream():
        if not is_addition(body):
            digest.update(f"{channel} {json.dumps(body)}\n".encode())
            count += 1
    assert count == ORIGINAL_COUNT
    assert digest.hexdigest() == ORIGINAL_SHA256


def test_the_additions_are_deterministic_valid_and_unique() -> None:
    first, again = _stream(), _stream()
    assert first == again
    ids = Counter((body["source"], body["event_id"]) for _, body in first)
    assert max(ids.values()) == 1
    for _, body in first:
        EVIDENCE_ADAPTER.validate_python(body)
    kinds = Counter(body["type"] for _, body in first if is_addition(body))
    assert set(kinds) == NEW_TYPES | {"complaint.received", "complaint.resolved"}


def test_the_additions_exercise_the_new_rules_with_plausible_shares() -> None:
    stream = [body for _, body in _stream()]
    units = {b["unit_id"] for b in stream if b["type"] == "unit.registered"}
    officers = {b["officer_id"] for b in stream if b["type"] == "officer.registered"}
    catalogue: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for b in stream:
        if b["type"] == "procedure.catalogued":
            catalogue[b["unit_id"]].append(b["payload"])
    assert set(catalogue) == units
    assert all(20 <= len(c) <= 60 for c in catalogue.values())
    online = [sum(p["online"] for p in c) / len(c) for c in catalogue.values()]
    published = [sum(p["published"] for p in c) / len(c) for c in catalogue.values()]
    assert 0.6 <= sum(online) / len(online) <= 0.9 and max(online) - min(online) > 0.15  # unit-dependent
    assert sum(published) / len(published) >= 0.9

    dossiers = {b["payload"]["dossier_code"]: b for b in stream if b["type"] == "procedure.processed"}
    results = [b for b in stream if b["type"] == "procedure.published"]
    assert 0.85 <= len(results) / len(dossiers) < 1
    assert all(
        datetime.fromisoformat(r["payload"]["published_at"])
        >= datetime.fromisoformat(dossiers[r["payload"]["dossier_code"]]["payload"]["finished_at"])
        for r in results
    )

    resolved = {b["payload"]["complaint_id"]: b for b in stream if b["type"] == "complaint.resolved"}
    answers = {b["payload"]["complaint_id"] for b in stream if b["type"] == "complaint.published"}
    assert answers == {c for c, b in resolved.items() if b["payload"]["outcome"] == "answered"}
    naming = [b for b in stream if b["type"] == "complaint.received" and "dossier_code" in b["payload"]]
    assert naming and all(
        b["payload"]["category"] == "procedure" and dossiers[b["payload"]["dossier_code"]]["unit_id"] == b["unit_id"]
        for b in naming
    )
    supplements = [b for b in stream if b["type"] == "complaint.supplement_requested"]
    assert 0 < len(supplements) < 0.2 * len(resolved)
    assert all(
        b["payload"]["requested_at"] < resolved[b["payload"]["complaint_id"]]["payload"]["resolved_at"]
        for b in supplements
    )

    research = [b for b in stream if b["type"] == "research.accepted"]
    assert 0 < len(research) < 0.05 * len(officers) and all(b["officer_id"] in officers for b in research)
    registered = [b for b in stream if b["type"] == "emulation.registered"]
    assert {b["unit_id"] for b in registered if "officer_id" not in b} == units
    assert 0.8 * len(officers) <= sum("officer_id" in b for b in registered) < len(officers)
    assert all(b["occurred_at"] < "2025-01-16" for b in registered)
