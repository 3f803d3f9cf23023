"""Issue 26 item 5: the unit page shows the unit's own Decree 335/2025 rating beside the emulation score — the
evidenced part (TTHC results from the service index), the parts "chưa có minh chứng", the HR office's rating."""

from __future__ import annotations

from typing import Any

from schemas.http.scoring import UnitScorecard
from schemas.http.scoring_tracking import AgencyRating
from services.dashboard.rendering import render
from services.scoring.domain.agency_rating import AgencyRules, HrRating, agency_rating
from tests.unit.test_dashboard_rooms import CARD as ANY_CARD

BASE = {"user": None, "csrf": "x", "flash": None, "active": "", "refresh": None}
NAMED: dict[str, Any] = {
    "unit_id": "NB.13669",
    "period": "2026",
    "name": "Phường Nam Định",
    "score": 88.0,
    "band": "Khá",
}
CARD = UnitScorecard.model_validate(ANY_CARD | NAMED)
# What the route adds to the domain's answer (GET /v1/units/{u}/agency-rating).
SERVED: dict[str, Any] = {"name": "Phường Nam Định", "rule_version": "v1", "scorecard_period": "2026", "as_of": None}


def unit_page(agency: AgencyRating | None) -> str:
    context = {"unit_id": "NB.13669", "period": "2026", "this_year": 2026, "choices": ["2026"], "trend": None}
    context |= {"next_band": None, "panel": None, "title": "Phiếu điểm", "lineage": None, "group_names": {}}
    return render("unit.html", **BASE, **context, card=CARD, agency=agency)


def test_decree_335_agency_rating_beside_the_emulation_score() -> None:
    hr = HrRating("good", 84.0, "hr:eval-NB.13669-2026")
    answer = agency_rating("NB.13669", 2026, {"service_index": 80.0, "culture_index": 60.0}, hr, AgencyRules())
    page = unit_page(AgencyRating.model_validate(answer.as_json() | SERVED))
    block = page[page.index('id="agency-rating"') :]
    assert "Xếp loại cơ quan năm 2026 (Nghị định 335/2025/NĐ-CP)" in block
    assert "Chưa đủ minh chứng</strong>: phần có minh chứng đạt 14/17,5 điểm" in block
    assert "Hoàn thành tốt nhiệm vụ (84 điểm)" in block  # the HR office's rating, beside
    assert block.count("chưa có minh chứng") >= 6  # the six parts without evidence, one note
    assert "đề xuất 4,5 điểm (chỉ số 60), chờ đánh giá" in block  # office culture: proposed, not given
    assert page.index('class="score"') < page.index('id="agency-rating"')  # after the emulation score


def test_without_the_rating_the_page_renders_as_before() -> None:
    page = unit_page(None)
    assert 'id="agency-rating"' not in page and "Phường Nam Định" in page
