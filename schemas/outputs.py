"""Events the services publish: standings, alerts, nominations and refused evidence."""

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StrictBool, StrictFloat, StrictInt

from schemas.common import Code, Name, Strict, Text, Timestamp, UnitId, Year
from schemas.errors import FieldError
from schemas.labels import TitleCode

Band = Literal["Tốt", "Khá", "Trung bình", "Yếu"]
Period = Annotated[str, Field(pattern=r"^(\d{4}|\d{4}-Q[1-4]|\d{4}-(0[1-9]|1[0-2])|\d{4}-\d{4})$")]
Score = Annotated[float, Field(ge=0, le=100)]
Rank = Annotated[int, Field(ge=1)]
# The operators' inbox: an alert addressed to this reserved unit id (e.g. calendar_missing) is stored by notify like
# any alert and read by admin tokens only; no unit token is ever issued for it.
ADMIN_INBOX = "ADMIN"


class StandingChanged(Strict):
    """standings.changed.v1: a unit's or officer's score, band or rank changed."""

    event_id: Code
    occurred_at: Timestamp
    period: Period
    subject_kind: Literal["unit", "officer"]
    subject_id: Code
    unit_id: UnitId
    cluster_id: Code | None = None
    name: Name | None = None
    score: Score
    band: Band
    rank_in_cluster: Rank | None = None
    rank_in_province: Rank | None = None
    previous_rank_in_cluster: Rank | None = None
    previous_rank_in_province: Rank | None = None
    previous_score: Score | None = None
    previous_band: Band | None = None
    rule_version: Code
    # Added, optional: true when the period's working-day clocks can reach a year judged on a provisional calendar
    # (no official calendar file yet); absent otherwise. The scorecard's `calendar` says which years.
    calendar_provisional: StrictBool | None = None


class Alert(Strict):
    """alerts.v1: a condition a unit must act on; condition_key identifies repeats of one condition."""

    alert_id: Code
    condition_key: Code
    kind: Literal[
        "dossier_due_soon",
        "dossier_overdue",
        "band_dropped",
        "award_on_track",
        "award_at_risk",
        "complaint_overdue",
        "calendar_missing",  # added: next year's official working-day calendar is missing (to the province office)
        "official_index_gap",  # added: our service index differs from the imported official 766 one (to the unit)
        "task_score_low",  # added: an officer's task score of a tracking period is below "complete" (Decree 335)
    ]
    priority: Literal["high", "normal", "low"]
    unit_id: UnitId
    occurred_at: Timestamp
    period: Period | None = None
    subject_id: Code | None = None
    title: Text | None = None
    data: dict[str, StrictBool | StrictInt | StrictFloat | str | None] = Field(default_factory=dict)
    rule_version: Code | None = None


class Criterion(Strict):
    """One criterion of a title, met or not, with the reason in words."""

    code: Code
    met: StrictBool
    reason: Text


class NominationChanged(Strict):
    """nominations.v1: a nomination was created, decided or revoked."""

    event_id: Code
    nomination_id: Code
    change: Literal["created", "decided", "revoked", "held", "released"]
    status: Literal["proposed", "approved", "rejected", "revoked", "needs_review", "on_hold"]
    """needs_review: relies on an excellent rating over the excellence cap (the council decides);
    on_hold: an open complaint or denunciation holds it until closed (Law 06/2022 ch. VII)."""
    title: TitleCode
    year: Year
    subject_kind: Literal["officer", "unit"]
    subject_id: Code
    unit_id: UnitId
    cash_multiple: Annotated[float, Field(ge=0)]
    rule_version: Code
    criteria: list[Criterion]
    evidence_ids: list[Code]
    reason: Text | None = None
    occurred_at: Timestamp
    # Money (added, optional): the amount = multiple × base salary in force on the decision date, rounded up to
    # 10,000 VND (Decree 98/2023 Art. 53; Decree 152/2025 Art. 54-55); before a decision an estimate at the day's
    # tables (cash_estimate true). recover_vnd: on a revocation, the approved amount to recover (0 if never approved).
    cash_vnd: Annotated[int, Field(ge=0)] | None = None
    base_salary_vnd: Annotated[int, Field(gt=0)] | None = None
    decision_date: date | None = None
    cash_source: Text | None = None
    cash_estimate: StrictBool | None = None
    recover_vnd: Annotated[int, Field(ge=0)] | None = None


class RejectedEvidence(Strict):
    """evidence.rejected.v1: refused input with the original bytes (base64) and the reasons."""

    rejected_at: Timestamp
    channel: Literal["kafka", "http"]
    source: str | None = None
    unit_id: str | None = None
    event_id: str | None = None
    reasons: list[FieldError]
    original_base64: str
    original_topic: str | None = None
    original_partition: Annotated[int, Field(ge=0)] | None = None
    original_offset: Annotated[int, Field(ge=0)] | None = None


RatingLevel = Literal["excellent", "good", "complete", "incomplete"]


class OfficerRating(Strict):
    """ratings.v1 (added, issue 26): an officer's rating of a year computed from the evidence under Decree
    335/2025 (the mean of the tracking periods' scores, leave excluded, the "not complete" conditions applied);
    awards takes it as the officer's rating where HR sent none. Republished whenever it changes."""

    event_id: Code
    occurred_at: Timestamp
    year: Year
    officer_id: Code
    unit_id: UnitId
    score: Score
    level: RatingLevel
    periods: Annotated[int, Field(ge=0, le=12)]
    """Tracking periods that count (worked, with a sheet)."""
    not_complete: list[Text] = Field(default_factory=list, max_length=10)
    """The "not complete" conditions that hold (Art. 20), in words; empty when none."""
    rule_version: Code
