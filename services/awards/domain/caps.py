"""The excellence cap (pure): the share of members rated excellent a unit (and, from Decree 335/2025, a peer group)
may have, and the check a title relying on excellence over it gets; the registration check."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from services.awards.domain.ratings import effective_rating
from services.awards.domain.records import OfficerRecord, UnitRecord
from services.awards.domain.registry import title_name
from services.awards.domain.rulebook import AwardRules
from services.awards.domain.verdicts import CAP_SOURCE, CAP_SOURCE_335, Check


@dataclass(frozen=True)
class ExcellenceCap:
    """The excellence cap of a unit (or one peer group in it) and year: counts on effective ratings and the number
    allowed."""

    excellent: int
    good: int
    share: float
    outstanding: bool
    group: str | None = None

    @property
    def allowed(self) -> int:
        """The most excellent ratings the cap allows (rounded down)."""
        return int(self.share * self.good + 1e-9)

    @property
    def within(self) -> bool:
        """True when the excellent ratings do not exceed the cap."""
        return self.excellent <= self.allowed


def _decree_335_year(year: int, rules: AwardRules) -> bool:
    return date(year, 1, 1) >= rules.decree_335_from


def _cap_share(unit: UnitRecord, year: int, rules: AwardRules) -> tuple[float, bool]:
    own = unit.ratings.get(year)
    outstanding = own is not None and own.value == rules.outstanding_unit_rating
    if _decree_335_year(year, rules):  # the exception's figure is unconfirmed: a setting, 0 = off
        extra = rules.excellent_max_share_outstanding_335
        return (extra, True) if outstanding and extra > 0 else (rules.excellent_max_share, False)
    return (rules.excellent_max_share_outstanding if outstanding else rules.excellent_max_share), outstanding


def _count(members: list[OfficerRecord], year: int, rules: AwardRules) -> tuple[int, int]:
    levels = [r.value for m in members if (r := effective_rating(m, year, rules)) is not None]
    return sum(1 for lv in levels if lv == "excellent"), sum(1 for lv in levels if lv == "good")


def excellence_cap(unit: UnitRecord, year: int, rules: AwardRules) -> ExcellenceCap:
    """Excellent ≤ 20 % of those rated GOOD (25 % in an outstanding unit up to 2025; from Decree 335/2025 the
    exception is a setting, off by default), on effective ratings, for the whole unit."""
    share, outstanding = _cap_share(unit, year, rules)
    return ExcellenceCap(*_count(unit.members, year, rules), share, outstanding)


def group_caps(unit: UnitRecord, year: int, rules: AwardRules) -> dict[str, ExcellenceCap]:
    """From Decree 335/2025 (Art. 20(5)) the cap also holds within each peer group; none before."""
    if not _decree_335_year(year, rules):
        return {}
    share, outstanding = _cap_share(unit, year, rules)
    groups = sorted({m.peer_group for m in unit.members if m.peer_group})
    return {
        g: ExcellenceCap(*_count([m for m in unit.members if m.peer_group == g], year, rules), share, outstanding, g)
        for g in groups
    }


def _cap_words(cap: ExcellenceCap) -> str:
    where = f"nhóm {cap.group}" if cap.group else ("đơn vị tiêu biểu" if cap.outstanding else "đơn vị")
    return (
        f"{where}: có {cap.excellent} cá nhân hoàn thành xuất sắc, tỷ lệ cho phép tối đa {cap.allowed}"
        f" ({cap.share:.0%} của {cap.good} cá nhân hoàn thành tốt)"
    )


def _cap_check(year: int, caps: list[ExcellenceCap], rules: AwardRules) -> Check:
    within = all(c.within for c in caps)
    source = CAP_SOURCE_335 if _decree_335_year(year, rules) else CAP_SOURCE
    return Check(
        "excellence_cap",
        within,
        f"năm {year}, {'; '.join(_cap_words(c) for c in caps)} ({source})" + ("" if within else ": Hội đồng xem xét"),
        "review",
    )


def excellence_within_cap(unit: UnitRecord, year: int, rules: AwardRules) -> Check:
    """The cap as a review criterion for the unit as a whole (and, from 2026, every peer group in it)."""
    return _cap_check(year, [excellence_cap(unit, year, rules), *group_caps(unit, year, rules).values()], rules)


def member_caps(unit: UnitRecord, year: int, rules: AwardRules) -> dict[str, Check]:
    """The cap each member's excellence relies on: the unit's and, from 2026, the member's peer group's (Decree
    335/2025 Art. 20(5)); over either, the council decides (with both counts)."""
    whole, groups = excellence_cap(unit, year, rules), group_caps(unit, year, rules)
    by_group = {g: _cap_check(year, [whole, c], rules) for g, c in groups.items()}
    alone = _cap_check(year, [whole], rules)
    return {m.officer_id: by_group.get(m.peer_group or "", alone) for m in unit.members}


def registered_check(registered: Mapping[int, set[str]], year: int, title: str) -> Check:
    """Đăng ký thi đua: did the subject register this title for the year?"""
    name = title_name(title)
    ok = title in registered.get(year, set())
    return Check(
        "registered",
        ok,
        f"đã đăng ký thi đua danh hiệu {name} năm {year}"
        if ok
        else f"chưa đăng ký thi đua danh hiệu {name} năm {year}",
    )
