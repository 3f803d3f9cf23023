"""Sign-in with an access token, sign-out (the provider's own sign-in is sign_in_provider's), and the probes."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from schemas.http.common import Whoami
from services.dashboard.formatting import local_path
from services.dashboard.sessions import Session
from services.dashboard.upstream import parsed
from services.dashboard.web import User, Web, cookie_of, csrf_ok, expired_form, home_of, page, signed_in

router = APIRouter(include_in_schema=False)

_TOKEN = re.compile(r"[\x21-\x7e]{1,500}")  # tokens are printable ASCII (an HTTP header carries them)


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz() -> dict[str, str]:
    # Ready as soon as it serves: every page copes with the services being down.
    return {"status": "ok"}


def sign_in_page(request: Request, web: Web, status: int, back: str | None, problem: str | None) -> HTMLResponse:
    """The sign-in form, with the provider's button when provider sign-in is on."""
    sso = web.provider.name
    return page(request, "sign_in.html", status, title="Đăng nhập", next=back, problem=problem, sso=sso)


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_form(request: Request, web: Web, next: str | None = None) -> Response:
    return sign_in_page(request, web, 200, local_path(next), None)


@router.post("/sign-in", response_class=HTMLResponse)
async def sign_in(request: Request, web: Web) -> Response:
    """An access token checked at scoring's whoami: a fresh session for this browser."""
    client = request.client.host if request.client else "?"
    wait = web.throttle.wait(client, web.clock())
    if wait:  # checked before the form is read: a blocked client costs no look-up
        problem = f"Nhập sai mã truy cập quá nhiều lần. Vui lòng thử lại sau {wait} giây."
        refused = sign_in_page(request, web, 429, None, problem)
        refused.headers["Retry-After"] = str(wait)
        return refused
    form = await request.form(max_files=0, max_fields=10)
    back = local_path(form.get("next"))
    if not csrf_ok(request, form.get("csrf_token")):
        return sign_in_page(request, web, 403, back, "Phiên biểu mẫu đã hết hạn. Vui lòng nhập lại mã truy cập.")
    token = str(form.get("token") or "").strip()
    if not token:
        return sign_in_page(request, web, 400, back, "Hãy nhập mã truy cập.")
    if not _TOKEN.fullmatch(token):
        web.throttle.failed(client, web.clock())
        problem = (
            "Mã truy cập không hợp lệ: chỉ gồm chữ cái không dấu, chữ số và ký hiệu, không có khoảng trắng, "
            "tối đa 500 ký tự."
        )
        return sign_in_page(request, web, 400, back, problem)
    who = await web.services.fetch(f"{web.services.scoring}/v1/whoami", user=User(token, "?"))
    if who.status == 401:
        web.throttle.failed(client, web.clock())
        return sign_in_page(request, web, 401, back, "Mã truy cập không đúng, đã bị thu hồi hoặc đã hết hạn.")
    grant = parsed(Whoami, who)
    if grant is None or not grant.role:
        problem = f"Không kiểm tra được mã truy cập: dịch vụ chấm điểm không phản hồi ({who.problem})."
        return sign_in_page(request, web, 502, back, problem)
    web.throttle.succeeded(client)
    now = web.clock()
    user = User(token, grant.role, grant.unit_id, grant.source, grant.token_id, grant.officer_id)
    cookie = cookie_of(request)
    web.store.end(cookie.get("sid"))  # a new id at every sign-in: an id known before it (fixation) opens nothing
    cookie.clear()
    fresh = Session(
        token,
        user.role,
        user.unit_id,
        user.source,
        user.token_id,
        created=now,
        seen=now,
        checked=now,
        officer_id=user.officer_id,
    )
    fresh.data["flash"] = "Đã đăng nhập."
    cookie["sid"] = web.store.open(fresh)
    return RedirectResponse(back or home_of(user), status_code=303)


@router.post("/sign-out", response_class=HTMLResponse)
async def sign_out(request: Request, web: Web) -> Response:
    """This session ends here, and at the provider for a provider sign-in."""
    form = await request.form(max_files=0, max_fields=10)
    if not csrf_ok(request, form.get("csrf_token")):
        return expired_form(request)
    found = signed_in(request)
    at_provider = await web.provider.sign_out(request, found) if found is not None else None
    web.end_session(request)
    cookie = cookie_of(request)
    cookie.clear()
    cookie["flash"] = "Đã đăng xuất."
    # A provider sign-in ends at the provider too (RP-initiated logout), which sends the browser back here.
    return RedirectResponse(at_provider or "/", status_code=303)
