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
    """Ratings, titles, initiatives, disciplines and open grievances of one officer."""

    officer_id: str
    unit_id: str
    name: str = ""
    ratings: dict[int, Fact] = field(default_factory=dict)           # year -> level
    titles: dict[int, dict[str, str]] = field(default_factory=dict)  # year -> {title: event or nomination id}
    initiatives: list[Fact] = field(default_factory=list)            # value = scope
    disciplines: list[Fact] = field(default_factory=list)            # value = form
    open_grievances: list[str] = field(default_factory=list)         # event keys

    def has_title(self, year: int, title: str) -> bool:
        return title in self.titles.get(year, {})


@dataclass
class UnitRecord:
    """A unit's own ratings and titles, its members, its standing and open grievances against it."""

    unit_id: str
    cluster_id: str | None = None
    name: str = ""
    ratings: dict[int, Fact] = field(default_factory=dict)
    titles: dict[int, dict[str, str]] = field(default_factory=dict)
    members: list[OfficerRecord] = field(default_factory=list)
    open_grievances: list[str] = field(default_factory=list)
    # year -> (rank in cluster, band, standings event id)
    standing: dict[int, tuple[int | None, str, str]] = field(default_factory=dict)

    def has_title(self, year: int, title: str) -> bool:
        return title in self.titles.get(year, {})
