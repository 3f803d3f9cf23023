"""An officer's scorecard for a period: training hours and disciplinary decisions against the officer rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from schemas.vietnam import number
from services.scoring.domain.rulebook import Indicator, Rulebook
from services.scoring.domain.scorecard import IndicatorResult, _ratio, _rounded


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
