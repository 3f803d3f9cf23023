"""The HR office's yearly ratings of officers: the form, its workbook template, the upload sent to evidence."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from services.dashboard import import_worker, ratings_import
from services.dashboard.panels import panel, sign_in_panel
from services.dashboard.web import CurrentUser, User, Web, csrf_ok, download, expired_form, page
from thidua.runtime import policy

router = APIRouter()

MAX_UPLOAD_BYTES = ratings_import.MAX_FILE_BYTES  # 5 MB: the largest ratings workbook accepted
MAX_MB = MAX_UPLOAD_BYTES // (1024 * 1024)


def import_context(**extra: Any) -> dict[str, Any]:
    return {
        "title": "Nhập xếp loại cán bộ hằng năm",
        "active": "import",
        "template_url": "/ratings/import/template.xlsx",
        "report": None,
        "rejected": [],
        "problem": None,
        "max_mb": MAX_MB,
    } | extra


def import_page(request: Request, status: int = 200, **extra: Any) -> HTMLResponse:
    return page(request, "ratings_import.html", status, **import_context(**extra))


def import_denied(request: Request, user: User | None) -> Response | None:
    if user is None:
        message = "Nhập xếp loại dành cho phòng tổ chức cán bộ (mã nguồn dữ liệu)."
        return import_page(request, 401, panel=sign_in_panel(message, "/ratings/import"))
    if not user.may_import_ratings():
        the_panel = panel("Không có quyền", "Chỉ nguồn dữ liệu (phòng tổ chức cán bộ) nhập xếp loại.")
        return import_page(request, 403, panel=the_panel)
    return None


@router.get("/ratings/import", response_class=HTMLResponse)
async def ratings_import_page(request: Request, user: CurrentUser) -> Response:
    return import_denied(request, user) or import_page(request, panel=None)


@router.get("/ratings/import/template.xlsx")
async def ratings_import_template() -> Response:
    data = await asyncio.to_thread(ratings_import.template_xlsx)
    return download(data, "xlsx", "mau-nhap-xep-loai-can-bo.xlsx")


@router.post("/ratings/import", response_class=HTMLResponse)
async def ratings_import_upload(request: Request, web: Web, user: CurrentUser) -> Response:
    """A workbook parsed in a bounded child process, its rows sent to evidence; the report per row."""
    denied = import_denied(request, user)
    if denied is not None:
        return denied
    assert user is not None
    # Bounded before the body is read: a browser always sends the length of a multipart form.
    length = request.headers.get("content-length", "")
    if not length.isdigit() or int(length) > MAX_UPLOAD_BYTES + 64 * 1024:
        problem = (
            f"Tệp tải lên lớn hơn {MAX_MB} MB; hãy chia thành nhiều tệp."
            if length.isdigit()
            else "Yêu cầu tải lên thiếu độ dài (Content-Length)."
        )
        return import_page(request, 413 if length.isdigit() else 411, panel=None, problem=problem)
    try:
        form = await request.form(max_files=1, max_fields=10)
    except Exception:  # a damaged multipart body
        problem = "Không đọc được biểu mẫu tải lên; hãy chọn lại tệp và thử lại."
        return import_page(request, 400, panel=None, problem=problem)
    if not csrf_ok(request, form.get("csrf_token")):
        return expired_form(request)
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        return import_page(request, 400, panel=None, problem="Hãy chọn tệp Excel (.xlsx) cần nhập.")
    data = await upload.read(MAX_UPLOAD_BYTES + 1)
    await form.close()
    if len(data) > MAX_UPLOAD_BYTES:
        problem = f"Tệp tải lên lớn hơn {MAX_MB} MB; hãy chia thành nhiều tệp."
        return import_page(request, 413, panel=None, problem=problem)
    source = policy.own_source(user.principal)
    try:
        # In a child process with a CPU, memory and time limit: no file can stall this event loop.
        plan = await import_worker.parse_in_worker(data, source=source, now=datetime.now(UTC))
    except ratings_import.RatingsFileError as exc:  # 422 the file, 503 too many uploads at once
        return import_page(request, exc.status, panel=None, problem=str(exc))
    try:
        async with httpx.AsyncClient(timeout=max(web.cfg.timeout, 60.0)) as http:
            report = await ratings_import.send(plan, evidence_url=web.services.evidence, token=user.token, http=http)
    except ratings_import.EvidenceUnavailable as exc:
        partial = exc.partial
        the_panel = panel(
            "Dịch vụ minh chứng không phản hồi",
            f"Chưa nhập xong tệp: {exc}. Có thể tải lại cùng tệp sau ít phút: các dòng đã nhận sẽ được báo "
            "là đã gửi trước đó, không bị ghi hai lần.",
            f"đã trả lời {len(partial.rows)} dòng: {partial.accepted} nhận, {partial.duplicate} trùng, "
            f"{partial.rejected} từ chối",
        )
        return import_page(request, 503, panel=the_panel)
    rejected = [(r, p) for r in report.rows if r.status == "rejected" for p in r.problems]
    return import_page(request, panel=None, report=report, rejected=rejected, filename=upload.filename or "")
