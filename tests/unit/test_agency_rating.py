"""An agency's own rating under Decree 335/2025/NĐ-CP (general criteria ≤ 30, task results ≤ 70, four levels):
hand-computed cases of the parts our evidence gives, the parts it does not, and the HR office's rating beside."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.scoring.adapters.rulefiles import load_rules
from services.scoring.config import RULES
from services.scoring.domain.agency_rating import (
    NO_EVIDENCE,
    AgencyCriterion,
    AgencyRules,
    HrRating,
    agency_rating,
    agency_rules,
)

RULES_335 = AgencyRules()


def by_code(answer: dict, group: str) -> dict:
    return {c["code"]: c for c in answer[group]["criteria"]}


def test_decree_335_tthc_results_take_the_766_service_index_share_of_the_task_part() -> None:
    # Decree 335/2025 (agency rating): TTHC results are one of the task criteria; 17.5 of the 70 by default.
    # Service index 80 → 80 × 17.5 ÷ 100 = 14.0 points.
    answer = agency_rating("U1", 2026, {"service_index": 80.0, "culture_index": None}, None, RULES_335).as_json()
    tthc = by_code(answer, "task")["tthc"]
    assert (tthc["index_value"], tthc["points"], tthc["status"]) == (80.0, 14.0, "scored")
    assert answer["task"]["points"] == 14.0
    assert (answer["evidenced_points"], answer["evidenced_max"]) == (14.0, 17.5)


def test_decree_335_parts_without_evidence_are_neither_zero_nor_invented() -> None:
    # Decree 335/2025: plan completion, timeliness, quality, policy compliance, discipline and the head's
    # responsibility have no evidence type: "chưa có minh chứng", and the total waits for them.
    answer = agency_rating("U1", 2026, {"service_index": 80.0, "culture_index": 60.0}, None, RULES_335).as_json()
    for group in ("general", "task"):
        for code, c in by_code(answer, group).items():
            if code not in ("tthc", "van_hoa"):
                assert (c["points"], c["status_label"]) == (None, NO_EVIDENCE), code
    assert answer["total"] is None and answer["level"] is None
    assert answer["general"]["points"] is None  # no general points without an assessment
    assert len(answer["missing"]) == 7 and NO_EVIDENCE in answer["notes"][0]


def test_decree_335_office_culture_index_proposes_but_does_not_give_general_points() -> None:
    # Decree 335/2025: office culture is a general criterion; our culture index 60 proposes 60 × 7.5 ÷ 100 = 4.5,
    # shown beside it, not counted (general points come from an assessment).
    answer = agency_rating("U1", 2026, {"service_index": None, "culture_index": 60.0}, None, RULES_335).as_json()
    culture = by_code(answer, "general")["van_hoa"]
    assert (culture["points"], culture["proposed"], culture["status"]) == (None, 4.5, "proposed")
    assert by_code(answer, "task")["tthc"]["status"] == "no_evidence"  # no service index: no points
    assert answer["evidenced_points"] == 0 and answer["evidenced_max"] == 0


def test_decree_335_a_rule_file_that_scores_every_part_gives_the_total_and_the_level() -> None:
    # Decree 335/2025: 100 points, levels assumed 90/70/50. All of the 70 from the service index (88 → 61.6) and
    # all of the 30 from the culture index (50 → 15): 76.6, "hoàn thành tốt nhiệm vụ".
    rules = replace(
        RULES_335,
        criteria=(
            AgencyCriterion("van_hoa", "Văn hóa công sở", "general", 30.0, index="culture_index"),
            AgencyCriterion("tthc", "Kết quả giải quyết TTHC", "task", 70.0, index="service_index"),
        ),
    )
    rating = agency_rating("U1", 2026, {"service_index": 88.0, "culture_index": 50.0}, None, rules)
    assert (rating.total, rating.level) == (76.6, "good")
    assert rating.as_json()["level_name"] == "Hoàn thành tốt nhiệm vụ"
    assert rules.level(90.0) == "excellent" and rules.level(69.99) == "complete" and rules.level(49.9) == "incomplete"


def test_decree_335_hr_rating_of_the_unit_is_shown_beside_never_replacing() -> None:
    hr = HrRating("excellent", 93.0, "hr:eval-U1-2026")
    answer = agency_rating("U1", 2026, {"service_index": 80.0}, hr, RULES_335).as_json()
    assert answer["hr_rating"] == {
        "level": "excellent",
        "level_name": "Hoàn thành xuất sắc nhiệm vụ",
        "score": 93.0,
        "event": "hr:eval-U1-2026",
    }
    assert answer["total"] is None and answer["task"]["points"] == 14.0


def test_decree_335_applies_from_2026() -> None:
    assert RULES_335.applies(2026) and not RULES_335.applies(2025)


def test_the_rule_file_section_is_the_defaults_and_is_checked() -> None:
    assert load_rules(RULES).book.agency == RULES_335
    assert agency_rules(None) == (RULES_335, [])
    _, problems = agency_rules(
        {"criteria": {"x": {"name": "X", "group": "task", "max": 60.0, "index": "nope"}}, "good": 95.0}
    )
    assert any("unknown index nope" in p for p in problems)
    assert any("task criteria add up to 60.0, not 70.0" in p for p in problems)
    assert any("general criteria add up to 0, not 30.0" in p for p in problems)
    assert any("thresholds" in p for p in problems)


@pytest.mark.parametrize("raw", ["x", {"criteria": {"x": {"group": "task"}}}])
def test_a_malformed_section_is_refused(raw: object) -> None:
    _, problems = agency_rules(raw)
    assert problems
