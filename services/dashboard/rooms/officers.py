"""Officers' tracking under Decree 335/2025: my sheet, an officer's sheet, a unit's officers of a month."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from schemas.http.scoring_tracking import OfficerTracking, UnitTracking
from schemas.vietnam import VN_TZ
from services.dashboard import pages, tracking
from services.dashboard.formatting import period_label
from services.dashboard.panels import panel, sign_in_panel, status_for, upstream_panel
from services.dashboard.rooms.units import needs_unit
from services.dashboard.upstream import Upstream, parsed
from services.dashboard.web import CurrentUser, User, Web, bad_request, error_page, known_unit, page
from thidua.runtime import policy

router = APIRouter()

TRACKING_PERIOD = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2]|Q[1-4])")  # a month or a quarter (Decree 335/2025 Art. 14)
NOT_PUBLIC = "Phiếu theo dõi của cán bộ chỉ dành cho chính cán bộ, đơn vị của cán bộ, Hội đồng thi đua – khen thưởng."


def known_officer(officer_id: str) -> None:
    """An officer id outside the contract's grammar names nobody: 404 before any upstream URL is built."""
    if not tracking.valid_officer_id(officer_id):
        raise StarletteHTTPException(404)


def not_own_sheet(user: User | None, officer_id: str) -> dict[str, Any] | None:
    """An officer's token reads only its own sheet: another officer's is refused here, before any upstream call
    (scoring refuses it too)."""
    if user is None or user.may_read_sheet(officer_id):
        return None
    return panel(
        "Không có quyền xem",
        "Mã truy cập của cán bộ chỉ xem được phiếu theo dõi của chính mình.",
        f"Phiếu của tôi: /officers/{user.officer_id}/tracking" if user.officer_id else None,
    )


def tracking_url_path(officer_id: str) -> str:
    return f"/officers/{quote(officer_id, safe='')}/tracking"


def tracking_year(year: str | None) -> int | None:
    chosen = (year or "").strip() or str(pages.current_year())
    return int(chosen) if re.fullmatch(r"[0-9]{4}", chosen) and 2000 <= int(chosen) <= 2100 else None


@router.get("/me/tracking", response_class=HTMLResponse)
async def my_tracking(request: Request, user: CurrentUser, year: str | None = None) -> Response:
    """Phiếu theo dõi của tôi: the signed-in officer's own sheet (an officer's token)."""
    if user is None:
        message = "Đăng nhập bằng mã truy cập của cán bộ để xem phiếu theo dõi của mình."
        return error_page(request, "Cần đăng nhập", sign_in_panel(message, request.url.path), 401)
    officer_id = policy.own_officer(user.principal)
    if not officer_id or not tracking.valid_officer_id(officer_id):
        the_panel = panel(
            "Không có phiếu của riêng bạn",
            "Trang này dành cho cán bộ đăng nhập bằng mã truy cập của chính mình "
            "(thidua token add --role officer --officer MÃ_CÁN_BỘ).",
        )
        return error_page(request, "Phiếu theo dõi của tôi", the_panel, 403)
    own = tracking_url_path(officer_id)
    return RedirectResponse(f"{own}?year={year}" if year and re.fullmatch(r"[0-9]{4}", year) else own, 303)


def sheet_context(officer_id: str, chosen: int, user: User | None) -> dict[str, Any]:
    """The officer page's heading, year picker and whether it is the user's own sheet."""
    mine = user is not None and policy.own_officer(user.principal) == officer_id
    return {
        "title": f"Phiếu theo dõi của tôi — năm {chosen}"
        if mine
        else f"Theo dõi, đánh giá công chức — {officer_id} — năm {chosen}",
        "officer_id": officer_id,
        "year": chosen,
        "years": tracking.year_choices(chosen, pages.current_year()),
        "active": "mine" if mine else "tracking",
        "mine": mine,
    }


@router.get("/officers/{officer_id}/tracking", response_class=HTMLResponse)
async def officer_tracking(
    request: Request, web: Web, user: CurrentUser, officer_id: str, year: str | None = None, period: str | None = None
) -> Response:
    """Phiếu theo dõi of one officer, month by month, with the tasks behind the chosen period's numbers."""
    known_officer(officer_id)
    chosen = tracking_year(year)
    if chosen is None:
        return bad_request(request, f"Năm “{year}” không hợp lệ: theo dõi theo năm, ví dụ 2026.")
    if period is not None and not TRACKING_PERIOD.fullmatch(period):
        return bad_request(request, f"Kỳ “{period}” không hợp lệ: tháng (2026-03) hoặc quý (2026-Q1).")
    common = sheet_context(officer_id, chosen, user)
    if user is None:  # nothing about a named officer is public: no upstream call without a sign-in
        return page(request, "officer_tracking.html", 401, panel=sign_in_panel(NOT_PUBLIC, request.url.path), **common)
    refused = not_own_sheet(user, officer_id)
    if refused is not None:
        return page(request, "officer_tracking.html", 403, panel=refused, **common)
    up = web.services
    answer = await up.fetch(up.tracking_url(officer_id), {"year": str(chosen)}, user=user)
    tracked = parsed(OfficerTracking, answer)
    if tracked is None:
        if answer.not_found:
            the_panel = panel(
                "Chưa có phiếu theo dõi",
                f"Cán bộ {officer_id} chưa có phiếu theo dõi năm {chosen}.",
                "; ".join(answer.reasons()) or None,
            )
        else:
            the_panel = web.forget_if_refused(request, user, answer) or upstream_panel("chấm điểm", answer)
        return page(request, "officer_tracking.html", status_for(answer), panel=the_panel, **common)
    shown = tracking.chosen_period(tracked, period)
    listed = await up.fetch(up.tracking_url(officer_id, "/tasks"), {"period": shown}, user=user) if shown else None
    if tracked.name and not common["mine"]:
        common["title"] = f"Theo dõi, đánh giá công chức — {tracked.name} — năm {chosen}"
    sheet = tracking.sheet_of(tracked, shown)
    return page(
        request,
        "officer_tracking.html",
        panel=None,
        body=tracked,
        rows=tracking.period_rows(tracked),
        shown=shown,
        sheet=sheet,
        row=tracking.period_row(sheet) if sheet else None,
        criteria=tracking.criteria(sheet) if sheet else [],
        evidence=tracking.evidence(sheet) if sheet else [],
        deductions=tracking.deductions(sheet) if sheet else [],
        **tasks_shown(listed),
        rating=tracking.year_view(tracked),
        **common,
    )


def tasks_shown(listed: Upstream | None) -> dict[str, Any]:
    """The chosen period's tasks, or scoring's panel in their place when the list failed or does not parse."""
    if listed is None:
        return {"tasks": [], "tasks_problem": None}
    found = tracking.parsed_tasks(listed)
    if found is None:
        return {"tasks": [], "tasks_problem": upstream_panel("chấm điểm", listed)}
    return {"tasks": tracking.tasks(found), "tasks_problem": None}


@router.get("/units/{unit_id}/tracking", response_class=HTMLResponse)
async def unit_tracking(
    request: Request, web: Web, user: CurrentUser, unit_id: str, period: str | None = None
) -> Response:
    """A unit's officers for one month (or quarter): task, general and total points (the unit head's view)."""
    known_unit(unit_id)
    chosen = (period or "").strip() or datetime.now(VN_TZ).strftime("%Y-%m")
    if not TRACKING_PERIOD.fullmatch(chosen):
        return bad_request(request, f"Kỳ “{chosen}” không hợp lệ: tháng (2026-03) hoặc quý (2026-Q1).")
    common: dict[str, Any] = {
        "title": f"Theo dõi, đánh giá công chức — {unit_id} — {period_label(chosen)}",
        "unit_id": unit_id,
        "period": chosen,
        "year": int(chosen[:4]),
        "months": [f"{chosen[:4]}-{m:02d}" for m in range(1, 13)],
    }
    denied = needs_unit(request, user, unit_id, "Phiếu theo dõi của cán bộ")
    if denied is not None:
        return page(request, "unit_tracking.html", denied[1], panel=denied[0], **common)
    up = web.services
    answer = await up.fetch(up.unit_url(unit_id, "/tracking"), {"period": chosen}, user=user)
    sheets = parsed(UnitTracking, answer)
    if sheets is None:
        the_panel = web.forget_if_refused(request, user, answer) or upstream_panel("chấm điểm", answer)
        return page(request, "unit_tracking.html", status_for(answer), panel=the_panel, **common)
    rows = tracking.unit_rows(sheets)
    return page(request, "unit_tracking.html", panel=None, body=sheets, rows=rows, **common)
