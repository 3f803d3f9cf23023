"""Scoring's HTTP answers about officers' tracking under Decree 335/2025, an agency's own rating and the
reconciliation with the official Decision 766 index (numbers and moments as in `schemas.http.scoring`)."""

from __future__ import annotations

from typing import Any

from schemas.http.common import Answer, Moment, Num

# Officers' tracking under Decree 335/2025 ------------------------------------------------------------------------


class TaskCounts(Answer):
    """A sheet's tasks in converted units."""

    assigned: Num
    done: Num
    at_quality: Num
    on_time: Num


class Shares(Answer):
    """A sheet's shares a (done), b (at quality), c (on time), in percent; None without tasks."""

    a: Num | None
    b: Num | None
    c: Num | None


class Deduction(Answer):
    """One 25 % deduction of a task's share, or its cancellation by a cause."""

    kind: str
    key: str
    event: str
    excused: bool
    cause_event: str | None


class GeneralPart(Answer):
    """The manager's points per general criterion (capped at their maximum), with the assessment's event."""

    criteria: dict[str, Num]  # by the rule file's criterion code
    max: dict[str, Num]
    capped: list[str]
    unknown: list[str]
    assessor: str | None
    event: str


class DisciplineSeen(Answer):
    """A disciplinary decision of the period, shown beside the general criteria."""

    form: str | None
    decision_no: str | None
    duty_related: bool
    event: str


class ConductSeen(Answer):
    """A substantiated conduct complaint resolved in the period."""

    complaint_id: str
    unit_id: str
    events: list[str]


class InspectionSeen(Answer):
    """An inspection's findings in the period."""

    findings: list[dict[str, Any]]  # the inspection payload's findings as sent (schemas/evidence_types: Finding)
    event: str


class GeneralEvidence(Answer):
    """What the system holds beside the general criteria in a period: shown, never scored."""

    disciplines: list[DisciplineSeen]
    conduct_complaints: list[ConductSeen]
    inspection_findings: list[InspectionSeen]
    training_hours: Num


class Sheet(Answer):
    """An officer's sheet of one period."""

    period: str
    tasks: TaskCounts
    shares: Shares
    task_points: Num | None
    deductions: list[Deduction]
    general: GeneralPart | None
    general_points: Num | None
    total: Num | None
    below_complete: bool
    note: str | None
    unit_id: str | None
    general_evidence: GeneralEvidence


class YearRating(Answer):
    """An officer's year from the sheets, with the HR office's rating beside it."""

    score: Num | None
    level: str | None
    periods: list[str]
    not_complete: list[str]
    capped: bool
    cap_reason: str | None
    unseen: list[str]
    partial: bool
    hr_rating: str | None


class OfficerTracking(Answer):
    """GET /v1/officers/{o}/tracking: the sheets of a year and its rating (civil servants only)."""

    officer_id: str
    name: str | None
    unit_id: str
    year: int
    rule_version: str
    period_kind: str
    as_of: str
    civil_servant: bool
    periods: list[Sheet]
    year_rating: YearRating | None


class TrackedTask(Answer):
    """GET /v1/officers/{o}/tracking/tasks: one dossier or complaint behind a sheet's numbers."""

    key: str
    kind: str
    unit_id: str
    weight: Num
    done: bool
    late: bool
    quality_failures: int
    excused_late: int
    excused_quality: int
    events: list[str]


class UnitOfficerSheet(Answer):
    """One officer's figures on a unit's period."""

    officer_id: str
    name: str | None
    task_points: Num | None
    general_points: Num | None
    total: Num | None
    below_complete: bool


class UnitTracking(Answer):
    """GET /v1/units/{u}/tracking: the unit's officers' sheets of a period."""

    unit_id: str
    period: str
    rule_version: str
    officers: list[UnitOfficerSheet]


# An agency's own rating ------------------------------------------------------------------------------------------


class AgencyCriterion(Answer):
    """One criterion of Decree 335's agency rating: points from its index, proposed, or no evidence."""

    code: str
    name: str
    max: Num
    index: str | None
    index_value: Num | None
    points: Num | None
    proposed: Num | None
    status: str
    status_label: str


class AgencyPart(Answer):
    """The general or the task part of the agency rating."""

    max: Num
    points: Num | None
    criteria: list[AgencyCriterion]


class HrAgencyRating(Answer):
    """The HR office's rating of the unit itself."""

    level: str
    level_name: str
    score: Num | None
    event: str


class AgencyRating(Answer):
    """GET /v1/units/{u}/agency-rating: a unit's own Decree 335/2025 rating of a year."""

    unit_id: str
    year: int
    decree: str
    confirmed: bool
    general: AgencyPart
    task: AgencyPart
    evidenced_points: Num
    evidenced_max: Num
    total: Num | None
    level: str | None
    level_name: str | None
    missing: list[str]
    notes: list[str]
    hr_rating: HrAgencyRating | None
    name: str
    rule_version: str
    scorecard_period: str | None
    as_of: Moment | None


# Reconciliation with the official Decision 766 index ---------------------------------------------------------------


class ImportAlert(Answer):
    """A unit alerted because its service index differs too much from the official one."""

    unit_id: str
    difference: Num | None


class OfficialImport(Answer):
    """PUT /v1/periods/{p}/official-index: what was imported and the units alerted."""

    period: str
    file_name: str | None
    rows: int
    alerts: list[ImportAlert]
    alert_points: Num


class Figures(Answer):
    """A total and group scores (official, ours, or their difference)."""

    total: Num | None
    groups: dict[str, Num | None]  # by the rulebook's group code


class OurCounts(Answer):
    """Our counts behind an indicator."""

    numerator: Num | None
    denominator: Num | None
    rate: Num | None
    points: Num | None


class Explanation(Answer):
    """One of our indicators of a differing group and how the method differs."""

    group: str
    indicator: str
    name: str | None
    ours: OurCounts
    note: str


class ReconciledUnit(Answer):
    """One unit: official beside ours and the difference (ours − official)."""

    unit_id: str
    name: str | None
    given: str
    status: str
    official: Figures
    ours: Figures
    difference: Figures
    explanations: list[Explanation]
    notes: list[str]


class GroupName(Answer):
    """A rulebook group: code, name, maximum."""

    code: str
    name: str
    max: Num


class Reconciliation(Answer):
    """GET /v1/periods/{p}/reconciliation: the imported official figures beside ours."""

    period: str
    imported_at: Moment
    file_name: str | None
    rows: int
    rule_version: str
    groups: list[GroupName]
    units: list[ReconciledUnit]
