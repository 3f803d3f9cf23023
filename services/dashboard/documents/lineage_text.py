"""A unit's lineage in words for the documents (issue 24), as its page tells it (pure: no I/O).

The shaping is services/dashboard/lineage.py's (`block_of`); here it becomes plain
sentences, each unit named with its id ("Phường A (H40.40.81)") since a file has no links. A scorecard without
`lineage` (older scoring, or a unit never reorganized) gives nothing, and the document looks as before."""

from __future__ import annotations

from collections.abc import Sequence

from schemas.http.scoring import Lineage as LineageAnswer
from schemas.http.scoring import StandingRow
from services.dashboard.lineage import Folded, Line, LinkedUnit, block_of

HEADING = "Lịch sử sắp xếp đơn vị"
"""The section's name, the same as on the unit's page."""
MARK_HEADER = "Gồm đơn vị tiền thân"
"""The standings column of the units a row combines."""
SPLIT_NOTE = (
    " (bộ quy tắc tách năm sắp xếp tại ngày có hiệu lực: trước ngày đó, số liệu thuộc phiếu điểm của đơn vị tiền thân)"
)
"""Why, with year_of_change = "split", the predecessors are not counted in the period (as the page says)."""


def named(units: Sequence[LinkedUnit]) -> str:
    """'Phường A (H40.40.81), Phường B (H40.40.82)': a unit known only by its id is named once."""
    return ", ".join(u.name if u.name == u.unit_id else f"{u.name} ({u.unit_id})" for u in units)


def sentence(line: Line) -> str:
    """'Hợp nhất từ Phường A (H40.40.81), … từ 01/07/2025 (Nghị quyết số 1674/NQ-UBTVQH15)'."""
    text = line.verb + (f" {named(line.units)}" if line.units else "")
    text += f" từ {line.since}" if line.since else ""
    return text + (f" ({line.decision})" if line.decision else "")


def lines_of(answer: LineageAnswer | None) -> list[str]:
    """The section's lines for a scorecard's lineage: where the unit came from, what it became (or that it was
    dissolved), then whose evidence this period's figures include or leave out; empty without a lineage."""
    lineage = block_of(answer)
    if lineage is None:
        return []
    lines = [sentence(line) + "." for line in (*lineage.came_from, *lineage.became)]
    if lineage.combined:
        lines.append(f"Số liệu kỳ này gồm cả minh chứng của các đơn vị tiền thân: {named(lineage.combined)}.")
    if lineage.apart:
        why = SPLIT_NOTE if lineage.year_of_change == "split" else ""
        lines.append(f"Số liệu kỳ này không gồm minh chứng của {named(lineage.apart)}{why}.")
    return lines


def row_mark(row: StandingRow) -> str | None:
    """A standings row's predecessors combined in it ('H40.40.81, H40.40.82'); None for a row without any."""
    return ", ".join(row.predecessors) or None


def folded_words(unit_id: str, folded: Folded, period_label: str) -> str:
    """Why a folded predecessor has no scorecard of its own to download: what it became, and where its figures are."""
    became = sentence(Line(folded.verb[0].lower() + folded.verb[1:], folded.successors, folded.since, folded.decision))
    return f"Đơn vị {unit_id} {became}; số liệu {period_label} được tính vào phiếu điểm của {named(folded.successors)}."
