"""Award nominations: the year's list, the year-end preview, one nomination and the council's vote on it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from schemas.http.awards import Nomination, NominationDetail, Nominations, Preview, PreviewClosed
from services.dashboard import pages
from services.dashboard.documents.content import by_title
from services.dashboard.formatting import nomination_path, status_name, title_name
from services.dashboard.panels import panel, sign_in_panel, status_for, upstream_panel
from services.dashboard.security import valid_unit_id
from services.dashboard.upstream import parsed
from services.dashboard.web import (
    CurrentUser,
    User,
    Web,
    bad_request,
    csrf_ok,
    error_page,
    expired_form,
    page,
    state,
    user_of,
)
from thidua.runtime import policy

router = APIRouter()

NOMINATION = re.compile(r"[A-Za-z0-9._:-]{1,200}")


@router.get("/nominations", response_class=HTMLResponse)
async def nominations(request: Request, web: Web, user: CurrentUser, period: str | None = None) -> Response:
    year = pages.current_year()
    chosen = (period or "").strip() or str(year)
    if not re.fullmatch(r"[0-9]{4}", chosen):
        return bad_request(request, f"Năm “{chosen}” không hợp lệ: khen thưởng xét theo năm, ví dụ 2025.")
    years = sorted({year, year - 1, year - 2, int(chosen)}, reverse=True)
    common: dict[str, Any] = {"title": f"Đề nghị khen thưởng năm {chosen}", "period": chosen, "years": years}
    common["active"] = "nominations"
    if user is None:
        message = (
            "Đề nghị khen thưởng nêu tên cán bộ: đơn vị xem đề nghị của mình, Hội đồng thi đua – khen thưởng "
            "xem tất cả sau khi đăng nhập."
        )
        return page(request, "nominations.html", 401, panel=sign_in_panel(message, "/nominations"), **common)
    up = web.services
    result = await up.fetch(f"{up.awards}/v1/nominations", {"period": chosen}, user=user)
    listing = parsed(Nominations, result)
    if listing is None:
        the_panel = web.forget_if_refused(request, user, result) or upstream_panel("khen thưởng", result)
        return page(request, "nominations.html", status_for(result), panel=the_panel, **common)
    groups = by_title(listing.nominations)
    count = len(listing.nominations)
    return page(request, "nominations.html", panel=None, groups=groups, count=count, listing=listing, **common)


@router.get("/nominations/preview", response_class=HTMLResponse)
async def preview(
    request: Request, web: Web, user: CurrentUser, period: str | None = None, unit: str | None = None
) -> Response:
    """Xem trước kết quả cuối năm: what the year would give if it closed today (the user's token decides which
    officers are shown; a unit's figures are public)."""
    chosen = (period or "").strip() or str(pages.current_year())
    if not re.fullmatch(r"[0-9]{4}", chosen) or not 2000 <= int(chosen) <= 2100:
        return bad_request(request, f"Năm “{chosen}” không hợp lệ: xem trước theo năm, từ 2000 đến 2100.")
    wanted = (unit or "").strip() or (policy.own_unit(user.principal) if user else None)
    if wanted is not None and not valid_unit_id(wanted):
        return bad_request(request, "Mã đơn vị không hợp lệ.")
    common: dict[str, Any] = {"title": f"Xem trước kết quả cuối năm {chosen}", "period": chosen}
    common |= {"active": "nominations", "unit": wanted}
    params = {"unit": wanted} if wanted else None
    up = web.services
    result = await up.fetch(f"{up.awards}/v1/periods/{chosen}/preview", params, user=user)
    year = parsed(Preview, result) or parsed(PreviewClosed, result)
    if year is None:
        if result.not_found:
            the_panel = panel("Không tìm thấy đơn vị", f"Không có đơn vị mã {wanted} trong năm {chosen}.")
        else:
            the_panel = web.forget_if_refused(request, user, result) or upstream_panel("khen thưởng", result)
        return page(request, "preview.html", status_for(result), panel=the_panel, **common)
    units = [] if year.closed else year.units  # a closed year has no preview, only where its nominations are
    return page(request, "preview.html", panel=None, year=year, units=units, **common)


def vote_context(user: User | None, nomination: NominationDetail, form: Mapping[str, Any]) -> dict[str, Any] | None:
    """The vote form's values and the council's rule, for a council member on a nomination open to vote."""
    if user is None or not user.votes or nomination.status not in pages.OPEN_TO_VOTE:
        return None
    # The awards service publishes the council's rule with each nomination, from its rule file: the only copy.
    rule = nomination.council_rule
    return {"quorum": rule.quorum_present, "threshold": rule.approval_share, "form": form}


async def nomination_view(
    request: Request,
    web: Web,
    nomination_id: str,
    *,
    form: Mapping[str, Any] | None = None,
    vote_problem: str | None = None,
    status: int = 200,
) -> Response:
    """One nomination, with the vote form for the council."""
    user = user_of(request)
    common: dict[str, Any] = {"title": f"Đề nghị {nomination_id}", "active": "nominations"}
    if not NOMINATION.fullmatch(nomination_id):
        return bad_request(request, "Mã đề nghị không hợp lệ.")
    if user is None:
        message = "Đề nghị khen thưởng chỉ dành cho đơn vị được đề nghị và Hội đồng thi đua – khen thưởng."
        the_panel = sign_in_panel(message, nomination_path(nomination_id))
        return page(request, "nomination.html", 401, panel=the_panel, **common)
    up = web.services
    result = await up.fetch(f"{up.awards}/v1/nominations/{quote(nomination_id, safe='')}", user=user)
    detail = parsed(NominationDetail, result)
    if detail is None:
        if result.not_found:
            the_panel = panel("Không tìm thấy đề nghị", f"Không có đề nghị khen thưởng mã {nomination_id}.")
        else:
            the_panel = web.forget_if_refused(request, user, result) or upstream_panel("khen thưởng", result)
        return page(request, "nomination.html", status_for(result), panel=the_panel, **common)
    common["title"] = f"{title_name(detail.title)} — {nomination_id}"
    return page(
        request,
        "nomination.html",
        status,
        panel=None,
        nomination=detail,
        vote=vote_context(user, detail, form or {}),
        vote_problem=vote_problem,
        **common,
    )


@router.get("/nominations/{nomination_id}", response_class=HTMLResponse)
async def nomination(request: Request, web: Web, nomination_id: str) -> Response:
    return await nomination_view(request, web, nomination_id)


@router.post("/nominations/{nomination_id}/votes", response_class=HTMLResponse)
async def record_vote(request: Request, web: Web, user: CurrentUser, nomination_id: str) -> Response:
    """The council's vote (members, present, for; the decision's date) sent to awards."""
    form = await request.form()
    if not csrf_ok(request, form.get("csrf_token")):
        return expired_form(request)
    if user is None or not user.votes or not NOMINATION.fullmatch(nomination_id):
        the_panel = panel("Không có quyền", "Chỉ Hội đồng thi đua – khen thưởng ghi kết quả biểu quyết.")
        return error_page(request, "Không có quyền", the_panel, 403)
    fields = ("members_total", "members_present", "votes_for")
    values = {k: str(form.get(k) or "").strip() for k in fields}
    # ASCII digits only: '²' is a digit to str.isdigit() and a ValueError to int().
    if not all(v.isascii() and v.isdigit() and len(v) <= 4 for v in values.values()):
        return await nomination_view(
            request, web, nomination_id, form=values, vote_problem="Hãy nhập các số nguyên không âm.", status=400
        )
    body: dict[str, Any] = {k: int(v) for k, v in values.items()}
    signed_on = str(form.get("decision_date") or "").strip()
    if signed_on:  # the date the decision is signed fixes the amount (awards checks its bounds)
        values["decision_date"] = signed_on[:10]
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", signed_on):
            problem = "Ngày ký quyết định không hợp lệ (ngày/tháng/năm)."
            return await nomination_view(request, web, nomination_id, form=values, vote_problem=problem, status=400)
        body["decision_date"] = signed_on
    up = web.services
    result = await up.fetch(f"{up.awards}/v1/nominations/{quote(nomination_id, safe='')}/votes", user=user, json=body)
    if result.ok:
        decided = voted.status if (voted := parsed(Nomination, result)) else None
        state(request)["flash"] = f"Đã ghi biểu quyết: {status_name(decided) or 'đã ghi'}."
        return RedirectResponse(nomination_path(nomination_id), status_code=303)
    if result.status in (409, 422):
        why = "; ".join(result.reasons()) or (result.problem or "")
        problem = ("Phiên họp không quyết định được: " if result.status == 409 else "Số liệu không hợp lệ: ") + why
        return await nomination_view(request, web, nomination_id, form=values, vote_problem=problem, status=409)
    refused = web.forget_if_refused(request, user, result)
    if refused is not None:
        return error_page(request, "Cần đăng nhập", refused, 401)
    return error_page(request, "Không ghi được biểu quyết", upstream_panel("khen thưởng", result), status_for(result))
