"""The official 766 service index beside ours: importing the official results, and the reconciliation pages."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from schemas.http.scoring_tracking import Reconciliation
from services.dashboard import official_file, pages
from services.dashboard.formatting import period_label, valid_period
from services.dashboard.panels import panel, sign_in_panel, status_for, upstream_panel
from services.dashboard.upstream import Upstream, parsed
from services.dashboard.web import CurrentUser, User, Web, bad_period, csrf_ok, expired_form, known_unit, page

router = APIRouter()


def official_context(**extra: Any) -> dict[str, Any]:
    return {
        "title": "Nhập kết quả Chỉ số phục vụ chính thức (Cổng Dịch vụ công quốc gia)",
        "active": "official",
        "problem": None,
        "problems": [],
        "result": None,
        "period": "",
        "max_mb": official_file.MAX_FILE_BYTES // (1024 * 1024),
    } | extra


def official_page(request: Request, status: int = 200, **extra: Any) -> HTMLResponse:
    return page(request, "official_import.html", status, **official_context(**extra))


def official_denied(request: Request, user: User | None) -> Response | None:
    if user is None:
        message = "Nhập kết quả chính thức dành cho Hội đồng thi đua – khen thưởng hoặc quản trị."
        return official_page(request, 401, panel=sign_in_panel(message, "/reconciliation/import"))
    if not user.may_import_official():
        the_panel = panel("Không có quyền", "Chỉ Hội đồng thi đua – khen thưởng hoặc quản trị nhập kết quả chính thức.")
        return official_page(request, 403, panel=the_panel)
    return None


def official_problems(answer: Upstream, lines: list[int]) -> list[str]:
    """Scoring's refusals (rows.<i>.…) as the file's rows and columns."""
    found = []
    details = answer.body.get("details") if isinstance(answer.body, dict) else None
    for d in details or []:
        if not isinstance(d, dict):
            continue
        field, message = str(d.get("field", "")), str(d.get("message", ""))
        parts = field.split(".")
        if len(parts) >= 3 and parts[0] == "rows" and parts[1].isdigit() and int(parts[1]) < len(lines):
            column = official_file.COL_UNIT if parts[2] == "unit" else ".".join(parts[2:])
            found.append(f"Dòng {lines[int(parts[1])]}, cột {column}: {message}")
        else:
            found.append(f"{field}: {message}")
    return found


@router.get("/reconciliation/import", response_class=HTMLResponse)
async def official_import_page(request: Request, user: CurrentUser, period: str | None = None) -> Response:
    chosen = (period or "").strip() or str(pages.current_year() - 1)
    return official_denied(request, user) or official_page(request, panel=None, period=chosen)


@router.post("/reconciliation/import", response_class=HTMLResponse)
async def official_import_upload(request: Request, web: Web, user: CurrentUser) -> Response:
    """The official results' file parsed here and put to scoring for the period."""
    denied = official_denied(request, user)
    if denied is not None:
        return denied
    assert user is not None
    length = request.headers.get("content-length", "")
    if not length.isdigit() or int(length) > official_file.MAX_FILE_BYTES + 64 * 1024:
        problem = f"Tệp tải lên lớn hơn {official_file.MAX_FILE_BYTES // (1024 * 1024)} MB."
        return official_page(request, 413, panel=None, problem=problem)
    try:
        form = await request.form(max_files=1, max_fields=10)
    except Exception:  # a damaged multipart body
        problem = "Không đọc được biểu mẫu tải lên; hãy chọn lại tệp và thử lại."
        return official_page(request, 400, panel=None, problem=problem)
    if not csrf_ok(request, form.get("csrf_token")):
        return expired_form(request)
    chosen = str(form.get("period") or "").strip()
    upload = form.get("file")
    if not valid_period(chosen):
        await form.close()
        return bad_period(request, chosen)
    if not isinstance(upload, UploadFile):
        problem = "Hãy chọn tệp kết quả (CSV hoặc Excel .xlsx) cần nhập."
        return official_page(request, 400, panel=None, problem=problem)
    data = await upload.read(official_file.MAX_FILE_BYTES + 1)
    name = (upload.filename or "")[:255] or None
    await form.close()
    up = web.services
    try:
        parsed = await asyncio.to_thread(official_file.parse, data, await up.group_names())
    except official_file.OfficialFileError as exc:
        return official_page(request, 422, panel=None, period=chosen, problem=str(exc))
    body = {"file_name": name, "rows": parsed.rows} if name else {"rows": parsed.rows}
    url = f"{up.scoring}/v1/periods/{quote(chosen, safe='')}/official-index"
    answer = await up.send("PUT", url, token=user.token, json=body)
    if answer.status == 401:
        web.end_session(request, user.token)
    if not answer.ok:
        problems = official_problems(answer, parsed.lines)
        problem = "Dịch vụ chấm điểm không nhận tệp." if problems else upstream_panel("chấm điểm", answer)["message"]
        status = 422 if answer.status == 422 else status_for(answer)
        return official_page(request, status, panel=None, period=chosen, problem=problem, problems=problems)
    return official_page(request, panel=None, period=chosen, result=answer.body)


async def reconciliation_view(request: Request, web: Web, unit_id: str | None, period: str | None) -> Response:
    """Our service index beside the official one, for the province or one unit."""
    chosen = (period or "").strip() or str(pages.current_year() - 1)
    if not valid_period(chosen):
        return bad_period(request, chosen)
    params = {"unit": unit_id} if unit_id else None
    up = web.services
    answer = await up.fetch(f"{up.scoring}/v1/periods/{quote(chosen, safe='')}/reconciliation", params)
    whose = f"{unit_id} — " if unit_id else ""
    title = f"Đối chiếu Chỉ số phục vụ với kết quả chính thức: {whose}{period_label(chosen)}"
    context: dict[str, Any] = {"title": title, "period": chosen, "unit_id": unit_id, "report": None}
    report = parsed(Reconciliation, answer)
    if report is None:
        the_panel = (
            panel(
                "Chưa có kết quả chính thức",
                f"Chưa nhập kết quả Chỉ số phục vụ chính thức của {period_label(chosen).lower()}"
                + (f" cho đơn vị {unit_id}." if unit_id else "."),
                "; ".join(answer.reasons()) or None,
            )
            if answer.not_found
            else upstream_panel("chấm điểm", answer)
        )
        return page(request, "reconciliation.html", status_for(answer), panel=the_panel, **context)
    return page(request, "reconciliation.html", panel=None, **context | {"report": report})


@router.get("/reconciliation", response_class=HTMLResponse)
async def reconciliation_page(request: Request, web: Web, period: str | None = None) -> Response:
    return await reconciliation_view(request, web, None, period)


@router.get("/units/{unit_id}/reconciliation", response_class=HTMLResponse)
async def unit_reconciliation_page(request: Request, web: Web, unit_id: str, period: str | None = None) -> Response:
    known_unit(unit_id)
    return await reconciliation_view(request, web, unit_id, period)
