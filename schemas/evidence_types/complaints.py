"""Evidence types of complaints (phản ánh, kiến nghị), grievances and inspections: payloads beside envelopes."""

# A new evidence type: its payload model and its envelope class in the family's module, and the envelope class
# named in schemas/evidence.py's union (docs/contract.md, "Evidence types").

from typing import Annotated, Literal

from pydantic import Field, StrictInt

from schemas.common import (
    Bool,
    Code,
    OfficerId,
    Strict,
    Timestamp,
)
from schemas.envelope import Envelope


class ComplaintReceived(Strict):
    """complaint.received: a complaint or feedback (phản ánh, kiến nghị) arrived."""

    complaint_id: Code
    category: Literal["procedure", "conduct"]
    received_at: Timestamp
    officer_id: OfficerId | None = None
    dossier_code: Code | None = None
    """The dossier the complaint is about, if any: a substantiated one makes that dossier unsatisfied."""


class ComplaintReceivedEvent(Envelope):
    """complaint.received"""

    type: Literal["complaint.received"]
    payload: ComplaintReceived


class ComplaintResolved(Strict):
    """complaint.resolved: the complaint was answered or rejected."""

    complaint_id: Code
    resolved_at: Timestamp
    outcome: Literal["answered", "rejected"]
    substantiated: Bool


class ComplaintResolvedEvent(Envelope):
    """complaint.resolved"""

    type: Literal["complaint.resolved"]
    payload: ComplaintResolved


class ComplaintSupplementRequested(Strict):
    """complaint.supplement_requested: the citizen was asked to complete the complaint (5 working days)."""

    complaint_id: Code
    requested_at: Timestamp


class ComplaintSupplementRequestedEvent(Envelope):
    """complaint.supplement_requested"""

    type: Literal["complaint.supplement_requested"]
    payload: ComplaintSupplementRequested


class ComplaintPublished(Strict):
    """complaint.published: the answer to the complaint was made public (2 working days after it)."""

    complaint_id: Code
    published_at: Timestamp


class ComplaintPublishedEvent(Envelope):
    """complaint.published"""

    type: Literal["complaint.published"]
    payload: ComplaintPublished


class ComplaintFeedback(Strict):
    """complaint.feedback: the citizen's view of how the complaint was handled."""

    complaint_id: Code
    satisfied: Bool
    re_complained: Bool


class ComplaintFeedbackEvent(Envelope):
    """complaint.feedback"""

    type: Literal["complaint.feedback"]
    payload: ComplaintFeedback


CaseKind = Literal["complaint", "denunciation", "discipline_review", "inspection", "press_report"]
"""What a held case is (Decree 152/2025 Art. 4): khiếu nại, tố cáo, xem xét kỷ luật, thanh tra/kiểm tra,
báo chí phản ánh tham nhũng."""


class GrievanceOpened(Strict):
    """grievance.opened: a case that holds awards was opened: a complaint or denunciation (khiếu nại, tố cáo), a
    discipline under consideration, an inspection or check, or a press-reported corruption case (Decree 152)."""

    case_id: Code
    kind: CaseKind | None = None
    """What the case is (added); absent = a complaint or denunciation."""


class GrievanceOpenedEvent(Envelope):
    """grievance.opened"""

    type: Literal["grievance.opened"]
    payload: GrievanceOpened


class GrievanceClosed(Strict):
    """grievance.closed: the grievance was closed, substantiated or not."""

    case_id: Code
    substantiated: Bool | None = None
    kind: CaseKind | None = None
    """What the case is (added); the opening's kind counts when absent."""


class GrievanceClosedEvent(Envelope):
    """grievance.closed"""

    type: Literal["grievance.closed"]
    payload: GrievanceClosed


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


class InspectionRecordedEvent(Envelope):
    """inspection.recorded"""

    type: Literal["inspection.recorded"]
    payload: InspectionRecorded
