"""Issue 24: a unit's page tells its lineage (scorecard `lineage`), a folded predecessor's page names its successor,
standings rows mark the units that combine predecessors; older scoring (no `lineage`) renders as before."""

from __future__ import annotations

from typing import Any

from schemas.http.scoring import StandingRow, UnitScorecard
from services.dashboard import lineage, pages
from services.dashboard.documents import lineage_text
from services.dashboard.rendering import render
from tests.unit.test_dashboard_rooms import CARD

BASE = {"user": None, "csrf": "x", "flash": None, "active": "", "refresh": None}
MERGED_AT = "2025-07-01T00:00:00+07:00"


def predecessor(unit_id: str, name: str, combined: bool = True) -> dict[str, Any]:
    return {
        "unit_id": unit_id,
        "name": name,
        "kind": "merge",
        "effective_at": MERGED_AT,
        "decision_no": "1674/NQ-UBTVQH15",
        "combined": combined,
    }


def card(**extra: Any) -> UnitScorecard:
    """Scoring's scorecard answer for Phường Nam Định; `lineage` as scoring sends it (year_of_change always)."""
    named = {"unit_id": "NB.13669", "period": "2025", "name": "Phường Nam Định", "score": 88.0, "band": "Khá"}
    if extra.get("lineage"):
        extra["lineage"] = {"year_of_change": "combine", "predecessors": [], "successors": []} | extra["lineage"]
    return UnitScorecard.model_validate(CARD | named | extra)


def unit_page(the_card: UnitScorecard | None, period: str = "2025", **extra: Any) -> str:
    """The unit page of a card, or (None) of a unit without one, shown with `folded` or a panel."""
    unit_id = the_card.unit_id if the_card is not None else extra.pop("unit_id")
    context = {"unit_id": unit_id, "period": period, "this_year": 2026}
    context |= {"choices": [period], "trend": None, "next_band": None, "panel": None, "title": "Phiếu điểm"}
    context |= {"group_names": {}}
    block = lineage.lineage_of(the_card) if the_card is not None else None
    return render("unit.html", **BASE, **context, card=the_card, lineage=block, **extra)


def test_a_merged_unit_names_its_predecessors_with_links_and_says_their_evidence_is_counted() -> None:
    merged = card(
        lineage={
            "year_of_change": "combine",
            "predecessors": [
                predecessor("ND.PA", "Phường A"),
                predecessor("ND.PB", "Phường B"),
                predecessor("ND.PC", "Phường <C>"),
            ],
            "successors": [],
        }
    )
    page = unit_page(merged)
    block = page[page.index('id="lineage"') :]
    assert "Lịch sử sắp xếp đơn vị" in block
    assert "Hợp nhất từ" in block and "từ 01/07/2025 (Nghị quyết số 1674/NQ-UBTVQH15)" in block
    # The predecessors' pages open on the last quarter they were listed on their own (Q2: ends on the date).
    assert '<a href="/units/ND.PA?period=2025-Q2">Phường A</a>, <a href="/units/ND.PB?period=2025-Q2">' in block
    assert "Phường &lt;C&gt;" in block and "Phường <C>" not in block  # names from data are escaped
    assert "Số liệu kỳ này gồm cả minh chứng của các đơn vị tiền thân: Phường A, Phường B" in block
    assert 'id="lineage-apart"' not in block


def test_with_split_at_the_date_the_page_says_the_predecessors_are_not_counted() -> None:
    split_year = card(
        lineage={"year_of_change": "split", "predecessors": [predecessor("ND.PA", "Phường A", combined=False)]}
    )
    block = unit_page(split_year)
    assert 'id="lineage-combined"' not in block
    assert "Số liệu kỳ này không gồm minh chứng của Phường A" in block and "tách năm sắp xếp" in block


def test_a_predecessor_page_before_the_date_names_what_it_became() -> None:
    successor = {"unit_id": "NB.13669", "name": "Phường Nam Định", "kind": "merge", "effective_at": MERGED_AT}
    successor["decision_no"] = "1674/NQ-UBTVQH15"
    before = card(unit_id="ND.PA", name="Phường A", period="2025-Q1", lineage={"successors": [successor]})
    page = unit_page(before, period="2025-Q1")
    assert 'Đã hợp nhất vào <a href="/units/NB.13669?period=2025-Q3">Phường Nam Định</a> từ 01/07/2025' in page


def test_older_scoring_without_lineage_renders_as_before() -> None:
    page = unit_page(card())
    assert "Lịch sử sắp xếp đơn vị" not in page and "Phường Nam Định" in page
    assert lineage.lineage_of(card(lineage=None)) is None
    assert lineage.lineage_of(card(lineage={"predecessors": [], "successors": []})) is None  # nothing to tell


def test_a_folded_predecessor_page_names_its_successor_instead_of_an_error() -> None:
    answer = {
        "error": "no score for this unit and period",
        "details": [{"field": "unit_id", "message": "ND.PA merged into NB.13669 on 2025-07-01; see its scorecard"}],
    }
    assert lineage.successors_named("ND.PA", answer) == ["NB.13669"]
    assert lineage.successors_named("ND.PA", {"details": [{"field": "unit_id", "successor": "NB.X"}]}) == ["NB.X"]
    assert lineage.successors_named("ND.PA", {"details": [{"message": "ND.PA has no evidence in 2026"}]}) == []
    successor_card = card(lineage={"year_of_change": "combine", "predecessors": [predecessor("ND.PA", "Phường A")]})
    folded = lineage.folded_into("ND.PA", "NB.13669", successor_card, "2026")
    assert folded is not None and folded.since == "01/07/2025"
    assert lineage.folded_into("ND.PB", "NB.13669", successor_card, "2026") is None  # not named: no claim
    assert lineage.folded_into("ND.PA", "NB.13669", card(), "2026") is None  # older scoring
    page = unit_page(None, period="2026", unit_id="ND.PA", folded=folded)
    notice = page[page.index('id="unit-folded"') :]
    assert 'Đã hợp nhất vào <a href="/units/NB.13669?period=2026">Phường Nam Định</a>' in notice
    assert "từ 01/07/2025 (Nghị quyết số 1674/NQ-UBTVQH15)" in notice
    assert "Chưa có phiếu điểm" not in page and 'role="alert"' not in page


def test_a_renamed_unit_and_decisions_cited_as_people_do() -> None:
    renamed = {
        "unit_id": "ND.OLD",
        "name": "Phường Cũ",
        "kind": "rename",
        "effective_at": MERGED_AT,
        "decision_no": None,
    }
    block = unit_page(card(lineage={"predecessors": [renamed | {"combined": True}]}))
    assert 'Đổi tên từ <a href="/units/ND.OLD?period=2025-Q2">Phường Cũ</a> từ 01/07/2025' in block
    assert lineage.decision_label("12/QĐ-UBND") == "Quyết định số 12/QĐ-UBND"
    assert lineage.decision_label("Nghị quyết 1674/NQ-UBTVQH15") == "Nghị quyết 1674/NQ-UBTVQH15"
    assert lineage.decision_label(None) is None and lineage.decision_label("  ") is None


def test_a_standings_row_combining_predecessors_is_marked() -> None:
    listed = {"previous_rank": None, "unit_id": None, "cluster_id": None, "cluster_name": None}
    rows = [
        StandingRow.model_validate(listed | row)
        for row in (
            {"rank": 1, "subject_id": "NB.13669", "name": "Phường Nam Định", "score": 90, "band": "Tốt"},
            {"rank": 2, "subject_id": "NB.1", "name": "Phường Một", "score": 80, "band": "Khá", "predecessors": []},
        )
    ]
    rows[0] = rows[0].model_copy(update={"predecessors": ["ND.PA", "ND.PB"]})
    html = render(
        "_leaderboards.html",
        panel=None,
        period="2025",
        standings={"rule_version": "2025.2"},
        rows=rows,
        clusters=pages.clusters_of(rows),
        available=[],
        unranked=[],
    )
    assert html.count("gồm đơn vị tiền thân") == 1
    marked = html[html.index("Phường Nam Định") :]
    assert 'title="Số liệu gồm cả minh chứng của: ND.PA, ND.PB"' in marked[: marked.index("</td>")]
    # The standings file marks the same rows from the same parsed rows.
    assert lineage_text.row_mark(rows[0]) == "ND.PA, ND.PB" and lineage_text.row_mark(rows[1]) is None


def test_a_dissolved_unit_says_so_and_a_split_names_every_successor() -> None:
    ended = {"kind": "dissolution", "effective_at": MERGED_AT, "decision_no": "5/QĐ-UBND"}
    before = card(unit_id="ND.BQL", name="Ban quản lý", lineage={"predecessors": [], "successors": [], "ended": ended})
    assert "Đã giải thể từ 01/07/2025 (Quyết định số 5/QĐ-UBND)" in unit_page(before, period="2025-Q1")
    split = {"unit_id": "ND.X", "name": "Xã X", "kind": "split", "effective_at": MERGED_AT, "combined": False}
    split |= {"decision_no": None}
    first = lineage.folded_into("ND.X", "NB.1", card(name="Xã Một", lineage={"predecessors": [split]}), "2026")
    second = lineage.folded_into("ND.X", "NB.2", card(name="Xã Hai", lineage={"predecessors": [split]}), "2026")
    assert first is not None and second is not None and first.split
    page = unit_page(None, period="2026", unit_id="ND.X", folded=first.joined(second))
    assert "Đã chia tách thành" in page and ">Xã Một</a>" in page and ">Xã Hai</a>" in page
