"""What the award rules look at: an officer's or a unit's record across years (hồ sơ thành tích)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Fact:
    """One dated piece of evidence, by its event key (source:event_id)."""

    year: int
    value: str
    event: str


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
    disciplines: list[Fact] = field(default_factory=list)  # value = form
    open_grievances: list[str] = field(default_factory=list)  # event keys
    registered: dict[int, set[str]] = field(default_factory=dict)  # year -> titles registered (đăng ký thi đua)
    scores: dict[int, float] = field(default_factory=dict)  # year -> evidence-based emulation score

    def has_title(self, year: int, title: str) -> bool:
        """True when the officer holds the approved title for year."""
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
    open_grievances: list[str] = field(default_factory=list)
    # year -> (rank in cluster, band, standings event id)
    standing: dict[int, tuple[int | None, str, str]] = field(default_factory=dict)
    registered: dict[int, set[str]] = field(default_factory=dict)

    def has_title(self, year: int, title: str) -> bool:
        """True when the unit holds the approved title for year."""
        return title in self.titles.get(year, {})
