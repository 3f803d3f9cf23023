"""unit.reorganized (issue 24, Build 3): the envelope's checks and the shared lineage resolver (schemas/lineage.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from schemas.errors import EvidenceInvalid
from schemas.evidence import UnitReorganizedEvent, parse_evidence
from schemas.lineage import Reorganization, ancestors, ceased, combined_units, listed, predecessors_of
from schemas.vietnam import VN_TZ

NOW = datetime(2026, 12, 4, 12, tzinfo=VN_TZ)
JULY = datetime(2025, 7, 1, tzinfo=VN_TZ)


def _at(y: int, m: int = 1, d: int = 1) -> datetime:
    return datetime(y, m, d, tzinfo=VN_TZ)


def _event(payload: dict[str, Any], unit: str = "UN") -> dict[str, Any]:
    return {
        "event_id": "re-1",
        "type": "unit.reorganized",
        "schema_version": 1,
        "occurred_at": "2025-07-01T08:00:00+07:00",
        "unit_id": unit,
        "source": "hr",
        "payload": payload,
    }


def _refusal(payload: dict[str, Any], unit: str = "UN") -> dict[str, str]:
    with pytest.raises(EvidenceInvalid) as caught:
        parse_evidence(_event(payload, unit), now=NOW, source_required=True)
    return {d.field: d.message for d in caught.value.details}


def test_a_merge_of_three_communes_is_accepted() -> None:
    payload = {
        "kind": "merge",
        "predecessors": ["UA1", "UA2", "UA3"],
        "successors": ["UN"],
        "effective_at": "2025-07-01T00:00:00+07:00",
        "decision_no": "1674/NQ-UBTVQH15",
    }
    event = parse_evidence(_event(payload), now=NOW, source_required=True)
    assert isinstance(event, UnitReorganizedEvent)
    assert event.payload.predecessors == ["UA1", "UA2", "UA3"] and event.payload.effective_at == JULY


@pytest.mark.parametrize(
    ("payload", "field", "words"),
    [
        ({"kind": "merge", "predecessors": ["UA"], "successors": ["UN", "UM"]}, "payload.successors", "exactly 1"),
        ({"kind": "split", "predecessors": ["UN"], "successors": ["UB"]}, "payload.successors", "2 to 50"),
        ({"kind": "rename", "predecessors": ["UA", "UB"], "successors": ["UN"]}, "payload.predecessors", "exactly 1"),
        ({"kind": "dissolution", "predecessors": ["UN"], "successors": ["UB"]}, "payload.successors", "exactly 0"),
        ({"kind": "merge", "predecessors": ["UA", "UA"], "successors": ["UN"]}, "payload.predecessors", "twice"),
        ({"kind": "merge", "predecessors": ["UN", "UA"], "successors": ["UN"]}, "payload.successors", "both"),
        ({"kind": "merge", "predecessors": ["UA", "UB"], "successors": ["UC"]}, "unit_id", "one of the units"),
    ],
)
def test_a_reorganization_that_makes_no_sense_is_refused_by_field(
    payload: dict[str, Any], field: str, words: str
) -> None:
    refused = _refusal({**payload, "effective_at": "2025-07-01T00:00:00+07:00"})
    assert words in refused[field]


def test_the_date_is_bounded_like_every_other() -> None:
    refused = _refusal(
        {"kind": "rename", "predecessors": ["UA"], "successors": ["UN"], "effective_at": "2029-07-01T00:00:00+07:00"}
    )
    assert "future" in refused["payload.effective_at"]


MERGE = Reorganization("hr:m", "merge", ("A1", "A2", "A3"), ("N",), JULY)
DISSOLVED = Reorganization("hr:d", "dissolution", ("D",), (), JULY)
SPLIT = Reorganization("hr:s", "split", ("S",), ("S1", "S2"), JULY)
ALL = [MERGE, DISSOLVED, SPLIT]


def test_combine_lists_the_three_before_the_date_and_only_the_successor_from_the_year_that_holds_it() -> None:
    q1, q4, y2025, y2026 = (
        (_at(2025), _at(2025, 4)),
        (_at(2025, 10), _at(2026)),
        (_at(2025), _at(2026)),
        (_at(2026), _at(2027)),
    )
    assert all(listed(u, *q1, ALL, "combine") for u in ("A1", "A2", "A3", "N"))
    for period in (q4, y2025, y2026):
        assert not any(listed(u, *period, ALL, "combine") for u in ("A1", "A2", "A3"))
        assert listed("N", *period, ALL, "combine")
    assert combined_units("N", *y2025, ALL, "combine") == {"N", "A1", "A2", "A3"}
    assert combined_units("N", *q1, ALL, "combine") == {"N"}


def test_split_at_the_date_keeps_the_year_of_change_apart() -> None:
    y2025 = (_at(2025), _at(2026))
    assert listed("A1", *y2025, ALL, "split") and combined_units("N", *y2025, ALL, "split") == {"N"}
    assert not listed("A1", _at(2025, 7), _at(2025, 10), ALL, "split")
    assert combined_units("N", _at(2026), _at(2027), ALL, "split") == {"N", "A1", "A2", "A3"}


def test_a_split_or_dissolved_unit_stays_in_the_periods_it_lived_in_and_never_folds() -> None:
    for unit in ("D", "S"):
        assert listed(unit, _at(2025), _at(2026), ALL, "combine")
        assert not listed(unit, _at(2025, 7), _at(2025, 8), ALL, "combine")
    assert combined_units("S1", _at(2025), _at(2027), ALL, "combine") == {"S1"}
    assert ceased("D", ALL) == DISSOLVED and ceased("N", ALL) is None


def test_chains_fold_transitively_and_a_cycle_ends() -> None:
    later = Reorganization("hr:r", "rename", ("N",), ("P",), _at(2026, 3))
    back = Reorganization("hr:b", "rename", ("P",), ("N",), _at(2026, 6))
    assert combined_units("P", _at(2026), _at(2027), [MERGE, later], "combine") == {"P", "N", "A1", "A2", "A3"}
    assert combined_units("N", _at(2026), _at(2027), [MERGE, later, back], "combine") >= {"N", "P"}
    assert [c.event for c in predecessors_of("N", [MERGE, later])] == ["hr:m"]


def test_ancestors_follow_only_the_kinds_the_rule_file_names() -> None:
    assert set(ancestors("N", ALL, {"merge", "rename"})) == {"A1", "A2", "A3"}
    assert ancestors("S1", ALL, {"merge", "rename"}) == {}
    assert set(ancestors("S1", ALL, {"split"})) == {"S"}
