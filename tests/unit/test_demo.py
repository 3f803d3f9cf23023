"""The demo province: the original stream of a seed is unchanged, the contract's additions are there and valid, and
2025 holds the map of 1 July 2025 (Ninh Bình after the merger: issue 24)."""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

from schemas.evidence import EVIDENCE_ADAPTER, parse_evidence
from thidua.operator.demo import events, is_addition
from thidua.operator.demo_additions import NEW_TYPES
from thidua.operator.demo_map import FORMER, FORMER_IDS, MERGED_AT, SUCCESSOR, former_units
from thidua.operator.demo_units import VN, province

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
    kinds = Counter(body["type"] for _, body in first if is_addition(body) and body["unit_id"] not in FORMER_IDS)
    # The new types, complaints naming a dossier, and the map of 1 July 2025 (restatements, transfers, the transferred
    # officers' ratings); the former units' own evidence is of every original type as well.
    assert set(kinds) == NEW_TYPES | {
        "complaint.received",
        "complaint.resolved",
        "unit.registered",
        "officer.registered",
        "evaluation.recorded",
    }


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


def _at(body: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(body["occurred_at"])


def test_2025_holds_the_merger_of_three_wards_into_phuong_nam_dinh_on_1_july_and_a_dissolution() -> None:
    stream = [body for _, body in _stream()]
    now = datetime(2026, 12, 1, tzinfo=UTC)
    changes = [b for b in stream if b["type"] == "unit.reorganized"]
    for b in changes:
        parse_evidence(b, now=now, source_required=True)  # the contract's checks, not only the shapes
    merge = next(b for b in changes if b["payload"]["kind"] == "merge")
    wards = [f.unit_id for f in FORMER if f.kind == "merge"]
    assert len(wards) == 3 and merge["payload"]["predecessors"] == wards
    assert merge["payload"]["successors"] == [SUCCESSOR] and merge["unit_id"] == SUCCESSOR
    assert merge["payload"]["effective_at"] == "2025-07-01T00:00:00+07:00" and merge["source"] == "noivu-demo"
    registered = {b["unit_id"]: b["payload"] for b in stream if b["type"] == "unit.registered"}
    assert registered[SUCCESSOR]["name"] == "Phường Nam Định" and registered[SUCCESSOR]["admin_code"] == "13669"
    dissolution = next(b for b in changes if b["payload"]["kind"] == "dissolution")
    assert dissolution["payload"]["successors"] == [] and dissolution["payload"]["effective_at"].startswith(
        "2025-03-01"
    )
    assert {*merge["payload"]["predecessors"], *dissolution["payload"]["predecessors"]} == FORMER_IDS


def test_the_former_units_have_their_own_evidence_up_to_their_end_and_nobody_names_them_after_it() -> None:
    stream = [body for _, body in _stream()]
    ends = {f.unit_id: f.ends_at for f in FORMER}
    own = [b for b in stream if b["unit_id"] in FORMER_IDS and b["type"] != "unit.reorganized"]
    per_unit = Counter(b["unit_id"] for b in own if b["type"] == "procedure.processed")
    assert set(per_unit) == FORMER_IDS and min(per_unit.values()) >= 2  # a smaller stream, like other units'
    assert {b["type"] for b in own} >= {"unit.registered", "officer.registered", "complaint.received"}
    assert all(_at(b) < ends[b["unit_id"]] for b in own)
    for b in own:  # every time in the payload too (a dossier finished, a complaint answered)
        for value in b["payload"].values():
            if isinstance(value, str) and value[:4] == "2025" and "T" in value:
                assert datetime.fromisoformat(value) < ends[b["unit_id"]], b
    after = [b for b in stream if _at(b) > min(ends.values())]
    for b in after:
        named = {b["unit_id"], *b["payload"].get("predecessors", ())} & {u for u, end in ends.items() if _at(b) > end}
        assert not named, b


def test_every_unit_registered_from_1_july_2025_is_on_the_two_level_map_with_its_code_and_rebuilt_cluster() -> None:
    stream = [body for _, body in _stream()]
    now = datetime(2026, 12, 1, tzinfo=UTC)
    later = [b for b in stream if b["type"] == "unit.registered" and _at(b) >= MERGED_AT]
    assert {b["unit_id"] for b in later} == {u.unit_id for u in province(random.Random(7))}
    for b in later:
        parse_evidence(b, now=now, source_required=True)
        p = b["payload"]
        assert p["level"] in ("department", "agency", "ward", "commune"), p
        assert len(p["admin_code"]) == (2 if p["level"] in ("department", "agency") else 5), p
        assert p["admin_code"] == "37" or p["admin_code"].startswith("13"), p
        assert p["cluster_since"] == "2025-07-01T00:00:00+07:00"
        if p["level"] in ("ward", "commune"):
            assert p["cluster_id"] == {"ward": "CUM-PHUONG", "commune": "CUM-XA"}[p["level"]]
            assert p["name"].startswith({"ward": "Phường ", "commune": "Xã "}[p["level"]])
    codes = [b["payload"]["admin_code"] for b in later if len(b["payload"]["admin_code"]) == 5]
    assert len(codes) == len(set(codes)) == 24 and "13285" not in codes  # never reused (Phủ Lý's is official)
    assert {b["payload"]["level"] for b in later if b["payload"]["name"] == "Văn phòng UBND tỉnh"} == {"agency"}
    # Before 1 July the communes stood in the old clusters, with the former wards.
    early = {b["unit_id"]: b["payload"] for b in stream if b["type"] == "unit.registered" and _at(b) < MERGED_AT}
    assert {p["cluster_id"] for p in early.values() if p["level"] != "department"} == {"CUM-XA-1", "CUM-XA-2"}
    assert all("admin_code" not in early[u] for u in FORMER_IDS)


def test_the_former_officers_are_transferred_on_the_date_and_rated_under_their_new_unit() -> None:
    stream = [body for _, body in _stream()]
    receivers = {f.unit_id: f.receiver for f in FORMER}
    for f, u in former_units(7):
        moves = {
            b["officer_id"]: b
            for b in stream
            if b["type"] == "officer.registered" and b.get("officer_id") in u.officers and b["unit_id"] == f.receiver
        }
        assert set(moves) == set(u.officers)
        assert all(m["payload"]["transferred_at"] == f.ends_at.isoformat() for m in moves.values())
        year_end = [
            b
            for b in stream
            if b["type"] == "evaluation.recorded" and b.get("officer_id") in u.officers and b["payload"]["year"] == 2025
        ]
        assert len(year_end) == len(u.officers) and {b["unit_id"] for b in year_end} == {receivers[f.unit_id]}
    assert all(f.ends_at.tzinfo == VN for f in FORMER)
