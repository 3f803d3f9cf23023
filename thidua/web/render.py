"""Pure rendering: HTML and inline SVG from the services' JSON (no I/O). Everything from data is escaped."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from schemas import vietnam
from schemas.labels import BANDS, TITLE_NAMES
from schemas.periods import is_period

SITE_TITLE = "Thi đua — Văn hóa công sở"

# Bands, best first, with their badge colours.
BAND_COLOURS: dict[str, str] = {"Tốt": "#1e8e3e", "Khá": "#1a73e8", "Trung bình": "#e8a200", "Yếu": "#d93025"}
UNKNOWN_COLOUR = "#80868b"

STATUS_NAMES: dict[str, str] = {
    "proposed": "đề nghị",
    "approved": "được duyệt",
    "rejected": "không duyệt",
    "revoked": "thu hồi",
    "needs_review": "cần Hội đồng xem xét",
    "on_hold": "tạm dừng xét",
}
STATUS_COLOURS: dict[str, str] = {
    "proposed": "#1a73e8",
    "approved": "#1e8e3e",
    "rejected": "#d93025",
    "revoked": "#80868b",
    "needs_review": "#e37400",
    "on_hold": "#9334e6",
}
GROUP_NAMES: dict[str, str] = {
    "timeliness": "Tiến độ, kết quả giải quyết",
    "online": "Cung cấp dịch vụ trực tuyến",
    "digitisation": "Số hóa hồ sơ",
    "satisfaction": "Mức độ hài lòng",
    "culture": "Văn hóa công sở",
}
SUBJECT_NAMES: dict[str, str] = {"officer": "cá nhân", "unit": "tập thể"}

NO_DATA = "chưa có dữ liệu"

CSS = """
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",Arial,sans-serif;
color:#202124;background:#f4f6f8;line-height:1.45}
header{background:#a50e0e;color:#fff;padding:.6rem 1.2rem;display:flex;flex-wrap:wrap;align-items:center;gap:1rem}
header .brand{font-weight:700;font-size:1.15rem;color:#fff;text-decoration:none}
header nav a{color:#ffe9a8;text-decoration:none;margin-right:1rem;font-weight:500}
header nav a.active{color:#fff;border-bottom:2px solid #ffd54f}
header form{margin-left:auto}
header input{padding:.25rem .4rem;border-radius:4px;border:0;width:9rem}
header button,.picker button{padding:.25rem .6rem;border-radius:4px;border:1px solid #ccc;background:#fff;
cursor:pointer}
main{max-width:1200px;margin:0 auto;padding:1rem 1.2rem 3rem}
h1{font-size:1.4rem;margin:.4rem 0 1rem}
h2{font-size:1.15rem;margin:1.2rem 0 .5rem}
.card>h2:first-child{margin-top:0}
.card{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12);padding:1rem;margin-bottom:1rem}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(360px,1fr));gap:1rem}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{padding:.35rem .5rem;border-bottom:1px solid #e3e6ea;text-align:left;vertical-align:top}
th{background:#f1f3f4;font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:999px;color:#fff;font-size:.82rem;white-space:nowrap}
.up{color:#1e8e3e}.down{color:#d93025}.same{color:#80868b}.new{color:#1a73e8;font-size:.8rem}
.muted{color:#5f6368;font-size:.88rem}
.nodata{color:#80868b;font-style:italic}
.error{border-left:6px solid #d93025;background:#fdecea}
.error h2{margin-top:0;color:#a50e0e}
.picker{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center}
.picker a{padding:.2rem .55rem;border-radius:4px;background:#e8eaed;color:#202124;text-decoration:none}
.picker a.active{background:#a50e0e;color:#fff}
.picker input{padding:.25rem .4rem;width:8rem}
.ok{color:#1e8e3e;font-weight:700}.ko{color:#d93025;font-weight:700}
.unread{border-left:4px solid #1a73e8}
pre{white-space:pre-wrap;word-break:break-word;background:#f8f9fa;padding:.5rem;border-radius:4px;font-size:.82rem}
a{color:#1a5fb4}
svg text{font-family:inherit}
"""

POLL_SCRIPT = """
(function(){var box=document.getElementById('boards');if(!box)return;var src=box.getAttribute('data-src');
var every=parseInt(box.getAttribute('data-every'),10)*1000;
setInterval(function(){fetch(src,{cache:'no-store'}).then(function(r){return r.ok?r.text():null})
.then(function(t){if(t!==null){box.innerHTML=t;}}).catch(function(){});},every);})();
"""


# ---------------------------------------------------------------- small pieces


def esc(value: object) -> str:
    """HTML-escape anything (None becomes the empty string)."""
    return "" if value is None else html.escape(str(value), quote=True)


def fmt_number(value: object, digits: int = 2) -> str:
    """A number the Vietnamese way (schemas.vietnam): dots between thousands, a comma before decimals."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return NO_DATA if value is None else esc(value)
    return vietnam.number(value, digits)


def fmt_score(value: object) -> str:
    """A score, always with two decimals (88,10 beside 86,63)."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return NO_DATA if value is None else esc(value)
    return vietnam.score(value)


def format_vnd(amount: object) -> str:
    """A cash amount in đồng with dots between thousands: 2340000 → '2.340.000 ₫'."""
    if amount is None or isinstance(amount, bool) or not isinstance(amount, int | float):
        return NO_DATA if amount is None else esc(amount)
    return vietnam.money(amount)


def fmt_percent(rate: object) -> str:
    """A share 0..1 as a percentage: 0.9342 → '93,42%'."""
    if not isinstance(rate, int | float) or isinstance(rate, bool):
        return NO_DATA if rate is None else esc(rate)
    return vietnam.percent(rate)


def fmt_time(value: object) -> str:
    """An ISO timestamp as Vietnam local time, 'dd/mm/yyyy HH:MM' (anything else escaped as it is)."""
    if not isinstance(value, str) or not value:
        return "—" if value in (None, "") else esc(value)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return esc(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(vietnam.VN_TZ)
    return moment.strftime("%d/%m/%Y %H:%M")


def band_colour(band: object) -> str:
    """The badge colour of a band (grey for an unknown or missing band)."""
    return BAND_COLOURS.get(str(band), UNKNOWN_COLOUR) if band is not None else UNKNOWN_COLOUR


def band_badge(band: object) -> str:
    """A coloured pill naming the band."""
    if band is None or band == "":
        return f'<span class="nodata">{NO_DATA}</span>'
    return f'<span class="badge" style="background:{band_colour(band)}">{esc(band)}</span>'


def movement(rank: object, previous: object) -> str:
    """▲n / ▼n / = against the previous rank (a lower rank number is better); 'mới' when there was none."""
    if not isinstance(rank, int) or isinstance(rank, bool):
        return ""
    if not isinstance(previous, int) or isinstance(previous, bool):
        return '<span class="new" title="chưa có thứ hạng trước">mới</span>'
    if previous > rank:
        return f'<span class="up" title="tăng {previous - rank} bậc (trước: {previous})">▲{previous - rank}</span>'
    if previous < rank:
        return f'<span class="down" title="giảm {rank - previous} bậc (trước: {previous})">▼{rank - previous}</span>'
    return '<span class="same" title="giữ nguyên">=</span>'


def valid_period(period: str) -> bool:
    """2025, 2025-Q1, 2025-03 or 2019-2025."""
    return is_period(period)


def period_label(period: str) -> str:
    """The period in words: 'Năm 2025', 'Quý 1/2025', 'Tháng 03/2025', 'Giai đoạn 2019–2025'."""
    if re.fullmatch(r"\d{4}", period):
        return f"Năm {period}"
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", period):
        return f"Quý {m[2]}/{m[1]}"
    if m := re.fullmatch(r"(\d{4})-(\d{2})", period):
        return f"Tháng {m[2]}/{m[1]}"
    if m := re.fullmatch(r"(\d{4})-(\d{4})", period):
        return f"Giai đoạn {m[1]}–{m[2]}"
    return period


def period_year(period: str) -> int:
    """The calendar year a period's trend is drawn over (the last year of a multi-year stage)."""
    if m := re.fullmatch(r"\d{4}-(\d{4})", period):
        return int(m[1])
    return int(period[:4])


def _query(path: str, **params: object) -> str:
    clean = {k: str(v) for k, v in params.items() if v is not None}
    return path + ("?" + urlencode(clean) if clean else "")


def unit_path(unit_id: object, suffix: str = "") -> str:
    """/units/{unit_id}{suffix} with the id percent-encoded (escape the result before putting it in HTML)."""
    return f"/units/{quote(str(unit_id), safe='')}{suffix}"


def safe_link(target: object) -> str | None:
    """A link from data only if it is a site path or http(s); never javascript: and the like."""
    if not isinstance(target, str):
        return None
    if target.startswith("/") and not target.startswith("//"):
        return target
    if re.match(r"https?://", target, re.IGNORECASE):
        return target
    return None


def json_block(value: object) -> str:
    """Any JSON value, pretty-printed and escaped."""
    return f"<pre>{esc(json.dumps(value, ensure_ascii=False, indent=2, default=str))}</pre>"


def error_panel(title: str, message: str, detail: str | None = None) -> str:
    """A friendly panel explaining why a part of the page is missing."""
    extra = f'<p class="muted">Chi tiết kỹ thuật: {esc(detail)}</p>' if detail else ""
    return (
        f'<section class="card error" role="alert"><h2>{esc(title)}</h2><p>{esc(message)}</p>{extra}'
        '<p class="muted">Vui lòng thử lại sau ít phút hoặc liên hệ quản trị hệ thống.</p></section>'
    )


def upstream_error(service: str, problem: str | None, status: int | None = None) -> str:
    """The error panel for a service that did not answer usefully."""
    if status in (401, 403):
        message = f"Bảng điều khiển không có quyền đọc dữ liệu từ dịch vụ {service}."
    elif status == 404:
        message = f"Dịch vụ {service} không có dữ liệu cho yêu cầu này."
    elif status is not None and 400 <= status < 500:
        message = f"Dịch vụ {service} từ chối yêu cầu (tham số không hợp lệ)."
    else:
        message = f"Không lấy được dữ liệu từ dịch vụ {service}: dịch vụ đang tạm thời không phản hồi."
    return error_panel("Không tải được dữ liệu", message, problem)


# ---------------------------------------------------------------- layout


NAV = (("home", "/", "Bảng xếp hạng"), ("nominations", "/nominations", "Đề nghị khen thưởng"))


def layout(title: str, body: str, *, active: str = "", refresh: int | None = None, script: str = "") -> str:
    """The whole HTML document: head with inline CSS, navigation bar, the body."""
    links = "".join(
        f'<a href="{href}"{" class=active" if key == active else ""}>{esc(label)}</a>' for key, href, label in NAV
    )
    meta = f'<noscript><meta http-equiv="refresh" content="{int(refresh)}"></noscript>' if refresh else ""
    page_title = f"{esc(title)} · {esc(SITE_TITLE)}" if title else esc(SITE_TITLE)
    scripts = f"<script>{script}</script>" if script else ""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="vi"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">{meta}'
        f"<title>{page_title}</title><style>{CSS}</style></head><body>"
        f'<header><a class="brand" href="/">{esc(SITE_TITLE)}</a><nav>{links}</nav>'
        '<form action="/units" method="get"><input name="unit_id" placeholder="Mã đơn vị" '
        'aria-label="Mã đơn vị" required> <button type="submit">Xem đơn vị</button></form></header>'
        f"<main><h1>{esc(title)}</h1>{body}</main>{scripts}</body></html>"
    )


def period_picker(period: str, current_year: int, path: str = "/") -> str:
    """Quick links to this and last year and their quarters, plus a free field for any period."""
    year = period_year(period) if valid_period(period) else current_year
    choices = [str(year), *(f"{year}-Q{q}" for q in range(1, 5))]
    if str(current_year) not in choices:
        choices.insert(0, str(current_year))
    if year - 1 != current_year:
        choices.append(str(year - 1))
    links = "".join(
        f'<a href="{esc(_query(path, period=c))}"{" class=active" if c == period else ""}>{esc(period_label(c))}</a>'
        for c in choices
    )
    return (
        f'<form class="picker card" action="{esc(path)}" method="get"><strong>Kỳ:</strong> {links}'
        f'<input name="period" value="{esc(period)}" aria-label="Kỳ" '
        'title="2025, 2025-Q1, 2025-03 hoặc 2019-2025" pattern="\\d{4}(-Q[1-4]|-\\d{2}|-\\d{4})?">'
        '<button type="submit">Xem</button></form>'
    )


# ---------------------------------------------------------------- charts


def band_chart_svg(rows: Iterable[Mapping[str, Any]], *, width: int = 320, height: int = 150) -> str:
    """Vertical bars of how many units sit in each band: one bar per band (the four, then any unknown)."""
    counts: dict[str, int] = dict.fromkeys(BANDS, 0)
    for row in rows:
        band = row.get("band")
        key = str(band) if band not in (None, "") else NO_DATA
        counts[key] = counts.get(key, 0) + 1
    top = max(counts.values()) or 1
    n = len(counts)
    pad_top, pad_bottom, gap = 18, 22, 10
    bar_w = (width - gap * (n + 1)) / n
    plot_h = height - pad_top - pad_bottom
    parts = [
        f'<svg class="band-chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="Phân bố xếp loại">'
    ]
    for i, (band, count) in enumerate(counts.items()):
        h = plot_h * count / top
        x = gap + i * (bar_w + gap)
        y = pad_top + plot_h - h
        parts.append(
            f'<rect class="bar" data-band="{esc(band)}" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
            f'height="{h:.1f}" fill="{band_colour(band)}"><title>{esc(band)}: {count}</title></rect>'
        )
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="11">{count}</text>'
        )
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{height - 6}" text-anchor="middle" font-size="11">{esc(band)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def trend_svg(
    values: Sequence[float | None], labels: Sequence[str], *, width: int = 640, height: int = 220, top: float = 100.0
) -> str:
    """A line of the score month by month on a 0..top scale; a missing month breaks the line (a gap)."""
    n = len(values)
    left, right, pad_top, bottom = 36, 12, 12, 28
    plot_w = width - left - right
    plot_h = height - pad_top - bottom
    scale_top = max([top, *(v for v in values if v is not None)])

    def xy(i: int, v: float) -> tuple[float, float]:
        x = left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)
        return x, pad_top + plot_h * (1 - max(v, 0.0) / scale_top)

    parts = [
        f'<svg class="trend" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="Diễn biến điểm theo tháng">'
    ]
    for tick in (0, 25, 50, 75, 100):
        _, y = xy(0, tick * scale_top / 100)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#e3e6ea"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="10">'
            f"{fmt_number(tick * scale_top / 100, 0)}</text>"
        )
    segment: list[str] = []
    segments: list[list[str]] = []
    for i, v in enumerate(values):
        if v is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        x, y = xy(i, v)
        segment.append(f"{x:.1f},{y:.1f}")
    if segment:
        segments.append(segment)
    for seg in segments:
        if len(seg) > 1:
            parts.append(
                f'<polyline class="line" fill="none" stroke="#a50e0e" stroke-width="2" points="{" ".join(seg)}"/>'
            )
    for i, v in enumerate(values):
        x, _ = xy(i, 0)
        label = labels[i] if i < len(labels) else str(i + 1)
        parts.append(f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" font-size="10">{esc(label)}</text>')
        if v is None:
            continue
        _, y = xy(i, v)
        parts.append(
            f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="#fff" '
            f'stroke="#a50e0e" stroke-width="2"><title>{esc(label)}: {fmt_number(v)}</title></circle>'
        )
    parts.append("</svg>")
    return "".join(parts)


# ---------------------------------------------------------------- leaderboards


def clusters_of(rows: Iterable[Mapping[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Group the province's standings by cluster, ranked within the cluster in the province's order."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if not isinstance(row, Mapping):
            continue
        cluster = row.get("cluster_id")
        grouped.setdefault(str(cluster) if cluster not in (None, "") else "", []).append(dict(row))

    def order(r: Mapping[str, Any]) -> tuple[int, float, str]:
        rank = r.get("rank")
        score = r.get("score")
        return (
            rank if isinstance(rank, int) else 10**9,
            -float(score) if isinstance(score, int | float) else 0.0,
            str(r.get("subject_id", "")),
        )

    for members in grouped.values():
        members.sort(key=order)
        for i, member in enumerate(members, start=1):
            member["cluster_rank"] = i
    return dict(sorted(grouped.items(), key=lambda kv: (kv[0] == "", kv[0])))


def leaderboard_table(cluster: str, rows: Sequence[Mapping[str, Any]], period: str) -> str:
    """One cluster's ranking with its band chart."""
    body = []
    for r in rows:
        unit = r.get("unit_id") or r.get("subject_id")
        name = esc(r.get("name") or unit or "")
        link = esc(_query(unit_path(unit), period=period)) if unit else ""
        cell = f'<a href="{link}">{name}</a>' if unit else name
        body.append(
            f'<tr><td class="num">{esc(r.get("cluster_rank"))}</td><td>{cell}</td>'
            f'<td class="num">{fmt_score(r.get("score"))}</td><td>{band_badge(r.get("band"))}</td>'
            f'<td class="num">{esc(r.get("rank"))}</td>'
            f'<td class="num">{movement(r.get("rank"), r.get("previous_rank"))}</td></tr>'
        )
    named = next((r.get("cluster_name") for r in rows if r.get("cluster_name")), None)
    title = (str(named) if named else f"Cụm, khối thi đua {cluster}") if cluster else "Chưa xếp cụm, khối"
    return (
        f'<section class="card cluster" data-cluster="{esc(cluster)}"><h2>{esc(title)}</h2>'
        '<table><thead><tr><th class="num">Hạng</th><th>Đơn vị</th><th class="num">Điểm</th><th>Xếp loại</th>'
        '<th class="num">Hạng toàn tỉnh</th><th class="num">Thay đổi</th></tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
        f'<h3 class="muted">Phân bố xếp loại</h3>{band_chart_svg(rows)}</section>'
    )


def leaderboards(standings: Mapping[str, Any], period: str, available: Sequence[str] = ()) -> str:
    """Every cluster's leaderboard (the part of the home page that refreshes itself); without rows, where data is."""
    rows = standings.get("rows")
    if not isinstance(rows, list) or not rows:
        where = (
            "Các kỳ đã có kết quả: "
            + ", ".join(f'<a href="{esc(_query("/", period=p))}">{esc(period_label(p))}</a>' for p in available)
            + "."
            if available
            else "Chưa có kỳ nào có kết quả xếp hạng: dữ liệu đang được gửi đến hoặc chưa có."
        )
        return (
            '<section class="card"><p>Chưa có kết quả xếp hạng cho '
            f"{esc(period_label(period).lower())}.</p><p>{where}</p></section>"
        )
    meta = (
        f'<p class="muted">Bộ quy tắc: {esc(standings.get("rule_version") or "—")} · '
        f"Cập nhật: {fmt_time(standings.get('as_of'))} · {len(rows)} đơn vị</p>"
    )
    tables = "".join(leaderboard_table(c, members, period) for c, members in clusters_of(rows).items())
    return f'{meta}<div class="grid">{tables}</div>{unranked_section(standings.get("unranked"), period)}'


def unranked_section(rows: object, period: str) -> str:
    """Units listed but not ranked: too few dossiers for the service index (chưa đủ dữ liệu)."""
    if not isinstance(rows, list) or not rows:
        return ""
    items = "".join(
        f'<li><a href="{esc(_query(unit_path(str(r.get("subject_id")), ""), period=period))}">'
        f"{esc(r.get('name') or r.get('subject_id'))}</a>: {fmt_number(r.get('dossiers'), 0)} hồ sơ "
        f"(cần tối thiểu {fmt_number(r.get('min_dossiers'), 0)})</li>"
        for r in rows
        if isinstance(r, Mapping)
    )
    return (
        f'<section class="card"><h2>Chưa xếp hạng — chưa đủ dữ liệu ({len(rows)} đơn vị)</h2><ul>{items}</ul></section>'
    )


def home_page(period: str, current_year: int, boards: str, *, refresh: int) -> str:
    """The leaderboards page; boards is either the leaderboards or an error panel."""
    src = esc(_query("/partials/leaderboards", period=period))
    body = (
        period_picker(period, current_year)
        + f'<div id="boards" data-src="{src}" data-every="{int(refresh)}">{boards}</div>'
        + f'<p class="muted">Tự động cập nhật mỗi {int(refresh)} giây.</p>'
    )
    return layout(
        f"Bảng xếp hạng thi đua — {period_label(period)}", body, active="home", refresh=refresh, script=POLL_SCRIPT
    )


# ---------------------------------------------------------------- scorecard


def _is_share(row: Mapping[str, Any]) -> bool:
    threshold = row.get("threshold")
    return not (isinstance(threshold, int | float) and threshold > 1)


def _rate_cell(row: Mapping[str, Any], key: str) -> str:
    value = row.get(key)
    if value is None:
        return "—" if key == "threshold" else f'<span class="nodata">{NO_DATA}</span>'
    if _is_share(row):
        return fmt_percent(value)
    return fmt_number(value) + ("/100 CB" if key in ("rate", "threshold") else "")


def indicator_rows(unit_id: str, period: str, rows: object) -> str:
    """Table rows of indicators; each links to the events behind its number."""
    if not isinstance(rows, list):
        return ""
    out = []
    for row in rows:
        if not isinstance(row, Mapping):
            continue
        code = row.get("code")
        href = esc(_query(unit_path(unit_id, "/events"), period=period, indicator=code))
        points = row.get("points")
        points_cell = fmt_number(points) if points is not None else f'<span class="nodata">{NO_DATA}</span>'
        out.append(
            f'<tr data-indicator="{esc(code)}"><td><a href="{href}">{esc(row.get("name") or code)}</a>'
            f'<div class="muted">{esc(code)}</div></td>'
            f'<td class="num">{fmt_number(row.get("numerator"))}</td>'
            f'<td class="num">{fmt_number(row.get("denominator"))}</td>'
            f'<td class="num">{_rate_cell(row, "rate")}</td><td class="num">{_rate_cell(row, "threshold")}</td>'
            f'<td class="num">{fmt_number(row.get("max_points"))}</td><td class="num">{points_cell}</td></tr>'
        )
    return "".join(out)


INDICATOR_HEAD = (
    '<thead><tr><th>Chỉ tiêu</th><th class="num">Tử số</th><th class="num">Mẫu số</th>'
    '<th class="num">Tỷ lệ</th><th class="num">Ngưỡng</th><th class="num">Điểm tối đa</th>'
    '<th class="num">Điểm đạt</th></tr></thead>'
)


def unit_tabs(unit_id: str, period: str, active: str) -> str:
    """Links between a unit's scorecard and its inbox."""
    tabs = (
        ("card", _query(unit_path(unit_id), period=period), "Phiếu điểm"),
        ("inbox", unit_path(unit_id, "/inbox"), "Hộp thư thông báo"),
    )
    return (
        '<p class="picker">'
        + "".join(
            f'<a href="{esc(href)}"{" class=active" if key == active else ""}>{esc(label)}</a>'
            for key, href, label in tabs
        )
        + "</p>"
    )


def scorecard_body(card: Mapping[str, Any], unit_id: str, period: str) -> str:
    """The scorecard: summary, indicator tables, groups."""
    summary = (
        '<section class="card"><table><tbody>'
        f"<tr><th>Đơn vị</th><td>{esc(card.get('name') or unit_id)} "
        f'<span class="muted">({esc(unit_id)})</span></td></tr>'
        f"<tr><th>Cụm, khối thi đua</th><td>{esc(card.get('cluster_name') or card.get('cluster_id') or '—')}</td></tr>"
        + (
            f"<tr><th>Tổng điểm</th><td><strong>{fmt_score(card.get('score'))}</strong> "
            f"{band_badge(card.get('band'))}</td></tr>"
            if card.get("status") != "insufficient_data"
            else "<tr><th>Tổng điểm</th><td><strong>Chưa đủ dữ liệu</strong> (không xếp hạng)</td></tr>"
        )
        + f"<tr><th>Chỉ số phục vụ (cải cách hành chính)</th><td>{fmt_score(card.get('service_index'))} "
        f"{band_badge(card.get('service_band')) if card.get('service_band') else ''}</td></tr>"
        f"<tr><th>Chỉ số văn hóa công sở</th><td>{fmt_score(card.get('culture_index'))}</td></tr>"
        f"<tr><th>Bộ quy tắc</th><td>{esc(card.get('rule_version') or '—')}</td></tr>"
        f"<tr><th>Cập nhật</th><td>{fmt_time(card.get('as_of'))}</td></tr>"
        "</tbody></table></section>"
    )
    service = indicator_rows(unit_id, period, card.get("indicators"))
    culture = indicator_rows(unit_id, period, card.get("culture"))
    tables = ""
    notes = card.get("notes")
    if isinstance(notes, list) and notes:
        tables += (
            '<section class="card"><h2>Cách tính</h2><ul>'
            + "".join(f"<li>{esc(n)}</li>" for n in notes)
            + "</ul></section>"
        )
    if service:
        tables += (
            f'<section class="card"><h2>Chỉ số phục vụ người dân, doanh nghiệp</h2>'
            f"<table>{INDICATOR_HEAD}<tbody>{service}</tbody></table></section>"
        )
    if culture:
        tables += (
            f'<section class="card"><h2>Văn hóa công sở</h2>'
            f"<table>{INDICATOR_HEAD}<tbody>{culture}</tbody></table></section>"
        )
    groups = card.get("groups")
    if isinstance(groups, Mapping) and groups:
        rows = "".join(
            f'<tr><td>{esc(GROUP_NAMES.get(str(code), code))}</td><td class="num">{fmt_number(g.get("points"))}</td>'
            f'<td class="num">{fmt_number(g.get("scored_max"))}</td><td class="num">{fmt_number(g.get("max"))}</td>'
            "</tr>"
            for code, g in groups.items()
            if isinstance(g, Mapping)
        )
        tables += (
            '<section class="card"><h2>Theo nhóm chỉ tiêu</h2><table><thead><tr><th>Nhóm</th>'
            '<th class="num">Điểm đạt</th><th class="num">Tối đa đã chấm</th><th class="num">Tối đa</th>'
            f"</tr></thead><tbody>{rows}</tbody></table></section>"
        )
    evidence = card.get("evidence")
    if isinstance(evidence, Mapping) and evidence:
        names = {
            "dossiers_judged": "Hồ sơ đã xét hạn",
            "dossiers_finished": "Hồ sơ đã hoàn thành",
            "complaints_judged": "Phản ánh, kiến nghị đã xét",
            "officers": "Số cán bộ",
            "inspections": "Số lần kiểm tra công vụ",
        }
        rows = "".join(
            f'<tr><th>{esc(names.get(str(k), k))}</th><td class="num">{fmt_number(v)}</td></tr>'
            for k, v in evidence.items()
        )
        tables += f'<section class="card"><h2>Căn cứ</h2><table><tbody>{rows}</tbody></table></section>'
    return summary + tables


def month_labels() -> list[str]:
    """T1..T12."""
    return [f"T{m}" for m in range(1, 13)]


def trend_section(year: int, values: Sequence[float | None] | None, problem: str | None = None) -> str:
    """The monthly trend chart, or why it is missing."""
    if values is None or all(v is None for v in values):
        note = (
            upstream_error("chấm điểm", problem)
            if problem
            else f'<p class="nodata">Chưa có điểm theo tháng trong năm {year}.</p>'
        )
        return f'<section class="card"><h2>Diễn biến điểm theo tháng năm {year}</h2>{note}</section>'
    gaps = sum(v is None for v in values)
    hint = f'<p class="muted">{gaps} tháng chưa có dữ liệu (đường bị ngắt).</p>' if gaps else ""
    warn = f'<p class="muted">Một số tháng không tải được: {esc(problem)}</p>' if problem else ""
    return (
        f'<section class="card"><h2>Diễn biến điểm theo tháng năm {year}</h2>'
        f"{trend_svg(values, month_labels())}{hint}{warn}</section>"
    )


def scorecard_page(unit_id: str, period: str, current_year: int, main: str, trend: str, name: str | None) -> str:
    """The unit page: picker, tabs, scorecard (or an error panel), trend."""
    body = period_picker(period, current_year, unit_path(unit_id)) + unit_tabs(unit_id, period, "card") + main + trend
    return layout(f"Phiếu điểm: {name or unit_id} — {period_label(period)}", body)


# ---------------------------------------------------------------- events


def _events_list(events: object) -> str:
    if not isinstance(events, list) or not events:
        return '<span class="nodata">không có</span>'
    items = []
    for e in events:
        if isinstance(e, Mapping):
            items.append(f"<li><code>{esc(e.get('event_id') or json.dumps(e, ensure_ascii=False))}</code></li>")
        else:
            items.append(f"<li><code>{esc(e)}</code></li>")
    return f"<ul>{''.join(items)}</ul>"


def events_body(body: Mapping[str, Any]) -> str:
    """The evidence behind one indicator: cases with their event keys, or single facts."""
    parts = []
    cases = body.get("cases")
    if isinstance(cases, list):
        rows = "".join(
            f"<tr><td><code>{esc(c.get('case'))}</code></td><td>{esc(c.get('counter'))}</td>"
            f'<td class="num">{fmt_number(c.get("numerator"))}</td><td class="num">{fmt_number(c.get("denominator"))}'
            f"</td><td>{_events_list(c.get('events'))}</td></tr>"
            for c in cases
            if isinstance(c, Mapping)
        )
        parts.append(
            f'<section class="card"><h2>Hồ sơ, vụ việc ({len(cases)})</h2>'
            + (
                f'<table><thead><tr><th>Hồ sơ</th><th>Bộ đếm</th><th class="num">Tử số</th>'
                f'<th class="num">Mẫu số</th><th>Sự kiện</th></tr></thead><tbody>{rows}</tbody></table>'
                if rows
                else '<p class="nodata">Không có hồ sơ nào trong kỳ.</p>'
            )
            + "</section>"
        )
    events = body.get("events")
    if isinstance(events, list):
        rows = "".join(
            f"<tr><td><code>{esc(e.get('event_id'))}</code></td><td>{esc(e.get('source'))}</td>"
            f"<td>{esc(e.get('officer_id') or '—')}</td><td>{fmt_time(e.get('at'))}</td>"
            f"<td>{json_block(e.get('data')) if e.get('data') not in (None, {}) else ''}</td></tr>"
            for e in events
            if isinstance(e, Mapping)
        )
        parts.append(
            f'<section class="card"><h2>Sự kiện ({len(events)})</h2>'
            + (
                f"<table><thead><tr><th>Mã sự kiện</th><th>Nguồn</th><th>Cán bộ</th><th>Thời điểm</th>"
                f"<th>Dữ liệu</th></tr></thead><tbody>{rows}</tbody></table>"
                if rows
                else '<p class="nodata">Không có sự kiện nào trong kỳ.</p>'
            )
            + "</section>"
        )
    if not parts:
        parts.append(f'<section class="card"><p>Không nhận ra dạng dữ liệu:</p>{json_block(body)}</section>')
    return "".join(parts)


def events_page(unit_id: str, period: str, indicator: str, main: str) -> str:
    """The page listing the evidence behind an indicator."""
    back = esc(_query(unit_path(unit_id), period=period))
    head = (
        f'<p><a href="{back}">← Về phiếu điểm của {esc(unit_id)}</a> · Chỉ tiêu <code>{esc(indicator)}</code>'
        f" · {esc(period_label(period))}</p>"
    )
    return layout(f"Căn cứ của chỉ tiêu {indicator} — {unit_id}", head + main)


# ---------------------------------------------------------------- inbox


def _notification(item: object) -> str:
    if not isinstance(item, Mapping) or not (item.get("title") or item.get("body")):
        return f"<li class='card'>{json_block(item)}</li>"
    read = item.get("read")
    state = (
        ""
        if read is None
        else '<span class="muted">Đã đọc</span>'
        if read
        else '<span class="badge" style="background:#1a73e8">Chưa đọc</span>'
    )
    link = safe_link(item.get("link"))
    link_html = f' · <a href="{esc(link)}">Xem chi tiết</a>' if link else ""
    when = fmt_time(item.get("created_at")) if item.get("created_at") else ""
    kind = f" · {esc(item.get('kind'))}" if item.get("kind") else ""
    cls = "card unread" if read is False else "card"
    return (
        f'<li class="{cls}"><strong>{esc(item.get("title") or "")}</strong> {state}'
        f'<p>{esc(item.get("body") or "")}</p><p class="muted">{when}{kind}{link_html}</p></li>'
    )


def inbox_body(body: object) -> str:
    """Notifications, read defensively: a list, or an object holding items/notifications; else the JSON."""
    items: object = body
    unread = None
    if isinstance(body, Mapping):
        unread = body.get("unread_count")
        items = next((body[k] for k in ("items", "notifications", "rows") if isinstance(body.get(k), list)), None)
    if not isinstance(items, list):
        return f'<section class="card"><p>Dữ liệu thông báo:</p>{json_block(body)}</section>'
    if not items:
        return '<section class="card"><p>Hộp thư trống: chưa có thông báo nào.</p></section>'
    head = f'<p class="muted">{esc(unread)} thông báo chưa đọc.</p>' if unread is not None else ""
    return f'{head}<ul style="list-style:none;padding:0">{"".join(_notification(i) for i in items)}</ul>'


def inbox_page(unit_id: str, current_year: int, main: str) -> str:
    """A unit's notifications."""
    return layout(f"Hộp thư thông báo — {unit_id}", unit_tabs(unit_id, str(current_year), "inbox") + main)


# ---------------------------------------------------------------- nominations


def title_name(code: object) -> str:
    """The award's Vietnamese name (the code itself if unknown)."""
    return TITLE_NAMES.get(str(code), str(code))


def status_badge(status: object) -> str:
    """The nomination's status, in Vietnamese and coloured."""
    name = STATUS_NAMES.get(str(status), str(status))
    colour = STATUS_COLOURS.get(str(status), UNKNOWN_COLOUR)
    return f'<span class="badge" style="background:{colour}">{esc(name)}</span>'


def _subject(n: Mapping[str, Any]) -> str:
    kind = SUBJECT_NAMES.get(str(n.get("subject_kind")), n.get("subject_kind") or "")
    subject = esc(n.get("subject_id"))
    unit = n.get("unit_id")
    unit_html = (
        f' · đơn vị <a href="{esc(unit_path(unit))}">{esc(unit)}</a>' if unit and unit != n.get("subject_id") else ""
    )
    return f'{subject} <span class="muted">({esc(kind)}){unit_html}</span>'


def _blocks(blocks: object) -> str:
    count = len(blocks) if isinstance(blocks, list) else 0
    return f'<span class="ko">{count} tiêu chí chưa đạt</span>' if count else "—"


def nominations_body(body: Mapping[str, Any]) -> str:
    """Nominations grouped by title, in the order of the titles' precedence."""
    noms = body.get("nominations")
    if not isinstance(noms, list):
        return f'<section class="card"><p>Không nhận ra dạng dữ liệu:</p>{json_block(body)}</section>'
    if not noms:
        return '<section class="card"><p>Chưa có đề nghị khen thưởng nào trong năm này.</p></section>'
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for n in noms:
        if isinstance(n, Mapping):
            grouped.setdefault(str(n.get("title")), []).append(n)
    order = list(TITLE_NAMES)
    out = [f'<p class="muted">{len(noms)} đề nghị · bộ quy tắc {esc(body.get("rule_version") or "—")}</p>']
    for title in sorted(grouped, key=lambda t: (order.index(t) if t in order else len(order), t)):
        rows = "".join(
            f'<tr><td><a href="/nominations/{esc(quote(str(n.get("id")), safe=""))}">{esc(n.get("id"))}</a></td>'
            f"<td>{_subject(n)}</td><td>{status_badge(n.get('status'))}</td>"
            f'<td class="num">{format_vnd(n.get("cash_vnd"))}</td>'
            f"<td>{_blocks(n.get('blocks'))}</td></tr>"
            for n in grouped[title]
        )
        out.append(
            f'<section class="card" data-title="{esc(title)}"><h2>{esc(title_name(title))} '
            f'<span class="muted">({len(grouped[title])})</span></h2><table><thead><tr><th>Mã</th>'
            '<th>Đối tượng</th><th>Trạng thái</th><th class="num">Tiền thưởng</th><th>Vướng mắc</th></tr>'
            f"</thead><tbody>{rows}</tbody></table></section>"
        )
    return "".join(out)


def nominations_page(period: str, current_year: int, main: str) -> str:
    """The year's nominations."""
    years = sorted({current_year, current_year - 1, current_year - 2, int(period[:4])}, reverse=True)
    links = "".join(
        f'<a href="/nominations?period={y}"{" class=active" if str(y) == period else ""}>Năm {y}</a>' for y in years
    )
    picker = (
        f'<form class="picker card" action="/nominations" method="get"><strong>Năm:</strong> {links}'
        f'<input name="period" value="{esc(period)}" pattern="\\d{{4}}" aria-label="Năm">'
        '<button type="submit">Xem</button></form>'
    )
    return layout(f"Đề nghị khen thưởng năm {period}", picker + main, active="nominations")


def _votes(votes: object) -> str:
    if votes in (None, {}, []):
        return '<p class="nodata">Hội đồng chưa biểu quyết.</p>'
    if isinstance(votes, Mapping):
        names = {
            "members_total": "Tổng số thành viên",
            "members_present": "Có mặt",
            "votes_for": "Tán thành",
            "decision": "Quyết định",
            "at": "Thời điểm",
            "ratio": "Tỷ lệ tán thành",
        }
        rows = "".join(
            f"<tr><th>{esc(names.get(str(k), k))}</th><td>"
            f"{fmt_number(v) if isinstance(v, int | float) else esc(STATUS_NAMES.get(str(v), v))}</td></tr>"
            for k, v in votes.items()
        )
        return f"<table><tbody>{rows}</tbody></table>"
    return json_block(votes)


def _status_word(status: object) -> str:
    return "" if status is None else STATUS_NAMES.get(str(status), str(status))


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def nomination_body(n: Mapping[str, Any]) -> str:
    """One nomination: summary, criteria met or not, evidence, votes, history."""
    criteria = _list(n.get("criteria"))
    crit_rows = "".join(
        f"<tr><td>{'<span class=ok>✓</span>' if c.get('met') else '<span class=ko>✗</span>'}</td>"
        f"<td><code>{esc(c.get('code'))}</code></td><td>{esc(c.get('reason') or '')}</td></tr>"
        for c in criteria
        if isinstance(c, Mapping)
    )
    evidence = _list(n.get("evidence_ids"))
    ev = (
        "<ul>" + "".join(f"<li><code>{esc(e)}</code></li>" for e in evidence) + "</ul>"
        if evidence
        else '<p class="nodata">không có</p>'
    )
    history = _list(n.get("history"))
    hist_rows = "".join(
        f"<tr><td>{fmt_time(h.get('at'))}</td><td>{esc(_status_word(h.get('from_status')) or '—')}"
        f"</td><td>{esc(_status_word(h.get('to_status')))}</td>"
        f"<td>{esc(h.get('reason') or '')}</td><td>{esc(h.get('actor') or '')}</td></tr>"
        for h in history
        if isinstance(h, Mapping)
    )
    cash = format_vnd(n.get("cash_vnd"))
    multiple = n.get("cash_multiple")
    summary = (
        '<section class="card"><table><tbody>'
        f"<tr><th>Danh hiệu, hình thức</th><td>{esc(title_name(n.get('title')))}</td></tr>"
        f"<tr><th>Năm</th><td>{esc(n.get('year'))}</td></tr>"
        f"<tr><th>Đối tượng</th><td>{_subject(n)}</td></tr>"
        f"<tr><th>Trạng thái</th><td>{status_badge(n.get('status'))}</td></tr>"
        f"<tr><th>Tiền thưởng</th><td><strong>{cash}</strong>"
        + (f' <span class="muted">({fmt_number(multiple)} lần mức lương cơ sở)</span>' if multiple is not None else "")
        + f"</td></tr><tr><th>Bộ quy tắc</th><td>{esc(n.get('rule_version') or '—')}</td></tr>"
        "</tbody></table></section>"
    )
    return (
        summary
        + '<section class="card"><h2>Tiêu chuẩn</h2>'
        + (
            f"<table><thead><tr><th></th><th>Tiêu chí</th><th>Lý do</th></tr></thead><tbody>{crit_rows}</tbody></table>"
            if crit_rows
            else '<p class="nodata">không có</p>'
        )
        + "</section>"
        + f'<section class="card"><h2>Minh chứng ({len(evidence)})</h2>{ev}</section>'
        + f'<section class="card"><h2>Biểu quyết của hội đồng</h2>{_votes(n.get("votes"))}</section>'
        + (
            '<section class="card"><h2>Lịch sử</h2><table><thead><tr><th>Thời điểm</th><th>Từ</th><th>Sang</th>'
            f"<th>Lý do</th><th>Người thực hiện</th></tr></thead><tbody>{hist_rows}</tbody></table></section>"
            if hist_rows
            else ""
        )
    )


def nomination_page(nomination_id: str, main: str, title: str | None = None) -> str:
    """The detail page of one nomination."""
    heading = f"{title_name(title)} — {nomination_id}" if title else f"Đề nghị {nomination_id}"
    return layout(heading, '<p><a href="/nominations">← Danh sách đề nghị</a></p>' + main, active="nominations")


def error_page(title: str, panel: str) -> str:
    """A whole page around an error panel."""
    return layout(title, panel)
