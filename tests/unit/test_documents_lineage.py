"""Issue 24: the downloaded documents tell a unit's lineage as its page does: a merged unit's scorecard (DOCX, PDF,
XLSX) has the section "Lịch sử sắp xếp đơn vị" and says whose evidence its figures include, an ended unit's says
what it became or that it was dissolved, and the standings XLSX names the predecessors a row combines. A card or
standings without a lineage give the documents as before."""

from __future__ import annotations

import io
import tomllib
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from services.dashboard import documents
from services.dashboard.documents import lineage_text
from services.dashboard.lineage import Folded, LinkedUnit
from services.scoring.domain.rulebook import build_rulebook
from services.scoring.domain.scorecard import CultureInputs, unit_scorecard
from tests.unit.test_documents import GROUPS, ISSUER, ROOT, TODAY, as_api, as_card, as_table, docx_text, flat, pdf_text

MERGED_AT = "2025-07-01T00:00:00+07:00"
DECISION = "1674/NQ-UBTVQH15"
CAME_FROM = (
    "Hợp nhất từ Phường A (H40.40.81), Phường B (H40.40.82), Phường C (H40.40.83) từ 01/07/2025 "
    "(Nghị quyết số 1674/NQ-UBTVQH15)."
)
COMBINED = (
    "Số liệu kỳ này gồm cả minh chứng của các đơn vị tiền thân: Phường A (H40.40.81), Phường B (H40.40.82), "
    "Phường C (H40.40.83)."
)


def entry(unit_id: str, name: str, kind: str = "merge", combined: bool | None = True) -> dict[str, Any]:
    found = {"unit_id": unit_id, "name": name, "kind": kind, "effective_at": MERGED_AT, "decision_no": DECISION}
    return found | ({"combined": combined} if combined is not None else {})


@pytest.fixture(scope="module")
def card() -> dict[str, Any]:
    """GET /v1/units/H40.40.90/scorecard?period=2025 as scoring's domain builds it, without a lineage."""
    rules = build_rulebook(tomllib.loads((ROOT / "services/scoring/rules/rulebook.toml").read_text(encoding="utf-8")))
    counters = {"on_time": (184.0, 190.0), "online_submission": (88.0, 190.0), "dossier_ok": (176.0, 190.0)}
    culture = CultureInputs(58, 47, weighted_findings=3, inspections=2, disciplined=0)
    scored = unit_scorecard("H40.40.90", "2025", counters, culture, rules)
    named = {"name": "Phường Nam Định", "cluster_id": "K07", "cluster_name": "Khối phường", "as_of": MERGED_AT}
    return as_api({**scored.as_json(), **named, "calendar": {"provisional": False, "provisional_years": []}})


@pytest.fixture
def standings() -> dict[str, Any]:
    """GET /v1/standings?period=2025 of three units, without predecessors (as older scoring answers)."""
    rows = [("H40.07", "Sở Tài chính", 91.35), ("H40.05", "Sở Tư pháp", 88.1), ("H40.40.90", "Phường Nam Định", 82.2)]
    return {
        "period": "2025",
        "subject": "unit",
        "cluster": None,
        "unit": None,
        "rule_version": "2026.1",
        "as_of": None,
        "rows": [
            {"rank": k, "subject_id": u, "name": n, "score": v, "band": "Khá", "previous_rank": None, "unit_id": u}
            | {"cluster_id": None, "cluster_name": None}
            for k, (u, n, v) in enumerate(rows, start=1)
        ],
        "unranked": [],
    }


def merged(base: dict[str, Any], *, combined: bool = True, mode: str = "combine") -> dict[str, Any]:
    """The base card as a unit three wards merged into on 1 July 2025 (one name carrying control characters)."""
    before = [
        entry("H40.40.81", "Phường A", combined=combined),
        entry("H40.40.82", "Phường\x0b B\x00", combined=combined),
        entry("H40.40.83", "Phường C", combined=combined),
    ]
    return {**base, "lineage": {"year_of_change": mode, "predecessors": before, "successors": []}}


def dissolved(base: dict[str, Any]) -> dict[str, Any]:
    ended = {"kind": "dissolution", "effective_at": MERGED_AT, "decision_no": "12/QĐ-UBND"}
    lineage = {"year_of_change": "", "predecessors": [], "successors": [], "ended": ended}
    return {**base, "period": "2025-Q2", "lineage": lineage}


def folded(base: dict[str, Any]) -> dict[str, Any]:
    """A predecessor's card for the last quarter it was listed on its own: what it became."""
    successor = entry("H40.40.90", "Phường Nam Định", combined=None)
    ended = {"kind": "merge", "effective_at": MERGED_AT, "decision_no": DECISION}
    lineage = {"year_of_change": "", "predecessors": [], "successors": [successor], "ended": ended}
    return {**base, "period": "2025-Q2", "lineage": lineage}


def xlsx_cells(blob: bytes, sheet: str) -> list[str]:
    ws = load_workbook(io.BytesIO(blob))[sheet]
    return [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]


def test_the_lines_are_the_pages_shaping_in_words(card: dict[str, Any]) -> None:
    assert lineage_text.lines_of(as_card(card).lineage) == []  # no lineage: nothing
    bare = as_card({**card, "lineage": {"year_of_change": "", "predecessors": [], "successors": []}})
    assert bare.lineage is not None and lineage_text.lines_of(bare.lineage) == []
    lines = [
        line.replace("\x0b", "").replace("\x00", "") for line in lineage_text.lines_of(as_card(merged(card)).lineage)
    ]
    assert lines == [CAME_FROM, COMBINED]
    apart = lineage_text.lines_of(as_card(merged(card, combined=False, mode="split")).lineage)
    assert apart[1].startswith("Số liệu kỳ này không gồm minh chứng của Phường A (H40.40.81)")
    assert "bộ quy tắc tách năm sắp xếp tại ngày có hiệu lực" in apart[1]
    assert lineage_text.lines_of(as_card(dissolved(card)).lineage) == [
        "Đã giải thể từ 01/07/2025 (Quyết định số 12/QĐ-UBND)."
    ]
    assert lineage_text.lines_of(as_card(folded(card)).lineage) == [
        "Đã hợp nhất vào Phường Nam Định (H40.40.90) từ 01/07/2025 (Nghị quyết số 1674/NQ-UBTVQH15)."
    ]
    # A unit known only by its id is not named twice.
    assert lineage_text.named([LinkedUnit("H40.40.81", "H40.40.81", None)]) == "H40.40.81"


def test_a_merged_units_scorecard_docx_and_pdf_tell_its_lineage(card: dict[str, Any], tmp_path: Path) -> None:
    text = flat(
        docx_text(documents.scorecard_docx(as_card(merged(card)), issued_on=TODAY, issuer=ISSUER, groups=GROUPS))
    )
    assert "Lịch sử sắp xếp đơn vị" in text
    assert f"- {CAME_FROM}" in text and f"- {COMBINED}" in text
    assert not any(ch in text for ch in "\x0b\x00")  # the stored name's control characters are dropped
    # The section sits among the unit's particulars, before the indicators.
    assert text.index("Lịch sử sắp xếp đơn vị") < text.index("A. Chỉ số phục vụ người dân, doanh nghiệp")
    pdf = pdf_text(
        documents.scorecard_pdf(as_card(merged(card)), issued_on=TODAY, issuer=ISSUER, groups=GROUPS), tmp_path
    )
    assert "Lịch sử sắp xếp đơn vị" in pdf
    assert "Hợp nhất từ Phường A (H40.40.81), Phường B (H40.40.82)" in pdf
    assert "(Nghị quyết số 1674/NQ-UBTVQH15)" in pdf and "minh chứng của các đơn vị tiền thân" in pdf


def test_a_merged_units_scorecard_xlsx_tells_its_lineage(card: dict[str, Any]) -> None:
    cells = xlsx_cells(
        documents.scorecard_xlsx(as_card(merged(card)), issued_on=TODAY, issuer=ISSUER, groups=GROUPS),
        "Phiếu chấm điểm",
    )
    assert "Lịch sử sắp xếp đơn vị" in cells
    assert CAME_FROM in cells and COMBINED in cells
    assert cells.index("Lịch sử sắp xếp đơn vị") == cells.index(CAME_FROM) - 1


def test_an_ended_units_documents_say_what_it_became_or_that_it_was_dissolved(
    card: dict[str, Any], tmp_path: Path
) -> None:
    became = "Đã hợp nhất vào Phường Nam Định (H40.40.90) từ 01/07/2025 (Nghị quyết số 1674/NQ-UBTVQH15)."
    gone = "Đã giải thể từ 01/07/2025 (Quyết định số 12/QĐ-UBND)."
    for the_card, words in ((folded(card), became), (dissolved(card), gone)):
        text = flat(
            docx_text(documents.scorecard_docx(as_card(the_card), issued_on=TODAY, issuer=ISSUER, groups=GROUPS))
        )
        assert f"Lịch sử sắp xếp đơn vị - {words}" in text
        assert "minh chứng" not in text  # no predecessors: nothing said of whose evidence counts
        cells = xlsx_cells(
            documents.scorecard_xlsx(as_card(the_card), issued_on=TODAY, issuer=ISSUER, groups=GROUPS),
            "Phiếu chấm điểm",
        )
        assert words in cells
    pdf = pdf_text(
        documents.scorecard_pdf(as_card(dissolved(card)), issued_on=TODAY, issuer=ISSUER, groups=GROUPS), tmp_path
    )
    assert gone in pdf


def test_a_scorecard_without_lineage_gets_nothing_new(card: dict[str, Any], tmp_path: Path) -> None:
    for the_card in (card, {**card, "lineage": None}):
        text = docx_text(documents.scorecard_docx(as_card(the_card), issued_on=TODAY, issuer=ISSUER, groups=GROUPS))
        cells = xlsx_cells(
            documents.scorecard_xlsx(as_card(the_card), issued_on=TODAY, issuer=ISSUER, groups=GROUPS),
            "Phiếu chấm điểm",
        )
        for words in ("Lịch sử sắp xếp", "tiền thân", "Hợp nhất"):
            assert words not in text and not any(words in c for c in cells)
    assert "Lịch sử sắp xếp" not in pdf_text(
        documents.scorecard_pdf(as_card(card), issued_on=TODAY, issuer=ISSUER, groups=GROUPS), tmp_path
    )


def test_standings_xlsx_names_the_predecessors_a_row_combines(standings: dict[str, Any]) -> None:
    rows = [dict(r, predecessors=[]) for r in standings["rows"]]
    rows[2]["predecessors"] = ["H40.40.81", "H40.40.82\x01"]
    blob = documents.standings_xlsx(as_table({**standings, "rows": rows}), issued_on=TODAY, issuer=ISSUER)
    ws = load_workbook(io.BytesIO(blob))["Bảng xếp hạng"]
    header = next(r for r in ws.iter_rows() if r[0].value == "Hạng")
    assert [c.value for c in header][6:] == ["Hạng kỳ trước", "Gồm đơn vị tiền thân"]
    body = {r[1].value: r for r in ws.iter_rows(min_row=header[0].row + 1) if r[1].value}
    assert body["H40.40.90"][7].value == "H40.40.81, H40.40.82"  # the control character dropped
    assert body["H40.05"][7].value is None and body["H40.05"][4].value == 88.1  # other cells as before
    assert ws.auto_filter.ref is not None and ws.auto_filter.ref.startswith("A") and ":H" in ws.auto_filter.ref


def test_standings_xlsx_without_predecessors_has_no_new_column(standings: dict[str, Any]) -> None:
    for rows in (standings["rows"], [dict(r, predecessors=[]) for r in standings["rows"]]):
        blob = documents.standings_xlsx(as_table({**standings, "rows": rows}), issued_on=TODAY, issuer=ISSUER)
        ws = load_workbook(io.BytesIO(blob))["Bảng xếp hạng"]
        header = next(r for r in ws.iter_rows() if r[0].value == "Hạng")
        assert [c.value for c in header][-1] == "Hạng kỳ trước" and ws.max_column == 7
    officers = {**standings, "subject": "officer", "rows": [dict(r, predecessors=["X.1"]) for r in standings["rows"]]}
    ws = load_workbook(io.BytesIO(documents.standings_xlsx(as_table(officers), issued_on=TODAY, issuer=ISSUER)))[
        "Bảng xếp hạng"
    ]
    assert ws.max_column == 7  # officers' rows never combine units


def test_a_folded_predecessor_is_told_whose_scorecard_holds_its_figures() -> None:
    folded = Folded("Đã hợp nhất vào", (LinkedUnit("H40.40.90", "Phường Nam Định", "2026"),), "01/07/2025", None)
    assert lineage_text.folded_words("H40.40.81", folded, "năm 2026") == (
        "Đơn vị H40.40.81 đã hợp nhất vào Phường Nam Định (H40.40.90) từ 01/07/2025; số liệu năm 2026 được tính vào "
        "phiếu điểm của Phường Nam Định (H40.40.90)."
    )
