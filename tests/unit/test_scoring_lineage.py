"""Scoring's use of unit lineage (issue 24): which rows a pass scores and hides, what a row combines, the sums,
the scorecard's `lineage` and the 404's words, and the rule file's [lineage] year_of_change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from schemas.lineage import Reorganization
from schemas.vietnam import VN_TZ
from services.scoring.adapters.rulefiles import read_rules_file
from services.scoring.config import RULES
from services.scoring.domain.lineage import (
    Lineage,
    ended_message,
    lineage_json,
    lineage_units,
    plan,
    sum_counters,
    sum_inputs,
)
from services.scoring.domain.periods import parse_period
from services.scoring.domain.rulebook import RulebookInvalid, build_rulebook

JULY = datetime(2025, 7, 1, tzinfo=VN_TZ)
MERGE = Reorganization("hr:m1", "merge", ("A1", "A2", "A3"), ("N",), JULY, "NQ 1674/NQ-UBTVQH15")
SPLIT = Reorganization("hr:s1", "split", ("S",), ("S1", "S2"), JULY)
GONE = Reorganization("hr:d1", "dissolution", ("D",), (), JULY)


def _bounds(label: str) -> tuple[datetime, datetime]:
    p = parse_period(label)
    return p.start, p.end


def test_a_pass_hides_folded_units_and_scores_their_successor_with_them() -> None:
    lineage = Lineage([MERGE, SPLIT, GONE], "combine")
    rows = plan({("A1", "2025"), ("A1", "2025-Q1"), ("A2", "2025-Q3"), ("X", "2025")}, lineage, _bounds)
    assert rows.hidden == {("A1", "2025"), ("A2", "2025-Q3")}
    assert rows.members == {
        ("A1", "2025-Q1"): ("A1",),  # before the date: as it was
        ("N", "2025"): ("N", "A1", "A2", "A3"),  # the year of the change combines the three
        ("N", "2025-Q3"): ("N", "A1", "A2", "A3"),
        ("X", "2025"): ("X",),  # named by no reorganization
    }
    assert rows.predecessors("N", "2025") == ["A1", "A2", "A3"] and rows.predecessors("X", "2025") == []


def test_with_split_the_year_of_the_change_lists_the_predecessors_and_the_successor_alone() -> None:
    lineage = Lineage([MERGE], "split")
    rows = plan({("A1", "2025"), ("N", "2025"), ("A1", "2025-Q3"), ("N", "2026")}, lineage, _bounds)
    assert rows.hidden == {("A1", "2025-Q3")}
    assert rows.members == {
        ("A1", "2025"): ("A1",),
        ("N", "2025"): ("N",),
        ("N", "2025-Q3"): ("N", "A1", "A2", "A3"),
        ("N", "2026"): ("N", "A1", "A2", "A3"),
    }


def test_split_and_dissolved_units_leave_later_periods_and_their_evidence_goes_nowhere() -> None:
    lineage = Lineage([SPLIT, GONE], "combine")
    rows = plan({("S", "2025-Q3"), ("D", "2025"), ("S", "2025-Q2"), ("S1", "2025")}, lineage, _bounds)
    assert rows.hidden == {("S", "2025-Q3")}  # 2025 starts before the date: S and D keep it
    assert rows.members == {("S", "2025-Q2"): ("S",), ("D", "2025"): ("D",), ("S1", "2025"): ("S1",)}
    assert lineage.holder("D", *_bounds("2026")) is None and lineage.holder("S", *_bounds("2026")) is None


def test_chains_fold_to_the_last_successor_listed() -> None:
    later = Reorganization("hr:m2", "merge", ("N", "B"), ("C",), datetime(2026, 7, 1, tzinfo=VN_TZ))
    lineage = Lineage([MERGE, later], "combine")
    assert lineage.holder("A1", *_bounds("2025")) == "N"
    assert lineage.holder("A1", *_bounds("2026")) == "C"
    rows = plan({("A1", "2026")}, lineage, _bounds)
    assert rows.members == {("C", "2026"): ("C", "A1", "A2", "A3", "B", "N")}
    # A reorganization naming C moves the rows of every unit whose evidence follows it.
    assert lineage.affected_units({"C"}) == {"C", "N", "B", "A1", "A2", "A3"}
    assert lineage.affected_units({"S"}) == {"S"}


def test_counters_and_culture_inputs_are_summed() -> None:
    a = {"on_time": (18.0, 20.0), "dossier_ok": (20.0, 20.0)}
    b = {"on_time": (10.0, 20.0), "pakn_on_time": (1.0, 2.0)}
    assert sum_counters([a, b]) == {"on_time": (28.0, 40.0), "dossier_ok": (20.0, 20.0), "pakn_on_time": (1.0, 2.0)}
    assert sum_counters([a]) == a and sum_counters([a]) is not a
    x = {"officers": 10, "trained": 4, "findings": 1.5, "inspections": 1}
    y = {"officers": 5, "trained": 5, "findings": 0.5, "inspections": 0}
    assert sum_inputs([x, y]) == {"officers": 15, "trained": 9, "findings": 2.0, "inspections": 1}


def test_the_scorecard_lineage_names_the_predecessors_and_what_a_unit_became() -> None:
    names = {"A1": "Xã A1", "A2": "Xã A2", "A3": "Xã A3", "N": "Phường N"}
    changes = [MERGE, SPLIT]
    assert lineage_units("N", changes) == {"A1", "A2", "A3"} and lineage_units("A1", changes) == {"N"}
    n: Any = lineage_json("N", changes, names, ["A1", "A2", "A3"], "combine")
    assert n["year_of_change"] == "combine" and n["successors"] == [] and "ended" not in n
    assert [(p["unit_id"], p["name"], p["combined"]) for p in n["predecessors"]] == [
        ("A1", "Xã A1", True),
        ("A2", "Xã A2", True),
        ("A3", "Xã A3", True),
    ]
    assert n["predecessors"][0]["effective_at"] == "2025-07-01T00:00:00+07:00"
    assert n["predecessors"][0]["decision_no"] == "NQ 1674/NQ-UBTVQH15" and n["predecessors"][0]["kind"] == "merge"
    before: Any = lineage_json("N", changes, names, [], "split")  # a period its predecessors are not combined in
    assert {p["combined"] for p in before["predecessors"]} == {False}
    a1: Any = lineage_json("A1", changes, names, [], "combine")
    assert a1["predecessors"] == [] and [s["unit_id"] for s in a1["successors"]] == ["N"]
    assert a1["ended"]["kind"] == "merge" and "combined" not in a1["successors"][0]
    s1: Any = lineage_json("S1", changes, {}, [], "combine")
    assert s1["predecessors"][0] | {"name": "?"} == {
        "unit_id": "S",
        "name": "?",
        "kind": "split",
        "effective_at": "2025-07-01T00:00:00+07:00",
        "decision_no": None,
        "combined": False,
    }
    assert lineage_json("X", changes, names, [], "combine") is None


def test_the_404_of_an_ended_unit_says_what_it_became_and_when() -> None:
    merged = ended_message("A1", MERGE, "2025", {"N": "Phường N"})
    assert "merged into N (Phường N)" in merged and "2025-07-01" in merged and "NQ 1674" in merged
    assert "split into S1, S2" in ended_message("S", SPLIT, "2026", {})
    assert "dissolved" in ended_message("D", GONE, "2026", {})


def test_the_rule_file_sets_the_year_of_change_combine_by_default_split_allowed_nothing_else() -> None:
    doc = read_rules_file(RULES)
    assert build_rulebook(doc).year_of_change == "combine"
    assert build_rulebook({k: v for k, v in doc.items() if k != "lineage"}).year_of_change == "combine"
    assert build_rulebook({**doc, "lineage": {"year_of_change": "split"}}).year_of_change == "split"
    with pytest.raises(RulebookInvalid, match=r"lineage\.year_of_change"):
        build_rulebook({**doc, "lineage": {"year_of_change": "merge"}})
