"""Evidence types of officers and of the emulation's own records: each payload model beside its envelope class."""

# A new evidence type: its payload model and its envelope class in the family's module, and the envelope class
# named in schemas/evidence.py's union (docs/contract.md, "Evidence types").

from typing import Annotated, Literal

from pydantic import Field, StrictStr, model_validator

from schemas.common import (
    Bool,
    Code,
    Name,
    Number,
    Strict,
    Text,
    Timestamp,
    Year,
)
from schemas.envelope import Envelope, OfficerEnvelope
from schemas.labels import TitleCode


class TrainingCompleted(Strict):
    """training.completed: an officer finished a course."""

    course_code: Code
    title: Text
    hours: Annotated[Number, Field(gt=0, le=2000)]
    topic: Literal["office_culture", "professional", "it", "political", "other"]
    completed_at: Timestamp


class TrainingCompletedEvent(OfficerEnvelope):
    """training.completed"""

    type: Literal["training.completed"]
    payload: TrainingCompleted


class EvaluationRecorded(Strict):
    """evaluation.recorded: the annual rating (đánh giá, xếp loại) of an officer or a unit."""

    year: Year
    level: Literal["excellent", "good", "complete", "incomplete"]
    score: Annotated[Number, Field(ge=0, le=100)] | None = None


class EvaluationRecordedEvent(Envelope):
    """evaluation.recorded"""

    type: Literal["evaluation.recorded"]
    payload: EvaluationRecorded


class DisciplineRecorded(Strict):
    """discipline.recorded: a disciplinary decision (kỷ luật) against an officer."""

    decision_no: Code
    form: Literal["reprimand", "warning", "demotion", "removal", "dismissal"]
    decided_at: Timestamp
    reason: Text
    violation_at: Timestamp | None = None
    """When the violation happened (added): the year it counts against; decided_at when absent."""
    duty_related: Bool | None = None
    """The violation is tied to public duty (added; Decree 335/2025 Art. 20: only such a discipline forces a
    công chức's "not complete" from 2026)."""
    effective_until: Timestamp | None = None
    """When the discipline's term ends (added; Decree 152/2025 Art. 4: achievements count only from then)."""

    @model_validator(mode="after")
    def _ordered(self) -> "DisciplineRecorded":
        if self.violation_at is not None and self.violation_at > self.decided_at:
            raise ValueError("violation_at must not be after decided_at")
        if self.effective_until is not None and self.effective_until < self.decided_at:
            raise ValueError("effective_until must not be before decided_at")
        return self


class DisciplineRecordedEvent(OfficerEnvelope):
    """discipline.recorded"""

    type: Literal["discipline.recorded"]
    payload: DisciplineRecorded


class InitiativeRecognized(Strict):
    """initiative.recognized: an officer's initiative (sáng kiến) was recognised."""

    title: Text
    scope: Literal["unit", "province", "national"]
    decided_at: Timestamp


class InitiativeRecognizedEvent(OfficerEnvelope):
    """initiative.recognized"""

    type: Literal["initiative.recognized"]
    payload: InitiativeRecognized


class ResearchAccepted(Strict):
    """research.accepted: an officer's research project (đề tài khoa học) was accepted (nghiệm thu)."""

    title: Text
    scope: Literal["unit", "province", "national"]
    decided_at: Timestamp


class ResearchAcceptedEvent(OfficerEnvelope):
    """research.accepted"""

    type: Literal["research.accepted"]
    payload: ResearchAccepted


class EmulationRegistered(Strict):
    """emulation.registered: titles a unit or officer commits to (đăng ký thi đua)."""

    year: Year
    titles: Annotated[list[TitleCode], Field(min_length=1, max_length=10)]


class EmulationRegisteredEvent(Envelope):
    """emulation.registered"""

    type: Literal["emulation.registered"]
    payload: EmulationRegistered


class TitleAwarded(Strict):
    """title.awarded: a title decided earlier or elsewhere, for consecutive-year rules."""

    title: TitleCode
    year: Year
    decision_no: Code


class TitleAwardedEvent(Envelope):
    """title.awarded"""

    type: Literal["title.awarded"]
    payload: TitleAwarded


TrackingPeriod = Annotated[
    StrictStr, Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2]|Q[1-4])$", description="a month 2026-03 or a quarter 2026-Q1")
]
"""A tracking period of Decree 335/2025 (theo dõi, đánh giá theo tháng hoặc quý)."""


GeneralPoints = Annotated[Number, Field(ge=0, le=30)]


class OfficerAssessed(Strict):
    """officer.assessed (added, issue 26): the manager's points for the general criteria of a period (tiêu chí
    chung, Decree 335/2025 Art. 12-13, ≤ 30 in all): the system shows the evidence, the manager awards the points.
    Criterion codes and their maxima are the scoring rule file's ([tracking.general]); a later assessment of the
    same officer and period replaces an earlier one."""

    period: TrackingPeriod
    criteria: Annotated[dict[Code, GeneralPoints], Field(min_length=1, max_length=10)]
    assessor: Name
    note: Text | None = None


class OfficerAssessedEvent(OfficerEnvelope):
    """officer.assessed"""

    type: Literal["officer.assessed"]
    payload: OfficerAssessed


class LeaveRecorded(Strict):
    """leave.recorded (added, issue 26): justified absence, sick or maternity leave from..until (inclusive days,
    Vietnam time): the annual score counts only the time actually worked (Decree 335/2025 Art. 21)."""

    kind: Literal["sick", "maternity", "justified", "other"]
    leave_from: Timestamp
    leave_until: Timestamp

    @model_validator(mode="after")
    def _ordered(self) -> "LeaveRecorded":
        if self.leave_until < self.leave_from:
            raise ValueError("leave_until must not be before leave_from")
        return self


class LeaveRecordedEvent(OfficerEnvelope):
    """leave.recorded"""

    type: Literal["leave.recorded"]
    payload: LeaveRecorded


class OfficerRegistered(Strict):
    """officer.registered: an officer (cán bộ, công chức, viên chức) of the unit."""

    full_name: Name
    category: Literal["cadre", "civil_servant", "public_employee", "worker"]
    position: Name | None = None
    staff_kind: Literal["civil_servant", "public_employee", "other"] | None = None
    """Công chức, viên chức or other (added): which rating decree applies (Decree 335/2025 for công chức from
    2026); absent = from category (civil_servant, public_employee, else other)."""
    peer_group: Code | None = None
    """Group with similar duties inside the agency (added): the excellence cap also holds per group."""
    transferred_at: Timestamp | None = None
    """When the officer moved to this unit (added; điều động, luân chuyển): a registration under another unit than
    the officer's home is a transfer, dated by this field, else by occurred_at (docs/contract.md, "Officers")."""


class OfficerRegisteredEvent(OfficerEnvelope):
    """officer.registered"""

    type: Literal["officer.registered"]
    payload: OfficerRegistered
