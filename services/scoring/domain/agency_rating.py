"""An agency's (cơ quan) own 100-point rating under Decree 335/2025/NĐ-CP, from the evidence we hold (pure).

General criteria ≤ 30 (policy compliance, discipline, the head's responsibility, office culture) and task results
≤ 70 (plan completion, timeliness, quality, administrative-procedure results). We hold evidence for one part only:
the TTHC results, from our Decision 766 service index of the year; office culture has our culture index beside it
(proposed, not given, unless the rule file says so). Every other part says "chưa có minh chứng": never zero, never
invented. The HR office's rating of the unit (evaluation.recorded without an officer) is shown beside ours."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from services.scoring.domain.tracking import LEVEL_NAMES, Level

DECREE = "Nghị định 335/2025/NĐ-CP"
GENERAL_MAX = 30.0  # the decree's split of the 100 points (legal brief: H)
TASK_MAX = 70.0
NO_EVIDENCE = "chưa có minh chứng"
Group = Literal["general", "task"]
RANKED: tuple[Level, ...] = ("excellent", "good", "complete")
INDICES = ("service_index", "culture_index")  # the unit's year scorecard figures a criterion may take


@dataclass(frozen=True)
class AgencyCriterion:
    """One criterion of the agency rating: its group, maximum, and the index (0–100) that evidences it, if any."""

    code: str
    name: str
    group: Group
    max_points: float
    index: str | None = None
    scored: bool = True  # False: the index only proposes points (shown beside, not counted)


DEFAULT_CRITERIA = (
    AgencyCriterion("chap_hanh", "Chấp hành chủ trương, chính sách, pháp luật", "general", 7.5),
    AgencyCriterion("ky_luat", "Kỷ luật, kỷ cương hành chính", "general", 7.5),
    AgencyCriterion("nguoi_dung_dau", "Trách nhiệm của người đứng đầu", "general", 7.5),
    AgencyCriterion("van_hoa", "Văn hóa công sở", "general", 7.5, index="culture_index", scored=False),
    AgencyCriterion("ke_hoach", "Hoàn thành kế hoạch công tác", "task", 17.5),
    AgencyCriterion("tien_do", "Tiến độ thực hiện nhiệm vụ", "task", 17.5),
    AgencyCriterion("chat_luong", "Chất lượng, hiệu quả thực hiện nhiệm vụ", "task", 17.5),
    AgencyCriterion("tthc", "Kết quả giải quyết thủ tục hành chính", "task", 17.5, index="service_index"),
)


@dataclass(frozen=True)
class AgencyRules:
    """The rule file's [agency_rating]: the criteria split, which index evidences which, the level thresholds."""

    effective_from: date = date(2026, 1, 1)
    criteria: tuple[AgencyCriterion, ...] = DEFAULT_CRITERIA
    excellent: float = 90.0  # the agency thresholds are assumed to be the officers' (legal brief: L)
    good: float = 70.0
    complete: float = 50.0
    confirmed: bool = False  # the split between criteria and the index shares are ours

    def applies(self, year: int) -> bool:
        return self.effective_from.year <= year

    def level(self, score: float) -> Level:
        """The level a 0–100 agency score reaches (the highest threshold it meets)."""
        found = [
            name
            for name, bound in zip(RANKED, (self.excellent, self.good, self.complete), strict=True)
            if score >= bound
        ]
        return found[0] if found else "incomplete"


DEFAULT_AGENCY = AgencyRules()


def agency_rules(raw: object) -> tuple[AgencyRules, list[str]]:
    """The rule file's [agency_rating] section (absent: the defaults) and its problems."""
    if raw is None:
        return AgencyRules(), []
    if not isinstance(raw, Mapping):
        return AgencyRules(), ["agency_rating must be a table"]
    base = AgencyRules()
    try:
        criteria = base.criteria
        if raw.get("criteria") is not None:
            criteria = tuple(
                AgencyCriterion(
                    str(code),
                    str(c["name"]),
                    c["group"],
                    float(c["max"]),
                    str(c["index"]) if c.get("index") is not None else None,
                    c.get("scored", True) is True,
                )
                for code, c in dict(raw["criteria"]).items()
            )
        rules = AgencyRules(
            effective_from=date.fromisoformat(str(raw.get("from", base.effective_from.isoformat()))),
            criteria=criteria,
            excellent=float(raw.get("excellent", base.excellent)),
            good=float(raw.get("good", base.good)),
            complete=float(raw.get("complete", base.complete)),
            confirmed=raw.get("confirmed", False) is True,
        )
    except (KeyError, TypeError, ValueError) as exc:
        return AgencyRules(), [f"agency_rating incomplete or malformed: {exc!r}"]
    problems = [
        f"agency_rating.criteria.{c.code}: group must be general or task"
        for c in criteria
        if c.group not in ("general", "task")
    ]
    problems += [
        f"agency_rating.criteria.{c.code}: unknown index {c.index}"
        for c in criteria
        if c.index and c.index not in INDICES
    ]
    problems += [f"agency_rating.criteria.{c.code}: max must be positive" for c in criteria if c.max_points <= 0]
    for group, maximum in (("general", GENERAL_MAX), ("task", TASK_MAX)):
        total = sum(c.max_points for c in criteria if c.group == group)
        if abs(total - maximum) > 1e-9:
            problems.append(f"agency_rating: the {group} criteria add up to {total}, not {maximum}")
    if not 0 <= rules.complete <= rules.good <= rules.excellent <= 100:
        problems.append("agency_rating: thresholds must be 0 ≤ complete ≤ good ≤ excellent ≤ 100")
    return rules, problems


@dataclass(frozen=True)
class HrRating:
    """The HR office's rating of the unit for the year (evaluation.recorded without an officer)."""

    level: str
    score: float | None
    event: str


@dataclass(frozen=True)
class CriterionResult:
    criterion: AgencyCriterion
    index_value: float | None  # the index behind it (0–100), None without one or without its evidence
    points: float | None  # counted points; None: chưa có minh chứng
    proposed: float | None  # what the index proposes when it does not give the points itself

    def as_json(self) -> dict[str, Any]:
        c = self.criterion
        status = "scored" if self.points is not None else "proposed" if self.proposed is not None else "no_evidence"
        return {
            "code": c.code,
            "name": c.name,
            "max": c.max_points,
            "index": c.index,
            "index_value": self.index_value,
            "points": self.points,
            "proposed": self.proposed,
            "status": status,
            "status_label": {
                "scored": f"từ {c.index}",
                "proposed": f"đề xuất từ {c.index}, chờ đánh giá",
                "no_evidence": NO_EVIDENCE,
            }[status],
        }


@dataclass(frozen=True)
class AgencyRating:
    """A unit's year under Decree 335: each criterion's points or their absence, the total only when complete."""

    unit_id: str
    year: int
    results: tuple[CriterionResult, ...]
    total: float | None
    level: Level | None
    hr: HrRating | None
    confirmed: bool

    def points(self, group: Group) -> float | None:
        found = [r.points for r in self.results if r.criterion.group == group and r.points is not None]
        return round(sum(found), 2) if found else None

    @property
    def evidenced(self) -> tuple[float, float]:
        """(points, their maxima) of the criteria with counted points."""
        scored = [r for r in self.results if r.points is not None]
        return round(sum(r.points or 0.0 for r in scored), 2), sum(r.criterion.max_points for r in scored)

    def as_json(self) -> dict[str, Any]:
        got, of = self.evidenced
        missing = [r.criterion.name for r in self.results if r.points is None]
        notes = []
        if missing:
            notes.append(
                f"Tổng điểm chưa tính: {len(missing)} tiêu chí {NO_EVIDENCE} ({', '.join(missing)}); "
                f"phần có minh chứng đạt {got:g}/{of:g} điểm."
            )
        if not self.confirmed:
            notes.append(
                "Cách chia điểm giữa các tiêu chí và ngưỡng xếp loại cơ quan (90/70/50) là giả định, chưa xác nhận."
            )
        return {
            "unit_id": self.unit_id,
            "year": self.year,
            "decree": DECREE,
            "confirmed": self.confirmed,
            "general": {
                "max": GENERAL_MAX,
                "points": self.points("general"),
                "criteria": [r.as_json() for r in self.results if r.criterion.group == "general"],
            },
            "task": {
                "max": TASK_MAX,
                "points": self.points("task"),
                "criteria": [r.as_json() for r in self.results if r.criterion.group == "task"],
            },
            "evidenced_points": got,
            "evidenced_max": of,
            "total": self.total,
            "level": self.level,
            "level_name": LEVEL_NAMES[self.level] if self.level else None,
            "missing": missing,
            "notes": notes,
            "hr_rating": (
                {
                    "level": self.hr.level,
                    "level_name": LEVEL_NAMES.get(self.hr.level, self.hr.level),
                    "score": self.hr.score,
                    "event": self.hr.event,
                }
                if self.hr
                else None
            ),
        }


def agency_rating(
    unit_id: str, year: int, indices: Mapping[str, float | None], hr: HrRating | None, rules: AgencyRules
) -> AgencyRating:
    """Rate a unit's year: an evidenced criterion = its index × its maximum ÷ 100; the rest have no points."""
    results = []
    for c in rules.criteria:
        value = indices.get(c.index) if c.index else None
        share = round(value * c.max_points / 100, 2) if value is not None else None
        results.append(CriterionResult(c, value, share if c.scored else None, None if c.scored else share))
    complete = all(r.points is not None for r in results)
    total = round(sum(r.points or 0.0 for r in results), 2) if complete else None
    return AgencyRating(
        unit_id,
        year,
        tuple(results),
        total,
        rules.level(total) if total is not None else None,
        hr,
        rules.confirmed,
    )
