"""From counted evidence to points: the unit scorecard (service index, office culture, emulation score)
and the officer's evidence-based score. Pure: every number shows its numerator, denominator and rule."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from schemas.vietnam import number
from services.scoring.domain.contributions import COUNTERS
from services.scoring.domain.rulebook import Indicator, Rulebook

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


def unit_scorecard(
    unit_id: str, period: str, counters: Counters, culture_in: CultureInputs, rules: Rulebook
) -> UnitScorecard:
    """Score a unit: the 766-style service index, the office-culture index and their weighted sum."""
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
    groups: dict[str, dict[str, float | None]] = {}
    for code, (_, maximum) in rules.groups.items():
        scored = [i for i in indicators if i.group == code and i.points is not None]
        groups[code] = {
            "max": maximum,
            "points": sum(i.points or 0 for i in scored) if scored else None,
            "scored_max": sum(i.max_points for i in scored),
        }
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
    conduct_part = IndicatorResult(
        "conduct_complaints",
        "Phản ánh có cơ sở về thái độ, tác phong (trên 100 cán bộ)",
        "culture",
        conduct,
        x.officers,
        None,
        r.conduct_limit_per_100,
        r.conduct_max,
        None,
    )
    findings = IndicatorResult(
        "inspection_findings",
        "Vi phạm qua kiểm tra công vụ (có trọng số, mỗi lần kiểm tra, trên 100 cán bộ)",
        "culture",
        x.weighted_findings,
        float(x.inspections),
        None,
        r.inspection_limit_per_100,
        r.inspection_max,
        None,
    )
    if x.officers > 0:
        conduct_rate = conduct * 100 / x.officers
        conduct_part = IndicatorResult(
            conduct_part.code,
            conduct_part.name,
            "culture",
            conduct,
            x.officers,
            conduct_rate,
            r.conduct_limit_per_100,
            r.conduct_max,
            r.conduct_max * max(0.0, 1 - conduct_rate / r.conduct_limit_per_100),
        )
        if x.inspections > 0:
            rate = x.weighted_findings / x.inspections * 100 / x.officers
            findings = IndicatorResult(
                findings.code,
                findings.name,
                "culture",
                x.weighted_findings,
                float(x.inspections),
                rate,
                r.inspection_limit_per_100,
                r.inspection_max,
                r.inspection_max * max(0.0, 1 - rate / r.inspection_limit_per_100),
            )
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
    """An officer's evidence-based score for one period, over the parts that have evidence."""

    officer_id: str
    period: str
    rule_version: str
    parts: list[IndicatorResult]
    score: float
    band: str
    weight_covered: float = 1.0
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "officer_id": self.officer_id,
            "period": self.period,
            "rule_version": self.rule_version,
            "parts": [p.as_json() for p in self.parts],
            "score": self.score,
            "band": self.band,
            "weight_covered": self.weight_covered,
            "notes": self.notes,
        }


def officer_scorecard(officer_id: str, period: str, x: OfficerInputs, rules: Rulebook) -> OfficerScorecard:
    """Dossiers on time, training hours, conduct; discipline caps the score (docs/rules.md, "Individuals"). A part
    without evidence (no dossiers handled) is missing and the score is taken over the parts that have it."""
    o = rules.officer
    on_time = _ratio(Indicator("on_time", "officer", "Hồ sơ giải quyết đúng hạn", o.on_time_max, 1.0), *x.on_time)
    target = o.training_hours_per_year * x.period_fraction
    training = _ratio(
        Indicator("training_hours", "officer", "Số giờ bồi dưỡng", o.training_max, 1.0), x.training_hours, target
    )
    conduct = IndicatorResult(
        "conduct",
        "Phản ánh có cơ sở về tác phong",
        "officer",
        x.conduct_substantiated,
        0,
        None,
        None,
        o.conduct_max,
        max(0.0, o.conduct_max - o.conduct_penalty * x.conduct_substantiated),
    )
    parts = [on_time, training, conduct]
    covered = sum(p.max_points for p in parts if p.points is not None)
    total = sum(p.max_points for p in parts)
    score = 100 * sum(p.points or 0 for p in parts) / covered if covered else 0.0
    notes = []
    if covered < total:
        lacking = ", ".join(p.name for p in parts if p.points is None)
        notes.append(
            f"Điểm tính trên {number(covered)}/{number(total)} điểm có dữ liệu (thiếu: {lacking}), "
            "quy đổi về thang 100."
        )
    if x.disciplined:
        score = min(score, o.disciplined_cap)
        notes.append(f"Bị kỷ luật trong kỳ: điểm tối đa {number(o.disciplined_cap)}.")
    score = _rounded(score)
    return OfficerScorecard(
        officer_id,
        period,
        rules.version,
        parts,
        score,
        rules.band(score),
        round(covered / total, 4) if total else 0.0,
        notes,
    )
