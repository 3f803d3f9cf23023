"""Vietnamese message templates: numbers and a link in, title and body out (no I/O)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import quote, urlencode

from schemas.labels import ALERT_TITLES, TITLE_NAMES, alert_title
from schemas.outputs import ADMIN_INBOX
from schemas.vietnam import moment, money, number

# The heading of an alert of a kind the contract added after this service: a generic warning, not the code.
UNKNOWN_ALERT_TITLE = "Cảnh báo thi đua"
DATA_LABELS = {
    "dossier_code": "Mã hồ sơ",
    "due_at": "Hạn giải quyết",
    "since": "Quá hạn từ",
    "complaint_id": "Mã phản ánh",
    "score": "Điểm",
    "band": "Xếp loại",
    "previous_band": "Xếp loại trước",
    "title": "Danh hiệu",
    "year": "Năm",
    "file": "Tệp lịch cần bổ sung",
    "official_total": "Điểm chính thức (Cổng Dịch vụ công quốc gia)",
    "our_total": "Chỉ số phục vụ tính tại đây",
    "difference": "Chênh lệch (tại đây − chính thức)",
    "threshold": "Ngưỡng cảnh báo (điểm)",
    "file_name": "Tệp kết quả chính thức",
    "officer_id": "Mã cán bộ",
    "officer_name": "Cán bộ",
    "task_points": "Điểm kết quả thực hiện nhiệm vụ (tối đa 70)",
    "assigned": "Khối lượng được giao (sản phẩm quy đổi)",
    "general_max": "Điểm tiêu chí chung tối đa",
    "line": "Mức điểm nhiệm vụ tối thiểu",
    "complete": "Mức hoàn thành nhiệm vụ (điểm)",
}
# Numbers that are names, not amounts: a year is 2027, never "2.027".
PLAIN_NUMBERS = frozenset({"year"})
# The operators' inbox is nobody's unit: its messages say who they are for and link no scorecard.
ADMIN_LABEL = "Quản trị hệ thống"
STATUS_WORDS = {
    "approved": "đã được Hội đồng thi đua – khen thưởng thông qua",
    "rejected": "không được Hội đồng thi đua – khen thưởng thông qua",
    "revoked": "đã bị thu hồi",
    "proposed": "đang được đề nghị",
    "needs_review": "được chuyển Hội đồng xem xét (vượt tỷ lệ hoàn thành xuất sắc)",
    "on_hold": "tạm dừng xét do có khiếu nại, tố cáo đang giải quyết",
}


@dataclass(frozen=True)
class Message:
    """A rendered notification: what a person reads, and where the link leads."""

    title: str
    body: str
    link: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


def scorecard_link(base_url: str, unit_id: str, period: str | None = None) -> str:
    """The unit's scorecard on the dashboard."""
    link = f"{base_url.rstrip('/')}/units/{quote(unit_id)}"
    return f"{link}?{urlencode({'period': period})}" if period else link


def reconciliation_link(base_url: str, unit_id: str, period: str | None = None) -> str:
    """The unit's official figures beside ours on the dashboard."""
    link = f"{base_url.rstrip('/')}/units/{quote(unit_id)}/reconciliation"
    return f"{link}?{urlencode({'period': period})}" if period else link


def tracking_link(base_url: str, officer_id: str, period: str | None = None) -> str:
    """An officer's Decree 335/2025 tracking sheet on the dashboard, opened at the period."""
    link = f"{base_url.rstrip('/')}/officers/{quote(officer_id, safe='')}/tracking"
    if not period:
        return link
    return f"{link}?{urlencode({'year': period[:4], 'period': period})}"


def period_words(period: str) -> str:
    """'tháng 3/2026', 'quý 1/2026' (a tracking period of Decree 335/2025)."""
    year, _, rest = period.partition("-")
    if rest.startswith("Q"):
        return f"quý {rest[1:]}/{year}"
    return f"tháng {int(rest)}/{year}" if rest.isdigit() else period


def nomination_link(base_url: str, nomination_id: str) -> str:
    """A nomination on the dashboard."""
    return f"{base_url.rstrip('/')}/nominations/{quote(nomination_id, safe='')}"


def unit_label(unit_id: str, name: str | None) -> str:
    """'Name (ID)' when the name is known; the operators' inbox by what it is."""
    if unit_id == ADMIN_INBOX:
        return f"{ADMIN_LABEL} ({unit_id})"
    return f"{name} ({unit_id})" if name else unit_id


def alert(
    kind: str,
    *,
    unit_id: str,
    unit_name: str | None,
    title: str | None,
    period: str | None,
    subject_id: str | None,
    data: Mapping[str, Any],
    base_url: str,
) -> Message:
    """An alerts.v1 condition, told to its unit."""
    code = str(data.get("dossier_code") or data.get("complaint_id") or subject_id or "")
    heading = title or (alert_title(kind, code) if kind in ALERT_TITLES else UNKNOWN_ALERT_TITLE)
    if kind == "task_score_low" and (officer := str(data.get("officer_id") or subject_id or "")):
        return task_score_low(
            unit_label(unit_id, unit_name), officer, period, title=title, data=data, base_url=base_url
        )
    lines = [f"Đơn vị: {unit_label(unit_id, unit_name)}."]
    if period:
        lines.append(f"Kỳ đánh giá: {period}.")
    for key, value in data.items():
        if value is None:
            continue
        label = DATA_LABELS.get(key, key)
        shown = (
            moment(value)
            if key in ("due_at", "since")
            else number(value)
            if isinstance(value, int | float) and not isinstance(value, bool) and key not in PLAIN_NUMBERS
            else str(value)
        )
        lines.append(f"{label}: {shown}.")
    if kind in ("dossier_overdue", "dossier_due_soon", "complaint_overdue"):
        lines.append("Đề nghị đơn vị khẩn trương xử lý.")
    if kind == "calendar_missing":
        lines.append(
            "Đề nghị bổ sung tệp lịch nghỉ lễ, Tết và ngày làm việc bù chính thức theo thông báo của Chính phủ,"
            " rồi khởi động lại dịch vụ chấm điểm; đến khi đó các thời hạn tính theo ngày làm việc của năm này"
            " được chấm theo lịch tạm tính."
        )
    if kind == "official_index_gap":
        lines.append(
            "Đề nghị đơn vị đối chiếu từng nhóm chỉ số với kết quả chính thức: trang đối chiếu nêu các chỉ số tính"
            " khác với Cổng và số liệu phía sau."
        )
    if unit_id == ADMIN_INBOX:
        return Message(heading, "\n".join(lines), None, dict(data))
    if kind == "official_index_gap":
        link = reconciliation_link(base_url, unit_id, period)
        lines.append(f"Xem đối chiếu: {link}")
        return Message(heading, "\n".join(lines), link, dict(data))
    link = scorecard_link(base_url, unit_id, period)
    lines.append(f"Xem bảng điểm: {link}")
    return Message(heading, "\n".join(lines), link, dict(data))


def task_score_low(
    unit: str, officer: str, period: str | None, *, title: str | None, data: Mapping[str, Any], base_url: str
) -> Message:
    """An officer's task points of a month fall below what "complete" needs (Decree 335/2025 Art. 14, 20): told
    to the unit head while the month can still be saved, with the link to the officer's sheet."""
    name = data.get("officer_name")
    who = f"{name} ({officer})" if isinstance(name, str) and name else officer
    when = period_words(period) if period else "kỳ theo dõi"
    heading = title or f"Điểm nhiệm vụ {when} của công chức {who} dưới mức hoàn thành nhiệm vụ"
    lines = [f"Đơn vị: {unit}.", f"Công chức: {who}.", f"Kỳ theo dõi: {when}."]
    points, threshold = data.get("task_points"), data.get("threshold", data.get("line"))
    if isinstance(points, int | float) and not isinstance(points, bool):
        lines.append(f"Điểm kết quả thực hiện nhiệm vụ: {number(points)}/70.")
    if isinstance(threshold, int | float) and not isinstance(threshold, bool):
        lines.append(
            f"Dưới {number(threshold)} điểm thì dù đạt đủ điểm tiêu chí chung, tổng điểm của kỳ vẫn dưới 50 "
            "(mức hoàn thành nhiệm vụ)."
        )
    lines.append(
        "Căn cứ Nghị định số 335/2025/NĐ-CP (Điều 14): đề nghị thủ trưởng đơn vị rà soát các việc được giao, "
        "trễ hạn và bị trả lại; nếu có nguyên nhân khách quan, cấp có thẩm quyền xác nhận để không bị trừ điểm."
    )
    link = tracking_link(base_url, officer, period)
    lines.append(f"Xem phiếu theo dõi: {link}")
    return Message(heading, "\n".join(lines), link, dict(data))


def rank_changed(
    *,
    unit_id: str,
    unit_name: str | None,
    cluster_id: str,
    period: str,
    rank: int,
    previous: int,
    score: float,
    band: str,
    base_url: str,
) -> Message:
    """A unit's rank inside its own cluster moved."""
    verb = "tăng" if rank < previous else "giảm"
    heading = f"Thứ hạng trong cụm thi đua {verb}: từ {previous} {'lên' if rank < previous else 'xuống'} {rank}"
    link = scorecard_link(base_url, unit_id, period)
    body = "\n".join(
        [
            f"Đơn vị: {unit_label(unit_id, unit_name)}.",
            f"Cụm, khối thi đua: {cluster_id}; kỳ đánh giá: {period}.",
            f"Thứ hạng: {rank} (trước đó {previous}). Điểm: {number(score)}; xếp loại: {band}.",
            f"Xem bảng điểm: {link}",
        ]
    )
    return Message(
        heading,
        body,
        link,
        {
            "cluster_id": cluster_id,
            "period": period,
            "rank": rank,
            "previous_rank": previous,
            "score": score,
            "band": band,
        },
    )


def nomination(
    *,
    nomination_id: str,
    change: str,
    status: str,
    title: str,
    year: int,
    subject_kind: str,
    subject_id: str,
    cash_multiple: float,
    reason: str | None,
    base_url: str,
    cash_vnd: int | None = None,
    cash_estimate: bool | None = None,
    recover_vnd: int | None = None,
) -> Message:
    """A nomination was created, decided or revoked."""
    name = TITLE_NAMES.get(title, title)
    who = f"cá nhân {subject_id}" if subject_kind == "officer" else f"tập thể {subject_id}"
    if change == "created":
        heading = f"Đề nghị danh hiệu «{name}» năm {year} cho {who}"
    else:
        heading = f"Đề nghị danh hiệu «{name}» năm {year} {STATUS_WORDS.get(status, status)}"
    link = nomination_link(base_url, nomination_id)
    lines = [
        f"Danh hiệu: {name}, năm {year}.",
        f"Đối tượng: {who}.",
        f"Trạng thái: {STATUS_WORDS.get(status, status)}.",
    ]
    if cash_multiple:
        amount = ""
        if cash_vnd:  # the amount at the base salary of the decision date (an estimate before the decision)
            amount = f": {money(cash_vnd)}" + (" (ước tính theo mức lương cơ sở hiện hành)" if cash_estimate else "")
        lines.append(f"Mức tiền thưởng: {number(cash_multiple)} lần mức lương cơ sở{amount}.")
    if recover_vnd:
        lines.append(f"Số tiền thưởng phải thu hồi: {money(recover_vnd)}.")
    if reason:
        lines.append(f"Lý do: {reason}.")
    lines.append(f"Xem hồ sơ đề nghị: {link}")
    return Message(
        heading,
        "\n".join(lines),
        link,
        {"nomination_id": nomination_id, "status": status, "title": title, "year": year},
    )


ESCALATION_WORDS = {
    # kind: (what piles up, as the heading says it; as the body says it)
    "dossier_overdue": ("hồ sơ quá hạn", "hồ sơ thủ tục hành chính quá hạn giải quyết"),
    "complaint_overdue": ("phản ánh, kiến nghị quá hạn", "phản ánh, kiến nghị quá hạn giải quyết"),
}


def escalation(
    *,
    unit_id: str,
    unit_name: str | None,
    count: int,
    window_hours: float,
    base_url: str,
    kind: str = "dossier_overdue",
) -> Message:
    """Told to a parent unit: a child unit keeps letting dossiers (or complaints) run late."""
    who = unit_label(unit_id, unit_name)
    hours = number(round(window_hours, 2))
    short, long = ESCALATION_WORDS.get(kind, ESCALATION_WORDS["dossier_overdue"])
    heading = f"Đơn vị trực thuộc {who} có {count} {short} trong {hours} giờ"
    link = scorecard_link(base_url, unit_id)
    body = "\n".join(
        [
            f"Đơn vị {who} có {count} {long} trong {hours} giờ qua.",
            "Đề nghị đơn vị cấp trên đôn đốc, chỉ đạo xử lý.",
            f"Xem bảng điểm: {link}",
        ]
    )
    data: dict[str, Any] = {"child_unit_id": unit_id, "count": count}
    if kind != "dossier_overdue":
        data["kind"] = kind
    return Message(heading, body, link, data)


def digest(
    *, unit_id: str, unit_name: str | None, day: date, items: Sequence[tuple[str, str | None]], base_url: str
) -> Message:
    """The daily digest: one line per low-priority item, with its link."""
    heading = f"Bản tin thi đua ngày {day:%d/%m/%Y}: {len(items)} thông báo"
    lines = [f"Đơn vị: {unit_label(unit_id, unit_name)}.", ""]
    lines += [f"• {title}" + (f" — {link}" if link else "") for title, link in items]
    link = scorecard_link(base_url, unit_id)
    lines += ["", f"Xem bảng điểm: {link}"]
    return Message(heading, "\n".join(lines), link, {"day": day.isoformat(), "count": len(items)})
