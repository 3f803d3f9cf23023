"""The dashboard's pure parts: Vietnamese formats, chart geometry, page shaping, and templates that escape."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from schemas.http.scoring import StandingRow
from services.dashboard import charts, formatting, pages
from services.dashboard.config import Settings
from services.dashboard.rendering import ENV, STATIC, TEMPLATES, render

BASE = {"user": None, "csrf": "x", "flash": None, "active": "", "refresh": None}


def test_escape_everything_from_data() -> None:
    row = {
        "rank": 1,
        "subject_id": "X<1>",
        "name": "<script>alert('x')</script>",
        "score": 90,
        "band": "Tốt",
        "previous_rank": 1,
        "unit_id": "X<1>",
        "cluster_id": '"><img>',
        "cluster_name": None,
    }
    rows = [StandingRow.model_validate(row)]
    html = render(
        "_leaderboards.html",
        panel=None,
        period="2025",
        standings={"rule_version": "<v>"},
        rows=rows,
        clusters=pages.clusters_of(rows),
        available=[],
        unranked=[],
    )
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<img>" not in html and "&lt;v&gt;" in html
    assert "/units/X%3C1%3E?period=2025" in html
    assert ENV.autoescape is not False


def test_band_colours() -> None:
    assert formatting.band_colour("Tốt") == "#1e8e3e"  # green
    assert formatting.band_colour("Khá") == "#1a73e8"  # blue
    assert formatting.band_colour("Trung bình") == "#e8a200"  # amber
    assert formatting.band_colour("Yếu") == "#d93025"  # red
    assert formatting.band_colour("lạ") == formatting.UNKNOWN_COLOUR
    badge = ENV.get_template("macros.html").module.band_badge("Trung bình")  # type: ignore[attr-defined]
    assert 'class="badge tone-amber"' in badge and "Trung bình" in badge and "style=" not in badge
    css = (STATIC / "app.css").read_text()
    for band, colour in formatting.BAND_COLOURS.items():  # the badge's class paints the chart's colour
        assert f".{formatting.band_class(band)}{{background:{colour}}}" in css, band
    for status, colour in formatting.STATUS_COLOURS.items():
        assert f".{formatting.status_class(status)}{{background:{colour}}}" in css, status
    assert "chưa có dữ liệu" in ENV.get_template("macros.html").module.band_badge(None)  # type: ignore[attr-defined]


def test_band_chart_has_one_bar_per_band() -> None:
    chart = charts.band_chart(["Tốt", "Tốt", "Yếu"])
    assert [b.band for b in chart.bars] == ["Tốt", "Khá", "Trung bình", "Yếu"]
    heights = {b.band: b.height for b in chart.bars}
    assert heights["Tốt"] > heights["Yếu"] > 0 and heights["Khá"] == heights["Trung bình"] == 0
    assert len(charts.band_chart(["Xuất sắc", None]).bars) == 6
    svg = ENV.get_template("macros.html").module.band_chart_svg([{"band": "Tốt"}])  # type: ignore[attr-defined]
    assert svg.count('class="bar"') == 4 and "viewBox" in svg


def test_trend_line_points_and_gaps() -> None:
    values: list[float | None] = [80.0, 82.5, None, 90.0, 91.0, *([None] * 7)]
    t = charts.trend(values, charts.month_labels())
    assert len(t.points) == 4 and [p.value for p in t.points][:2] == ["80,00", "82,50"]
    assert [len(s.split()) for s in t.segments] == [2, 2]  # the gap in March breaks the line
    ys = [float(p.split(",")[1]) for p in t.segments[1].split()]
    assert ys[0] > ys[1]  # a higher score is drawn higher up
    assert [label for _, label in t.labels] == [f"T{m}" for m in range(1, 13)]
    assert charts.trend([None] * 12, charts.month_labels()).segments == []


def test_numbers_scores_money_in_vietnamese() -> None:
    assert formatting.money(2340000) == "2.340.000 ₫"
    assert formatting.money(702000.4) == "702.000 ₫"
    assert formatting.money(0) == "0 ₫"
    assert formatting.money(None) == "chưa có dữ liệu"
    assert formatting.number(4821) == "4.821"
    assert formatting.number(93.5) == "93,5"
    assert formatting.number(1234567.891) == "1.234.567,89"
    assert formatting.score(88.1) == "88,10" and formatting.score(86.63) == "86,63" and formatting.score(88) == "88,00"
    assert formatting.percent(0.98327) == "98,33%"
    assert formatting.day("2025-12-10") == "10/12/2025"
    assert set(formatting.FILTERS) >= {"number", "score", "percent", "money", "moment", "day"}
    assert ENV.from_string("{{ 88.1 | score }} {{ 2340000 | money }}").render() == "88,10 2.340.000 ₫"


def test_movement_arrows() -> None:
    assert (m := pages.movement(1, 3)) is not None and m.text == "▲2"
    assert (m := pages.movement(4, 3)) is not None and m.text == "▼1"
    assert (m := pages.movement(2, 2)) is not None and m.text == "="
    assert (m := pages.movement(2, None)) is not None and m.text == "mới"
    assert pages.movement(None, 1) is None


def test_clusters_rerank_within_cluster() -> None:
    unnamed = {"name": None, "score": None, "band": None, "previous_rank": None, "unit_id": None, "cluster_name": None}
    rows = [
        StandingRow.model_validate(unnamed | row)
        for row in (
            {"rank": 3, "subject_id": "B", "cluster_id": "K1"},
            {"rank": 1, "subject_id": "A", "cluster_id": "K1"},
            {"rank": 2, "subject_id": "C", "cluster_id": "K2"},
            {"rank": 4, "subject_id": "D", "cluster_id": None},
        )
    ]
    grouped = pages.clusters_of(rows)
    assert list(grouped) == ["K1", "K2", ""]
    assert [(r.subject_id, r.cluster_rank) for r in grouped["K1"]] == [("A", 1), ("B", 2)]
    assert grouped["K2"][0].cluster_rank == 1 and pages.cluster_title("K2", grouped["K2"]) == "Cụm, khối thi đua K2"


def test_periods() -> None:
    for ok in ("2025", "2025-Q1", "2025-03", "2019-2025"):
        assert formatting.valid_period(ok)
    for bad in ("25", "2025-Q5", "2025-13", "2025-3", "x"):
        assert not formatting.valid_period(bad)
    assert formatting.period_label("2025-Q2") == "Quý 2/2025"
    assert formatting.period_label("2025-03") == "Tháng 03/2025"
    assert formatting.period_year("2019-2025") == 2025 and formatting.period_year("2024-Q4") == 2024


def test_the_period_picker_follows_the_configured_movements() -> None:
    """Issue 24: the stages come from scoring's active rulebook (GET /v1/rulebook `stages`), not from code."""
    stages = pages.movement_stages(["2025-2030", "2019-2025", "2025-2027", "2028-2030", "bad", "2030-2025"])
    assert stages == ["2019-2025", "2025-2027", "2025-2030", "2028-2030"]
    assert pages.picker_choices("2025", 2026, stages)[-3:] == ["2019-2025", "2025-2027", "2025-2030"]
    assert pages.picker_choices("2029", 2026, stages)[-2:] == ["2025-2030", "2028-2030"]
    assert "2019-2025" not in pages.picker_choices("2026", 2026, ["2019-2025"])  # a closed movement's other years
    assert pages.movement_stages([]) == [] and pages.movement_stages(["2025-13", "2025"]) == []
    assert formatting.valid_period("2025-2030") and formatting.period_label("2025-2030") == "Giai đoạn 2025–2030"


def test_the_first_screen_prefers_this_year_then_this_month_then_earlier_years() -> None:
    # 31 Dec 2025 18:00 UTC is already 1 January 2026 in Vietnam.
    assert pages.candidate_periods(datetime(2025, 12, 31, 18, tzinfo=UTC)) == [
        "2026",
        "2026-01",
        "2025",
        "2024",
        "2023",
    ]
    empty = render("_leaderboards.html", panel=None, period="2024", rows=[], available=["2026", "2026-11"])
    assert "Chưa có kết quả xếp hạng cho năm 2024" in empty
    assert '<a href="/?period=2026-11">Tháng 11/2026</a>' in empty
    assert "Chưa có kỳ nào" in render("_leaderboards.html", panel=None, period="2024", rows=[], available=[])


def test_times_in_vietnam() -> None:
    assert formatting.moment("2025-12-31T16:59:00+00:00") == "23:59 31/12/2025"
    assert formatting.moment("2025-03-04T01:00:00Z") == "08:00 04/03/2025"
    assert formatting.moment("<không>") == "<không>"  # escaped by the template, not here
    assert formatting.moment(None) == "—"
    assert "&lt;không&gt;" in ENV.from_string("{{ v | moment }}").render(v="<không>")


def test_links_from_data_are_checked() -> None:
    assert formatting.safe_link("javascript:alert(1)") is None and formatting.safe_link("//evil") is None
    assert formatting.safe_link("/units/A") == "/units/A"
    assert (
        formatting.local_path("https://evil.example/") is None
        and formatting.local_path("/nominations") == "/nominations"
    )


def test_the_vote_rule_counts_shares_of_all_members() -> None:
    rule = pages.VoteRule(quorum=0.8, threshold=0.9)
    assert rule.needed(10) == (8, 9) and rule.needed(9) == (8, 9) and rule.needed(11) == (9, 10)


def test_layout_is_the_whole_document_with_static_files() -> None:
    page = render("error.html", title="Tiêu đề", panel={"kind": "error", "title": "T", "message": "m"}, **BASE)
    assert page.startswith("<!DOCTYPE html>") and 'lang="vi"' in page and "Thi đua — Văn hóa công sở" in page
    assert "/static/app.css" in page and "<style>" not in page and "Đăng nhập" in page


def test_settings_read_plain_service_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCORING_URL", "http://scoring:1")
    monkeypatch.setenv("EVIDENCE_URL", "http://evidence:2")
    monkeypatch.setenv("WEB_HTTP_PORT", "9999")
    monkeypatch.setenv("WEB_SESSION_SECRET", "s" * 40)
    settings = Settings()
    assert settings.scoring_url == "http://scoring:1" and settings.http_port == 9999
    assert settings.evidence_url == "http://evidence:2" and settings.awards_url == "http://127.0.0.1:8083"
    assert settings.session_secret is not None and settings.session_secret.get_secret_value() == "s" * 40
    assert not hasattr(settings, "admin_token")
    assert not hasattr(settings, "council_thresholds")  # the vote form explains awards' published council_rule
    assert not hasattr(settings, "council_quorum")  # the minutes take the quorum from the same council_rule


def test_templates_hold_the_content_security_policy() -> None:
    """No inline script, style element, style attribute or event handler: `script-src 'self'; style-src 'self'`."""
    for path in TEMPLATES.glob("*.html"):
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\ssrc=)", text), f"inline script in {path.name}"
        assert "<style" not in text and not re.search(r"\sstyle=", text), f"inline style in {path.name}"
        assert not re.search(r"\son[a-z]+=", text), f"inline event handler in {path.name}"
        assert "javascript:" not in text, path.name


def test_no_html_is_assembled_in_python() -> None:
    from pathlib import Path

    home = Path(__file__).resolve().parents[2] / "services" / "dashboard"
    for path in home.glob("*.py"):
        assert not re.search(r"""["']<(table|section|div|tr|td|svg|p|a)[ >]""", path.read_text()), path
