"""Answers of the awards service: nominations, the year-end preview, closing a year, the cash tables."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from schemas.http.common import Answer, Moment, Num


class Criterion(Answer):
    """One criterion of a title as evaluated: met or not, the reason in words."""

    code: str
    met: bool
    reason: str


class Votes(Answer):
    """The council session's numbers on a decided nomination."""

    members_total: int
    members_present: int
    votes_for: int


class Nomination(Answer):
    """A stored nomination as the API shows it: its row, criteria, evidence, blocks and cash (fixed or estimated)."""

    id: str
    title: str
    year: int
    subject_kind: str
    subject_id: str
    unit_id: str
    status: str
    cash_multiple: Num
    rule_version: str
    criteria: list[Criterion]
    evidence_ids: list[str]
    votes: Votes | None
    reason: str | None
    created_at: Moment
    updated_at: Moment
    held_from: str | None
    decision_date: date | None
    cash_vnd: int | None
    base_salary_vnd: int | None
    cash_source: str | None
    recover_vnd: int | None
    rating_basis: str | None
    blocks: list[Criterion]
    cash_estimate: bool


class Transition(Answer):
    """One audited transition of a nomination."""

    from_status: str | None
    to_status: str
    reason: str
    actor: str
    at: Moment


class CouncilRule(Answer):
    """The council's rule for a nomination's title, from the rule file (quorum, share of votes for approval)."""

    quorum_present: Num
    approval_share: Num


class NominationDetail(Nomination):
    """GET /v1/nominations/{id}: the nomination, its history and the council's rule for its title."""

    history: list[Transition]
    council_rule: CouncilRule


class CashAmount(Answer):
    """A multiple of the base salary and its amount in VND."""

    multiple: Num
    vnd: int


class CashTableOn(Answer):
    """The multiples in force on a day with their amounts, the base salary and both sources."""

    on: str
    base_salary_vnd: int
    base_salary_source: str
    cash_source: str
    cash_multiples: dict[str, CashAmount]


class Nominations(CashTableOn):
    """GET /v1/nominations: a year's nominations, with today's tables (the estimates use them)."""

    period: str
    rule_version: str
    nominations: list[Nomination]


class BaseSalary(Answer):
    """A base salary in force from a date."""

    start: str = Field(alias="from")
    vnd: int
    source: str


class CashTable(Answer):
    """A table of multiples in force from a date."""

    start: str = Field(alias="from")
    source: str
    multiples: dict[str, Num]


class CashMultiples(CashTableOn):
    """GET /v1/cash-multiples: the tables in force on a day and every dated table of the rule file."""

    rule_version: str
    round_up_to_vnd: int
    base_salaries: list[BaseSalary]
    cash_tables: list[CashTable]


class Closed(Answer):
    """POST /v1/periods/{period}/close: the nominations created, the deadlines of the year."""

    period: str
    created: int
    nominations: list[str]
    rule_version: str
    forced: bool
    rating_deadline: str
    dossier_deadline: str


class ProvisionalNomination(Answer):
    """A nomination a close today would create (nothing stored); criteria and evidence None when hidden."""

    id: str
    provisional: bool
    title: str
    year: int
    subject_kind: str
    subject_id: str
    unit_id: str
    status: str
    criteria: list[Criterion] | None
    evidence_ids: list[str] | None
    cash_multiple: Num
    cash_vnd: int
    base_salary_vnd: int
    cash_source: str
    cash_estimate: bool
    rating_basis: str | None


class Link(Answer):
    """A predecessor or successor of a unit: the change that links them."""

    unit_id: str
    name: str
    kind: str
    effective_at: str
    decision_no: str | None


class Ended(Answer):
    """How and when a unit ended."""

    kind: str
    effective_at: str


class CarriedTitle(Answer):
    """A title carried over from a predecessor."""

    year: int
    title: str
    unit_id: str
    name: str
    evidence_id: str


class Check(Answer):
    """A criterion outside a title: the check refusing an ended unit's collective titles."""

    code: str
    met: bool
    reason: str


class Lineage(Answer):
    """A unit's predecessors and successors, titles carried over, the check of an ended unit."""

    predecessors: list[Link]
    successors: list[Link]
    ended: Ended | None
    carried_titles: list[CarriedTitle]
    unit_exists: Check | None


class Member(Answer):
    """An officer named in the preview."""

    officer_id: str
    name: str


class OpenCaseView(Answer):
    """An open case holding its subject's titles."""

    subject_kind: str
    subject_id: str
    kind: str | None
    case_id: str


class Hold(Answer):
    """A provisional nomination held, and why."""

    subject_kind: str
    subject_id: str
    title: str
    reason: str


class Missing(Answer):
    """What a unit's year still lacks: ratings, open cases, holds, votes to come."""

    unit_rating: bool
    unrated_count: int
    rated_by_evidence_count: int
    unrated_members: list[Member] | None
    open_case_count: int
    open_cases: list[OpenCaseView]
    hold_count: int
    holds: list[Hold]
    votes_to_come: int
    vote_ids: list[str]


class UnitPreview(Answer):
    """One unit's part of the preview."""

    unit_id: str
    name: str
    cluster_id: str | None
    officers_visible: bool
    members: int
    lineage: Lineage | None
    nominations: list[ProvisionalNomination]
    nomination_count: int
    officer_nomination_count: int
    cash_estimate_vnd: int
    missing: Missing


class Totals(Answer):
    """The province's totals of the preview."""

    units: int
    nominations: int
    cash_estimate_vnd: int
    unrated_members: int
    units_without_rating: int
    holds: int
    votes_to_come: int


class Preview(Answer):
    """GET /v1/periods/{period}/preview of an open year: the deadlines, the totals, every unit's part."""

    period: str
    closed: bool
    provisional: bool
    as_of: str
    rule_version: str
    rating_deadline: str
    rating_days_left: int
    dossier_deadline: str
    dossier_days_left: int
    totals: Totals
    units: list[UnitPreview]


class PreviewClosed(Answer):
    """GET /v1/periods/{period}/preview of a closed year: no preview, where the nominations are."""

    period: str
    closed: bool
    provisional: bool
    closed_at: str
    message: str
    nominations: str
    units: list[UnitPreview]
