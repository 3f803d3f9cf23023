"""The versioned rulebook: indicators, maxima, thresholds, weights and bands (pure, built from a dict)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.scoring.domain.calendar import WorkingCalendar, culture_days, provisional_from


@dataclass(frozen=True)
class Indicator:
    """A ratio indicator (chỉ số thành phần): the service index's, or a ratio part of office culture or an officer."""

    code: str
    group: str
    name: str
    max_points: float
    threshold: float
    has_evidence: bool = True  # False: no evidence type carries it, always listed as missing
    counter: str = ""  # the counter (numerator, denominator) it reads; "" = the one named like the indicator

    @property
    def source(self) -> str:
        """The counter the indicator reads."""
        return self.counter or self.code

    def points(self, rate: float) -> float:
        """Full points at or above the threshold, otherwise rate × max ÷ threshold (the only ratio formula)."""
        if rate >= self.threshold:
            return self.max_points
        return rate * self.max_points / self.threshold


@dataclass(frozen=True)
class Culture:
    """Parameters of the office-culture index (chỉ số văn hóa công sở)."""

    training_max: float
    training_threshold: float
    training_topics: frozenset[str]
    conduct_max: float
    conduct_limit_per_100: float
    inspection_max: float
    inspection_limit_per_100: float
    discipline_max: float
    finding_weights: Mapping[str, float]
    min_covered_share: float


@dataclass(frozen=True)
class OfficerRules:
    """Parameters of an officer's evidence-based score."""

    on_time_max: float
    training_max: float
    training_hours_per_year: float
    conduct_max: float
    conduct_penalty: float
    disciplined_cap: float
    min_ranked_coverage: float = 1.0


@dataclass(frozen=True)
class Rulebook:
    """Everything a score depends on besides the evidence, under one version."""

    version: str
    groups: Mapping[str, tuple[str, float]]
    indicators: Mapping[str, Indicator]
    answer_days: int
    reject_days: int
    culture: Culture
    service_weight: float
    culture_weight: float
    officer: OfficerRules
    bands: tuple[tuple[str, float], ...]
    min_dossiers: int = 20
    supplement_days: int = 5
    publish_days: int = 2
    result_days: int = 1
    years: frozenset[int] = frozenset()  # rule files before 2026.1 listed the years they judged; no longer needed

    def band(self, score: float) -> str:
        """The band (xếp loại) of a 0–100 score."""
        for name, lower in self.bands:
            if score >= lower:
                return name
        return self.bands[-1][0]


class RulebookInvalid(ValueError):
    """The rule file is incomplete or inconsistent."""


def build_rulebook(doc: Mapping[str, Any]) -> Rulebook:
    """Validate a parsed rule file and build the rulebook; RulebookInvalid names what is wrong."""
    try:
        groups = {code: (str(g["name"]), float(g["max"])) for code, g in doc["index"]["groups"].items()}
        indicators = {
            code: Indicator(
                code,
                str(i["group"]),
                str(i["name"]),
                float(i["max"]),
                float(i["threshold"]),
                bool(i.get("evidence", True)),
                str(i.get("counter", code)),
            )
            for code, i in doc["index"]["indicators"].items()
        }
        c = doc["culture"]
        culture = Culture(
            float(c["training_max"]),
            float(c["training_threshold"]),
            frozenset(c["training_topics"]),
            float(c["conduct_max"]),
            float(c["conduct_limit_per_100"]),
            float(c["inspection_max"]),
            float(c["inspection_limit_per_100"]),
            float(c["discipline_max"]),
            {k: float(v) for k, v in c["finding_weights"].items()},
            float(c["min_covered_share"]),
        )
        o = doc["officer"]
        officer = OfficerRules(
            float(o["on_time_max"]),
            float(o["training_max"]),
            float(o["training_hours_per_year"]),
            float(o["conduct_max"]),
            float(o["conduct_penalty"]),
            float(o["disciplined_cap"]),
            float(o["min_ranked_coverage"]),
        )
        bands = tuple(sorted(((str(k), float(v)) for k, v in doc["bands"].items()), key=lambda b: -b[1]))
        rulebook = Rulebook(
            str(doc["version"]),
            groups,
            indicators,
            int(doc["complaints"]["answer_days"]),
            int(doc["complaints"]["reject_days"]),
            culture,
            float(doc["emulation"]["service_weight"]),
            float(doc["emulation"]["culture_weight"]),
            officer,
            bands,
            min_dossiers=int(doc["index"]["min_dossiers"]),
            supplement_days=int(doc["complaints"]["supplement_days"]),
            publish_days=int(doc["complaints"]["publish_days"]),
            result_days=int(doc["publication"]["result_days"]),
            years=frozenset(int(y) for y in doc.get("years", [])),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise RulebookInvalid(f"rule file incomplete or malformed: {exc!r}") from exc
    problems = [f"indicator {i.code}: unknown group {i.group}" for i in indicators.values() if i.group not in groups]
    problems += [
        f"indicator {i.code}: threshold must be in (0, 1]" for i in indicators.values() if not 0 < i.threshold <= 1
    ]
    for group, (_, maximum) in groups.items():
        total = sum(i.max_points for i in indicators.values() if i.group == group)
        if abs(total - maximum) > 1e-9:
            problems.append(f"group {group}: indicator maxima add up to {total}, not {maximum}")
    if abs(rulebook.service_weight + rulebook.culture_weight - 1) > 1e-9:
        problems.append("emulation weights must add up to 1")
    if rulebook.min_dossiers < 1:
        problems.append("index.min_dossiers must be at least 1")
    if not 0 <= rulebook.culture.min_covered_share <= 1:
        problems.append("culture.min_covered_share must be in [0, 1]")
    if not bands or bands[-1][1] != 0:
        problems.append("bands must end with a band whose lower bound is 0")
    if problems:
        raise RulebookInvalid("; ".join(problems))
    return rulebook


@dataclass(frozen=True)
class Rules:
    """A rulebook with its working-day calendar, under one version."""

    book: Rulebook
    calendar: WorkingCalendar

    @property
    def version(self) -> str:
        return self.book.version


def rules_from(doc: Mapping[str, Any]) -> Rules:
    """The stored document as rules: the official calendar files' years, and for every other year within the
    bounds of [working_days] the provisional calendar the statutory rules give (Labour Code 2019 art. 112)."""
    cal = doc["calendar"]
    book = build_rulebook(doc)
    try:
        provisional = provisional_from(doc.get("working_days"))
    except ValueError as exc:
        raise RulebookInvalid(str(exc)) from exc
    years = frozenset(int(y) for y in cal["years"])
    return Rules(
        book,
        WorkingCalendar(
            frozenset(date.fromisoformat(d) for d in cal["holidays"]) | culture_days(provisional, years),
            frozenset(date.fromisoformat(d) for d in cal["working_weekends"]),
            years,
            provisional,
        ),
    )
