"""Unit lineage in the awards (issue 24, pure): titles carried over from predecessors, the check that refuses a
collective title to a unit that ended, what the preview shows, which (unit, year) a reorganization touches.

The map itself (who folds into whom, who ended when) is schemas/lineage.py's, shared with scoring."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from schemas.labels import CRITERIA_TITLE_NAMES
from schemas.lineage import Reorganization, ancestors, ceased
from schemas.vietnam import VN_TZ
from services.awards.domain.memberships import year_end
from services.awards.domain.records import UnitRecord
from services.awards.domain.rulebook import AwardRules
from services.awards.domain.verdicts import Check

CIRCULAR_15 = "Thông tư 15/2025/TT-BNV"
ENDED_VI = {"merge": "hợp nhất, sáp nhập vào", "rename": "đổi tên thành", "split": "chia tách thành"}
CARRIED_VI = {"merge": "hợp nhất vào", "rename": "đổi tên thành", "split": "chia tách thành", "dissolution": "giải thể"}
UNIT_EXISTS = "unit_exists"


def _day(at: datetime) -> str:
    return f"{at.astimezone(VN_TZ):%d/%m/%Y}"


def _decision(change: Reorganization) -> str:
    return f", {change.decision_no}" if change.decision_no else ""


@dataclass(frozen=True)
class Carried:
    """A predecessor's approved title counting for its successor in a year before the change."""

    year: int
    title: str
    unit_id: str
    name: str
    change: Reorganization
    ref: str  # the title's evidence or approved nomination

    def words(self) -> str:
        """E.g. "2024: Tập thể lao động xuất sắc của đơn vị tiền thân Phường A (hợp nhất vào đơn vị từ 01/07/2025)"."""
        how = CARRIED_VI.get(self.change.kind, self.change.kind)
        title = CRITERIA_TITLE_NAMES.get(self.title, self.title)
        return (
            f"{self.year}: {title} của đơn vị tiền thân {self.name} "
            f"({how} đơn vị từ {_day(self.change.at)}{_decision(self.change)}; {self.ref})"
        )


def carried_titles(unit: UnitRecord, title: str, rules: AwardRules) -> dict[int, list[Carried]]:
    """{year: the predecessors holding title that year} for the years wholly before the change that passed each on
    (rule file [lineage]: off, or only through carry_over_kinds; not found in the texts, L: a local choice)."""
    if not rules.carry_over_titles or not unit.forebears:
        return {}
    found: dict[int, list[Carried]] = {}
    for before, change in sorted(ancestors(unit.unit_id, unit.changes, rules.carry_over_kinds).items()):
        forebear = unit.forebears.get(before)
        if forebear is None:
            continue
        for year, titles in sorted(forebear.titles.items()):
            if title in titles and year_end(year) <= change.at:
                found.setdefault(year, []).append(
                    Carried(year, title, before, forebear.name or before, change, titles[title])
                )
    return found


def ended_check(unit: UnitRecord, year: int, on: date | None) -> Check | None:
    """No collective title for a unit that ended: merged, renamed or split, for a year ending after its date (the
    year counts for the successor); dissolved, for such a year or any year evaluated once it is dissolved (Circular
    15/2025/TT-BNV). None for a unit that has not ended."""
    change = ceased(unit.unit_id, unit.changes)
    if change is None:
        return None
    day = _day(change.at)
    after = change.at < year_end(year)
    if change.kind == "dissolution":
        gone = after or (on is not None and on >= change.at.astimezone(VN_TZ).date())
        why = (
            f"đơn vị đã giải thể từ {day}{_decision(change)}: không khen thưởng tập thể đã giải thể khi sắp xếp "
            f"tổ chức bộ máy ({CIRCULAR_15})"
        )
        return Check(UNIT_EXISTS, not gone, why if gone else f"đơn vị còn tồn tại khi xét (giải thể từ {day})")
    successors = ", ".join(unit.name_of(s) for s in change.successors)
    how = ENDED_VI.get(change.kind, change.kind)
    if after:
        return Check(
            UNIT_EXISTS,
            False,
            f"đã {how} {successors} từ {day}{_decision(change)}: thành tích năm {year} tính cho đơn vị kế thừa",
        )
    return Check(UNIT_EXISTS, True, f"đơn vị còn tồn tại đến hết năm {year} ({how} {successors} từ {day})")


def only_ended(checks: Iterable[Check]) -> bool:
    """True when the unit having ended is the only criterion that blocks."""
    blocking = [c for c in checks if not c.met and c.effect == "block"]
    return bool(blocking) and all(c.code == UNIT_EXISTS for c in blocking)


def _link(change: Reorganization, unit_id: str, unit: UnitRecord) -> dict[str, Any]:
    return {
        "unit_id": unit_id,
        "name": unit.name_of(unit_id),
        "kind": change.kind,
        "effective_at": change.at.isoformat(),
        "decision_no": change.decision_no,
    }


def lineage_view(unit: UnitRecord, year: int, rules: AwardRules, on: date | None) -> dict[str, Any] | None:
    """The preview's lineage of a unit: its predecessors and successors (kind, date), the titles carried over from
    predecessors and the check refusing its collective titles once it ended; None without any reorganization."""
    if not unit.lineage:
        return None
    made = [c for c in unit.lineage if unit.unit_id in c.successors]
    ended = ceased(unit.unit_id, unit.changes)
    carried = carried_titles(unit, "tap_the_lao_dong_xuat_sac", rules)
    check = ended_check(unit, year, on)
    return {
        "predecessors": [_link(c, p, unit) for c in made for p in c.predecessors],
        "successors": [_link(ended, s, unit) for s in ended.successors] if ended else [],
        "ended": {"kind": ended.kind, "effective_at": ended.at.isoformat()} if ended else None,
        "carried_titles": [
            {"year": c.year, "title": c.title, "unit_id": c.unit_id, "name": c.name, "evidence_id": c.ref}
            for y in sorted(carried)
            if y < year
            for c in carried[y]
        ],
        "unit_exists": None if check is None else {"code": check.code, "met": check.met, "reason": check.reason},
    }


def touched_by(change: Reorganization) -> set[tuple[str, int | None]]:
    """(unit, first year) a reorganization's arrival or retraction changes: every unit named, from the year of the
    change (members, the check of an ended unit, carried titles); a dissolved unit's every year (none once
    dissolved)."""
    year = change.at.astimezone(VN_TZ).year
    touched: set[tuple[str, int | None]] = {(u, year) for u in change.successors}
    for before in change.predecessors:
        touched.add((before, None if change.kind == "dissolution" else year))
    return touched
