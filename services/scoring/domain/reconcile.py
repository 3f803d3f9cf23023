"""Reconciliation with the official Decision 766 index (pure): the portal's published figures of a unit beside ours,
the difference (ours − official) and, per group that differs, our indicators with how their method differs."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from schemas.labels import scoring_alert_title
from schemas.outputs import Alert

# A difference this small is rounding (the portal publishes two decimals): not a difference to explain.
TOLERANCE = 0.005
MAX_ROWS = 5000
# How each of our indicators is computed differently from the national portal (docs/rules.md, "Service index";
# the portal's side as a local 766 computation reads it, upstream's guesses marked). People read these.
METHOD_NOTES: dict[str, str] = {
    "procedures_published": "Ở đây tính theo danh mục thủ tục do hệ thống một cửa gửi (procedure.catalogued) tại "
    "cuối kỳ; Cổng tính theo Cơ sở dữ liệu quốc gia về thủ tục hành chính.",
    "result_publication": "Ở đây: kết quả công khai trong số ngày làm việc theo quy định địa phương "
    "(publication.result_days) sau khi giải quyết xong; Cổng có thể tính khác.",
    "publicity_other": "Không có dữ liệu ở đây: Cổng dùng đánh giá của Văn phòng Chính phủ; chỉ số phục vụ ở đây "
    "quy đổi về thang 100 trên các điểm có dữ liệu.",
    "on_time": "Cổng so sánh đúng hạn theo ngày (ngày kết thúc với ngày hẹn trả) và coi hồ sơ công dân rút là đã "
    "xử lý; ở đây so theo thời điểm, trừ thời gian chờ bổ sung tính theo thời gian làm việc, hơn một lần yêu cầu bổ "
    "sung là trễ hạn, hồ sơ còn mở đã quá hạn tính trễ ở mọi kỳ nó vượt qua.",
    "online_service_coverage": "Ở đây tính trên danh mục thủ tục của đơn vị do hệ thống một cửa gửi; Cổng tính "
    "trên danh mục quốc gia.",
    "online_submission": "Ở đây: hồ sơ nộp qua kênh trực tuyến, tính vào tháng tiếp nhận; Cổng đọc KenhThucHien.",
    "online_payment": "Ở đây: hồ sơ có phí thanh toán trực tuyến trên hồ sơ có phí; Cổng đọc DuocThanhToanTrucTuyen "
    "(ý nghĩa giá trị 0 và 3 chưa được xác nhận).",
    "digitised": "Ở đây cần cả thành phần hồ sơ được số hóa và kết quả điện tử trên cùng hồ sơ; Cổng có thể tính "
    "riêng từng phần.",
    "data_reuse": "Ở đây: hồ sơ có dữ liệu tái sử dụng; Cổng đọc DuocTaiSuDung (ý nghĩa giá trị chưa được xác nhận).",
    "dossier_satisfaction": "Ở đây: hồ sơ không bị đánh giá không hài lòng, không có phản ánh được xác minh đúng và "
    "không trễ hạn; Cổng tính theo đánh giá của người dân trên Cổng.",
    "pakn_on_time": "Ở đây: các thời hạn tính theo ngày làm việc (từ chối 2, yêu cầu bổ sung 5, trả lời 15, công "
    "khai 2); Cổng tính theo dữ liệu phản ánh, kiến nghị của Cổng.",
    "pakn_satisfaction": "Ở đây: tổng trừ không hài lòng, phản ánh lại và xử lý trễ, trên tổng (kể cả còn mở quá "
    "hạn); Cổng tính theo đánh giá trên Cổng.",
}
OTHER_METHOD = "Tính theo quy tắc ở đây (docs/rules.md); Cổng có thể tính khác."
NO_EVIDENCE = "Không có dữ liệu trong kỳ ở đây."


@dataclass(frozen=True)
class OfficialRow:
    """One unit's published figures as imported: total and the group scores the file gives."""

    unit_id: str
    given: str  # the unit code as the portal gave it
    total: float
    groups: Mapping[str, float]


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _minus(ours: float | None, official: float | None) -> float | None:
    return None if ours is None or official is None else round(ours - official, 2)


def ours_of(card: Mapping[str, Any] | None) -> dict[str, Any]:
    """Our figures on the portal's scale: the service index (0–100) and each group's points."""
    if card is None:
        return {"total": None, "groups": {}}
    groups = {code: _rounded(g.get("points")) for code, g in (card.get("groups") or {}).items()}
    return {"total": _rounded(card.get("service_index")), "groups": groups}


def explanations(card: Mapping[str, Any], differing: Sequence[str]) -> list[dict[str, Any]]:
    """Our indicators of each differing group, with the counts behind them and how the method differs."""
    found = []
    for group in differing:
        for i in card.get("indicators") or []:
            if i.get("group") != group:
                continue
            note = METHOD_NOTES.get(i["code"], OTHER_METHOD)
            if i.get("points") is None and i["code"] != "publicity_other":
                note = f"{NO_EVIDENCE} {note}"
            found.append(
                {
                    "group": group,
                    "indicator": i["code"],
                    "name": i.get("name"),
                    "ours": {
                        "numerator": i.get("numerator"),
                        "denominator": i.get("denominator"),
                        "rate": i.get("rate"),
                        "points": i.get("points"),
                    },
                    "note": note,
                }
            )
    return found


def compare(
    row: OfficialRow, card: Mapping[str, Any] | None, *, name: str | None, groups: Sequence[str]
) -> dict[str, Any]:
    """One unit: official beside ours, the difference (ours − official) and the explanations of what differs."""
    ours = ours_of(card)
    diff_groups = {g: _minus(ours["groups"].get(g), row.groups.get(g)) for g in groups if g in row.groups}
    differing = [
        g for g in groups if g in row.groups and (diff_groups[g] is None or abs(diff_groups[g] or 0) > TOLERANCE)
    ]
    total = _minus(ours["total"], row.total)
    if card is None:
        status, notes = "no_score", ["Chưa có bảng điểm của đơn vị trong kỳ này ở đây."]
    elif ours["total"] is None:
        status, notes = "insufficient_data", list(card.get("notes") or [])
    else:
        status, notes = "compared", list(card.get("notes") or [])
    return {
        "unit_id": row.unit_id,
        "name": name,
        "given": row.given,
        "status": status,
        "official": {"total": row.total, "groups": dict(row.groups)},
        "ours": ours,
        "difference": {"total": total, "groups": diff_groups},
        "explanations": explanations(card, differing) if card is not None else [],
        "notes": notes,
    }


def gap_alert(
    comparison: Mapping[str, Any],
    *,
    period: str,
    threshold: float,
    file_name: str | None,
    now: datetime,
    rule_version: str,
) -> Alert | None:
    """official_index_gap to the unit when our total differs from the official one by more than threshold points;
    the same figures imported again give the same alert_id (the inbox keeps one)."""
    difference = comparison["difference"]["total"]
    if difference is None or abs(difference) <= threshold:
        return None
    unit, official, ours = comparison["unit_id"], comparison["official"]["total"], comparison["ours"]["total"]
    key = f"official_index_gap:{period}"
    digest = hashlib.sha256(f"{unit}|{period}|{official!r}|{ours!r}".encode()).hexdigest()[:16]
    return Alert(
        alert_id=f"{key}:{unit}:{digest}",
        condition_key=key,
        kind="official_index_gap",
        priority="normal",
        unit_id=unit,
        occurred_at=now,
        period=period,
        subject_id=unit,
        title=scoring_alert_title("official_index_gap", code=period)[:500],
        data={
            "official_total": official,
            "our_total": ours,
            "difference": difference,
            "threshold": threshold,
            "file_name": file_name,
        },
        rule_version=rule_version,
    )


def resolve_unit(given: str, units: Mapping[str, str | None]) -> tuple[str | None, str | None]:
    """The unit a code names: our unit id itself, else the one unit with that admin code; (unit, None) or
    (None, why)."""
    code = given.strip()
    if code in units:
        return code, None
    matches = sorted(u for u, admin in units.items() if admin is not None and admin == code)
    if len(matches) == 1:
        return matches[0], None
    if matches:
        return None, f"'{code}' is the administrative code of several units: {', '.join(matches)}"
    return None, f"'{code}' is neither a unit id nor a unit's administrative code"


@dataclass(frozen=True)
class RowIn:
    """One row of an import as the caller sent it (types already checked)."""

    unit: str
    total: float
    groups: Mapping[str, float]


def check_rows(
    rows: Sequence[RowIn], units: Mapping[str, str | None], group_max: Mapping[str, float]
) -> tuple[list[OfficialRow], list[dict[str, str]]]:
    """The rows with their units resolved, or the problems, each naming its field (rows.<i>.…) and the value."""
    problems: list[dict[str, str]] = []
    found: list[OfficialRow] = []
    seen: dict[str, int] = {}
    for n, row in enumerate(rows):
        unit, why = resolve_unit(row.unit, units)
        if unit is None:
            problems.append({"field": f"rows.{n}.unit", "message": why or row.unit})
        elif unit in seen:
            problems.append({"field": f"rows.{n}.unit", "message": f"'{row.unit}': {unit} is already row {seen[unit]}"})
        else:
            seen[unit] = n
        for code, points in row.groups.items():
            if code not in group_max:
                known = ", ".join(group_max)
                problems.append({"field": f"rows.{n}.groups.{code}", "message": f"'{code}' is not a group: {known}"})
            elif points > group_max[code]:
                problems.append(
                    {"field": f"rows.{n}.groups.{code}", "message": f"{points} is over the group's {group_max[code]}"}
                )
        if unit is not None:
            found.append(OfficialRow(unit, row.unit.strip(), row.total, dict(row.groups)))
    return found, problems
