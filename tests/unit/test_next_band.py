"""What it takes to reach the next band (services/scoring/domain/next_band.py): hand-computed cases under the real
rulebook, capped and penalty indicators, the top band, and over generated scorecards: k successes reach the next
band and k − 1 do not, exactly as the scorecard computes it."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from services.scoring.adapters.rulefiles import load_rules
from services.scoring.domain.next_band import (
    MAX_SUCCESSES,
    IndicatorNeed,
    Inputs,
    Lever,
    NextBand,
    apply,
    inputs_from_card,
    lever,
    room,
    score_card,
    what_it_takes,
)
from services.scoring.domain.rulebook import Rulebook
from services.scoring.domain.scorecard import CultureInputs

RULES = Path(__file__).resolve().parents[2] / "services" / "scoring" / "rules" / "rulebook.toml"
U, P = "U1", "2025-03"
# Every counter a fed indicator of the rulebook reads, at full marks (20 finished dossiers: the minimum).
FULL = {
    "on_time": (20.0, 20.0),
    "online_submission": (20.0, 20.0),
    "online_payment": (20.0, 20.0),
    "digitised": (20.0, 20.0),
    "data_reuse": (20.0, 20.0),
    "dossier_ok": (20.0, 20.0),
    "result_publication": (20.0, 20.0),
    "pakn_on_time": (5.0, 5.0),
    "pakn_ok": (5.0, 5.0),
}
NO_CULTURE = CultureInputs(0, 0, 0.0, 0, 0, 10, 10, 10)  # no headcount: the culture index is missing


@pytest.fixture(scope="module")
def rules() -> Rulebook:
    return load_rules(RULES).book


def need(answer: NextBand, code: str) -> IndicatorNeed:
    [found] = [i for i in answer.indicators if i.code == code]
    return found


def test_on_time_by_hand_two_more_dossiers_lift_khá_89_36_to_tốt(rules: Rulebook) -> None:
    # Culture missing: score = service index. publicity_other has no evidence: scale over 94 points.
    # on_time 10/20 → 10 of 20 points, the rest full: 84/94 = 89.36 (Khá); Tốt needs 90 % of 94 = 84.6 points,
    # on_time ≥ 10.6 points, rate ≥ 0.53: (10 + k)/(20 + k) ≥ 0.53 ⇔ k ≥ 1.28 → k = 2 (11/21: 89.87; 12/22: 90.33).
    inputs = Inputs({**FULL, "on_time": (10.0, 20.0)}, NO_CULTURE)
    answer = what_it_takes(U, P, inputs, rules)
    assert (answer.status, answer.score, answer.band, answer.next_band) == ("below_next_band", 89.36, "Khá", "Tốt")
    assert answer.next_band_from == 90.0 and answer.points_needed == 0.64
    on_time = need(answer, "on_time")
    assert (on_time.successes_needed, on_time.reachable, on_time.capped) == (2, True, False)
    assert on_time.unit_of_success == "hồ sơ giải quyết đúng hạn"
    assert score_card(U, P, apply(inputs, lever_of("on_time", rules), 1), rules).score == 89.87
    assert score_card(U, P, apply(inputs, lever_of("on_time", rules), 2), rules).score == 90.33
    for code in ("online_payment", "digitised", "dossier_satisfaction", "pakn_on_time", "procedures_published"):
        assert need(answer, code).capped and need(answer, code).successes_needed is None
        assert need(answer, code).note == "Đã đạt điểm tối đa."
    # No headcount: no officer left to train, and no inspection can be scored per 100 officers.
    assert need(answer, "training_share").note == "Không còn cán bộ chưa được bồi dưỡng để thêm."
    assert (
        need(answer, "inspection_findings").note == "Riêng chỉ số này không đủ để đạt xếp loại Tốt (tối đa 89,36 điểm)."
    )
    other = need(answer, "publicity_other")  # no evidence type feeds it
    assert not other.reachable and other.unit_of_success is None
    assert other.note == "Chưa có loại dữ liệu nào cung cấp chỉ số này."


def lever_of(code: str, rules: Rulebook) -> Lever:
    move = lever(code, rules)
    assert move is not None
    return move


def test_catalogue_is_bounded_by_the_procedures_the_unit_has(rules: Rulebook) -> None:
    # on_time 10/20 (10 points) and online coverage 4 of 10 procedures (rate 0.4 of 0.8: 3 of 6 points), the rest
    # full: 81/94 = 86.17. Tốt needs 84.6 points. On time: ≥ 13.6 points, (10 + k)/(20 + k) ≥ 0.68 ⇔ k ≥ 11.25 → 12
    # (11: 89.95).
    # Coverage can add 3 points at most (84 < 84.6): not reachable, 6 procedures left to put online.
    inputs = Inputs({**FULL, "on_time": (10.0, 20.0)}, CultureInputs(0, 0, 0.0, 0, 0, 10, 4, 10))
    answer = what_it_takes(U, P, inputs, rules)
    assert (answer.score, answer.points_needed) == (86.17, 3.83)
    assert need(answer, "on_time").successes_needed == 12
    assert score_card(U, P, apply(inputs, lever_of("on_time", rules), 11), rules).score == 89.95
    coverage = need(answer, "online_service_coverage")
    assert (coverage.reachable, coverage.successes_needed, coverage.capped) == (False, None, False)
    assert coverage.unit_of_success == "thủ tục hiện có được cung cấp dịch vụ công trực tuyến"
    assert coverage.best_score == 89.36  # all 10 online: 84/94
    assert coverage.note == (
        "Riêng chỉ số này không đủ để đạt xếp loại Tốt (tối đa 89,36 điểm, còn 6 thủ tục trong danh mục chưa đạt)."
    )


def test_culture_training_and_clean_inspections_and_penalties(rules: Rulebook) -> None:
    # Service index 84/94 = 89.36 as above; culture over 10 officers: 4 trained (rate 0.4 of 0.8: 20 of 40), one
    # conduct complaint (10 per 100 ≥ 2: 0 of 20), one inspection with weighted findings 5 (50 per 100 ≥ 10: 0 of 30),
    # one disciplined (0 of 10): 20/100. Score 0.7 × 89.36 + 0.3 × 20 = 68.55 (Trung bình); Khá (70) is 1.45 away:
    # culture ≥ (70 − 62.552)/0.3 = 24.83 or service index ≥ (70 − 6)/0.7 = 91.43.
    inputs = Inputs({**FULL, "on_time": (10.0, 20.0), "conduct_substantiated": (1.0, 1.0)}, _culture(4, 5.0, 1, 1))
    answer = what_it_takes(U, P, inputs, rules)
    assert (answer.score, answer.band, answer.next_band, answer.points_needed) == (68.55, "Trung bình", "Khá", 1.45)
    # Training: 5 of 10 trained → 25 points → 70.05.
    training = need(answer, "training_share")
    assert (training.successes_needed, training.unit_of_success) == (
        1,
        "cán bộ được bồi dưỡng",
    )
    # On time: (10 + k)/(20 + k) × 20 ≥ 0.9143 × 94 − 74 = 11.94 ⇔ k ≥ 4.81: 14/24 → 91.13 → 69.79; 15/25 → 70.04.
    assert need(answer, "on_time").successes_needed == 5
    # Clean inspections: 50/(1 + k) per 100 must fall to 8.39 (4.83 of 30 points): k ≥ 4.96 → 5 (8.33: 5 points).
    clean = need(answer, "inspection_findings")
    assert (clean.successes_needed, clean.unit_of_success) == (5, "lần kiểm tra công vụ không phát hiện vi phạm")
    move = lever_of("inspection_findings", rules)
    assert [score_card(U, P, apply(inputs, move, k), rules).score for k in (4, 5)] == [68.55, 70.05]
    for code in ("conduct_complaints", "discipline"):
        penalty = need(answer, code)
        assert (penalty.reachable, penalty.successes_needed, penalty.unit_of_success) == (False, None, None)
        assert penalty.note is not None and penalty.note.startswith("Chỉ số trừ điểm")


def test_clean_inspections_by_hand(rules: Rulebook) -> None:
    # Culture: 10 officers all trained (40), no complaint (20), no discipline (10), one inspection with weighted
    # findings 0.5: 0.5 per inspection × 100/10 = 5 per 100 officers of the limit 10 → 15 of 30. Culture 85/100,
    # service index 89.36: 0.7 × 89.36 + 0.3 × 85 = 88.05. Tốt (90): culture ≥ (90 − 62.552)/0.3 = 91.49 → inspection
    # ≥ 21.49 of 30, rate ≤ 2.84 per 100: 5/(1 + k) ≤ 2.84 ⇔ k ≥ 0.76 → 1 clean inspection (2.5 per 100: 22.5 points,
    # 90.3).
    inputs = Inputs({**FULL, "on_time": (10.0, 20.0)}, _culture(10, 0.5, 1, 0))
    answer = what_it_takes(U, P, inputs, rules)
    assert (answer.score, answer.band) == (88.05, "Khá")
    assert need(answer, "inspection_findings").successes_needed == 1
    assert score_card(U, P, apply(inputs, lever_of("inspection_findings", rules), 1), rules).score == 90.3
    assert need(answer, "training_share").capped and need(answer, "discipline").capped


def _culture(trained: int, findings: float, inspections: int, disciplined: int) -> CultureInputs:
    return CultureInputs(10, trained, findings, inspections, disciplined, 10, 10, 10)


def test_top_band_has_nothing_to_reach(rules: Rulebook) -> None:
    answer = what_it_takes(U, P, Inputs(FULL, NO_CULTURE), rules)
    assert (answer.status, answer.band, answer.next_band, answer.points_needed) == ("top_band", "Tốt", None, None)
    assert all(not i.reachable and i.successes_needed is None for i in answer.indicators)
    assert need(answer, "on_time").capped
    assert answer.as_json()["indicators"][0]["note"] == "Đơn vị đã ở xếp loại cao nhất."


def test_insufficient_data_says_how_many_dossiers_are_missing(rules: Rulebook) -> None:
    answer = what_it_takes(U, P, Inputs({**FULL, "dossier_ok": (12.0, 12.0)}, NO_CULTURE), rules)
    assert (answer.status, answer.score, answer.next_band, answer.dossiers_needed) == (
        "insufficient_data",
        None,
        None,
        8,
    )
    assert not any(i.reachable for i in answer.indicators)


def _generated(rng: random.Random, rules: Rulebook) -> Inputs:
    counters: dict[str, tuple[float, float]] = {}
    for counter in FULL:
        den = float(rng.choice([0, 1, 3, 20, 57, 400, 5000]))
        counters[counter] = (float(rng.randint(0, int(den))), den)
    finished = float(rng.randint(20, 600))
    counters["dossier_ok"] = (float(rng.randint(0, int(finished))), finished)
    counters["conduct_substantiated"] = (float(rng.choice([0, 0, 1, 3])), 0.0)
    officers = rng.choice([0, 1, 7, 40, 250])
    procedures = rng.choice([0, 5, 120])
    culture = CultureInputs(
        officers,
        rng.randint(0, officers),
        rng.choice([0.0, 1.0, 5.0, 13.0]),
        rng.choice([0, 0, 1, 4]),
        rng.choice([0, 0, 0, 1]),
        procedures,
        rng.randint(0, procedures),
        rng.randint(0, procedures),
    )
    return Inputs(counters, culture)


def test_k_successes_reach_the_next_band_and_k_minus_one_do_not_over_generated_scorecards(rules: Rulebook) -> None:
    rng = random.Random(20261125)
    checked = below = 0
    for _ in range(150):
        inputs = _generated(rng, rules)
        answer = what_it_takes(U, P, inputs, rules)
        card = score_card(U, P, inputs, rules)
        assert (answer.score, answer.band) == (card.score, card.band)
        assert [i.code for i in answer.indicators] == [r.code for r in card.indicators + card.culture]
        if answer.status != "below_next_band":
            assert not any(i.reachable for i in answer.indicators)
            continue
        below += 1
        assert answer.next_band_from is not None and answer.score is not None
        assert answer.points_needed == round(answer.next_band_from - answer.score, 2) > 0
        for i in answer.indicators:
            move = lever(i.code, rules)
            if i.successes_needed is None:
                if move is not None:  # the most this indicator alone can add still falls short
                    best = score_card(U, P, apply(inputs, move, room(inputs, move)), rules).score
                    assert best is None or best < answer.next_band_from, (i.code, best)
                continue
            assert move is not None and i.reachable and not i.capped
            k = i.successes_needed
            assert 1 <= k <= min(room(inputs, move), MAX_SUCCESSES)
            reached = score_card(U, P, apply(inputs, move, k), rules)
            short = score_card(U, P, apply(inputs, move, k - 1), rules)
            assert reached.score is not None and reached.score >= answer.next_band_from
            assert reached.band == answer.next_band or reached.band == _above(rules, answer.next_band or "")
            assert short.score is None or short.score < answer.next_band_from
            checked += 1
    assert below > 20 and checked > 50, (below, checked)


def _above(rules: Rulebook, band: str) -> str:
    names = [n for n, _ in rules.bands]
    return names[max(0, names.index(band) - 1)]


def test_the_inputs_read_back_from_a_stored_card_score_the_same_card(rules: Rulebook) -> None:
    rng = random.Random(7)
    for _ in range(200):
        card = score_card(U, P, _generated(rng, rules), rules).as_json()
        again = score_card(U, P, inputs_from_card(card, rules), rules).as_json()
        assert again == card
