"""What it takes to reach the next band (pure): per indicator, the fewest more successes this period that alone lift a
unit's emulation score to the next band's lower bound, or that no number of them can.

Never a formula of its own: each candidate is scored again by `scorecard.unit_scorecard` with the unit's inputs and
k more successes on one indicator, and k is found by bisection (the score does not fall as successes are added).
What one success adds, per kind of indicator:
- a ratio over cases (`on_time`, `online_payment`, `dossier_ok`, `pakn_on_time`, …): one more case of the period that
  meets the indicator, counter numerator + 1 and denominator + 1, every other counter held;
- the procedure catalogue (`procedures_published`, `procedures_online`): one of the unit's existing procedures
  published in full or offered online, numerator + 1 (at most the procedures not yet so);
- training share: one more of the unit's officers trained, numerator + 1 (at most the officers not yet trained);
- inspection findings (per inspection, per 100 officers): one more inspection finding nothing, inspections + 1;
- conduct complaints and discipline are penalties, and an indicator no evidence type feeds has nothing to add:
  no success helps them (said in words).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from schemas.vietnam import number
from schemas.vietnam import score as score_text
from services.scoring.domain.contributions import COUNTERS
from services.scoring.domain.rulebook import Rulebook
from services.scoring.domain.scorecard import (
    CATALOGUE_COUNTERS,
    INSUFFICIENT,
    CultureInputs,
    IndicatorResult,
    UnitScorecard,
    fed,
    unit_scorecard,
)

MAX_SUCCESSES = 100_000  # the search's bound: more than this alone is "not reachable by this indicator alone"

LeverKind = Literal["case", "catalogue", "training", "clean_inspection"]

# What one success is, in words, per counter a ratio indicator reads.
SUCCESS_WORDS = {
    "on_time": "hồ sơ giải quyết đúng hạn",
    "online_submission": "hồ sơ nộp trực tuyến",
    "online_payment": "hồ sơ có phí được thanh toán trực tuyến",
    "digitised": "hồ sơ được số hóa và trả kết quả điện tử",
    "data_reuse": "hồ sơ tái sử dụng dữ liệu đã số hóa",
    "dossier_ok": "hồ sơ đúng hạn, không bị đánh giá chưa hài lòng",
    "result_publication": "hồ sơ được công khai kết quả đúng hạn",
    "pakn_on_time": "phản ánh, kiến nghị xử lý đúng hạn",
    "pakn_ok": "phản ánh, kiến nghị xử lý đúng hạn và được hài lòng",
    "procedures_published": "thủ tục hiện có được công khai đầy đủ",
    "procedures_online": "thủ tục hiện có được cung cấp dịch vụ công trực tuyến",
}
TRAINING_WORDS = "cán bộ được bồi dưỡng"
CATALOGUE_POOL = "thủ tục trong danh mục chưa đạt"
TRAINING_POOL = "cán bộ chưa được bồi dưỡng"
INSPECTION_WORDS = "lần kiểm tra công vụ không phát hiện vi phạm"
# Counters that only ever count against the unit or carry no success.
PENALTY_COUNTERS = frozenset({"conduct_substantiated", "pakn_unjudged"})


@dataclass(frozen=True)
class Inputs:
    """Everything `unit_scorecard` reads for one unit and period."""

    counters: Mapping[str, tuple[float, float]]
    culture: CultureInputs


@dataclass(frozen=True)
class Lever:
    """What one success of an indicator adds to the inputs."""

    kind: LeverKind
    counter: str  # the counter (kind "case"), the catalogue counter, or "" for the culture parts
    words: str  # the unit of success, in Vietnamese
    pool: str = ""  # what successes are drawn from when bounded (catalogue, training), in Vietnamese


@dataclass(frozen=True)
class IndicatorNeed:
    """One indicator: capped or not, and how many successes alone lift the unit to the next band."""

    code: str
    name: str
    group: str
    points: float | None
    max_points: float
    capped: bool
    successes_needed: int | None
    unit_of_success: str | None
    reachable: bool
    note: str | None  # why not, in Vietnamese
    best_score: float | None = None  # not reachable: the score with every success this indicator alone can add

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "group": self.group,
            "points": self.points,
            "max_points": self.max_points,
            "capped": self.capped,
            "successes_needed": self.successes_needed,
            "unit_of_success": self.unit_of_success,
            "reachable": self.reachable,
            "note": self.note,
            "best_score": self.best_score,
        }


Status = Literal["below_next_band", "top_band", "insufficient_data"]


@dataclass(frozen=True)
class NextBand:
    """What it takes a unit to reach the next band in a period, under one rule version."""

    unit_id: str
    period: str
    rule_version: str
    status: Status
    score: float | None
    band: str | None
    next_band: str | None
    next_band_from: float | None  # the next band's lower bound
    points_needed: float | None
    dossiers_needed: int | None  # insufficient data: finished dossiers still missing to be scored at all
    indicators: list[IndicatorNeed]

    def as_json(self) -> dict[str, Any]:
        return {
            "unit_id": self.unit_id,
            "period": self.period,
            "rule_version": self.rule_version,
            "status": self.status,
            "score": self.score,
            "band": self.band,
            "next_band": self.next_band,
            "next_band_from": self.next_band_from,
            "points_needed": self.points_needed,
            "dossiers_needed": self.dossiers_needed,
            "indicators": [i.as_json() for i in self.indicators],
        }


def lever(code: str, rules: Rulebook) -> Lever | None:
    """What one success of the indicator `code` (a rulebook indicator or an office-culture part) adds; None when no
    success can raise it (a penalty, or no evidence type feeds it)."""
    if code == "training_share":
        return Lever("training", "", TRAINING_WORDS, TRAINING_POOL)
    if code == "inspection_findings":
        return Lever("clean_inspection", "", INSPECTION_WORDS)
    indicator = rules.indicators.get(code)
    if indicator is None or not fed(indicator) or indicator.source in PENALTY_COUNTERS:
        return None  # conduct_complaints, discipline, an indicator without evidence
    if indicator.source in CATALOGUE_COUNTERS:
        return Lever("catalogue", indicator.source, SUCCESS_WORDS[indicator.source], CATALOGUE_POOL)
    if indicator.source in COUNTERS:
        return Lever("case", indicator.source, SUCCESS_WORDS.get(indicator.source, "trường hợp đạt chỉ số"))
    return None


def room(inputs: Inputs, move: Lever) -> int:
    """The most successes the lever can add: bounded by what the unit has for numerator-only levers."""
    x = inputs.culture
    if move.kind == "catalogue":
        done = x.procedures_published if move.counter == "procedures_published" else x.procedures_online
        return max(0, min(MAX_SUCCESSES, x.procedures - done))
    if move.kind == "training":
        return max(0, min(MAX_SUCCESSES, x.officers - x.trained_officers))
    return MAX_SUCCESSES


def apply(inputs: Inputs, move: Lever, k: int) -> Inputs:
    """The inputs with k more successes of the lever (module docstring: what one success adds)."""
    x = inputs.culture
    if move.kind == "case":
        num, den = inputs.counters.get(move.counter, (0.0, 0.0))
        return Inputs({**inputs.counters, move.counter: (num + k, den + k)}, x)
    if move.kind == "catalogue":
        if move.counter == "procedures_published":
            return Inputs(inputs.counters, replace(x, procedures_published=x.procedures_published + k))
        return Inputs(inputs.counters, replace(x, procedures_online=x.procedures_online + k))
    if move.kind == "training":
        return Inputs(inputs.counters, replace(x, trained_officers=x.trained_officers + k))
    return Inputs(inputs.counters, replace(x, inspections=x.inspections + k))


def score_card(unit_id: str, period: str, inputs: Inputs, rules: Rulebook) -> UnitScorecard:
    """The scorecard exactly as the rescorer computes it."""
    return unit_scorecard(unit_id, period, inputs.counters, inputs.culture, rules)


def next_band_of(band: str, rules: Rulebook) -> tuple[str, float] | None:
    """The band just above `band` with its lower bound; None for the top band."""
    names = [name for name, _ in rules.bands]  # highest first
    at = names.index(band)
    return rules.bands[at - 1] if at > 0 else None


def smallest(reaches: Callable[[int], bool], most: int) -> int | None:
    """The smallest k in 1..most with reaches(k), reaches being false at 0 and not falling as k grows; None if none."""
    if most < 1 or not reaches(most):
        return None
    lo, hi = 0, most  # reaches(lo) false, reaches(hi) true
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if reaches(mid):
            hi = mid
        else:
            lo = mid
    return hi


def what_it_takes(unit_id: str, period: str, inputs: Inputs, rules: Rulebook) -> NextBand:
    """Per indicator of the unit's scorecard: capped or not, and the fewest more successes that alone lift the
    emulation score to the next band's lower bound (None: not reachable by this indicator alone)."""
    card = score_card(unit_id, period, inputs, rules)
    results = card.indicators + card.culture
    if card.score is None or card.band is None:
        missing = max(0.0, rules.min_dossiers - card.evidence.get("dossiers_finished", 0.0))
        why = f"{INSUFFICIENT}: đơn vị chưa được tính điểm thi đua."
        needs = [_need(r, lever(r.code, rules), None, why) for r in results]
        return NextBand(
            unit_id, period, rules.version, "insufficient_data", None, None, None, None, None, int(missing), needs
        )
    above = next_band_of(card.band, rules)
    if above is None:
        needs = [_need(r, lever(r.code, rules), None, "Đơn vị đã ở xếp loại cao nhất.") for r in results]
        return NextBand(
            unit_id, period, rules.version, "top_band", card.score, card.band, None, None, None, None, needs
        )
    target, lower = above

    def reaches_with(move: Lever) -> Callable[[int], bool]:
        def reaches(k: int) -> bool:
            score = score_card(unit_id, period, apply(inputs, move, k), rules).score
            return score is not None and score >= lower

        return reaches

    needs = []
    for r in results:
        move = lever(r.code, rules)
        if move is None:
            needs.append(_need(r, None, None, "Đã đạt điểm tối đa." if _capped(r) else _why_no_lever(r.code, rules)))
            continue
        most = room(inputs, move)
        k = smallest(reaches_with(move), most)
        if k is not None:
            needs.append(_need(r, move, k, None))
        elif _capped(r):
            needs.append(_need(r, move, None, "Đã đạt điểm tối đa."))
        elif most < 1:
            needs.append(_need(r, move, None, f"Không còn {move.pool} để thêm."))
        else:
            best = score_card(unit_id, period, apply(inputs, move, most), rules).score
            left = f", còn {number(most)} {move.pool}" if move.pool else ""
            reach = f"tối đa {score_text(best)} điểm" if best is not None else INSUFFICIENT.lower()
            note = f"Riêng chỉ số này không đủ để đạt xếp loại {target} ({reach}{left})."
            needs.append(_need(r, move, None, note, best))
    return NextBand(
        unit_id,
        period,
        rules.version,
        "below_next_band",
        card.score,
        card.band,
        target,
        lower,
        round(lower - card.score, 2),
        None,
        needs,
    )


def _capped(r: IndicatorResult) -> bool:
    return r.points is not None and r.points >= r.max_points - 1e-9


def _need(
    r: IndicatorResult, move: Lever | None, k: int | None, note: str | None, best: float | None = None
) -> IndicatorNeed:
    return IndicatorNeed(
        r.code,
        r.name,
        r.group,
        r.points,
        r.max_points,
        _capped(r),
        k,
        move.words if move is not None else None,
        k is not None,
        note,
        best,
    )


def _why_no_lever(code: str, rules: Rulebook) -> str:
    indicator = rules.indicators.get(code)
    if indicator is not None and not fed(indicator):
        return "Chưa có loại dữ liệu nào cung cấp chỉ số này."
    return "Chỉ số trừ điểm: thêm kết quả tốt trong kỳ không bù được vi phạm đã ghi nhận."


def inputs_from_card(card: Mapping[str, Any], rules: Rulebook) -> Inputs:
    """The inputs a stored scorecard (`UnitScorecard.as_json()`) was computed from, under the rulebook it names:
    every counter an indicator reads is on the card with its numerator and denominator, and so are the office-culture
    facts (headcount, trained officers, weighted findings and inspections, disciplinary decisions, the catalogue)."""
    evidence = card.get("evidence", {})
    culture = {c["code"]: c for c in card.get("culture", [])}
    counters: dict[str, tuple[float, float]] = {
        "dossier_ok": (0.0, float(evidence.get("dossiers_finished", 0.0))),
        "pakn_unjudged": (float(evidence.get("complaints_unjudged", 0.0)), 0.0),
        "conduct_substantiated": (float(culture.get("conduct_complaints", {}).get("numerator", 0.0)), 0.0),
    }
    catalogue = {"procedures_published": 0, "procedures_online": 0}
    for shown in card.get("indicators", []):
        indicator = rules.indicators.get(shown["code"])
        if indicator is None:
            continue
        num, den = float(shown["numerator"]), float(shown["denominator"])
        if indicator.source in CATALOGUE_COUNTERS:
            catalogue[indicator.source] = int(num)
        else:
            counters[indicator.source] = (num, den)
    return Inputs(
        counters,
        CultureInputs(
            officers=int(evidence.get("officers", 0)),
            trained_officers=int(culture.get("training_share", {}).get("numerator", 0)),
            weighted_findings=float(culture.get("inspection_findings", {}).get("numerator", 0.0)),
            inspections=int(evidence.get("inspections", 0)),
            disciplined=int(culture.get("discipline", {}).get("numerator", 0)),
            procedures=int(evidence.get("procedures", 0)),
            procedures_online=catalogue["procedures_online"],
            procedures_published=catalogue["procedures_published"],
        ),
    )
