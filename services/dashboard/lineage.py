"""A unit's lineage as its page tells it (issue 24), shaped from scoring's answers (pure: no I/O, no markup).

Scoring's scorecard (schemas.http.scoring.UnitScorecard) carries `lineage` when the unit has one (docs/contract.md
"Unit lineage"); a folded predecessor's scorecard for a later period answers 404 naming its successor. Older scoring
sends neither: every helper then answers None or nothing, and the page looks as before."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from schemas.http.scoring import Lineage as LineageAnswer
from schemas.http.scoring import LineageEntry, UnitScorecard
from schemas.lineage import KIND_VI
from schemas.vietnam import VN_TZ
from services.dashboard.formatting import day
from services.dashboard.security import valid_unit_id

CAME_FROM = {"merge": "Hợp nhất từ", "rename": "Đổi tên từ", "split": "Chia tách từ"}
"""What a unit's predecessors did to make it, by kind."""
BECAME = {
    "merge": "Đã hợp nhất vào",
    "rename": "Đã đổi tên thành",
    "split": "Đã chia tách thành",
    "dissolution": "Đã giải thể",
}
"""What became of a unit, by kind."""
_UNIT_TOKEN = re.compile(r"(?<![A-Za-z0-9.])[A-Z0-9.]{2,32}(?![A-Za-z0-9.])")


@dataclass(frozen=True)
class LinkedUnit:
    """A unit the block names, with the period its page is opened on (None: the page's default)."""

    unit_id: str
    name: str
    period: str | None


@dataclass(frozen=True)
class Line:
    """One sentence: 'Hợp nhất từ A, B, C từ 01/07/2025 (Nghị quyết số …)'."""

    verb: str
    units: tuple[LinkedUnit, ...]
    since: str | None
    decision: str | None


@dataclass(frozen=True)
class Lineage:
    """The block 'Lịch sử sắp xếp đơn vị': where the unit came from, what it became, whose evidence is counted."""

    came_from: tuple[Line, ...]
    became: tuple[Line, ...]
    combined: tuple[LinkedUnit, ...]
    apart: tuple[LinkedUnit, ...]
    year_of_change: str | None


def _instant(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=VN_TZ)


def quarter(moment: datetime) -> str:
    """The quarter (e.g. 2025-Q3) containing moment in Vietnam time."""
    local = moment.astimezone(VN_TZ)
    return f"{local.year}-Q{(local.month - 1) // 3 + 1}"


def decision_label(decision_no: str | None) -> str | None:
    """The resolution as people cite it: 'Nghị quyết số 1674/NQ-UBTVQH15', 'Quyết định số 12/QĐ-UBND'."""
    if decision_no is None or not decision_no.strip():
        return None
    text = decision_no.strip()
    if text[0].isalpha():  # already cited with its kind ("Nghị quyết 1674/…")
        return text
    upper = text.upper()
    kind = "Nghị quyết" if "/NQ-" in upper else "Quyết định" if "/QĐ-" in upper else "Văn bản"
    return f"{kind} số {text}"


def _lines(entries: Sequence[LineageEntry], verbs: Mapping[str, str], link: str) -> tuple[Line, ...]:
    """Entries grouped by (kind, date, decision) in their order; link: 'before' (the quarter before the date, when the
    unit still had its own page) or 'after' (the quarter the date opens)."""
    groups: dict[tuple[str, str, str], list[LineageEntry]] = {}
    for e in entries:
        key = (e.kind, e.effective_at, e.decision_no or "")
        groups.setdefault(key, []).append(e)
    lines = []
    for (kind, at, decision), members in groups.items():
        moment = _instant(at)
        period = None
        if moment is not None:
            period = quarter(moment - timedelta(microseconds=1) if link == "before" else moment)
        units = tuple(LinkedUnit(e.unit_id, _name(e), period) for e in members)
        verb = verbs.get(kind) or f"Sắp xếp ({KIND_VI.get(kind, kind) or 'không rõ'})"
        lines.append(Line(verb, units, day(moment) if moment else None, decision_label(decision or None)))
    return tuple(lines)


def _name(entry: LineageEntry) -> str:
    return entry.name or entry.unit_id


def lineage_of(card: UnitScorecard) -> Lineage | None:
    """The block for a scorecard carrying `lineage`; None without one (older scoring, or a unit never reorganized)."""
    return block_of(card.lineage)


def block_of(lineage: LineageAnswer | None) -> Lineage | None:
    """The block for a scorecard's `lineage` answer; None when there is none or it tells nothing."""
    if lineage is None:
        return None
    before, after = lineage.predecessors, lineage.successors
    came_from, became = _lines(before, CAME_FROM, "before"), _lines(after, BECAME, "after")
    ended = lineage.ended
    if not after and ended is not None and ended.kind == "dissolution":
        moment = _instant(ended.effective_at)
        became = (Line(BECAME["dissolution"], (), day(moment) if moment else None, decision_label(ended.decision_no)),)
    if not came_from and not became:
        return None
    combined = tuple(LinkedUnit(e.unit_id, _name(e), None) for e in before if e.combined is True)
    apart = tuple(LinkedUnit(e.unit_id, _name(e), None) for e in before if e.combined is not True)
    return Lineage(came_from, became, combined, apart, lineage.year_of_change)


def successors_named(unit_id: str, answer: object) -> list[str]:
    """Unit ids a scorecard's 404 names as unit_id's successor, most likely first: a detail's `successor` (or
    `successor_id`) key, then the unit ids written in its messages. To be confirmed against the successor's lineage."""
    details = answer.get("details") if isinstance(answer, Mapping) else None
    named: list[str] = []
    for detail in details if isinstance(details, list) else []:
        if not isinstance(detail, Mapping):
            continue
        for key in ("successor", "successor_id"):
            if isinstance(detail.get(key), str):
                named.append(detail[key])
        message = detail.get("message")
        if isinstance(message, str):
            named += [t for t in _UNIT_TOKEN.findall(message) if not t.isdigit()]
    seen: list[str] = []
    for candidate in named:
        if candidate != unit_id and candidate not in seen and valid_unit_id(candidate):
            seen.append(candidate)
    return seen


@dataclass(frozen=True)
class Folded:
    """'Đã hợp nhất vào <successor> từ dd/mm/yyyy': a predecessor's page for a period it is no longer listed in."""

    verb: str
    successors: tuple[LinkedUnit, ...]
    since: str | None
    decision: str | None

    @property
    def split(self) -> bool:
        """A split names several successors: every one the 404 names is worth confirming."""
        return self.verb == BECAME["split"]

    def joined(self, other: Folded) -> Folded:
        """This answer with another successor of the same split."""
        return Folded(self.verb, self.successors + other.successors, self.since, self.decision)


def folded_into(unit_id: str, successor_id: str, successor_card: UnitScorecard, period: str) -> Folded | None:
    """What became of unit_id, when the successor's scorecard for the period names it among its predecessors."""
    if successor_card.lineage is None:
        return None
    entry = next((e for e in successor_card.lineage.predecessors if e.unit_id == unit_id), None)
    if entry is None:
        return None
    successor = LinkedUnit(successor_id, successor_card.name or successor_id, period)
    moment = _instant(entry.effective_at)
    verb = BECAME.get(entry.kind, BECAME["merge"])
    return Folded(verb, (successor,), day(moment) if moment else None, decision_label(entry.decision_no))
