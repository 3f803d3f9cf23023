"""Vietnamese formatting for people (numbers, scores with two decimals, money, times) and the labels of codes."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from urllib.parse import quote, urlencode

from schemas import vietnam
from schemas.labels import TITLE_NAMES
from schemas.periods import is_period

NO_DATA = "chưa có dữ liệu"

BAND_COLOURS: dict[str, str] = {"Tốt": "#1e8e3e", "Khá": "#1a73e8", "Trung bình": "#e8a200", "Yếu": "#d93025"}
UNKNOWN_COLOUR = "#80868b"
# The same colours as CSS classes (static/app.css `.tone-*`), for badges in HTML.
BAND_CLASSES: dict[str, str] = {"Tốt": "tone-green", "Khá": "tone-blue", "Trung bình": "tone-amber", "Yếu": "tone-red"}
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
STATUS_CLASSES: dict[str, str] = {
    "proposed": "tone-blue",
    "approved": "tone-green",
    "rejected": "tone-red",
    "revoked": "tone-grey",
    "needs_review": "tone-orange",
    "on_hold": "tone-purple",
}
EVIDENCE_NAMES: dict[str, str] = {
    "dossiers_judged": "Hồ sơ đã xét hạn",
    "dossiers_finished": "Hồ sơ đã hoàn thành",
    "complaints_judged": "Phản ánh, kiến nghị đã xét",
    "officers": "Số cán bộ",
    "inspections": "Số lần kiểm tra công vụ",
}
SUBJECT_NAMES: dict[str, str] = {"officer": "cá nhân", "unit": "tập thể"}
ROLE_NAMES: dict[str, str] = {
    "unit": "Đơn vị",
    "council": "Hội đồng thi đua – khen thưởng",
    "admin": "Quản trị",
    "source": "Nguồn dữ liệu",
    "officer": "Cán bộ",
    "person": "Chưa được phân quyền",
}


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def number(value: object, digits: int = 2) -> str:
    """A number the Vietnamese way: dots between thousands, a comma before decimals ('chưa có dữ liệu' for None)."""
    if not _is_number(value):
        return NO_DATA if value is None else str(value)
    return vietnam.number(value, digits)  # type: ignore[arg-type]


def score(value: object) -> str:
    """A score, always with two decimals (88,10 beside 86,63)."""
    if not _is_number(value):
        return NO_DATA if value is None else str(value)
    return vietnam.score(value)  # type: ignore[arg-type]


def percent(rate: object) -> str:
    """A share 0..1 as a percentage: 0.9342 → '93,42%'."""
    if not _is_number(rate):
        return NO_DATA if rate is None else str(rate)
    return vietnam.percent(rate)  # type: ignore[arg-type]


def money(amount: object) -> str:
    """An amount in đồng: 2340000 → '2.340.000 ₫'."""
    if not _is_number(amount):
        return NO_DATA if amount is None else str(amount)
    return vietnam.money(amount)  # type: ignore[arg-type]


def moment(value: object) -> str:
    """A timestamp in Vietnam time, '23:59 31/12/2025' ('—' when missing; other text as it is)."""
    if isinstance(value, datetime | str) or value is None:
        return vietnam.moment(value)
    return str(value)


def day(value: object) -> str:
    """A date as dd/mm/yyyy (an ISO text too)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00")) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return str(value)
    if isinstance(value, date) or value is None:
        return vietnam.day(value)
    return str(value)


def band_colour(band: object) -> str:
    """The badge colour of a band (grey for an unknown or missing band)."""
    return BAND_COLOURS.get(str(band), UNKNOWN_COLOUR) if band is not None else UNKNOWN_COLOUR


def band_class(band: object) -> str:
    """The badge's CSS class of a band (colours live in app.css: the CSP allows no inline style)."""
    return BAND_CLASSES.get(str(band), "tone-grey") if band is not None else "tone-grey"


def status_class(status: object) -> str:
    """The badge's CSS class of a nomination status."""
    return STATUS_CLASSES.get(str(status), "tone-grey")


def status_name(status: object) -> str:
    """The nomination status in Vietnamese."""
    return "" if status is None else STATUS_NAMES.get(str(status), str(status))


def status_colour(status: object) -> str:
    """The colour of a nomination status."""
    return STATUS_COLOURS.get(str(status), UNKNOWN_COLOUR)


def title_name(code: object) -> str:
    """The award's Vietnamese name (the code itself if unknown)."""
    return TITLE_NAMES.get(str(code), str(code))


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


def query(path: str, **params: Any) -> str:
    """path with the parameters that are not None as a query string."""
    clean = {k: str(v) for k, v in params.items() if v is not None}
    return path + ("?" + urlencode(clean) if clean else "")


def unit_path(unit_id: object, suffix: str = "") -> str:
    """/units/{unit_id}{suffix} with the id percent-encoded."""
    return f"/units/{quote(str(unit_id), safe='')}{suffix}"


def officer_path(officer_id: object, suffix: str = "") -> str:
    """/officers/{officer_id}{suffix} with the id percent-encoded (an officer's tracking pages)."""
    return f"/officers/{quote(str(officer_id), safe='')}{suffix}"


def nomination_path(nomination_id: object, suffix: str = "") -> str:
    """/nominations/{id}{suffix} with the id percent-encoded."""
    return f"/nominations/{quote(str(nomination_id), safe='')}{suffix}"


def safe_link(target: object) -> str | None:
    """A link from data only if it is a site path or http(s); never javascript: and the like."""
    if not isinstance(target, str):
        return None
    if target.startswith("/") and not target.startswith("//"):
        return target
    if re.match(r"https?://", target, re.IGNORECASE):
        return target
    return None


def local_path(target: object) -> str | None:
    """A path on this site to send someone back to after sign-in (never another site)."""
    if isinstance(target, str) and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return None


FILTERS = {
    "number": number,
    "score": score,
    "percent": percent,
    "money": money,
    "moment": moment,
    "day": day,
    "band_colour": band_colour,
    "band_class": band_class,
    "status_class": status_class,
    "status_name": status_name,
    "status_colour": status_colour,
    "title_name": title_name,
    "period_label": period_label,
    "unit_path": unit_path,
    "nomination_path": nomination_path,
    "officer_path": officer_path,
    "safe_link": safe_link,
}
"""The Jinja filters of the templates (`{{ row.score | score }}`)."""
