"""Payloads of the v1 evidence types (docs/contract.md, "Evidence types")."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StrictInt, StrictStr, model_validator

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
from schemas.vietnam import VN_TZ

Channel = Literal["counter", "online", "postal"]


class SupplementRequest(Strict):
    """One request to the citizen to complete a dossier (yêu cầu bổ sung hồ sơ): asked, and supplied if so.

    The wait from requested_at to supplied_at (or, while open, to the moment judged) is counted in working days
    on the calendar and paused out of the dossier's clock."""

    requested_at: Timestamp
    supplied_at: Timestamp | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "SupplementRequest":
        if self.supplied_at is not None and self.supplied_at < self.requested_at:
            raise ValueError("supplied_at must not be before requested_at")
        return self


Supplements = Annotated[list[SupplementRequest], Field(max_length=50)]


class ProcedureReceived(Strict):
    """procedure.received: a dossier (hồ sơ thủ tục hành chính) was received."""

    dossier_code: Code
    procedure_code: Code
    channel: Channel
    received_at: Timestamp
    due_at: Timestamp
    fee_required: Bool
    supplements: Supplements | None = None
    """Supplement requests so far (added): an open dossier waiting for the citizen is paused, not late."""


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
    """Working days the dossier waited for the citizen; ignored when supplements gives the dates."""
    fee_required: Bool
    paid_online: Bool
    digitized: Bool
    e_result: Bool
    data_reused: Bool
    supplements: Supplements | None = None
    """The supplement requests' dates (added): when given, the wait is computed from them in working days."""


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
    weight: Annotated[Number, Field(gt=0, le=100)] | None = None
    """Added (issue 26): converted work units (sản phẩm quy đổi) one dossier of this procedure counts for in an
    officer's monthly tracking (Decree 335/2025 Art. 14); absent = 1. The office keeps it with its catalogue."""


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


CaseKind = Literal["complaint", "denunciation", "discipline_review", "inspection", "press_report"]
"""What a held case is (Decree 152/2025 Art. 4): khiếu nại, tố cáo, xem xét kỷ luật, thanh tra/kiểm tra,
báo chí phản ánh tham nhũng."""


class GrievanceOpened(Strict):
    """grievance.opened: a case that holds awards was opened: a complaint or denunciation (khiếu nại, tố cáo), a
    discipline under consideration, an inspection or check, or a press-reported corruption case (Decree 152)."""

    case_id: Code
    kind: CaseKind | None = None
    """What the case is (added); absent = a complaint or denunciation."""


class GrievanceClosed(Strict):
    """grievance.closed: the grievance was closed, substantiated or not."""

    case_id: Code
    substantiated: Bool | None = None
    kind: CaseKind | None = None
    """What the case is (added); the opening's kind counts when absent."""


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


UnitLevel = Literal["province", "department", "agency", "district", "commune", "ward", "special_zone", "other"]
"""Where a unit sits: the province (UBND tỉnh), its departments (sở) and other province-level agencies (cơ quan, tổ
chức cấp tỉnh); a commune (xã), ward (phường) or special zone (đặc khu) of the two-level government; `district`
(huyện) only for history before TWO_LEVEL_SINCE."""
PROVINCE_LEVELS: frozenset[str] = frozenset({"province", "department", "agency"})
"""Levels whose Decision 19/2025 code is the province's (2 digits)."""
COMMUNE_LEVELS: frozenset[str] = frozenset({"commune", "ward", "special_zone"})
"""Levels with their own Decision 19/2025 commune code (5 digits)."""
TWO_LEVEL_SINCE = datetime(2025, 7, 1, tzinfo=VN_TZ)
"""From this moment Vietnam has two levels of local government and no district level (Resolution 202/2025/QH15 of
12 June 2025: the new provincial and commune governments operate from 1 July 2025); a unit registered as a
`district` on or after it is refused."""
AdminCode = Annotated[
    StrictStr,
    Field(
        pattern=r"^([0-9]{2}|[0-9]{5})$",
        description="mã đơn vị hành chính (Decision 19/2025/QĐ-TTg): 2 digits for a province, 5 for a commune",
    ),
]
"""A code of the list in force from 1 July 2025: permanent, never reused for another unit."""


class UnitRegistered(Strict):
    """unit.registered: a unit and its emulation cluster (cụm, khối thi đua)."""

    name: Name
    level: UnitLevel
    """More levels added for the two-level government (agency, ward, special_zone); `district` before 1 July 2025
    only."""
    parent_id: UnitId | None = None
    cluster_id: Code
    cluster_name: Name | None = None
    admin_code: AdminCode | None = None
    """The Decision 19/2025 code (added): the province's 2 digits for a province-level unit (province, department,
    agency), the commune's 5 digits for a commune, ward or special zone (checked by parse_evidence)."""
    cluster_since: Timestamp | None = None
    """From when this cluster membership applies (added): clusters and blocks rebuilt from a date leave the periods
    before it in the old cluster; absent = occurred_at (docs/rules.md, "The map after 1 July 2025")."""


ReorganizationKind = Literal["merge", "split", "rename", "dissolution"]
"""How units were reorganized (sắp xếp, tổ chức lại): merged into one (hợp nhất, sáp nhập: also an existing unit
absorbing others), split into several (chia tách), renamed (đổi tên, also a new code) or dissolved (giải thể)."""
UnitList = Annotated[list[UnitId], Field(max_length=50)]


class UnitReorganized(Strict):
    """unit.reorganized (added, issue 24): units `predecessors` became units `successors` from `effective_at`.

    merge: 1–50 predecessors, exactly 1 successor (which may be an existing unit that absorbs them); split: exactly
    1 predecessor, 2–50 successors; rename: 1 and 1; dissolution: 1–50 predecessors, no successor. A unit is never
    both. The envelope's unit_id is one of the units named; the source must be registered for every one of them."""

    kind: ReorganizationKind
    predecessors: UnitList
    successors: UnitList = Field(default_factory=list)
    effective_at: Timestamp
    """The first instant under the new map (e.g. 2025-07-01T00:00:00+07:00)."""
    decision_no: Code | None = None
    """The resolution or decision ordering it (e.g. Nghị quyết 1674/NQ-UBTVQH15), named on scorecards."""


TrackingPeriod = Annotated[
    StrictStr, Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2]|Q[1-4])$", description="a month 2026-03 or a quarter 2026-Q1")
]
"""A tracking period of Decree 335/2025 (theo dõi, đánh giá theo tháng hoặc quý)."""


class ProcedureReturned(Strict):
    """procedure.returned (added, issue 26): a dossier was returned for an error found in review (trả lại do sai
    sót): a failed quality review of the officer who handled it (the envelope's officer_id, else the dossier's)."""

    dossier_code: Code
    returned_at: Timestamp
    reason: Text | None = None


class ObjectiveCauseConfirmed(Strict):
    """objective_cause.confirmed (added, issue 26): the competent level confirms an objective cause (nguyên nhân
    khách quan) of a dossier's or a complaint's delay or quality failure; the deduction it caused is cancelled
    (Decree 335/2025 Art. 14). Exactly one of dossier_code, complaint_id."""

    deduction: Literal["late", "quality"]
    dossier_code: Code | None = None
    complaint_id: Code | None = None
    confirmed_by: Name
    reason: Text

    @model_validator(mode="after")
    def _one_case(self) -> "ObjectiveCauseConfirmed":
        if (self.dossier_code is None) == (self.complaint_id is None):
            raise ValueError("name exactly one of dossier_code and complaint_id")
        return self


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


class EvidenceRetracted(Strict):
    """evidence.retracted: an earlier event of the same source stops counting."""

    target_event_id: EventId
    reason: Text
