"""The dashboard against fake upstream services served over real HTTP (no broker, no database needed)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
import pytest
from fastapi import FastAPI, Header, HTTPException
from fastapi.responses import JSONResponse

from tests.integration.support import running_app
from thidua.localinfra.process import free_port
from thidua.web import WebSettings, create_app

TOKEN = "admin-secret-token"

ROWS = [
    {
        "rank": 1,
        "subject_id": "SO.TP",
        "name": "Sở Tư pháp",
        "score": 93.5,
        "band": "Tốt",
        "previous_rank": 2,
        "unit_id": "SO.TP",
        "cluster_id": "K1",
    },
    {
        "rank": 2,
        "subject_id": "UB.HT",
        "name": "UBND huyện Hải Hậu",
        "score": 88.25,
        "band": "Khá",
        "previous_rank": 1,
        "unit_id": "UB.HT",
        "cluster_id": "K2",
    },
    {
        "rank": 3,
        "subject_id": "SO.KHDT",
        "name": "Sở Kế hoạch và Đầu tư",
        "score": 81.0,
        "band": "Khá",
        "previous_rank": 3,
        "unit_id": "SO.KHDT",
        "cluster_id": "K1",
    },
    {
        "rank": 4,
        "subject_id": "SO.GTVT",
        "name": "Sở Giao thông vận tải <b>",
        "score": 64.0,
        "band": "Trung bình",
        "previous_rank": None,
        "unit_id": "SO.GTVT",
        "cluster_id": "K1",
    },
    {
        "rank": 5,
        "subject_id": "UB.XT",
        "name": "UBND huyện Xuân Trường",
        "score": 41.7,
        "band": "Yếu",
        "previous_rank": 4,
        "unit_id": "UB.XT",
        "cluster_id": "K2",
    },
]


def _indicator(
    code: str,
    name: str,
    group: str,
    num: float,
    den: float,
    threshold: float | None,
    max_points: float,
    points: float | None,
) -> dict[str, Any]:
    rate = num / den if den else None
    return {
        "code": code,
        "name": name,
        "group": group,
        "numerator": num,
        "denominator": den,
        "rate": rate,
        "threshold": threshold,
        "max_points": max_points,
        "points": points,
    }


CARD = {
    "unit_id": "SO.TP",
    "period": "2025",
    "rule_version": "2025.1",
    "name": "Sở Tư pháp",
    "cluster_id": "K1",
    "cluster_name": "Khối các sở, ngành nội chính",
    "score": 93.5,
    "band": "Tốt",
    "service_index": 95.12,
    "service_band": "Tốt",
    "culture_index": 90.0,
    "indicators": [
        _indicator("on_time", "Tỷ lệ hồ sơ giải quyết đúng hạn", "timeliness", 4821, 4903, 1.0, 20, 19.67),
        _indicator("online_payment", "Tỷ lệ thanh toán trực tuyến", "online", 0, 0, 0.8, 10, None),
    ],
    "culture": [
        _indicator(
            "training_share",
            "Tỷ lệ cán bộ được bồi dưỡng văn hóa công sở, chuyên môn",
            "culture",
            37,
            42,
            0.8,
            40,
            40.0,
        ),
        _indicator(
            "inspection_findings",
            "Vi phạm qua kiểm tra công vụ (có trọng số, trên 100 cán bộ)",
            "culture",
            2,
            42,
            10.0,
            30,
            25.71,
        ),
    ],
    "groups": {"timeliness": {"max": 20, "points": 19.67, "scored_max": 20}},
    "evidence": {"dossiers_judged": 4903, "officers": 42},
    "as_of": "2025-12-31T16:59:00+00:00",
}

NOMINATIONS = [
    {
        "id": "2025:co_thi_dua_tinh:SO.TP",
        "title": "co_thi_dua_tinh",
        "year": 2025,
        "subject_kind": "unit",
        "subject_id": "SO.TP",
        "unit_id": "SO.TP",
        "status": "proposed",
        "cash_multiple": 12.0,
        "cash_vnd": 28080000,
        "rule_version": "2025.1",
        "criteria": [
            {"code": "band_tot", "met": True, "reason": "Xếp loại Tốt (93,5 điểm)"},
            {"code": "cluster_lead", "met": True, "reason": "Dẫn đầu khối K1"},
        ],
        "evidence_ids": ["motcua:evt-000017", "hr:evt-000231"],
        "votes": None,
        "blocks": [],
    },
    {
        "id": "2025:lao_dong_tien_tien:CB.0042",
        "title": "lao_dong_tien_tien",
        "year": 2025,
        "subject_kind": "officer",
        "subject_id": "CB.0042",
        "unit_id": "SO.TP",
        "status": "approved",
        "cash_multiple": 0.3,
        "cash_vnd": 702000,
        "rule_version": "2025.1",
        "criteria": [{"code": "no_discipline", "met": True, "reason": "Không bị kỷ luật"}],
        "evidence_ids": [],
        "votes": {"members_total": 9, "members_present": 8, "votes_for": 7},
        "blocks": [],
    },
    {
        "id": "2025:chien_si_thi_dua_co_so:CB.0099",
        "title": "chien_si_thi_dua_co_so",
        "year": 2025,
        "subject_kind": "officer",
        "subject_id": "CB.0099",
        "unit_id": "UB.HT",
        "status": "revoked",
        "cash_multiple": 1.0,
        "cash_vnd": 2340000,
        "rule_version": "2025.1",
        "criteria": [{"code": "training_hours", "met": False, "reason": "Chưa đủ 40 giờ bồi dưỡng"}],
        "evidence_ids": ["hr:evt-9"],
        "votes": None,
        "blocks": [{"code": "training_hours", "met": False, "reason": "Chưa đủ 40 giờ bồi dưỡng"}],
    },
]


def fake_services() -> FastAPI:
    """Scoring, awards and notify answering like the real ones, on one app."""
    app = FastAPI()

    def authorise(authorization: str | None) -> None:
        if authorization != f"Bearer {TOKEN}":
            raise HTTPException(401, "invalid or revoked token")

    @app.get("/v1/standings")
    async def standings(period: str) -> dict[str, Any]:
        return {
            "period": period,
            "rows": ROWS if period == "2025" else [],
            "rule_version": "2025.1",
            "as_of": "2025-12-31T16:59:00+00:00",
        }

    @app.get("/v1/units/{unit_id}/scorecard", response_model=None)
    async def scorecard(unit_id: str, period: str) -> dict[str, Any] | JSONResponse:
        if unit_id != "SO.TP":
            return JSONResponse({"error": "no score for this unit and period", "details": []}, status_code=404)
        if period == "2025":
            return CARD
        month = re.fullmatch(r"2025-(\d\d)", period)
        if month and int(month[1]) in (1, 2, 3, 5, 6):  # April missing: a gap; no data after June
            return {**CARD, "period": period, "score": 80.0 + int(month[1])}
        return JSONResponse({"error": "no score for this unit and period", "details": []}, status_code=404)

    @app.get("/v1/units/{unit_id}/scorecard/events")
    async def events(unit_id: str, period: str, indicator: str) -> dict[str, Any]:
        if indicator == "training_share":
            return {
                "unit_id": unit_id,
                "period": period,
                "indicator": indicator,
                "events": [
                    {
                        "event_id": "hr-train-0001",
                        "source": "hr",
                        "officer_id": "CB.0042",
                        "at": "2025-03-04T01:00:00Z",
                        "data": {"topic": "office_culture", "hours": 8},
                    }
                ],
            }
        return {
            "unit_id": unit_id,
            "period": period,
            "indicator": indicator,
            "rule_version": "2025.1",
            "cases": [
                {
                    "case": "dossier:HS-2025-000123",
                    "counter": "on_time",
                    "numerator": 1.0,
                    "denominator": 1.0,
                    "events": ["motcua:evt-000017", "motcua:evt-000018"],
                }
            ],
        }

    @app.get("/v1/nominations")
    async def nominations(period: str, authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
        authorise(authorization)
        return {
            "period": period,
            "rule_version": "2025.1",
            "nominations": [n for n in NOMINATIONS if str(n["year"]) == period],
        }

    @app.get("/v1/nominations/{nomination_id}")
    async def nomination(nomination_id: str, authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
        authorise(authorization)
        for n in NOMINATIONS:
            if n["id"] == nomination_id:
                return {
                    **n,
                    "history": [
                        {
                            "from_status": None,
                            "to_status": "proposed",
                            "reason": "đủ tiêu chuẩn",
                            "actor": "system",
                            "at": "2026-01-05T02:00:00Z",
                        }
                    ],
                }
        raise HTTPException(404, "no such nomination")

    @app.get("/v1/units/{unit_id}/notifications")
    async def notifications(unit_id: str, authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
        authorise(authorization)
        return {
            "unit_id": unit_id,
            "unread_count": 1,
            "items": [
                {
                    "id": 7,
                    "unit_id": unit_id,
                    "kind": "band_dropped",
                    "priority": "high",
                    "title": "Xếp loại giảm từ Tốt xuống Khá",
                    "body": "Điểm quý 3 giảm còn 88,2.",
                    "link": "javascript:x",
                    "created_at": "2025-10-01T03:00:00Z",
                    "read": False,
                },
                {"id": 8, "unit_id": unit_id, "kind": "odd", "data": {"x": 1}},
            ],
        }

    return app


def settings_for(base: str, token: str | None = TOKEN) -> WebSettings:
    return WebSettings(scoring_url=base, awards_url=base, notify_url=base, admin_token=token, timeout=5.0)


@pytest.fixture
async def web() -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(fake_services()) as upstream, running_app(create_app(settings_for(upstream))) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            yield client


async def test_healthz(web: httpx.AsyncClient) -> None:
    response = await web.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert (await web.get("/readyz")).json() == {"status": "ok"}


async def test_leaderboard_groups_clusters_and_ranks_in_order(web: httpx.AsyncClient) -> None:
    response = await web.get("/", params={"period": "2025"})
    assert response.status_code == 200
    page = response.text
    assert "Thi đua — Văn hóa công sở" in page
    assert "Sở Kế hoạch và Đầu tư" in page and "UBND huyện Xuân Trường" in page  # diacritics intact
    assert "Sở Giao thông vận tải &lt;b&gt;" in page  # escaped
    k1 = page[page.index('data-cluster="K1"') : page.index('data-cluster="K2"')]
    assert k1.index("Sở Tư pháp") < k1.index("Sở Kế hoạch và Đầu tư") < k1.index("Sở Giao thông vận tải")
    k2 = page[page.index('data-cluster="K2"') :]
    assert k2.index("UBND huyện Hải Hậu") < k2.index("UBND huyện Xuân Trường")
    assert "▲1" in page and "▼1" in page
    assert page.count('class="bar"') == 8  # four bands per cluster
    assert 'http-equiv="refresh"' in page and "/partials/leaderboards?period=2025" in page
    partial = await web.get("/partials/leaderboards", params={"period": "2025"})
    assert partial.status_code == 200 and "UBND huyện Hải Hậu" in partial.text and "<html" not in partial.text


async def test_the_first_screen_opens_on_the_latest_period_with_standings(web: httpx.AsyncClient) -> None:
    # The fake scoring has standings for 2025 only: this year and this month are empty, so the home page opens
    # on 2025 (never on an empty year); a period without data names the periods that have some.
    response = await web.get("/")
    assert response.status_code == 200
    assert "Sở Tư pháp" in response.text and "Chưa có kết quả" not in response.text
    assert "/partials/leaderboards?period=2025" in response.text
    empty = await web.get("/", params={"period": "2024-Q2"})
    assert empty.status_code == 200
    assert "Chưa có kết quả xếp hạng cho quý 2/2024" in empty.text
    assert 'Các kỳ đã có kết quả: <a href="/?period=2025">Năm 2025</a>' in empty.text


async def test_bad_period_is_a_friendly_400(web: httpx.AsyncClient) -> None:
    response = await web.get("/", params={"period": "năm ngoái"})
    assert response.status_code == 400
    assert "không hợp lệ" in response.text and "Traceback" not in response.text


async def test_scorecard_shows_counts_links_and_trend(web: httpx.AsyncClient) -> None:
    response = await web.get("/units/SO.TP", params={"period": "2025"})
    assert response.status_code == 200
    page = response.text
    assert "Sở Tư pháp" in page and "Khối các sở, ngành nội chính" in page
    assert "4.821" in page and "4.903" in page  # numerator and denominator
    assert "chưa có dữ liệu" in page  # online_payment has no points
    assert "2025.1" in page
    assert "/units/SO.TP/events?period=2025&amp;indicator=on_time" in page
    assert "/units/SO.TP/events?period=2025&amp;indicator=training_share" in page
    trend = page[page.index('<svg class="trend"') :]
    trend = trend[: trend.index("</svg>")]
    assert trend.count('class="point"') == 5  # Jan, Feb, Mar, May, Jun
    assert trend.count("<polyline") == 2  # broken at April


async def test_events_page_lists_event_ids(web: httpx.AsyncClient) -> None:
    cases = await web.get("/units/SO.TP/events", params={"period": "2025", "indicator": "on_time"})
    assert cases.status_code == 200
    assert "dossier:HS-2025-000123" in cases.text and "motcua:evt-000018" in cases.text
    facts = await web.get("/units/SO.TP/events", params={"period": "2025", "indicator": "training_share"})
    assert facts.status_code == 200
    assert "hr-train-0001" in facts.text and "office_culture" in facts.text


async def test_unknown_unit_scorecard_is_friendly(web: httpx.AsyncClient) -> None:
    response = await web.get("/units/KHONG.CO", params={"period": "2025"})
    assert response.status_code == 404
    assert "Chưa có phiếu điểm" in response.text


async def test_nominations_grouped_by_vietnamese_titles(web: httpx.AsyncClient) -> None:
    response = await web.get("/nominations", params={"period": "2025"})
    assert response.status_code == 200
    page = response.text
    assert "Cờ thi đua của UBND tỉnh" in page and "đề nghị" in page
    assert "28.080.000 ₫" in page
    # No sign-in yet: individual nominations name officers and are not shown publicly, only counted.
    assert "2 đề nghị khen thưởng cá nhân không hiển thị công khai" in page
    assert "CB.0042" not in page and "CB.0099" not in page and 'data-title="lao_dong_tien_tien"' not in page
    detail = await web.get("/nominations/2025:co_thi_dua_tinh:SO.TP")
    assert detail.status_code == 200
    assert "✓" in detail.text and "Dẫn đầu khối K1" in detail.text and "motcua:evt-000017" in detail.text
    assert "28.080.000 ₫" in detail.text
    individual = await web.get("/nominations/2025:chien_si_thi_dua_co_so:CB.0099")
    assert individual.status_code == 403 and "Chưa đủ 40 giờ bồi dưỡng" not in individual.text
    missing = await web.get("/nominations/2025:khong_co")
    assert missing.status_code == 404 and "Không tìm thấy đề nghị" in missing.text


async def test_inbox_renders_defensively(web: httpx.AsyncClient) -> None:
    response = await web.get("/units/SO.TP/inbox")
    assert response.status_code == 200
    assert "Xếp loại giảm từ Tốt xuống Khá" in response.text and "Chưa đọc" in response.text
    assert "javascript:" not in response.text  # an unsafe link from data is dropped
    assert "&quot;x&quot;: 1" in response.text  # an unknown shape is shown as JSON


async def test_wrong_or_missing_token_gives_a_message() -> None:
    async with running_app(fake_services()) as upstream:
        for token in ("wrong-token", None):
            async with (
                running_app(create_app(settings_for(upstream, token))) as base,
                httpx.AsyncClient(base_url=base, timeout=30) as client,
            ):
                inbox = await client.get("/units/SO.TP/inbox")
                assert inbox.status_code == 200
                assert "WEB_ADMIN_TOKEN" in inbox.text
                noms = await client.get("/nominations", params={"period": "2025"})
                assert noms.status_code == 200 and "WEB_ADMIN_TOKEN" in noms.text


async def test_upstream_outage_gives_an_error_panel() -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    async with (
        running_app(create_app(settings_for(dead))) as base,
        httpx.AsyncClient(base_url=base, timeout=30) as client,
    ):
        for path, params in (
            ("/", {"period": "2025"}),
            ("/units/SO.TP", {"period": "2025"}),
            ("/units/SO.TP/events", {"period": "2025", "indicator": "on_time"}),
            ("/nominations", {"period": "2025"}),
            ("/nominations/x", {}),
            ("/units/SO.TP/inbox", {}),
        ):
            response = await client.get(path, params=params)
            assert response.status_code in (200, 502), path
            assert 'class="card error"' in response.text, path
            assert "Không lấy được dữ liệu" in response.text, path
            assert "Traceback" not in response.text
        unknown = await client.get("/khong-co-trang-nay")
        assert unknown.status_code == 404 and "Không tìm thấy trang" in unknown.text
