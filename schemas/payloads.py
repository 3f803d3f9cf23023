"""Payloads of the v1 evidence types (docs/contract.md, "Evidence types")."""

from typing import Annotated, Literal

from pydantic import Field, StrictInt

from schemas.common import (
    Bool,
    Code,
    EventId,
    Name,
    Number,
    OfficerId,
    Strict,
    Text,
    Timestamp,
    TitleCode,
    UnitId,
    Year,
)

Channel = Literal["counter", "online", "postal"]


class ProcedureReceived(Strict):
    """procedure.received: a dossier (hồ sơ thủ tục hành chính) was received."""

    dossier_code: Code
    procedure_code: Code
    channel: Channel
    received_at: Timestamp
    due_at: Timestamp
    fee_required: Bool


class ProcedureProcessed(Strict):
    """procedure.processed: a dossier was finished (resolved, rejected, stopped or withdrawn)."""

    dossier_code: Code
    procedure_code: Code
    channel: Channel
    received_at: Timestamp
    due_at: Timestamp
    finished_at: Timestamp
    status: Literal["resolved", "rejected", "stopped", "withdrawn"]
    supplement_requests: Annotated[StrictInt, Field(ge=0, le=1000)]
    supplement_days: Annotated[Number, Field(ge=0, le=3650)]
    fee_required: Bool
    paid_online: Bool
    digitized: Bool
    e_result: Bool
    data_reused: Bool


class ProcedureRated(Strict):
    """procedure.rated: the citizen rated a dossier."""

    dossier_code: Code
    satisfied: Bool
    score: Annotated[StrictInt, Field(ge=1, le=5)] | None = None


class ProcedureCatalogued(Strict):
    """procedure.catalogued: a procedure the unit handles (danh mục thủ tục hành chính), as now offered."""

    procedure_code: Code
    name: Name
    online: Bool
    """Offered as an online public service (dịch vụ công trực tuyến)."""
    published: Bool
    """Published in full on the public portal (công khai thủ tục hành chính)."""
    active: Bool = True
    """False when the procedure was abolished or moved away: it stops counting."""


class ProcedurePublished(Strict):
    """procedure.published: a dossier's result was published on the public portal (công khai kết quả)."""

    dossier_code: Code
    published_at: Timestamp


class ComplaintReceived(Strict):
    """complaint.received: a complaint or feedback (phản ánh, kiến nghị) arrived."""

    complaint_id: Code
    category: Literal["procedure", "conduct"]
    received_at: Timestamp
    officer_id: OfficerId | None = None
    dossier_code: Code | None = None
    """The dossier the complaint is about, if any: a substantiated one makes that dossier unsatisfied."""


class ComplaintResolved(Strict):
    """complaint.resolved: the complaint was answered or rejected."""

    complaint_id: Code
    resolved_at: Timestamp
    outcome: Literal["answered", "rejected"]
    substantiated: Bool


class ComplaintSupplementRequested(Strict):
    """complaint.supplement_requested: the citizen was asked to complete the complaint (5 working days)."""

    complaint_id: Code
    requested_at: Timestamp


class ComplaintPublished(Strict):
    """complaint.published: the answer to the complaint was made public (2 working days after it)."""

    complaint_id: Code
    published_at: Timestamp


class ComplaintFeedback(Strict):
    """complaint.feedback: the citizen's view of how the complaint was handled."""

    complaint_id: Code
    satisfied: Bool
    re_complained: Bool


class TrainingCompleted(Strict):
    """training.completed: an officer finished a course."""

    course_code: Code
    title: Text
    hours: Annotated[Number, Field(gt=0, le=2000)]
    topic: Literal["office_culture", "professional", "it", "political", "other"]
    completed_at: Timestamp


class EvaluationRecorded(Strict):
    """evaluation.recorded: the annual rating (đánh giá, xếp loại) of an officer or a unit."""

    year: Year
    level: Literal["excellent", "good", "complete", "incomplete"]
    score: Annotated[Number, Field(ge=0, le=100)] | None = None


class DisciplineRecorded(Strict):
    """discipline.recorded: a disciplinary decision (kỷ luật) against an officer."""

    decision_no: Code
    form: Literal["reprimand", "warning", "demotion", "removal", "dismissal"]
    decided_at: Timestamp
    reason: Text


class InitiativeRecognized(Strict):
    """initiative.recognized: an officer's initiative (sáng kiến) was recognised."""

    title: Text
    scope: Literal["unit", "province", "national"]
    decided_at: Timestamp


class ResearchAccepted(Strict):
    """research.accepted: an officer's research project (đề tài khoa học) was accepted (nghiệm thu)."""

    title: Text
    scope: Literal["unit", "province", "national"]
    decided_at: Timestamp


class GrievanceOpened(Strict):
    """grievance.opened: a complaint or denunciation (khiếu nại, tố cáo) was opened."""

    case_id: Code


class GrievanceClosed(Strict):
    """grievance.closed: the grievance was closed, substantiated or not."""

    case_id: Code
    substantiated: Bool | None = None


class Finding(Strict):
    """One finding of an office-culture inspection."""

    code: Literal["late_or_absent", "no_name_badge", "dress_code", "alcohol", "smoking", "conduct", "hygiene", "other"]
    officer_id: OfficerId | None = None
    count: Annotated[StrictInt, Field(ge=1, le=10000)] | None = None


class InspectionRecorded(Strict):
    """inspection.recorded: an inspection of public duty (kiểm tra công vụ); no findings = clean."""

    inspection_id: Code
    inspected_at: Timestamp
    findings: Annotated[list[Finding], Field(max_length=1000)]


class EmulationRegistered(Strict):
    """emulation.registered: titles a unit or officer commits to (đăng ký thi đua)."""

    year: Year
    titles: Annotated[list[TitleCode], Field(min_length=1, max_length=10)]


class TitleAwarded(Strict):
    """title.awarded: a title decided earlier or elsewhere, for consecutive-year rules."""

    title: TitleCode
    year: Year
    decision_no: Code


class UnitRegistered(Strict):
    """unit.registered: a unit and its emulation cluster (cụm, khối thi đua)."""

    name: Name
    level: Literal["province", "department", "district", "commune", "other"]
    parent_id: UnitId | None = None
    cluster_id: Code
    cluster_name: Name | None = None


class OfficerRegistered(Strict):
    """officer.registered: an officer (cán bộ, công chức, viên chức) of the unit."""

    full_name: Name
    category: Literal["cadre", "civil_servant", "public_employee", "worker"]
    position: Name | None = None


class EvidenceRetracted(Strict):
    """evidence.retracted: an earlier event of the same source stops counting."""

    target_event_id: EventId
    reason: Text
