"""The versioned rulebook: indicators, maxima, thresholds, weights and bands (pure, built from a dict)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from schemas.lineage import YearOfChange
from services.scoring.domain.agency_rating import DEFAULT_AGENCY, AgencyRules, agency_rules
from services.scoring.domain.calendar import WorkingCalendar, culture_days, provisional_from
from services.scoring.domain.periods import LEGACY, Stages, stage_label
from services.scoring.domain.tracking import DEFAULT_TRACKING, TrackingRules, tracking_rules

FIRST_YEAR, LAST_YEAR = 1990, 2100  # bounds of a movement's years: a typo (20255) is refused, not computed with
# What a movement may name besides the indicators: the composite scores.
COMPOSITE_SCORES = frozenset({"service_index", "office_culture", "emulation"})


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
class Stage:
    """A stage of a movement (sơ kết, tổng kết, giai đoạn): whole years, a period of its own labelled YYYY-YYYY."""

    name: str
    first_year: int
    last_year: int
    confirmed: bool = True  # False: dates the rule file assumes until a source gives them (listed as such)

    @property
    def label(self) -> str:
        return stage_label(self.first_year, self.last_year)


@dataclass(frozen=True)
class Movement:
    """An emulation movement (phong trào thi đua) the office runs: its years, stages, source and what it scores."""

    code: str
    name: str
    source: str
    first_year: int
    last_year: int
    closed: bool
    stages: tuple[Stage, ...]
    titles: tuple[str, ...] = ()
    indicators: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return stage_label(self.first_year, self.last_year)


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
    movements: tuple[Movement, ...] = ()
    stages: Stages = LEGACY  # the stage periods of the movements (a rule file without [[movements]]: 2019-2025)
    year_of_change: YearOfChange = "combine"  # [lineage]: a successor's view of the year its predecessors ended
    tracking: TrackingRules = DEFAULT_TRACKING  # [tracking]: Decree 335/2025 (rule files before 2026.3: defaults)
    agency: AgencyRules = DEFAULT_AGENCY  # [agency_rating]: Decree 335/2025's agency rating (absent: defaults)

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
        culture, officer = _culture(doc["culture"]), _officer(doc["officer"])
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
    movements, movement_problems = _movements(doc.get("movements"), frozenset(indicators))
    if movements:
        spans = [(m.first_year, m.last_year) for m in movements]
        spans += [(s.first_year, s.last_year) for m in movements for s in m.stages]
        rulebook = replace(rulebook, movements=movements, stages=Stages(tuple(spans)))
    problems = movement_problems
    year_of_change, lineage_problems = _year_of_change(doc.get("lineage"))
    rulebook = replace(rulebook, year_of_change=year_of_change)
    problems += lineage_problems
    tracking, tracking_problems = tracking_rules(doc.get("tracking"))
    rulebook = replace(rulebook, tracking=tracking)
    problems += tracking_problems
    agency, agency_problems = agency_rules(doc.get("agency_rating"))
    rulebook = replace(rulebook, agency=agency)
    problems += agency_problems
    problems += [f"indicator {i.code}: unknown group {i.group}" for i in indicators.values() if i.group not in groups]
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


def _culture(c: Mapping[str, Any]) -> Culture:
    """The [culture] table (a missing or malformed key raises: build_rulebook names it)."""
    return Culture(
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


def _officer(o: Mapping[str, Any]) -> OfficerRules:
    """The [officer] table (a missing or malformed key raises: build_rulebook names it)."""
    return OfficerRules(
        float(o["on_time_max"]),
        float(o["training_max"]),
        float(o["training_hours_per_year"]),
        float(o["conduct_max"]),
        float(o["conduct_penalty"]),
        float(o["disciplined_cap"]),
        float(o["min_ranked_coverage"]),
    )


def _year_of_change(raw: object) -> tuple[YearOfChange, list[str]]:
    """[lineage] year_of_change: "combine" (the default, also of rule files without [lineage]) or "split"."""
    if raw is None:
        return "combine", []
    if not isinstance(raw, Mapping):
        return "combine", ["lineage must be a table"]
    value = raw.get("year_of_change", "combine")
    if value == "combine" or value == "split":
        return value, []
    return "combine", [f'lineage.year_of_change must be "combine" or "split", not {value!r}']


def _year(raw: object, where: str, problems: list[str]) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not FIRST_YEAR <= raw <= LAST_YEAR:
        problems.append(f"{where} must be a year from {FIRST_YEAR} to {LAST_YEAR}, not {raw!r}")
        return FIRST_YEAR
    return raw


def _text(raw: object, where: str, problems: list[str]) -> str:
    if not isinstance(raw, str) or not raw.strip():
        problems.append(f"{where} is missing (a non-empty text)")
        return ""
    return raw.strip()


def _texts(raw: object, where: str, problems: list[str]) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(x, str) and x.strip() for x in raw):
        problems.append(f"{where} must be a list of non-empty texts")
        return ()
    return tuple(x.strip() for x in raw)


def _span(first: int, last: int, where: str, problems: list[str]) -> None:
    if first >= last:
        problems.append(f"{where}: from ({first}) must come before to ({last}); a single year is the period {first}")


def _stage(raw: object, movement: str, n: int, problems: list[str]) -> Stage:
    where = f"movement {movement}, stage {n}"
    if not isinstance(raw, Mapping):
        problems.append(f"{where} must be a table (name, from, to)")
        return Stage("", FIRST_YEAR, FIRST_YEAR + 1)
    confirmed = raw.get("confirmed", True)
    if not isinstance(confirmed, bool):  # "false" in quotes would otherwise read as confirmed
        problems.append(f"{where}: confirmed must be true or false")
    stage = Stage(
        _text(raw.get("name"), f"{where}: name", problems),
        _year(raw.get("from"), f"{where}: from", problems),
        _year(raw.get("to"), f"{where}: to", problems),
        confirmed is True,
    )
    _span(stage.first_year, stage.last_year, where, problems)
    return stage


def _movement(raw: object, n: int, indicators: frozenset[str], problems: list[str]) -> Movement:
    if not isinstance(raw, Mapping):
        problems.append(f"movement {n} must be a table (code, name, source, from, to, stages)")
        return Movement("", "", "", FIRST_YEAR, FIRST_YEAR + 1, True, ())
    code = _text(raw.get("code"), f"movement {n}: code", problems) or str(n)
    first = _year(raw.get("from"), f"movement {code}: from", problems)
    last = _year(raw.get("to"), f"movement {code}: to", problems)
    _span(first, last, f"movement {code}", problems)
    stages_raw = raw.get("stages", [])
    if not isinstance(stages_raw, list):
        problems.append(f"movement {code}: stages must be an array of tables ([[movements.stages]])")
        stages_raw = []
    stages = tuple(_stage(s, code, k + 1, problems) for k, s in enumerate(stages_raw))
    for s in stages:
        if not first <= s.first_year <= s.last_year <= last:
            problems.append(
                f"movement {code}: stage {s.name} ({s.label}) lies outside the movement's years {first}-{last}"
            )
    for k, a in enumerate(stages):
        for b in stages[k + 1 :]:
            nested = a.first_year <= b.first_year and b.last_year <= a.last_year
            nested = nested or (b.first_year <= a.first_year and a.last_year <= b.last_year)
            apart = a.last_year < b.first_year or b.last_year < a.first_year
            if (a.first_year, a.last_year) == (b.first_year, b.last_year):
                problems.append(f"movement {code}: stages {a.name} and {b.name} have the same years ({a.label})")
            elif not nested and not apart:
                problems.append(
                    f"movement {code}: stages {a.name} ({a.label}) and {b.name} ({b.label}) overlap without one "
                    "containing the other"
                )
    named = _texts(raw.get("indicators"), f"movement {code}: indicators", problems)
    problems += [
        f"movement {code}: unknown indicator {i} (an [index.indicators] code or one of "
        f"{', '.join(sorted(COMPOSITE_SCORES))})"
        for i in named
        if i not in indicators and i not in COMPOSITE_SCORES
    ]
    closed = raw.get("closed", False)
    if not isinstance(closed, bool):
        problems.append(f"movement {code}: closed must be true or false")
    return Movement(
        code,
        _text(raw.get("name"), f"movement {code}: name", problems),
        _text(raw.get("source"), f"movement {code}: source", problems),
        first,
        last,
        closed is True,
        stages,
        _texts(raw.get("titles"), f"movement {code}: titles", problems),
        named,
    )


def _movements(raw: object, indicators: frozenset[str]) -> tuple[tuple[Movement, ...], list[str]]:
    """The rule file's [[movements]] and what is wrong with them (none configured: the legacy stage alone)."""
    problems: list[str] = []
    if raw is None:
        return (), problems
    if not isinstance(raw, list):
        return (), ["movements must be an array of tables ([[movements]])"]
    movements = tuple(_movement(m, n + 1, indicators, problems) for n, m in enumerate(raw))
    codes = [m.code for m in movements]
    problems += [f"movement {c}: code used twice" for c in sorted({c for c in codes if codes.count(c) > 1})]
    return movements, problems


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
