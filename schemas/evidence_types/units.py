"""Evidence types of units on the administrative map, and retractions: each payload model beside its envelope."""

# A new evidence type: its payload model and its envelope class in the family's module, and the envelope class
# named in schemas/evidence.py's union (docs/contract.md, "Evidence types").

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StrictStr

from schemas.common import (
    Code,
    EventId,
    Name,
    Strict,
    Text,
    Timestamp,
    UnitId,
)
from schemas.envelope import Envelope
from schemas.vietnam import VN_TZ

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


class UnitRegisteredEvent(Envelope):
    """unit.registered"""

    type: Literal["unit.registered"]
    payload: UnitRegistered


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


class UnitReorganizedEvent(Envelope):
    """unit.reorganized"""

    type: Literal["unit.reorganized"]
    payload: UnitReorganized


class EvidenceRetracted(Strict):
    """evidence.retracted: an earlier event of the same source stops counting."""

    target_event_id: EventId
    reason: Text


class EvidenceRetractedEvent(Envelope):
    """evidence.retracted"""

    type: Literal["evidence.retracted"]
    payload: EvidenceRetracted
