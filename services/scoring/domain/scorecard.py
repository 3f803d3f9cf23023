"""From counted evidence to points: the unit scorecard (service index, office culture, emulation score)
and the officer's evidence-based score. Pure: every number shows its numerator, denominator and rule."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from schemas.vietnam import number
from services.scoring.domain.contributions import COUNTERS
from services.scoring.domain.rulebook import Culture, Indicator, Rulebook

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
        return {
            "code": self.code,
            "name": self.name,
            "group": self.group,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "rate": self.rate,
            "threshold": self.threshold,
            "max_points": self.max_points,
            "points": self.points,
        }


@dataclass(frozen=True)
class CultureInputs:
    """Low-volume facts of a unit in a period (officers, trainings, inspections, discipline, catalogue)."""

    officers: int
    trained_officers: int
    weighted_findings: float
    inspections: int
    disciplined: int
    procedures: int = 0  # active procedures in the unit's catalogue at the period's end
    procedures_online: int = 0
    procedures_published: int = 0


INSUFFICIENT = "Chưa đủ dữ liệu"


@dataclass(frozen=True)
class UnitScorecard:
    """A unit's scorecard for one period under one rule version; score None = not ranked (chưa đủ dữ liệu)."""

    unit_id: str
    period: str
    rule_version: str
    indicators: list[IndicatorResult]
    groups: dict[str, dict[str, float | None]]
    service_index: float | None
    service_band: str | None
    culture: list[IndicatorResult]
    culture_index: float | None
    score: float | None
    band: str | None
    evidence: dict[str, float] = field(default_factory=dict)
    missing: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "scored" if self.score is not None else "insufficient_data"

    def as_json(self) -> dict[str, Any]:
        return {
            "unit_id": self.unit_id,
            "period": self.period,
            "rule_version": self.rule_version,
            "indicators": [i.as_json() for i in self.indicators],
            "groups": self.groups,
            "service_index": self.service_index,
            "service_band": self.service_band,
            "culture": [i.as_json() for i in self.culture],
            "culture_index": self.culture_index,
            "score": self.score,
            "band": self.band,
            "status": self.status,
            "status_label": INSUFFICIENT if self.score is None else self.band,
            "evidence": self.evidence,
            "missing": self.missing,
            "notes": self.notes,
        }


def _ratio(indicator: Indicator, num: float, den: float) -> IndicatorResult:
    """The indicator over its counts: points by the rulebook's ratio formula, None without a denominator."""
    i = indicator
    if den <= 0:
        return IndicatorResult(i.code, i.name, i.group, num, den, None, i.threshold, i.max_points, None)
    rate = num / den
    return IndicatorResult(i.code, i.name, i.group, num, den, rate, i.threshold, i.max_points, i.points(rate))


def _missing(i: IndicatorResult) -> IndicatorResult:
    return IndicatorResult(i.code, i.name, i.group, i.numerator, i.denominator, None, i.threshold, i.max_points, None)


def _rounded(value: float) -> float:
    return round(value, 2)


# Counters read from the procedure catalogue (facts) rather than from cases: (numerator, all active procedures).
CATALOGUE_COUNTERS = ("procedures_published", "procedures_online")


@dataclass(frozen=True)
class Evidence:
    """Where the events behind an indicator are: the counters its cases feed, or a kind of facts."""

    counters: tuple[str, ...] = ()
    fact_kind: str | None = None


# The office-culture parts are computed by culture_parts below, not listed in the rulebook.
CULTURE_EVIDENCE = {
    "training_share": Evidence(fact_kind="training"),
    "conduct_complaints": Evidence(counters=("conduct_substantiated",)),
    "inspection_findings": Evidence(fact_kind="inspection"),
    "discipline": Evidence(fact_kind="discipline"),
}


def fed(indicator: Indicator) -> bool:
    """Some evidence type feeds the indicator's counter (else it is always listed as missing)."""
    return indicator.has_evidence and (indicator.source in COUNTERS or indicator.source in CATALOGUE_COUNTERS)


def evidence_behind(rules: Rulebook) -> dict[str, Evidence]:
    """Every indicator of a unit's scorecard that evidence feeds, in the card's order, and where its events are."""
    found = {
        i.code: Evidence(fact_kind="catalogue") if i.source in CATALOGUE_COUNTERS else Evidence((i.source,))
        for i in rules.indicators.values()
        if fed(i)
    }
    return found | CULTURE_EVIDENCE


NO_CASE_REASON = "không có hồ sơ, phản ánh hoặc danh mục thủ tục làm căn cứ trong kỳ"


def _service_indicators(
    counters: Counters, culture_in: CultureInputs, rules: Rulebook
) -> tuple[list[IndicatorResult], list[dict[str, Any]]]:
    """Each indicator of the rulebook judged from its counters (the catalogue's from the procedures), and the ones
    without evidence with the reason why."""
    catalogue = {
        "procedures_published": (float(culture_in.procedures_published), float(culture_in.procedures)),
        "procedures_online": (float(culture_in.procedures_online), float(culture_in.procedures)),
    }
    indicators: list[IndicatorResult] = []
    missing: list[dict[str, Any]] = []
    for i in rules.indicators.values():
        result = _ratio(i, *catalogue.get(i.source) or counters.get(i.source, (0.0, 0.0)))
        if not fed(i):
            result = _missing(result)
            missing.append(
                {
                    "code": i.code,
                    "name": i.name,
                    "max_points": i.max_points,
                    "reason": "chưa có loại dữ liệu (sự kiện) nào cung cấp chỉ số này",
                }
            )
        elif result.points is None:
            missing.append({"code": i.code, "name": i.name, "max_points": i.max_points, "reason": NO_CASE_REASON})
        indicators.append(result)
    return indicators, missing


def _groups(indicators: list[IndicatorResult], rules: Rulebook) -> dict[str, dict[str, float | None]]:
    """Per group of the rulebook: its maximum, the points of its scored indicators, and their maximum."""
    groups: dict[str, dict[str, float | None]] = {}
    for code, (_, maximum) in rules.groups.items():
        scored = [i for i in indicators if i.group == code and i.points is not None]
        groups[code] = {
            "max": maximum,
            "points": sum(i.points or 0 for i in scored) if scored else None,
            "scored_max": sum(i.max_points for i in scored),
        }
    return groups


def unit_scorecard(
    unit_id: str, period: str, counters: Counters, culture_in: CultureInputs, rules: Rulebook
) -> UnitScorecard:
    """Score a unit: the 766-style service index, the office-culture index and their weighted sum."""
    indicators, missing = _service_indicators(counters, culture_in, rules)
    groups = _groups(indicators, rules)
    scored_max = sum(i.max_points for i in indicators if i.points is not None)
    total_max = sum(i.max_points for i in indicators)
    finished = counters.get("dossier_ok", (0.0, 0.0))[1]
    notes: list[str] = []
    service_index: float | None = None
    if finished < rules.min_dossiers:
        notes.append(
            f"{INSUFFICIENT}: {number(finished)} hồ sơ đã giải quyết trong kỳ, cần tối thiểu "
            f"{rules.min_dossiers} hồ sơ để tính chỉ số phục vụ; đơn vị không được tính điểm thi đua và "
            "không xếp hạng."
        )
    elif scored_max:
        service_index = _rounded(100 * sum(i.points or 0 for i in indicators) / scored_max)
        if missing:
            notes.append(
                f"Chỉ số phục vụ tính trên {number(scored_max)}/{number(total_max)} điểm có dữ liệu "
                f"(thiếu: {', '.join(m['name'] for m in missing)}), quy đổi về thang 100."
            )
    culture = culture_parts(culture_in, counters.get("conduct_substantiated", (0.0, 0.0))[0], rules)
    culture_index, culture_note = culture_score(culture, rules)
    if culture_note:
        notes.append(culture_note)
    score: float | None = None
    if service_index is not None:
        if culture_index is None:
            score = service_index
            notes.append("Điểm thi đua = chỉ số phục vụ (chỉ số văn hóa công sở chưa đủ dữ liệu).")
        else:
            score = _rounded(rules.service_weight * service_index + rules.culture_weight * culture_index)
    unjudged = counters.get("pakn_unjudged", (0.0, 0.0))[0]
    if unjudged:
        notes.append(
            f"{number(unjudged)} phản ánh, kiến nghị chưa được đánh giá đúng hạn: thiếu lịch ngày làm việc của năm."
        )
    return UnitScorecard(
        unit_id,
        period,
        rules.version,
        indicators,
        groups,
        service_index,
        rules.band(service_index) if service_index is not None else None,
        culture,
        culture_index,
        score,
        rules.band(score) if score is not None else None,
        evidence={
            "dossiers_judged": counters.get("on_time", (0.0, 0.0))[1],
            "dossiers_finished": finished,
            "min_dossiers": float(rules.min_dossiers),
            "complaints_judged": counters.get("pakn_on_time", (0.0, 0.0))[1],
            "complaints_unjudged": unjudged,
            "officers": culture_in.officers,
            "inspections": culture_in.inspections,
            "procedures": culture_in.procedures,
        },
        missing=missing,
        notes=notes,
    )


def culture_score(parts: list[IndicatorResult], rules: Rulebook) -> tuple[float | None, str | None]:
    """The office-culture index over the parts with evidence, rescaled to 100, and the words saying so."""
    covered = sum(p.max_points for p in parts if p.points is not None)
    total = sum(p.max_points for p in parts)
    lacking = [p.name for p in parts if p.points is None]
    if not total or covered / total < rules.culture.min_covered_share:
        return None, (
            f"Chỉ số văn hóa công sở chưa tính: chỉ {number(covered)}/{number(total)} điểm có dữ liệu "
            f"(thiếu: {', '.join(lacking)})."
        )
    index = _rounded(100 * sum(p.points or 0 for p in parts) / covered)
    if not lacking:
        return index, None
    return index, (
        f"Chỉ số văn hóa công sở tính trên {number(covered)}/{number(total)} điểm có dữ liệu "
        f"(thiếu: {', '.join(lacking)}), quy đổi về thang 100."
    )


def _conduct_part(x: CultureInputs, conduct: float, r: Culture) -> IndicatorResult:
    """Substantiated conduct complaints per 100 officers (missing without a headcount)."""
    rate = conduct * 100 / x.officers if x.officers > 0 else None
    points = None if rate is None else r.conduct_max * max(0.0, 1 - rate / r.conduct_limit_per_100)
    name = "Phản ánh có cơ sở về thái độ, tác phong (trên 100 cán bộ)"
    limit = r.conduct_limit_per_100
    return IndicatorResult(
        "conduct_complaints", name, "culture", conduct, x.officers, rate, limit, r.conduct_max, points
    )


def _findings_part(x: CultureInputs, r: Culture) -> IndicatorResult:
    """Weighted inspection findings per inspection per 100 officers (missing without a headcount or an inspection)."""
    rate = x.weighted_findings / x.inspections * 100 / x.officers if x.officers > 0 and x.inspections > 0 else None
    points = None if rate is None else r.inspection_max * max(0.0, 1 - rate / r.inspection_limit_per_100)
    name = "Vi phạm qua kiểm tra công vụ (có trọng số, mỗi lần kiểm tra, trên 100 cán bộ)"
    found, inspections, limit = x.weighted_findings, float(x.inspections), r.inspection_limit_per_100
    return IndicatorResult(
        "inspection_findings", name, "culture", found, inspections, rate, limit, r.inspection_max, points
    )


def culture_parts(x: CultureInputs, conduct: float, rules: Rulebook) -> list[IndicatorResult]:
    """The office-culture index in four parts: training, conduct complaints, inspections, discipline.

    Per-100-officer rates need a known headcount and inspection findings an inspection (docs/rules.md, "The
    movement's collective score"): without them the part is missing (points None), never full points."""
    r = rules.culture
    training = _ratio(
        Indicator(
            "training_share",
            "culture",
            "Tỷ lệ cán bộ được bồi dưỡng văn hóa công sở, chuyên môn",
            r.training_max,
            r.training_threshold,
        ),
        x.trained_officers,
        x.officers,
    )
    conduct_part = _conduct_part(x, conduct, r)
    findings = _findings_part(x, r)
    return [
        training,
        conduct_part,
        findings,
        IndicatorResult(
            "discipline",
            "Không có cán bộ bị kỷ luật",
            "culture",
            float(x.disciplined),
            0,
            None,
            None,
            r.discipline_max,
            0.0 if x.disciplined else r.discipline_max,
        ),
    ]
