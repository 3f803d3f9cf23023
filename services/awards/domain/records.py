"""What the award rules look at: an officer's or a unit's record across years (hồ sơ thành tích)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from schemas.lineage import Reorganization


@dataclass(frozen=True)
class Fact:
    """One dated piece of evidence, by its event key (source:event_id)."""

    year: int
    value: str
    event: str


@dataclass(frozen=True)
class Discipline:
    """A disciplinary decision: its counted year (the violation's, else the decision's, Vietnam time), form, event
    and the facts the 2025-2026 law looks at (decision and violation dates, tie to public duty, term)."""

    year: int
    value: str  # form: reprimand, warning, demotion, removal, dismissal
    event: str
    decided_at: datetime | None = None
    violation_at: datetime | None = None
    duty_related: bool | None = None  # None: not said (the rule file's default applies)
    effective_until: datetime | None = None  # end of the discipline's term (Decree 152/2025 Art. 4)


@dataclass(frozen=True)
class CaseEvent:
    """One event of a case as stored: its key (source|unit|case_id), whom it is about, open or closed, its kind."""

    key: str
    unit_id: str
    officer_id: str | None
    is_open: bool
    substantiated: bool | None
    event: str
    at: datetime
    kind: str | None = None


@dataclass(frozen=True)
class StatusChange:
    """A nomination's move to a status with its reason; votes, held_from, evidence and criteria when they change."""

    status: str
    reason: str
    votes: dict[str, int] | None = None
    held_from: str | None = None
    evidence_ids: list[str] | None = None
    criteria: list[dict[str, Any]] | None = None


@dataclass(frozen=True)
class OpenCase:
    """An open case that holds nominations (Decree 152/2025 Art. 4): its kind, case id and latest event."""

    event: str
    kind: str | None = None  # complaint, denunciation, discipline_review, inspection, press_report; None: unsaid
    case_id: str = ""


@dataclass(frozen=True)
class EvidenceRating:
    """An officer's rating of a year computed from the evidence under Decree 335/2025 (ratings.v1, from scoring):
    the mean of the tracking periods' scores, the level it gives and the "not complete" conditions found."""

    year: int
    value: str  # level: excellent, good, complete, incomplete
    event: str  # "ratings:<event_id>"
    score: float
    periods: int
    not_complete: tuple[str, ...] = ()
    rule_version: str = ""


@dataclass
class OfficerRecord:
    """Ratings, approved titles, initiatives, research, disciplines, registrations, open grievances of an officer."""

    officer_id: str
    unit_id: str
    name: str = ""
    ratings: dict[int, Fact] = field(default_factory=dict)  # year -> level as reported by HR
    titles: dict[int, dict[str, str]] = field(default_factory=dict)  # year -> {approved title: event or nomination id}
    initiatives: list[Fact] = field(default_factory=list)  # value = scope
    research: list[Fact] = field(default_factory=list)  # accepted research projects, value = scope
    disciplines: list[Discipline] = field(default_factory=list)
    open_grievances: list[OpenCase] = field(default_factory=list)
    registered: dict[int, set[str]] = field(default_factory=dict)  # year -> titles registered (đăng ký thi đua)
    scores: dict[int, float] = field(default_factory=dict)  # year -> evidence-based emulation score
    staff_kind: str = "other"  # civil_servant (công chức), public_employee (viên chức), other
    peer_group: str | None = None  # group with similar duties inside the agency (Decree 335/2025 Art. 20(5))
    evidence_ratings: dict[int, EvidenceRating] = field(default_factory=dict)  # year -> Decree 335 evidence rating

    def has_title(self, year: int, title: str) -> bool:
        """True when the officer holds the approved title for year."""
        return title in self.titles.get(year, {})


@dataclass
class Forebear:
    """A unit whose history this one may continue (a predecessor, transitively): its name and approved titles."""

    unit_id: str
    name: str = ""
    titles: dict[int, dict[str, str]] = field(default_factory=dict)  # year -> {approved title: event or nomination}

    def has_title(self, year: int, title: str) -> bool:
        """True when the predecessor holds the approved title for year."""
        return title in self.titles.get(year, {})


@dataclass
class UnitRecord:
    """A unit's own ratings and titles, its members, its standing, registrations and open grievances against it."""

    unit_id: str
    cluster_id: str | None = None
    name: str = ""
    ratings: dict[int, Fact] = field(default_factory=dict)
    titles: dict[int, dict[str, str]] = field(default_factory=dict)
    members: list[OfficerRecord] = field(default_factory=list)
    open_grievances: list[OpenCase] = field(default_factory=list)
    # year -> (rank in cluster, band, standings event id)
    standing: dict[int, tuple[int | None, str, str]] = field(default_factory=dict)
    cluster_leaders: dict[int, list[str]] = field(default_factory=dict)  # year -> units ranked 1st in the cluster
    registered: dict[int, set[str]] = field(default_factory=dict)
    # Lineage (issue 24): the accepted reorganizations of its lineage (every one naming it or a unit it continues),
    # the units it may continue with their titles, and the names of the units they name.
    changes: list[Reorganization] = field(default_factory=list)
    forebears: dict[str, Forebear] = field(default_factory=dict)
    unit_names: dict[str, str] = field(default_factory=dict)

    @property
    def lineage(self) -> list[Reorganization]:
        """The reorganizations naming this unit (predecessor or successor), oldest first."""
        mine = [c for c in self.changes if self.unit_id in c.predecessors or self.unit_id in c.successors]
        return sorted(mine, key=lambda c: (c.at, c.event))

    def name_of(self, unit_id: str) -> str:
        """A unit's name as registered (its id when unknown)."""
        return self.unit_names.get(unit_id) or unit_id

    def has_title(self, year: int, title: str) -> bool:
        """True when the unit holds the approved title for year."""
        return title in self.titles.get(year, {})
