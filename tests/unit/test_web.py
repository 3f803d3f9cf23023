"""The dashboard's pure rendering: escaping, band colours, charts, number and cash formats."""

from __future__ import annotations

import re

import pytest

from thidua.web import render
from thidua.web.settings import WebSettings


def test_escape_everything_from_data() -> None:
    rows = [
        {
            "rank": 1,
            "subject_id": "X<1>",
            "name": "<script>alert('x')</script>",
            "score": 90,
            "band": "Tốt",
            "previous_rank": 1,
            "unit_id": "X<1>",
            "cluster_id": '"><img>',
        }
    ]
    html = render.leaderboards({"rows": rows, "rule_version": "<v>"}, "2025")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<img>" not in html and "&lt;v&gt;" in html
    assert "/units/X%3C1%3E?period=2025" in html
    assert render.esc(None) == ""
    assert render.esc('a&"b') == "a&amp;&quot;b"


def test_band_colours() -> None:
    assert render.band_colour("Tốt") == "#1e8e3e"  # green
    assert render.band_colour("Khá") == "#1a73e8"  # blue
    assert render.band_colour("Trung bình") == "#e8a200"  # amber
    assert render.band_colour("Yếu") == "#d93025"  # red
    assert render.band_colour("lạ") == render.UNKNOWN_COLOUR
    badge = render.band_badge("Trung bình")
    assert "#e8a200" in badge and "Trung bình" in badge
    assert "chưa có dữ liệu" in render.band_badge(None)


def test_band_chart_has_one_bar_per_band() -> None:
    rows = [{"band": "Tốt"}, {"band": "Tốt"}, {"band": "Yếu"}]
    svg = render.band_chart_svg(rows)
    bars = re.findall(r'<rect class="bar" data-band="([^"]+)"[^>]*height="([\d.]+)"', svg)
    assert [b for b, _ in bars] == list(render.BANDS)
    heights = {b: float(h) for b, h in bars}
    assert heights["Tốt"] > heights["Yếu"] > 0 and heights["Khá"] == heights["Trung bình"] == 0
    odd = render.band_chart_svg([{"band": "Xuất sắc"}, {"band": None}])
    assert odd.count('class="bar"') == 6 and "Xuất sắc" in odd


def test_trend_line_points_and_gaps() -> None:
    values: list[float | None] = [80.0, 82.5, None, 90.0, 91.0, *([None] * 7)]
    svg = render.trend_svg(values, render.month_labels())
    assert svg.count('class="point"') == 4
    lines = re.findall(r'<polyline[^>]*points="([^"]+)"', svg)
    assert [len(p.split()) for p in lines] == [2, 2]  # the gap in March breaks the line
    ys = [float(p.split(",")[1]) for p in lines[1].split()]
    assert ys[0] > ys[1]  # a higher score is drawn higher up
    assert all(f">T{m}<" in svg for m in range(1, 13))
    assert render.trend_svg([None] * 12, render.month_labels()).count("<polyline") == 0


def test_numbers_and_vnd() -> None:
    assert render.format_vnd(2340000) == "2.340.000 ₫"
    assert render.format_vnd(702000.4) == "702.000 ₫"
    assert render.format_vnd(0) == "0 ₫"
    assert render.format_vnd(None) == "chưa có dữ liệu"
    assert render.fmt_number(4821) == "4.821"
    assert render.fmt_number(93.5) == "93,5"
    assert render.fmt_number(88.0) == "88"
    assert render.fmt_number(1234567.891) == "1.234.567,89"
    assert render.fmt_number(-0.001) == "0"
    assert render.fmt_percent(0.98327) == "98,33%"


def test_movement_arrows() -> None:
    assert "▲2" in render.movement(1, 3)
    assert "▼1" in render.movement(4, 3)
    assert "=" in render.movement(2, 2)
    assert "mới" in render.movement(2, None)


def test_clusters_rerank_within_cluster() -> None:
    rows = [
        {"rank": 3, "subject_id": "B", "cluster_id": "K1"},
        {"rank": 1, "subject_id": "A", "cluster_id": "K1"},
        {"rank": 2, "subject_id": "C", "cluster_id": "K2"},
        {"rank": 4, "subject_id": "D", "cluster_id": None},
    ]
    grouped = render.clusters_of(rows)
    assert list(grouped) == ["K1", "K2", ""]
    assert [(r["subject_id"], r["cluster_rank"]) for r in grouped["K1"]] == [("A", 1), ("B", 2)]
    assert grouped["K2"][0]["cluster_rank"] == 1


def test_periods() -> None:
    for ok in ("2025", "2025-Q1", "2025-03", "2019-2025"):
        assert render.valid_period(ok)
    for bad in ("25", "2025-Q5", "2025-13", "2025-3", "x"):
        assert not render.valid_period(bad)
    assert render.period_label("2025-Q2") == "Quý 2/2025"
    assert render.period_label("2025-03") == "Tháng 03/2025"
    assert render.period_year("2019-2025") == 2025 and render.period_year("2024-Q4") == 2024


def test_the_first_screen_prefers_this_year_then_this_month_then_earlier_years() -> None:
    from datetime import UTC, datetime

    from thidua.web.app import candidate_periods

    # 31 Dec 2025 18:00 UTC is already 1 January 2026 in Vietnam.
    assert candidate_periods(datetime(2025, 12, 31, 18, tzinfo=UTC)) == ["2026", "2026-01", "2025", "2024", "2023"]
    empty = render.leaderboards({"rows": []}, "2024", ["2026", "2026-11"])
    assert "Chưa có kết quả xếp hạng cho năm 2024" in empty
    assert '<a href="/?period=2026-11">Tháng 11/2026</a>' in empty
    assert "Chưa có kỳ nào" in render.leaderboards({"rows": []}, "2024")


def test_scorecard_rows_link_to_events_and_mark_missing_points() -> None:
    card = {
        "name": "Sở Tư pháp",
        "score": 93.5,
        "band": "Tốt",
        "indicators": [
            {
                "code": "on_time",
                "name": "Đúng hạn",
                "numerator": 4821,
                "denominator": 4903,
                "rate": 0.9833,
                "threshold": 1.0,
                "max_points": 20,
                "points": 19.67,
            },
            {
                "code": "online_payment",
                "name": "Thanh toán",
                "numerator": 0,
                "denominator": 0,
                "rate": None,
                "threshold": 0.8,
                "max_points": 10,
                "points": None,
            },
        ],
        "culture": [
            {
                "code": "inspection_findings",
                "name": "Vi phạm",
                "numerator": 2,
                "denominator": 42,
                "rate": 4.76,
                "threshold": 10.0,
                "max_points": 30,
                "points": 15.7,
            }
        ],
    }
    html = render.scorecard_body(card, "SO.TP", "2025-Q1")
    assert "/units/SO.TP/events?period=2025-Q1&amp;indicator=on_time" in html
    assert "98,33%" in html and "100%" in html and "chưa có dữ liệu" in html
    assert "4,76/100 CB" in html


def test_nominations_titles_statuses_and_detail() -> None:
    body = {
        "nominations": [
            {
                "id": "n<1>",
                "title": "tap_the_lao_dong_xuat_sac",
                "status": "rejected",
                "subject_kind": "unit",
                "subject_id": "SO.TP",
                "unit_id": "SO.TP",
                "cash_vnd": 3510000,
            }
        ]
    }
    html = render.nominations_body(body)
    assert "Tập thể lao động xuất sắc" in html and "không duyệt" in html and "3.510.000 ₫" in html
    assert "n&lt;1&gt;" in html and "/nominations/n%3C1%3E" in html
    detail = render.nomination_body(
        {
            "title": "bang_khen_chu_tich_tinh",
            "status": "approved",
            "cash_vnd": 3510000,
            "criteria": [{"code": "a", "met": True, "reason": "đạt"}, {"code": "b", "met": False, "reason": "<thiếu>"}],
            "evidence_ids": ["e-1"],
            "votes": {"members_total": 9, "votes_for": 7},
        }
    )
    assert "Bằng khen của Chủ tịch UBND tỉnh" in detail and "✓" in detail and "✗" in detail
    assert "&lt;thiếu&gt;" in detail and "e-1" in detail and "Tán thành" in detail and "được duyệt" in detail


def test_inbox_is_defensive() -> None:
    assert "Hộp thư trống" in render.inbox_body({"items": []})
    assert "&quot;weird&quot;" in render.inbox_body({"weird": True})
    html = render.inbox_body([{"title": "<b>Tiêu đề</b>", "body": "x", "read": True, "link": "/units/A"}])
    assert "&lt;b&gt;Tiêu đề&lt;/b&gt;" in html and 'href="/units/A"' in html and "Đã đọc" in html
    assert render.safe_link("javascript:alert(1)") is None and render.safe_link("//evil") is None


def test_layout() -> None:
    page = render.layout("Tiêu đề", "<p>nội dung</p>", active="home", refresh=10)
    assert page.startswith("<!DOCTYPE html>") and 'lang="vi"' in page and "Thi đua — Văn hóa công sở" in page
    assert 'content="10"' in page and "http" not in page.split("<style>")[1].split("</style>")[0]


def test_settings_read_plain_service_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCORING_URL", "http://scoring:1")
    monkeypatch.setenv("WEB_HTTP_PORT", "9999")
    monkeypatch.setenv("WEB_ADMIN_TOKEN", "t")
    settings = WebSettings()
    assert settings.scoring_url == "http://scoring:1" and settings.http_port == 9999
    assert settings.admin_token == "t" and settings.awards_url == "http://127.0.0.1:8083"


def test_times_in_vietnam() -> None:
    assert render.fmt_time("2025-12-31T16:59:00+00:00") == "31/12/2025 23:59"
    assert render.fmt_time("2025-03-04T01:00:00Z") == "04/03/2025 08:00"
    assert render.fmt_time("<không>") == "&lt;không&gt;"
    assert render.fmt_time(None) == "—"


def test_the_public_inbox_drops_notifications_that_name_an_officer() -> None:
    from thidua.web.app import _without_officers

    body = {
        "items": [
            {
                "kind": "nomination",
                "title": "Đề nghị danh hiệu «Lao động tiên tiến» năm 2025 cho cá nhân CB-1",
                "link": "/nominations/lao_dong_tien_tien:2025:officer:CB-1",
                "data": "{}",
            },
            {
                "kind": "nomination",
                "title": "Đề nghị danh hiệu «Cờ thi đua» năm 2025 cho tập thể H40.10",
                "link": "/nominations/co_thi_dua_tinh:2025:unit:H40.10",
                "data": "{}",
            },
            {"kind": "dossier_overdue", "title": "Hồ sơ HS-1 đã quá hạn giải quyết", "link": None, "data": "{}"},
        ],
        "unread_count": 3,
    }
    kept = _without_officers(body)["items"]
    assert [i["kind"] for i in kept] == ["nomination", "dossier_overdue"]
    assert all("CB-1" not in str(i) for i in kept)
