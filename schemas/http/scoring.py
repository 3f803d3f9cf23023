"""Scoring's HTTP answers: standings, scorecards and what lies behind them, tracking, agency rating, reconciliation.

Numbers are `Num` (an int stays an int, a float a float: the JSON is sent as stored) and moments are `Moment`
(ISO 8601 with the offset written `+00:00`, as the answers have always been written). Keys that an answer sends
only in some cases (a unit's `lineage`, a standing's `predecessors`, an event's `unit_id`) default to absent: the
routes serialize with `response_model_exclude_unset=True`, so a key is sent exactly when the service set it."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from schemas.http.common import Answer, Moment, Num

# Standings -------------------------------------------------------------------------------------------------------


class StandingRow(Answer):
    """One ranked unit or officer; `predecessors` only for units (the units this row combines)."""

    rank: int | None
    subject_id: str
    name: str | None
    score: Num | None
    band: str | None
    previous_rank: int | None
    unit_id: str | None
    cluster_id: str | None
    cluster_name: str | None
    predecessors: list[str] = Field(default_factory=list)


class UnrankedUnit(Answer):
    """A unit left out of the ranking: too few dossiers for the service index."""

    subject_id: str
    name: str | None
    cluster_id: str | None
    status: str
    status_label: str
    dossiers: Num
    min_dossiers: Num


class Standings(Answer):
    """GET /v1/standings: ranked units (public) or officers (the unit's token, council or admin)."""

    period: str
    subject: str
    cluster: str | None
    unit: str | None
    rule_version: str
    as_of: Moment | None
    rows: list[StandingRow]
    unranked: list[UnrankedUnit]


# A unit's scorecard ----------------------------------------------------------------------------------------------


class IndicatorLine(Answer):
    """One indicator (or office-culture part): the counts behind it, the rate, the rule and the points."""

    code: str
    name: str
    group: str
    numerator: Num
    denominator: Num
    rate: Num | None
    threshold: Num | None
    max_points: Num
    points: Num | None


class GroupPoints(Answer):
    """A group of indicators: its maximum, the points of its scored indicators and their maximum."""

    max: Num | None
    points: Num | None
    scored_max: Num | None


class MissingIndicator(Answer):
    """An indicator without points in the period, and why."""

    code: str
    name: str
    max_points: Num
    reason: str


class CalendarNote(Answer):
    """Whether the period's clocks can reach a year judged on a provisional calendar."""

    provisional: bool
    provisional_years: list[int]


class LineageEntry(Answer):
    """A unit this one continues or became, with the reorganization (`combined` for predecessors only)."""

    unit_id: str
    name: str | None
    kind: str
    effective_at: str
    decision_no: str | None
    combined: bool | None = None


class LineageEnd(Answer):
    """How the unit ended (also a dissolution, with nothing succeeding it)."""

    kind: str
    effective_at: str
    decision_no: str | None


class Lineage(Answer):
    """The units a scorecard continues and what it became; `ended` only when the unit ceased."""

    year_of_change: str
    predecessors: list[LineageEntry]
    successors: list[LineageEntry]
    ended: LineageEnd | None = None


class UnitScorecard(Answer):
    """GET /v1/units/{u}/scorecard: the stored card with the unit's name and cluster; `lineage` when reorganized."""

    unit_id: str
    period: str
    rule_version: str
    indicators: list[IndicatorLine]
    groups: dict[str, GroupPoints]  # by the rulebook's group code (the rule file names the groups)
    service_index: Num | None
    service_band: str | None
    culture: list[IndicatorLine]
    culture_index: Num | None
    score: Num | None
    band: str | None
    status: str
    status_label: str | None
    evidence: dict[str, Num]  # the counts behind the figures, by name (dossiers judged, officers …)
    missing: list[MissingIndicator]
    notes: list[str]
    calendar: CalendarNote
    name: str | None
    cluster_id: str | None
    cluster_name: str | None
    as_of: Moment
    lineage: Lineage | None = None


class IndicatorLever(Answer):
    """One indicator of the next-band answer: capped or not, the fewest more successes that alone lift the unit."""

    code: str
    name: str
    group: str
    points: Num | None
    max_points: Num
    capped: bool
    successes_needed: int | None
    unit_of_success: str | None
    reachable: bool
    note: str | None
    best_score: Num | None


class NextBand(Answer):
    """GET /v1/units/{u}/scorecard/next-band: what it takes to reach the next band."""

    unit_id: str
    period: str
    rule_version: str
    status: str
    score: Num | None
    band: str | None
    next_band: str | None
    next_band_from: Num | None
    points_needed: Num | None
    dossiers_needed: Num | None
    indicators: list[IndicatorLever]
    name: str | None
    cluster_id: str | None
    as_of: Moment
    max_successes: int


# The evidence behind an indicator --------------------------------------------------------------------------------


class EventCounts(Answer):
    """Records about named officers, for the public: counts by month only."""

    unit_id: str
    period: str
    indicator: str
    count: int
    by_month: dict[str, int]
    events: None
    restricted: str
    calendar: CalendarNote


class FactItem(Answer):
    """One fact behind an indicator; `unit_id` only when a predecessor sent it."""

    event_id: str
    source: str
    unit_id: str = ""
    officer_id: str | None
    at: Moment
    data: dict[str, Any]  # the evidence payload as sent: its shape is the evidence type's (schemas/evidence_types/)


class EventFacts(Answer):
    """The facts behind an indicator fed by a kind of facts (the unit's token, council or admin)."""

    unit_id: str
    period: str
    indicator: str
    events: list[FactItem]
    calendar: CalendarNote


class CaseItem(Answer):
    """One case counted in an indicator's counter; `unit_id` only when a predecessor's case."""

    case: str
    unit_id: str = ""
    counter: str
    numerator: Num
    denominator: Num
    events: list[str]


class EventCases(Answer):
    """The cases behind an indicator fed by counters."""

    unit_id: str
    period: str
    indicator: str
    rule_version: str
    cases: list[CaseItem]
    calendar: CalendarNote


IndicatorEvents = EventCounts | EventFacts | EventCases


# An officer's scorecard, the rulebook ----------------------------------------------------------------------------


class OfficerScorecard(Answer):
    """GET /v1/officers/{o}/scorecard: the officer's evidence-based score of a period."""

    officer_id: str
    period: str
    rule_version: str
    parts: list[IndicatorLine]
    score: Num
    band: str
    weight_covered: Num
    notes: list[str]
    calendar: CalendarNote
    unit_id: str | None
    name: str | None
    as_of: Moment


class Stage(Answer):
    """A movement's stage: its period label, confirmed or not."""

    name: str
    period: str
    confirmed: bool


class Movement(Answer):
    """A configured emulation movement with its period and stages."""

    code: str
    name: str
    source: str
    period: str
    closed: bool
    titles: list[str]
    indicators: list[str]
    stages: list[Stage]


class Rulebook(Answer):
    """GET /v1/rulebook: the active rulebook as stored, its stage labels and movements."""

    version: str
    activated_at: Moment
    content: dict[str, Any]  # the rule file as the operator wrote it: free-form by design, read by the rulebook
    stages: list[str]
    movements: list[Movement]
