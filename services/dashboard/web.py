"""What every room of the dashboard shares: who is signed in, the page and its panels, and the dependencies."""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, cast

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from schemas.http.common import Whoami
from schemas.vietnam import VN_TZ
from services.dashboard import documents
from services.dashboard.config import Settings
from services.dashboard.formatting import unit_path
from services.dashboard.panels import panel, sign_in_panel
from services.dashboard.rendering import render
from services.dashboard.security import security_headers, valid_unit_id
from services.dashboard.sessions import Session, SessionStore
from services.dashboard.sign_in_provider import ProviderSignIn, Wiring
from services.dashboard.throttle import SignInThrottle
from services.dashboard.upstream import Services, Upstream, parsed
from thidua.runtime import policy
from thidua.runtime.auth import Principal, Role

log = logging.getLogger("services.dashboard")

NO_SESSION_PATHS = ("/static/", "/healthz", "/readyz")
COUNCIL = ("council", "admin")  # the roles that vote and import the official index (as awards and scoring ask)
EXPIRED_FORM = "Biểu mẫu đã hết hạn, hãy thử lại."
# The first page after sign-in by role; a person signed in through the provider with no role yet sees whom to ask.
HOMES = {"source": "/ratings/import", "officer": "/me/tracking", "person": "/me"}


@dataclass(frozen=True)
class User:
    """Who signed in: the token they gave (used for every upstream call) and what the services say it is."""

    token: str
    role: str
    unit_id: str | None = None
    source: str | None = None
    token_id: int | None = None
    officer_id: str | None = None  # an officer's own token: their own sheet only
    subject: str | None = None  # a person signed in through the provider
    name: str | None = None  # that person's name (from the ID token)

    @property
    def principal(self) -> Principal:
        """The same grant as the services see it, for the policy to decide on (the dashboard decides nothing itself)."""
        role = cast(Role, self.role)
        return Principal(role, self.source, self.unit_id, self.token_id, self.officer_id, self.subject)

    def may_read_unit(self, unit_id: str) -> bool:
        """Officer data of the unit: council and admin, and the unit's own sign-in."""
        return policy.may_see_officers(self.principal, unit_id)

    def may_use_inbox(self, unit_id: str) -> bool:
        """The unit's inbox: the unit's own sign-in and admin (not the council)."""
        return policy.may_use_inbox(self.principal, unit_id)

    def may_read_sheet(self, officer_id: str) -> bool:
        """An officer's sign-in reads only its own tracking sheet (others are decided by scoring from the unit)."""
        return policy.may_open_sheet(self.principal, officer_id)

    def may_import_ratings(self) -> bool:
        """The officers' yearly ratings come from a source (the HR office) or admin."""
        return policy.may_import_ratings(self.principal)

    def may_import_official(self) -> bool:
        """The official service index is the council's (or admin's) to import."""
        return policy.allowed(self.principal, COUNCIL)

    @property
    def votes(self) -> bool:
        """Records the council's vote: council and admin."""
        return policy.allowed(self.principal, COUNCIL)


def today() -> date:
    """Today in Vietnam: the date documents are issued on."""
    return datetime.now(VN_TZ).date()


def known_unit(unit_id: str) -> None:
    """A unit id outside the contract's grammar names no unit: 404 before any upstream call is built from it."""
    if not valid_unit_id(unit_id):
        raise StarletteHTTPException(404)


def home_of(user: User) -> str:
    """The first page after sign-in, by role (a view's choice: each page still asks the policy what it may show)."""
    unit_id = policy.own_unit(user.principal)
    if unit_id:
        return unit_path(unit_id, "/inbox")
    return HOMES.get(user.role, "/nominations")


def cookie_of(request: Request) -> dict[str, Any]:
    """The signed cookie's contents ({} outside the session middleware, e.g. an unexpected error's page)."""
    try:
        return request.session
    except AssertionError:
        return {}


def signed_in(request: Request) -> Session | None:
    """The session the middleware found for this request."""
    found = getattr(request.state, "signed_in", None)
    return found if isinstance(found, Session) else None


def user_of(request: Request) -> User | None:
    """The signed-in user of this request, if any."""
    found = signed_in(request)
    if found is None:
        return None
    return User(
        found.token,
        found.role,
        found.unit_id,
        found.source,
        found.token_id,
        found.officer_id,
        found.subject,
        found.name,
    )


def state(request: Request) -> MutableMapping[str, Any]:
    """Where the form token and the one-time message live: the server-side session, else the signed cookie."""
    found = signed_in(request)
    return found.data if found is not None else cookie_of(request)


def csrf_of(request: Request) -> str:
    """This browser's form token (made on first use)."""
    kept = state(request)
    token = kept.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        kept["csrf"] = token
    return token


def csrf_ok(request: Request, sent: object) -> bool:
    """The form carries this browser's form token."""
    expected = state(request).get("csrf")
    return isinstance(expected, str) and isinstance(sent, str) and hmac.compare_digest(expected, sent)


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A template as an uncached page, with the user, the form token and the one-time message."""
    flash = state(request).pop("flash", None)
    html = render(
        template,
        user=user_of(request),
        csrf=csrf_of(request),
        flash=flash,
        active=context.pop("active", ""),
        refresh=context.pop("refresh", None),
        **context,
    )
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def error_page(request: Request, title: str, the_panel: dict[str, Any], status: int) -> HTMLResponse:
    return page(request, "error.html", status, title=title, panel=the_panel)


def bad_request(request: Request, message: str) -> HTMLResponse:
    return error_page(request, "Yêu cầu không hợp lệ", panel("Yêu cầu không hợp lệ", message), 400)


def bad_period(request: Request, period: str) -> HTMLResponse:
    return bad_request(
        request,
        f"Kỳ “{period}” không hợp lệ. Hãy dùng dạng 2025, 2025-Q1, 2025-03 hoặc giai đoạn của phong trào (2019-2025).",
    )


def expired_form(request: Request) -> HTMLResponse:
    """A form whose token does not match this browser's: refused."""
    return error_page(request, "Lỗi", panel("Yêu cầu không hợp lệ", EXPIRED_FORM), 403)


def download(data: bytes, ext: str, name: str) -> Response:
    """A file to save: its media type and an ASCII name (documents.filename) as an attachment."""
    return Response(
        data,
        media_type=documents.CONTENT_TYPES[ext],
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


async def file_of(
    request: Request, kind: str, render_file: Callable[[], bytes], period: str, unit: str | None = None
) -> Response:
    """A document rendered off the event loop, as an attachment named by documents.filename."""
    try:
        data = await asyncio.to_thread(render_file)
    except documents.FontMissing as exc:
        log.error("document %s not rendered: %s", kind, exc)
        the_panel = panel(
            "Chưa tạo được tệp PDF",
            "Máy chủ thiếu phông chữ tiếng Việt (DejaVu) để tạo tệp PDF; hãy tải bản DOCX hoặc báo quản trị "
            "chạy `make doc-deps`.",
        )
        return error_page(request, "Chưa tạo được tệp", the_panel, 503)
    return download(data, documents.KINDS[kind][1], documents.filename(kind, period, unit))


class Dashboard:
    """One app's shared state: settings, sessions, the sign-in throttle, the services and the provider sign-in."""

    def __init__(self, cfg: Settings, clock: Callable[[], float]) -> None:
        self.cfg, self.clock = cfg, clock
        self.issuer = documents.issuer_of(cfg)  # every document's heading, place and signature (WEB_ISSUER_*)
        self.store = SessionStore(idle_seconds=cfg.session_idle_timeout, max_age_seconds=cfg.session_max_age)
        self.throttle = SignInThrottle(attempts=cfg.sign_in_attempts)
        self.services = Services(cfg, clock)
        self.provider = ProviderSignIn(
            cfg,
            self.store,
            Wiring(
                page=page,
                cookie=cookie_of,
                signed_in=signed_in,
                call_as=lambda method, url, token: self.services.fetch(
                    url, user=User(token, "?"), json={} if method == "POST" else None
                ),
                home_of=lambda role, unit_id: home_of(User("", role, unit_id)),
                clock=clock,
            ),
        )

    async def resolve(self, request: Request) -> Session | None:
        """The live session the cookie names, or None (the cookie's stale id is then dropped)."""
        cookie = cookie_of(request)
        sid = cookie.get("sid")
        if sid is None:
            return None
        found = self.store.get(sid, self.clock())
        due = found is not None and self.clock() - found.checked >= self.cfg.session_recheck_seconds
        if found is not None and (due or self.provider.refresh_due(found)):
            ended = await self.recheck(found)
            if ended is not None:
                self.store.end(sid)
                self.store.end_token(found.token)
                cookie.clear()
                cookie["flash"] = ended
                found = None
        if found is None:
            cookie.pop("sid", None)
        return found

    async def recheck(self, found: Session) -> str | None:
        """A provider session's tokens refreshed, then whoami: the message ending the session, or None (still live)."""
        if (ended := await self.provider.refresh(found)) is not None:
            return ended
        who = await self.services.fetch(f"{self.services.scoring}/v1/whoami", user=User(found.token, "?"))
        if who.status == 401:  # revoked or expired since sign-in: every session with that token ends
            return "Phiên đăng nhập đã hết hạn hoặc mã truy cập đã bị thu hồi. Vui lòng đăng nhập lại."
        grant = parsed(Whoami, who)
        # The rules may move a person to another unit or officer, not only another role: any change ends it.
        granted = (grant.role, grant.unit_id, grant.officer_id) if grant else (None, None, None)
        if who.ok and found.provider is not None and granted != (found.role, found.unit_id, found.officer_id):
            return "Quyền của bạn đã thay đổi nên phiên đăng nhập đã kết thúc. Vui lòng đăng nhập lại."
        if who.ok:
            found.checked = self.clock()
        return None

    async def find_session(self, request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        """Middleware: finds the server-side session the cookie names; a token the services no longer know ends it."""
        if not request.url.path.startswith(NO_SESSION_PATHS):
            request.state.signed_in = await self.resolve(request)
        return await call_next(request)

    def end_session(self, request: Request, token: str | None = None) -> None:
        """Sign-out (this session) or a refused token (every session holding it): nothing of it stays usable."""
        cookie = cookie_of(request)
        self.store.end(cookie.get("sid"))
        if token is not None:
            self.store.end_token(token)
        cookie.pop("sid", None)
        request.state.signed_in = None

    def forget_if_refused(self, request: Request, user: User | None, result: Upstream) -> dict[str, Any] | None:
        """A 401 to the user's own token: it was revoked or expired, so the session ends; a sign-in panel."""
        if user is not None and result.status == 401:
            self.end_session(request, user.token)
            return sign_in_panel(
                "Mã truy cập của bạn đã bị thu hồi hoặc hết hạn. Vui lòng đăng nhập lại.", request.url.path
            )
        return None


def dashboard(request: Request) -> Dashboard:
    """Dependency: the app's shared state."""
    found: Dashboard = request.app.state.dashboard
    return found


def services(request: Request) -> Services:
    """Dependency: the upstream client."""
    return dashboard(request).services


Web = Annotated[Dashboard, Depends(dashboard)]
Upstreams = Annotated[Services, Depends(services)]
CurrentUser = Annotated[User | None, Depends(user_of)]


def install_error_pages(app: FastAPI, cfg: Settings) -> None:
    """Every error answered as a page of the dashboard: 404 and friends, invalid parameters, the unexpected."""

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            the_panel = panel("Không tìm thấy trang", "Địa chỉ này không có trên bảng điều khiển.")
        else:
            the_panel = panel("Yêu cầu không thực hiện được", f"Mã lỗi {exc.status_code}.")
        return error_page(request, "Không tìm thấy" if exc.status_code == 404 else "Lỗi", the_panel, exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        fields = ", ".join(".".join(str(p) for p in e["loc"][1:]) for e in exc.errors())
        return bad_request(request, f"Tham số không hợp lệ: {fields or 'yêu cầu'}.")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("dashboard page failed", exc_info=exc)
        the_panel = panel("Đã có lỗi xảy ra", "Bảng điều khiển gặp sự cố khi hiển thị trang này.")
        response = error_page(request, "Lỗi hệ thống", the_panel, 500)
        # Answered outside the middleware: the headers are added here.
        response.headers.update(security_headers(tls=cfg.cookie_secure, form_targets=cfg.form_targets()))
        return response
