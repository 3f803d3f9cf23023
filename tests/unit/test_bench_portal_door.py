"""The portal door figure's load (bench/portal_door.py): DongBoHoSoMC calls that parse as the door reads them, each
dossier received, for some supplemented, then finished, across calls, with units by id or by the operator's code."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from typing import Any

import pytest

from bench.evidence_ingest import UNITS
from bench.portal_door import DoorRun, percentile, portal_units, snapshot_calls, tally
from schemas.dvcqg import Refused, Snapshot, SyncDossiers, parse_call
from services.evidence.domain.dvcqg import Kept, snapshot_events, unit_of
from thidua.operator.demo_portal import unit_code_mappings

PER_CALL = 50


def _calls(count: int) -> list[dict[str, Any]]:
    return list(itertools.islice(snapshot_calls(7, PER_CALL, portal_units()), count))


def test_the_calls_parse_whole_with_distinct_dossiers_and_half_the_units_by_a_mapped_code() -> None:
    units, codes = frozenset(UNITS), unit_code_mappings(portal_units())
    assert len(codes) == len(UNITS) // 2 and set(codes.values()) < units
    seen_units: Counter[str] = Counter()
    for body in _calls(12):
        call = parse_call(json.loads(json.dumps(body)))
        assert isinstance(call, SyncDossiers) and len(call.data) == PER_CALL
        assert not [item for item in call.data if isinstance(item, Refused)]
        assert len({item.dossier_code for item in call.data}) == PER_CALL  # a dossier at most once per call
        for item in call.data:
            assert isinstance(item, Snapshot)
            unit = unit_of(item.unit_code, units, codes)
            assert isinstance(unit, str), unit
            seen_units[unit] += 1
    assert set(seen_units) == units


def test_each_dossier_is_received_then_finished_in_later_calls_with_supplements_for_some() -> None:
    units, codes = frozenset(UNITS), unit_code_mappings(portal_units())
    kept: dict[str, Kept] = {}
    types: dict[str, list[str]] = {}
    processed: dict[str, dict[str, Any]] = {}
    statuses: dict[str, list[str]] = {}
    for body in _calls(40):
        call = parse_call(body)
        assert isinstance(call, SyncDossiers)
        for raw, item in zip(body["data"], call.data, strict=True):
            assert isinstance(item, Snapshot)
            statuses.setdefault(item.dossier_code, []).append(raw["TrangThaiHoSo"])
            unit = unit_of(item.unit_code, units, codes)
            assert isinstance(unit, str)
            diff = snapshot_events(kept.get(item.dossier_code), item, unit_id=unit, source="bench", officer_of=None)
            assert not diff.problems and diff.kept is not None and diff.events  # every snapshot says something new
            kept[item.dossier_code] = diff.kept
            for event in diff.events:
                types.setdefault(item.dossier_code, []).append(event["type"])
                if event["type"] == "procedure.processed":
                    processed[item.dossier_code] = event
    finished = [code for code, seq in statuses.items() if seq[-1] == "10"]
    assert len(finished) > len(statuses) / 2
    sequences = Counter(tuple(statuses[code]) for code in finished)
    assert set(sequences) == {("2", "10"), ("2", "5", "4", "10")}
    assert 0.05 < sequences[("2", "5", "4", "10")] / len(finished) < 0.3  # supplements for some
    for code in finished:
        assert types[code][0] == "procedure.received" and types[code][-1] == "procedure.processed"
        assert "procedure.retracted" not in types[code]
        payload = processed[code]["payload"]
        assert payload["supplement_requests"] == (1 if len(statuses[code]) == 4 else 0)
        assert payload["status"] == "resolved"


def test_clients_and_runs_never_share_a_dossier() -> None:
    units = portal_units()
    first = {i["MaHoSo"] for c in itertools.islice(snapshot_calls(0, 10, units), 5) for i in c["data"]}
    later = {i["MaHoSo"] for c in itertools.islice(snapshot_calls(10**8, 10, units), 5) for i in c["data"]}
    assert first and later and not first & later


def test_a_call_is_tallied_by_its_answers() -> None:
    body = next(snapshot_calls(0, 3, portal_units()))
    body["data"][1] = body["data"][1] | {"TrangThaiHoSo": "10"}
    accepted = {"event_id": "e", "type": "procedure.received", "status": "accepted"}
    answer = {
        "results": [
            {"index": 0, "MaHoSo": "a", "status": "accepted", "events": [accepted], "errors": []},
            {"index": 1, "MaHoSo": "b", "status": "accepted", "events": [accepted, accepted], "errors": []},
            {"index": 2, "MaHoSo": "c", "status": "rejected", "events": [], "errors": [{"field": "madonvi"}]},
        ]
    }
    run = DoorRun()
    tally(run, body, answer)
    assert (run.calls, run.snapshots, run.dossiers, run.events, run.rejected) == (1, 2, 1, 3, 1)
    assert run.first_error.startswith("c: ")


@pytest.mark.parametrize(("q", "expected"), [(50, 50.0), (95, 95.0), (99, 99.0), (100, 100.0), (0, 1.0), (99.5, 100.0)])
def test_percentile_by_nearest_rank(q: float, expected: float) -> None:
    assert percentile([float(v) for v in range(100, 0, -1)], q) == expected


def test_percentile_of_nothing_is_not_a_number() -> None:
    assert percentile([], 50) != percentile([], 50)
