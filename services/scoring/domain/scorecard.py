"""From counted evidence to points: the unit scorecard (service index, office culture, emulation score)
and the officer's evidence-based score. Pure: every number shows its numerator, denominator and rule."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from services.scoring.domain.rulebook import Rulebook

Counters = Mapping[str, tuple[float, float]]  # counter -> (numerator, denominator)


@dataclass(frozen=True)
class IndicatorResult:
    """One indicator: the counts behind it, the rate, the rule and the points."""

    code: str
    name: str
    group: str
    numerator: float
    denominator: float
    rate: float | None
    threshold: float | None
    max_points: float
    points: float | None  # None: no evidence in the period, left out of the scale

    def as_json(self) -> dict[str, Any]:
        # Written by hand: dataclasses.asdict deep-copies and was the rescorer's hottest line.
        return {"code": self.code, "name": self.name, "group": self.group, "numerator": self.numerator,
                "denominator": self.denominator, "rate": self.rate, "threshold": self.threshold,
                "max_points": self.max_points, "points": self.points}


@dataclass(frozen=True)
class CultureInputs:
    """Low-volume facts of a unit in a period (officers, trainings, inspections, discipline)."""

    officers: int
    trained_officers: int
    weighted_findings: float
    inspections: int
    disciplined: int


@dataclass(frozen=True)
class UnitScorecard:
    """A unit's scorecard for one period under one rule version."""

    unit_id: str
    period: str
    rule_version: str
    indicators: list[IndicatorResult]
    groups: dict[str, dict[str, float | None]]
    service_index: float | None
    service_band: str | None
    culture: list[IndicatorResult]
    culture_index: float
    score: float
    band: str
    evidence: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"unit_id": self.unit_id, "period": self.period, "rule_version": self.rule_version,
                "indicators": [i.as_json() for i in self.indicators], "groups": self.groups,
                "service_index": self.service_index, "service_band": self.service_band,
                "culture": [i.as_json() for i in self.culture], "culture_index": self.culture_index,
                "score": self.score, "band": self.band, "evidence": self.evidence}


def _ratio(code: str, name: str, group: str, num: float, den: float, threshold: float, max_points: float
           ) -> IndicatorResult:
    if den <= 0:
        return IndicatorResult(code, name, group, num, den, None, threshold, max_points, None)
    rate = num / den
    points = max_points if rate >= threshold else rate * max_points / threshold
    return IndicatorResult(code, name, group, num, den, rate, threshold, max_points, points)


def _rounded(value: float) -> float:
    return round(value, 2)


def unit_scorecard(unit_id: str, period: str, counters: Counters, culture_in: CultureInputs,
                   rules: Rulebook) -> UnitScorecard:
    """Score a unit: the 766-style service index, the office-culture index and their weighted sum."""
    c = {k: counters.get(k, (0.0, 0.0)) for k in (
        "on_time", "online_submission", "online_payment", "digitised", "data_reuse", "dossier_ok",
        "pakn_on_time", "pakn_ok", "pakn_procedure", "conduct_substantiated")}
    sources = {code: c[code] for code in ("on_time", "online_submission", "online_payment", "digitised",
                                          "data_reuse", "pakn_on_time")}
    sources["pakn_satisfaction"] = c["pakn_ok"]
    # Dossier satisfaction: (dossiers − unsatisfied or late − PAKN about procedures) ÷ dossiers.
    ok, dossiers = c["dossier_ok"]
    sources["dossier_satisfaction"] = (max(0.0, ok - c["pakn_procedure"][0]), dossiers)
    indicators = [_ratio(i.code, i.name, i.group, *sources.get(i.code, (0.0, 0.0)), i.threshold, i.max_points)
                  for i in rules.indicators.values()]
    groups: dict[str, dict[str, float | None]] = {}
    for code, (_, maximum) in rules.groups.items():
        scored = [i for i in indicators if i.group == code and i.points is not None]
        groups[code] = {"max": maximum, "points": sum(i.points or 0 for i in scored) if scored else None,
                        "scored_max": sum(i.max_points for i in scored)}
    scored_max = sum(i.max_points for i in indicators if i.points is not None)
    service_index = (_rounded(100 * sum(i.points or 0 for i in indicators) / scored_max)
                     if scored_max else None)
    culture = culture_parts(culture_in, c["conduct_substantiated"][0], rules)
    culture_index = _rounded(sum(i.points or 0 for i in culture))
    # Without dossier evidence the unit is scored on office culture alone, never on a missing number.
    score = culture_index if service_index is None else _rounded(
        rules.service_weight * service_index + rules.culture_weight * culture_index)
    return UnitScorecard(
        unit_id, period, rules.version, indicators, groups, service_index,
        rules.band(service_index) if service_index is not None else None, culture, culture_index, score,
        rules.band(score), evidence={"dossiers_judged": c["on_time"][1], "dossiers_finished": dossiers,
                                     "complaints_judged": c["pakn_on_time"][1], "officers": culture_in.officers,
                                     "inspections": culture_in.inspections})


def culture_parts(x: CultureInputs, conduct: float, rules: Rulebook) -> list[IndicatorResult]:
    """The office-culture index in four parts: training, conduct complaints, inspections, discipline."""
    r = rules.culture
    per_100 = 100 / x.officers if x.officers else 0.0
    training = _ratio("training_share", "Tỷ lệ cán bộ được bồi dưỡng văn hóa công sở, chuyên môn", "culture",
                      x.trained_officers, x.officers, r.training_threshold, r.training_max)
    if training.points is None:
        training = IndicatorResult(training.code, training.name, "culture", 0, 0, None, r.training_threshold,
                                   r.training_max, 0.0)
    conduct_rate = conduct * per_100
    findings_rate = x.weighted_findings * per_100
    return [
        training,
        IndicatorResult("conduct_complaints", "Phản ánh có cơ sở về thái độ, tác phong (trên 100 cán bộ)", "culture",
                        conduct, x.officers, conduct_rate, r.conduct_limit_per_100, r.conduct_max,
                        r.conduct_max * max(0.0, 1 - conduct_rate / r.conduct_limit_per_100)),
        IndicatorResult("inspection_findings", "Vi phạm qua kiểm tra công vụ (có trọng số, trên 100 cán bộ)",
                        "culture", x.weighted_findings, x.officers, findings_rate, r.inspection_limit_per_100,
                        r.inspection_max, r.inspection_max * max(0.0, 1 - findings_rate / r.inspection_limit_per_100)),
        IndicatorResult("discipline", "Không có cán bộ bị kỷ luật", "culture", float(x.disciplined), 0, None, None,
                        r.discipline_max, 0.0 if x.disciplined else r.discipline_max),
    ]


@dataclass(frozen=True)
class OfficerInputs:
    """What the evidence says about one officer in a period."""

    on_time: tuple[float, float]
    training_hours: float
    conduct_substantiated: float
    disciplined: int
    period_fraction: float  # 1 for a year, 0.25 for a quarter, 1/12 for a month, 7 for the stage


@dataclass(frozen=True)
class OfficerScorecard:
    """An officer's evidence-based score for one period."""

    officer_id: str
    period: str
    rule_version: str
    parts: list[IndicatorResult]
    score: float
    band: str

    def as_json(self) -> dict[str, Any]:
        return {"officer_id": self.officer_id, "period": self.period, "rule_version": self.rule_version,
                "parts": [p.as_json() for p in self.parts], "score": self.score, "band": self.band}


def officer_scorecard(officer_id: str, period: str, x: OfficerInputs, rules: Rulebook) -> OfficerScorecard:
    """Dossiers on time, training hours, conduct; discipline caps the score (domain.md §4)."""
    o = rules.officer
    on_time = _ratio("on_time", "Hồ sơ giải quyết đúng hạn", "officer", *x.on_time, 1.0, o.on_time_max)
    if on_time.points is None:  # handles no dossiers: neither rewarded nor punished
        on_time = IndicatorResult("on_time", on_time.name, "officer", 0, 0, None, 1.0, o.on_time_max, o.on_time_max)
    target = o.training_hours_per_year * x.period_fraction
    training = _ratio("training_hours", "Số giờ bồi dưỡng", "officer", x.training_hours, target, 1.0, o.training_max)
    conduct = IndicatorResult("conduct", "Phản ánh có cơ sở về tác phong", "officer", x.conduct_substantiated, 0,
                              None, None, o.conduct_max,
                              max(0.0, o.conduct_max - o.conduct_penalty * x.conduct_substantiated))
    score = sum(p.points or 0 for p in (on_time, training, conduct))
    if x.disciplined:
        score = min(score, o.disciplined_cap)
    score = _rounded(score)
    return OfficerScorecard(officer_id, period, rules.version, [on_time, training, conduct], score, rules.band(score))
