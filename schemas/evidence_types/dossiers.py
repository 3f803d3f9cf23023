"""Evidence types of dossiers (hồ sơ thủ tục hành chính): each payload model beside its envelope class."""

# A new evidence type: its payload model and its envelope class in the family's module, and the envelope class
# named in schemas/evidence.py's union (docs/contract.md, "Evidence types").

from typing import Annotated, Literal

from pydantic import Field, StrictInt, model_validator

from schemas.common import (
    Bool,
    Code,
    Name,
    Number,
    Strict,
    Text,
    Timestamp,
)
from schemas.envelope import Envelope

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


class ProcedureReceivedEvent(Envelope):
    """procedure.received"""

    type: Literal["procedure.received"]
    payload: ProcedureReceived


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


class ProcedureProcessedEvent(Envelope):
    """procedure.processed"""

    type: Literal["procedure.processed"]
    payload: ProcedureProcessed


class ProcedureRated(Strict):
    """procedure.rated: the citizen rated a dossier."""

    dossier_code: Code
    satisfied: Bool
    score: Annotated[StrictInt, Field(ge=1, le=5)] | None = None


class ProcedureRatedEvent(Envelope):
    """procedure.rated"""

    type: Literal["procedure.rated"]
    payload: ProcedureRated


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


class ProcedureCataloguedEvent(Envelope):
    """procedure.catalogued"""

    type: Literal["procedure.catalogued"]
    payload: ProcedureCatalogued


class ProcedurePublished(Strict):
    """procedure.published: a dossier's result was published on the public portal (công khai kết quả)."""

    dossier_code: Code
    published_at: Timestamp


class ProcedurePublishedEvent(Envelope):
    """procedure.published"""

    type: Literal["procedure.published"]
    payload: ProcedurePublished


class ProcedureReturned(Strict):
    """procedure.returned (added, issue 26): a dossier was returned for an error found in review (trả lại do sai
    sót): a failed quality review of the officer who handled it (the envelope's officer_id, else the dossier's)."""

    dossier_code: Code
    returned_at: Timestamp
    reason: Text | None = None


class ProcedureReturnedEvent(Envelope):
    """procedure.returned"""

    type: Literal["procedure.returned"]
    payload: ProcedureReturned


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


class ObjectiveCauseConfirmedEvent(Envelope):
    """objective_cause.confirmed"""

    type: Literal["objective_cause.confirmed"]
    payload: ObjectiveCauseConfirmed
