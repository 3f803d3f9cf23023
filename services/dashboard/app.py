"""The dashboard's FastAPI app: sign-in, and pages fetched from the services' public APIs with the user's token."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import re
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from schemas.vietnam import VN_TZ
from services.dashboard import documents, import_worker, official_file, pages, ratings_import, tracking
from services.dashboard import lineage as unit_lineage
from services.dashboard.config import Settings
from services.dashboard.documents import lineage_text
from services.dashboard.formatting import (
    local_path,
    nomination_path,
    period_label,
    status_name,
    title_name,
    unit_path,
    valid_period,
)
from services.dashboard.rendering import SITE_TITLE, STATIC, render
from services.dashboard.security import SecurityHeaders, security_headers, valid_unit_id
from services.dashboard.sessions import Session, SessionStore
from services.dashboard.sign_in_provider import ProviderSignIn, Wiring
from services.dashboard.throttle import SignInThrottle
from services.dashboard.upstream import PublicCache, Upstream, call

log = logging.getLogger("services.dashboard")

_INDICATOR = re.compile(r"[A-Za-z0-9_]{1,64}")
_TOKEN = re.compile(r"[\x21-\x7e]{1,500}")  # tokens are printable ASCII (an HTTP header carries them)
_NOMINATION = re.compile(r"[A-Za-z0-9._:-]{1,200}")
_TRACKING_PERIOD = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2]|Q[1-4])")  # a month or a quarter (Decree 335/2025 Art. 14)
AGENCY_RATING_FROM = 2026  # Decree 335/2025 rates agencies from 1 January 2026
SESSION_COOKIE = "thidua_session"  # "__Host-thidua_session" when served over HTTPS
_NO_SESSION_PATHS = ("/static/", "/healthz", "/readyz")
MAX_UPLOAD_BYTES = ratings_import.MAX_FILE_BYTES  # 5 MB: the largest ratings workbook accepted


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

    def may_read_unit(self, unit_id: str) -> bool:
        """Council and admin read officer data of every unit; a unit its own."""
        return self.role in ("council", "admin") or (self.role == "unit" and self.unit_id == unit_id)

    @property
    def votes(self) -> bool:
        return self.role in ("council", "admin")


def panel(title: str, message: str, detail: str | None = None) -> dict[str, Any]:
    """An error panel for a template."""
    return {"kind": "error", "title": title, "message": message, "detail": detail}


def sign_in_panel(message: str, next_path: str) -> dict[str, Any]:
    """A panel asking to sign in, with the way back to this page."""
    return {"kind": "sign_in", "title": "Cần đăng nhập", "message": message, "next": next_path}


def upstream_panel(service: str, result: Upstream) -> dict[str, Any]:
    """The panel for a service that did not answer usefully."""
    if result.status == 403:
        message = f"Mã truy cập của bạn không được phép đọc dữ liệu này từ dịch vụ {service}."
    elif result.status == 404:
        message = f"Dịch vụ {service} không có dữ liệu cho yêu cầu này."
    elif result.status is not None and 400 <= result.status < 500:
        message = f"Dịch vụ {service} từ chối yêu cầu (tham số không hợp lệ)."
    else:
        message = f"Không lấy được dữ liệu từ dịch vụ {service}: dịch vụ đang tạm thời không phản hồi."
    title = "Không có quyền xem" if result.status == 403 else "Không tải được dữ liệu"
    return panel(title, message, result.problem or "dữ liệu không đúng dạng")


def status_for(result: Upstream) -> int:
    """The dashboard's HTTP status when the page's main content could not be fetched."""
    if result.status in (401, 403, 404):
        return result.status
    return 502


def create_app(settings: Settings | None = None) -> FastAPI:
    """The dashboard app; its one httpx client lives as long as the app."""
    cfg = settings or Settings()
    issuer = documents.issuer_of(cfg)  # every document's heading, place and signature (WEB_ISSUER_*)
    scoring, awards = cfg.scoring_url.rstrip("/"), cfg.awards_url.rstrip("/")
    notify, evidence = cfg.notify_url.rstrip("/"), cfg.evidence_url.rstrip("/")
    clients: list[httpx.AsyncClient] = []
    clock = time.monotonic
    store = SessionStore(idle_seconds=cfg.session_idle_timeout, max_age_seconds=cfg.session_max_age)
    throttle = SignInThrottle(attempts=cfg.sign_in_attempts)
    public = PublicCache(seconds=cfg.public_cache_seconds)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        clients.append(httpx.AsyncClient(timeout=cfg.timeout, headers={"Accept": "application/json"}))
        try:
            yield
        finally:
            for client in clients:
                await client.aclose()
            clients.clear()

    app = FastAPI(title=SITE_TITLE, lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.sessions = store
    secret = cfg.session_secret.get_secret_value() if cfg.session_secret else secrets.token_urlsafe(32)

    @app.middleware("http")
    async def signed_in_user(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        """Finds the server-side session the cookie names; a token the services no longer know ends it."""
        if not request.url.path.startswith(_NO_SESSION_PATHS):
            request.state.signed_in = await resolve(request)
        return await call_next(request)

    # Added after the middleware above, so it runs first: the signed cookie is read before the session is looked up.
    # Signed in, the cookie holds only the random session id; before sign-in, the form token and a one-time message.
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie=("__Host-" if cfg.cookie_secure else "") + SESSION_COOKIE,
        max_age=cfg.session_max_age,
        same_site="lax",
        https_only=cfg.cookie_secure,
    )
    app.add_middleware(SecurityHeaders, tls=cfg.cookie_secure, form_targets=cfg.form_targets())
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    async def fetch(
        url: str, params: dict[str, str] | None = None, *, user: User | None = None, json: Any = None
    ) -> Upstream:
        method = "GET" if json is None else "POST"
        token = user.token if user else None
        # Anonymous reads are public and the same for everyone: a few seconds' reuse bounds their fan-out.
        key = f"{url}?{urlencode(sorted((params or {}).items()))}"
        if token is None and json is None and (known := public.get(key, clock())) is not None:
            return known
        if not clients:  # used without the lifespan (e.g. a bare ASGI transport): one client per call
            async with httpx.AsyncClient(timeout=cfg.timeout) as client:
                answer = await call(client, method, url, params=params, token=token, json=json)
        else:
            answer = await call(clients[0], method, url, params=params, token=token, json=json)
        if token is None and json is None:
            public.put(key, answer, clock())
        return answer

    def today() -> date:
        return datetime.now(VN_TZ).date()

    async def no_answer() -> None:
        return None

    def unit_url(unit_id: str, suffix: str = "") -> str:
        return f"{scoring}/v1/units/{quote(unit_id, safe='')}{suffix}"

    def known_unit(unit_id: str) -> None:
        """A unit id outside the contract's grammar names no unit: 404 before any upstream call is built from it."""
        if not valid_unit_id(unit_id):
            raise StarletteHTTPException(404)

    def session(request: Request) -> dict[str, Any]:
        try:
            return request.session
        except AssertionError:  # outside the session middleware (an unexpected error's page)
            return {}

    async def resolve(request: Request) -> Session | None:
        """The live session the cookie names, or None (the cookie's stale id is then dropped)."""
        cookie = session(request)
        sid = cookie.get("sid")
        if sid is None:
            return None
        found = store.get(sid, clock())
        due = found is not None and clock() - found.checked >= cfg.session_recheck_seconds
        if found is not None and (due or provider_sign_in.refresh_due(found)):
            ended = await recheck(found)
            if ended is not None:
                store.end(sid)
                store.end_token(found.token)
                cookie.clear()
                cookie["flash"] = ended
                found = None
        if found is None:
            cookie.pop("sid", None)
        return found

    async def recheck(found: Session) -> str | None:
        """A provider session's tokens refreshed, then whoami: the message ending the session, or None (still live)."""
        if (ended := await provider_sign_in.refresh(found)) is not None:
            return ended
        who = await fetch(f"{scoring}/v1/whoami", user=User(found.token, "?"))
        if who.status == 401:  # revoked or expired since sign-in: every session with that token ends
            return "Phiên đăng nhập đã hết hạn hoặc mã truy cập đã bị thu hồi. Vui lòng đăng nhập lại."
        body = who.body if isinstance(who.body, dict) else {}
        # The rules may move a person to another unit or officer, not only another role: any change ends it.
        granted = (body.get("role"), body.get("unit_id"), body.get("officer_id"))
        if who.ok and found.provider is not None and granted != (found.role, found.unit_id, found.officer_id):
            return "Quyền của bạn đã thay đổi nên phiên đăng nhập đã kết thúc. Vui lòng đăng nhập lại."
        if who.ok:
            found.checked = clock()
        return None

    def signed_in(request: Request) -> Session | None:
        found = getattr(request.state, "signed_in", None)
        return found if isinstance(found, Session) else None

    def state(request: Request) -> MutableMapping[str, Any]:
        """Where the form token and the one-time message live: the server-side session, else the signed cookie."""
        found = signed_in(request)
        return found.data if found is not None else session(request)

    def user_of(request: Request) -> User | None:
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

    def end_session(request: Request, token: str | None = None) -> None:
        """Sign-out (this session) or a refused token (every session holding it): nothing of it stays usable."""
        cookie = session(request)
        store.end(cookie.get("sid"))
        if token is not None:
            store.end_token(token)
        cookie.pop("sid", None)
        request.state.signed_in = None

    def csrf_of(request: Request) -> str:
        store = state(request)
        token = store.get("csrf")
        if not isinstance(token, str):
            token = secrets.token_urlsafe(32)
            store["csrf"] = token
        return token

    def csrf_ok(request: Request, sent: object) -> bool:
        expected = state(request).get("csrf")
        return isinstance(expected, str) and isinstance(sent, str) and hmac.compare_digest(expected, sent)

    def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
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

    def error_page(request: Request, title: str, the_panel: dict[str, Any], status: int) -> HTMLResponse:
        return page(request, "error.html", status, title=title, panel=the_panel)

    def bad_request(request: Request, message: str) -> HTMLResponse:
        return error_page(request, "Yêu cầu không hợp lệ", panel("Yêu cầu không hợp lệ", message), 400)

    def bad_period(request: Request, period: str) -> HTMLResponse:
        return bad_request(
            request,
            f"Kỳ “{period}” không hợp lệ. Hãy dùng dạng 2025, 2025-Q1, 2025-03"
            " hoặc giai đoạn của phong trào (2019-2025).",
        )

    async def movement_stages() -> list[str]:
        """The configured movements' stages, from scoring's active rulebook (none when it does not answer)."""
        answer = await fetch(f"{scoring}/v1/rulebook")
        return pages.movement_stages(answer.body) if answer.ok else []

    def forget_if_refused(request: Request, user: User | None, result: Upstream) -> dict[str, Any] | None:
        """A 401 to the user's own token: it was revoked or expired, so the session ends; a sign-in panel."""
        if user is not None and result.status == 401:
            end_session(request, user.token)
            return sign_in_panel(
                "Mã truy cập của bạn đã bị thu hồi hoặc hết hạn. Vui lòng đăng nhập lại.", request.url.path
            )
        return None

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
        response.headers.update(
            security_headers(tls=cfg.cookie_secure, form_targets=cfg.form_targets())
        )  # answered outside the middleware
        return response

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> dict[str, str]:
        # Ready as soon as it serves: every page copes with the services being down.
        return {"status": "ok"}

    # ------------------------------------------------------------------ sign-in

    def home_of(user: User) -> str:
        if user.role == "unit" and user.unit_id:
            return unit_path(user.unit_id, "/inbox")
        if user.role == "source":
            return "/ratings/import"
        if user.role == "officer":
            return "/me/tracking"
        if user.role == "person":  # signed in through the provider with no role yet: whom to ask
            return "/me"
        return "/nominations"

    provider_sign_in = ProviderSignIn(
        cfg,
        store,
        Wiring(
            page=page,
            cookie=session,
            signed_in=signed_in,
            call_as=lambda method, url, token: fetch(url, user=User(token, "?"), json={} if method == "POST" else None),
            home_of=lambda role, unit_id: home_of(User("", role, unit_id)),
            clock=clock,
        ),
    )
    provider_sign_in.register(app)
    app.state.provider_sign_in = provider_sign_in

    @app.get("/sign-in", response_class=HTMLResponse)
    async def sign_in_form(request: Request, next: str | None = None) -> Response:
        return sign_in_page(request, 200, local_path(next), None)

    def sign_in_page(request: Request, status: int, back: str | None, problem: str | None) -> HTMLResponse:
        sso = provider_sign_in.name
        return page(request, "sign_in.html", status, title="Đăng nhập", next=back, problem=problem, sso=sso)

    @app.post("/sign-in", response_class=HTMLResponse)
    async def sign_in(request: Request) -> Response:
        client = request.client.host if request.client else "?"
        wait = throttle.wait(client, clock())
        if wait:  # checked before the form is read: a blocked client costs no look-up
            problem = f"Nhập sai mã truy cập quá nhiều lần. Vui lòng thử lại sau {wait} giây."
            refused = sign_in_page(request, 429, None, problem)
            refused.headers["Retry-After"] = str(wait)
            return refused
        form = await request.form(max_files=0, max_fields=10)
        back = local_path(form.get("next"))
        if not csrf_ok(request, form.get("csrf_token")):
            return sign_in_page(request, 403, back, "Phiên biểu mẫu đã hết hạn. Vui lòng nhập lại mã truy cập.")
        token = str(form.get("token") or "").strip()
        if not token:
            return sign_in_page(request, 400, back, "Hãy nhập mã truy cập.")
        if not _TOKEN.fullmatch(token):
            throttle.failed(client, clock())
            problem = (
                "Mã truy cập không hợp lệ: chỉ gồm chữ cái không dấu, chữ số và ký hiệu, không có khoảng trắng, "
                "tối đa 500 ký tự."
            )
            return sign_in_page(request, 400, back, problem)
        who = await fetch(f"{scoring}/v1/whoami", user=User(token, "?"))
        if who.status == 401:
            throttle.failed(client, clock())
            return sign_in_page(request, 401, back, "Mã truy cập không đúng, đã bị thu hồi hoặc đã hết hạn.")
        if not who.ok or not isinstance(who.body, dict) or not who.body.get("role"):
            problem = f"Không kiểm tra được mã truy cập: dịch vụ chấm điểm không phản hồi ({who.problem})."
            return sign_in_page(request, 502, back, problem)
        throttle.succeeded(client)
        body, now = who.body, clock()
        officer_id = body.get("officer_id") if isinstance(body.get("officer_id"), str) else None
        user = User(token, str(body["role"]), body.get("unit_id"), body.get("source"), body.get("token_id"), officer_id)
        cookie = session(request)
        store.end(cookie.get("sid"))  # a new id at every sign-in: an id known before it (fixation) opens nothing
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
        cookie["sid"] = store.open(fresh)
        return RedirectResponse(back or home_of(user), status_code=303)

    @app.post("/sign-out", response_class=HTMLResponse)
    async def sign_out(request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=10)
        if not csrf_ok(request, form.get("csrf_token")):
            return error_page(request, "Lỗi", panel("Yêu cầu không hợp lệ", "Biểu mẫu đã hết hạn, hãy thử lại."), 403)
        found = signed_in(request)
        at_provider = await provider_sign_in.sign_out(request, found) if found is not None else None
        end_session(request)
        cookie = session(request)
        cookie.clear()
        cookie["flash"] = "Đã đăng xuất."
        # A provider sign-in ends at the provider too (RP-initiated logout), which sends the browser back here.
        return RedirectResponse(at_provider or "/", status_code=303)

    # ------------------------------------------------------------------ leaderboards

    async def standings_of(periods: list[str]) -> dict[str, Upstream]:
        answers = await asyncio.gather(*(fetch(f"{scoring}/v1/standings", {"period": p}) for p in periods))
        return dict(zip(periods, answers, strict=True))

    async def boards(period: str, known: Upstream | None = None) -> tuple[dict[str, Any], int]:
        result = known or await fetch(f"{scoring}/v1/standings", {"period": period})
        if not result.ok or not isinstance(result.body, dict):
            return {"panel": upstream_panel("chấm điểm", result), "period": period}, (
                404 if result.status == 404 else 502
            )
        available: list[str] = []
        if not pages.has_rows(result.body):  # say where the data is instead of an empty page
            others = [p for p in pages.candidate_periods() if p != period]
            available = [p for p, r in (await standings_of(others)).items() if r.ok and pages.has_rows(r.body)]
        rows: list[Any] = result.body["rows"] if isinstance(result.body.get("rows"), list) else []
        unranked = result.body.get("unranked")
        return {
            "panel": None,
            "period": period,
            "standings": result.body,
            "rows": rows,
            "clusters": pages.clusters_of(rows),
            "available": available,
            "unranked": [r for r in unranked if isinstance(r, dict)] if isinstance(unranked, list) else [],
        }, 200

    @app.get("/", response_class=HTMLResponse)
    async def home(request: Request, period: str | None = None) -> Response:
        year = pages.current_year()
        chosen = (period or "").strip()
        if chosen and not valid_period(chosen):
            return bad_period(request, chosen)
        known = None
        if not chosen:  # the first screen opens where the data is: the first candidate with standings
            candidates = pages.candidate_periods()
            found = await standings_of(candidates)
            chosen = next((p for p in candidates if found[p].ok and pages.has_rows(found[p].body)), candidates[0])
            known = found[chosen]
        context, status = await boards(chosen, known)
        return page(
            request,
            "home.html",
            status,
            title=f"Bảng xếp hạng thi đua — {period_label(chosen)}",
            active="home",
            refresh=cfg.refresh_seconds,
            this_year=year,
            choices=pages.picker_choices(chosen, year, await movement_stages()),
            **context,
        )

    @app.get("/partials/leaderboards", response_class=HTMLResponse)
    async def leaderboards_partial(period: str | None = None) -> Response:
        chosen = (period or "").strip() or str(pages.current_year())
        if not valid_period(chosen):
            bad = panel("Yêu cầu không hợp lệ", "Kỳ không hợp lệ.")
            return HTMLResponse(render("_leaderboards.html", panel=bad, period=chosen), status_code=400)
        context, _ = await boards(chosen)
        # 200 even on outage: the live page shows the panel in place of stale tables.
        return HTMLResponse(render("_leaderboards.html", **context), headers={"Cache-Control": "no-store"})

    # ------------------------------------------------------------------ units

    @app.get("/standings.xlsx")
    async def standings_file(request: Request, period: str | None = None) -> Response:
        chosen = (period or "").strip() or str(pages.current_year())
        if not valid_period(chosen):
            return bad_period(request, chosen)
        result = await fetch(f"{scoring}/v1/standings", {"period": chosen})  # public: the units' standings
        if not result.ok or not isinstance(result.body, dict):
            return error_page(request, "Không tạo được tệp", upstream_panel("chấm điểm", result), status_for(result))
        body = result.body
        return await file_of(
            request, "standings_xlsx", lambda: documents.standings_xlsx(body, issued_on=today(), issuer=issuer), chosen
        )

    @app.get("/units/{unit_id}/scorecard.{ext}")
    async def scorecard_file(request: Request, unit_id: str, ext: str, period: str | None = None) -> Response:
        if ext not in ("docx", "pdf", "xlsx"):
            raise StarletteHTTPException(404)
        known_unit(unit_id)
        chosen = (period or "").strip() or str(pages.current_year())
        if not valid_period(chosen):
            return bad_period(request, chosen)
        card = await fetch(unit_url(unit_id, "/scorecard"), {"period": chosen})  # public: the unit's own card
        if not card.ok or not isinstance(card.body, dict):
            if card.not_found and (folded := await successor_of(unit_id, chosen, card)) is not None:
                # Issue 24: a predecessor folded into its successor has no card of its own; say whose it is.
                words = lineage_text.folded_words(unit_id, folded, period_label(chosen).lower())
                the_panel = panel("Không có phiếu điểm riêng", words)
            elif card.not_found:
                the_panel = panel(
                    "Chưa có phiếu điểm",
                    f"Đơn vị {unit_id} chưa có dữ liệu trong {period_label(chosen).lower()}.",
                    "; ".join(card.reasons()) or None,  # e.g. scoring's word that the unit was dissolved
                )
            else:
                the_panel = upstream_panel("chấm điểm", card)
            return error_page(request, "Không tạo được tệp", the_panel, status_for(card))
        body, on = card.body, today()
        renderers: dict[str, Callable[[], bytes]] = {
            "docx": lambda: documents.scorecard_docx(body, issued_on=on, issuer=issuer),
            "pdf": lambda: documents.scorecard_pdf(body, issued_on=on, issuer=issuer),
            "xlsx": lambda: documents.scorecard_xlsx(body, issued_on=on, issuer=issuer),
        }
        return await file_of(request, f"scorecard_{ext}", renderers[ext], chosen, unit_id)

    @app.get("/units", response_class=HTMLResponse)
    async def find_unit(request: Request, unit_id: str = "", period: str | None = None) -> Response:
        unit = unit_id.strip().upper()  # unit ids are upper case; a person may type them in lower case
        if not valid_unit_id(unit):
            return bad_request(request, "Mã đơn vị không hợp lệ: chữ in hoa không dấu, chữ số và dấu chấm, 2–32 ký tự.")
        target = unit_path(unit) + (f"?period={quote(period)}" if period else "")
        return RedirectResponse(target, status_code=303)

    @app.get("/units/{unit_id}", response_class=HTMLResponse)
    async def unit_page(request: Request, unit_id: str, period: str | None = None) -> Response:
        known_unit(unit_id)
        year = pages.current_year()
        chosen = (period or "").strip() or str(year)
        if not valid_period(chosen):
            return bad_period(request, chosen)
        trend_year = pages.period_year(chosen)
        months = [f"{trend_year}-{m:02d}" for m in range(1, 13)]
        # The unit's own Decree 335/2025 rating of the period's year (from 2026), shown beside the emulation score.
        rated_year = trend_year if trend_year >= AGENCY_RATING_FROM else None
        card, next_band, agency = await asyncio.gather(
            fetch(unit_url(unit_id, "/scorecard"), {"period": chosen}),
            fetch(unit_url(unit_id, "/scorecard/next-band"), {"period": chosen}),
            fetch(unit_url(unit_id, "/agency-rating"), {"year": str(rated_year)}) if rated_year else no_answer(),
        )
        # The twelve months only for a card that exists: an unknown unit costs the services two calls, not 14.
        monthly = (
            await asyncio.gather(*(fetch(unit_url(unit_id, "/scorecard"), {"period": m}) for m in months))
            if card.ok
            else []
        )
        values, problem = pages.monthly([(r.ok, r.not_found, r.body, r.problem) for r in monthly])
        trend = {"year": trend_year, "values": values, "problem": problem}
        common: dict[str, Any] = {
            "unit_id": unit_id,
            "period": chosen,
            "this_year": year,
            "choices": pages.picker_choices(chosen, year, await movement_stages()),
            "trend": trend,
            "next_band": next_band.body if next_band.ok and isinstance(next_band.body, dict) else None,
            "agency": agency.body if agency is not None and agency.ok and isinstance(agency.body, dict) else None,
        }
        if not card.ok or not isinstance(card.body, dict):
            if card.not_found:
                title = f"Phiếu điểm: {unit_id} — {period_label(chosen)}"
                if (folded := await successor_of(unit_id, chosen, card)) is not None:
                    context = {**common, "trend": None, "folded": folded}
                    return page(request, "unit.html", 404, title=title, panel=None, card={}, **context)
                the_panel = panel(
                    "Chưa có phiếu điểm",
                    f"Đơn vị {unit_id} chưa có dữ liệu trong {period_label(chosen).lower()}.",
                    "; ".join(card.reasons()) or None,  # e.g. scoring's word that the unit was dissolved
                )
                return page(request, "unit.html", 404, title=title, panel=the_panel, card={}, **common)
            title = f"Phiếu điểm: {unit_id} — {period_label(chosen)}"
            return page(
                request,
                "unit.html",
                status_for(card),
                title=title,
                panel=upstream_panel("chấm điểm", card),
                card={},
                **{**common, "trend": None},
            )
        name = card.body.get("name")
        title = f"Phiếu điểm: {name if isinstance(name, str) and name else unit_id} — {period_label(chosen)}"
        lineage = unit_lineage.lineage_of(card.body)
        return page(request, "unit.html", title=title, panel=None, card=card.body, lineage=lineage, **common)

    async def successor_of(unit_id: str, period: str, answer: Upstream) -> unit_lineage.Folded | None:
        """A predecessor's 404 naming its successor, confirmed by the successor's lineage (a few calls at most)."""
        found: unit_lineage.Folded | None = None
        for successor in unit_lineage.successors_named(unit_id, answer.body)[:6]:
            theirs = await fetch(unit_url(successor, "/scorecard"), {"period": period})
            if not theirs.ok or (one := unit_lineage.folded_into(unit_id, successor, theirs.body, period)) is None:
                continue
            found = one if found is None else found.joined(one)
            if not found.split:  # a merge or rename has one successor
                break
        return found

    @app.get("/units/{unit_id}/events", response_class=HTMLResponse)
    async def events_page(request: Request, unit_id: str, indicator: str, period: str | None = None) -> Response:
        known_unit(unit_id)
        chosen = (period or "").strip() or str(pages.current_year())
        if not valid_period(chosen):
            return bad_period(request, chosen)
        if not _INDICATOR.fullmatch(indicator):
            return bad_request(request, "Mã chỉ tiêu không hợp lệ.")
        user = user_of(request)  # officer records in full for the unit's own token, the council and admin
        result = await fetch(
            unit_url(unit_id, "/scorecard/events"), {"period": chosen, "indicator": indicator}, user=user
        )
        title = f"Căn cứ của chỉ tiêu {indicator} — {unit_id}"
        common: dict[str, Any] = {"unit_id": unit_id, "period": chosen, "indicator": indicator, "title": title}
        if not result.ok or not isinstance(result.body, dict):
            refused = forget_if_refused(request, user, result)
            status = 400 if result.status == 422 else status_for(result)
            return page(request, "events.html", status, panel=refused or upstream_panel("chấm điểm", result), **common)
        return page(request, "events.html", panel=None, body=result.body, **common)

    def needs_unit(request: Request, user: User | None, unit_id: str, what: str) -> tuple[dict[str, Any], int] | None:
        """A sign-in or refusal panel unless the user may read the unit's own data."""
        if user is None:
            return sign_in_panel(f"{what} chỉ dành cho đơn vị {unit_id} đã đăng nhập.", request.url.path), 401
        if not user.may_read_unit(unit_id):
            return panel("Không có quyền xem", f"{what} chỉ dành cho đơn vị {unit_id}."), 403
        return None

    @app.get("/units/{unit_id}/inbox", response_class=HTMLResponse)
    async def inbox(request: Request, unit_id: str) -> Response:
        known_unit(unit_id)
        user = user_of(request)
        common: dict[str, Any] = {
            "title": f"Hộp thư thông báo — {unit_id}",
            "unit_id": unit_id,
            "period": str(pages.current_year()),
            "active": "inbox",
        }
        denied = needs_unit(request, user, unit_id, "Hộp thư thông báo")
        if denied is None and user is not None and user.role == "council":
            denied = panel("Không có quyền xem", "Hộp thư thông báo chỉ dành cho đơn vị và quản trị."), 403
        if denied is not None:
            return page(request, "inbox.html", denied[1], panel=denied[0], **common)
        result = await fetch(f"{notify}/v1/units/{quote(unit_id, safe='')}/notifications", user=user)
        if not result.ok:
            the_panel = forget_if_refused(request, user, result) or upstream_panel("thông báo", result)
            return page(request, "inbox.html", status_for(result), panel=the_panel, **common)
        items, unread = pages.notifications(result.body)
        return page(request, "inbox.html", panel=None, items=items, unread=unread, body=result.body, **common)

    @app.get("/units/{unit_id}/officers", response_class=HTMLResponse)
    async def officers(request: Request, unit_id: str, period: str | None = None) -> Response:
        known_unit(unit_id)
        user = user_of(request)
        year = pages.current_year()
        chosen = (period or "").strip() or str(year)
        if not valid_period(chosen):
            return bad_period(request, chosen)
        common: dict[str, Any] = {
            "title": f"Cán bộ — {unit_id} — {period_label(chosen)}",
            "unit_id": unit_id,
            "period": chosen,
            "this_year": year,
            "choices": pages.picker_choices(chosen, year, await movement_stages()),
        }
        denied = needs_unit(request, user, unit_id, "Điểm của cán bộ")
        if denied is not None:
            return page(request, "officers.html", denied[1], panel=denied[0], **common)
        result = await fetch(
            f"{scoring}/v1/standings", {"period": chosen, "subject": "officer", "unit": unit_id}, user=user
        )
        if not result.ok or not isinstance(result.body, dict):
            the_panel = forget_if_refused(request, user, result) or upstream_panel("chấm điểm", result)
            return page(request, "officers.html", status_for(result), panel=the_panel, **common)
        rows = result.body.get("rows")
        return page(request, "officers.html", panel=None, rows=rows if isinstance(rows, list) else [], **common)

    # ------------------------------------------------------------------ officers' tracking (Decree 335/2025)

    def tracking_url(officer_id: str, suffix: str = "") -> str:
        return f"{scoring}/v1/officers/{quote(officer_id, safe='')}/tracking{suffix}"

    def known_officer(officer_id: str) -> None:
        """An officer id outside the contract's grammar names nobody: 404 before any upstream URL is built."""
        if not tracking.valid_officer_id(officer_id):
            raise StarletteHTTPException(404)

    def not_own_sheet(request: Request, user: User | None, officer_id: str) -> dict[str, Any] | None:
        """An officer's token reads only its own sheet: another officer's is refused here, before any upstream call
        (scoring refuses it too)."""
        if user is None or user.role != "officer" or user.officer_id == officer_id:
            return None
        return panel(
            "Không có quyền xem",
            "Mã truy cập của cán bộ chỉ xem được phiếu theo dõi của chính mình.",
            f"Phiếu của tôi: /officers/{user.officer_id}/tracking" if user.officer_id else None,
        )

    @app.get("/me/tracking", response_class=HTMLResponse)
    async def my_tracking(request: Request, year: str | None = None) -> Response:
        """Phiếu theo dõi của tôi: the signed-in officer's own sheet (an officer's token)."""
        user = user_of(request)
        if user is None:
            message = "Đăng nhập bằng mã truy cập của cán bộ để xem phiếu theo dõi của mình."
            return error_page(request, "Cần đăng nhập", sign_in_panel(message, request.url.path), 401)
        if user.role != "officer" or not user.officer_id or not tracking.valid_officer_id(user.officer_id):
            the_panel = panel(
                "Không có phiếu của riêng bạn",
                "Trang này dành cho cán bộ đăng nhập bằng mã truy cập của chính mình "
                "(thidua token add --role officer --officer MÃ_CÁN_BỘ).",
            )
            return error_page(request, "Phiếu theo dõi của tôi", the_panel, 403)
        own = tracking_url_path(user.officer_id)
        return RedirectResponse(f"{own}?year={year}" if year and re.fullmatch(r"[0-9]{4}", year) else own, 303)

    def tracking_url_path(officer_id: str) -> str:
        return f"/officers/{quote(officer_id, safe='')}/tracking"

    def tracking_year(year: str | None) -> int | None:
        chosen = (year or "").strip() or str(pages.current_year())
        return int(chosen) if re.fullmatch(r"[0-9]{4}", chosen) and 2000 <= int(chosen) <= 2100 else None

    @app.get("/officers/{officer_id}/tracking", response_class=HTMLResponse)
    async def officer_tracking(
        request: Request, officer_id: str, year: str | None = None, period: str | None = None
    ) -> Response:
        """Phiếu theo dõi of one officer, month by month, with the tasks behind the chosen period's numbers."""
        known_officer(officer_id)
        user = user_of(request)
        chosen = tracking_year(year)
        if chosen is None:
            return bad_request(request, f"Năm “{year}” không hợp lệ: theo dõi theo năm, ví dụ 2026.")
        if period is not None and not _TRACKING_PERIOD.fullmatch(period):
            return bad_request(request, f"Kỳ “{period}” không hợp lệ: tháng (2026-03) hoặc quý (2026-Q1).")
        common: dict[str, Any] = {
            "title": f"Theo dõi, đánh giá công chức — {officer_id} — năm {chosen}",
            "officer_id": officer_id,
            "year": chosen,
            "years": tracking.year_choices(chosen, pages.current_year()),
            "active": "tracking",
            "mine": user is not None and user.role == "officer" and user.officer_id == officer_id,
        }
        if common["mine"]:
            common["active"] = "mine"
            common["title"] = f"Phiếu theo dõi của tôi — năm {chosen}"
        if user is None:  # nothing about a named officer is public: no upstream call without a sign-in
            message = (
                "Phiếu theo dõi của cán bộ chỉ dành cho chính cán bộ, đơn vị của cán bộ, "
                "Hội đồng thi đua – khen thưởng."
            )
            return page(request, "officer_tracking.html", 401, panel=sign_in_panel(message, request.url.path), **common)
        refused = not_own_sheet(request, user, officer_id)
        if refused is not None:
            return page(request, "officer_tracking.html", 403, panel=refused, **common)
        answer = await fetch(tracking_url(officer_id), {"year": str(chosen)}, user=user)
        if not answer.ok or not isinstance(answer.body, dict):
            if answer.not_found:
                the_panel = panel(
                    "Chưa có phiếu theo dõi",
                    f"Cán bộ {officer_id} chưa có phiếu theo dõi năm {chosen}.",
                    "; ".join(answer.reasons()) or None,
                )
            else:
                the_panel = forget_if_refused(request, user, answer) or upstream_panel("chấm điểm", answer)
            return page(request, "officer_tracking.html", status_for(answer), panel=the_panel, **common)
        body = answer.body
        shown = tracking.chosen_period(body, period)
        listed = await fetch(tracking_url(officer_id, "/tasks"), {"period": shown}, user=user) if shown else None
        name = body.get("name")
        if isinstance(name, str) and name and not common["mine"]:
            common["title"] = f"Theo dõi, đánh giá công chức — {name} — năm {chosen}"
        sheet = tracking.sheet_of(body, shown) or {}
        return page(
            request,
            "officer_tracking.html",
            panel=None,
            body=body,
            rows=tracking.period_rows(body),
            shown=shown,
            sheet=sheet,
            row=tracking.period_row(sheet) if sheet else None,
            criteria=tracking.criteria(sheet),
            evidence=tracking.evidence(sheet),
            deductions=tracking.deductions(sheet),
            tasks=tracking.tasks(listed.body) if listed is not None and listed.ok else [],
            tasks_problem=None if listed is None or listed.ok else upstream_panel("chấm điểm", listed),
            rating=tracking.year_view(body),
            **common,
        )

    @app.get("/officers/{officer_id}/tracking.{ext}")
    async def officer_tracking_file(request: Request, officer_id: str, ext: str, period: str | None = None) -> Response:
        """The sheet of one period as the office files it (XLSX or PDF)."""
        if ext not in ("xlsx", "pdf"):
            raise StarletteHTTPException(404)
        known_officer(officer_id)
        user = user_of(request)
        if period is None or not _TRACKING_PERIOD.fullmatch(period):
            return bad_request(request, f"Kỳ “{period or ''}” không hợp lệ: tháng (2026-03) hoặc quý (2026-Q1).")
        if user is None:
            message = (
                "Phiếu theo dõi của cán bộ chỉ dành cho chính cán bộ, đơn vị của cán bộ, "
                "Hội đồng thi đua – khen thưởng."
            )
            return error_page(request, "Cần đăng nhập", sign_in_panel(message, request.url.path), 401)
        refused = not_own_sheet(request, user, officer_id)
        if refused is not None:
            return error_page(request, "Không có quyền xem", refused, 403)
        answer, listed = await asyncio.gather(
            fetch(tracking_url(officer_id), {"year": period[:4]}, user=user),
            fetch(tracking_url(officer_id, "/tasks"), {"period": period}, user=user),
        )
        failed = next((a for a in (answer, listed) if not a.ok), None)
        if failed is not None or not isinstance(answer.body, dict):
            failed = failed or answer
            the_panel = forget_if_refused(request, user, failed) or upstream_panel("chấm điểm", failed)
            return error_page(request, "Không tạo được tệp", the_panel, status_for(failed))
        if tracking.sheet_of(answer.body, period) is None:
            the_panel = panel("Chưa có phiếu theo dõi", f"Cán bộ {officer_id} chưa có phiếu của kỳ {period}.")
            return error_page(request, "Không tạo được tệp", the_panel, 404)
        body, on, tasks_body = answer.body, today(), listed.body
        renderers: dict[str, Callable[[], bytes]] = {
            "pdf": lambda: documents.tracking_pdf(body, period=period, tasks=tasks_body, issued_on=on, issuer=issuer),
            "xlsx": lambda: documents.tracking_xlsx(body, period=period, tasks=tasks_body, issued_on=on, issuer=issuer),
        }
        return await file_of(request, f"tracking_{ext}", renderers[ext], period, officer_id)

    @app.get("/units/{unit_id}/tracking", response_class=HTMLResponse)
    async def unit_tracking(request: Request, unit_id: str, period: str | None = None) -> Response:
        """A unit's officers for one month (or quarter): task, general and total points (the unit head's view)."""
        known_unit(unit_id)
        user = user_of(request)
        chosen = (period or "").strip() or datetime.now(VN_TZ).strftime("%Y-%m")
        if not _TRACKING_PERIOD.fullmatch(chosen):
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
        answer = await fetch(unit_url(unit_id, "/tracking"), {"period": chosen}, user=user)
        if not answer.ok or not isinstance(answer.body, dict):
            the_panel = forget_if_refused(request, user, answer) or upstream_panel("chấm điểm", answer)
            return page(request, "unit_tracking.html", status_for(answer), panel=the_panel, **common)
        rows = tracking.unit_rows(answer.body)
        return page(request, "unit_tracking.html", panel=None, body=answer.body, rows=rows, **common)

    # ------------------------------------------------------------------ nominations

    @app.get("/nominations", response_class=HTMLResponse)
    async def nominations(request: Request, period: str | None = None) -> Response:
        user = user_of(request)
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
        result = await fetch(f"{awards}/v1/nominations", {"period": chosen}, user=user)
        if not result.ok or not isinstance(result.body, dict):
            the_panel = forget_if_refused(request, user, result) or upstream_panel("khen thưởng", result)
            return page(request, "nominations.html", status_for(result), panel=the_panel, **common)
        listed = result.body.get("nominations")
        groups = pages.by_title(listed) if isinstance(listed, list) else None
        count = len(listed) if isinstance(listed, list) else 0
        return page(request, "nominations.html", panel=None, groups=groups, count=count, body=result.body, **common)

    @app.get("/nominations/preview", response_class=HTMLResponse)
    async def preview(request: Request, period: str | None = None, unit: str | None = None) -> Response:
        """Xem trước kết quả cuối năm: what the year would give if it closed today (the user's token decides which
        officers are shown; a unit's figures are public)."""
        user = user_of(request)
        chosen = (period or "").strip() or str(pages.current_year())
        if not re.fullmatch(r"[0-9]{4}", chosen) or not 2000 <= int(chosen) <= 2100:
            return bad_request(request, f"Năm “{chosen}” không hợp lệ: xem trước theo năm, từ 2000 đến 2100.")
        wanted = (unit or "").strip() or (user.unit_id if user and user.role == "unit" else None)
        if wanted is not None and not valid_unit_id(wanted):
            return bad_request(request, "Mã đơn vị không hợp lệ.")
        common: dict[str, Any] = {"title": f"Xem trước kết quả cuối năm {chosen}", "period": chosen}
        common |= {"active": "nominations", "unit": wanted}
        params = {"unit": wanted} if wanted else None
        result = await fetch(f"{awards}/v1/periods/{chosen}/preview", params, user=user)
        if not result.ok or not isinstance(result.body, dict):
            if result.not_found:
                the_panel = panel("Không tìm thấy đơn vị", f"Không có đơn vị mã {wanted} trong năm {chosen}.")
            else:
                the_panel = forget_if_refused(request, user, result) or upstream_panel("khen thưởng", result)
            return page(request, "preview.html", status_for(result), panel=the_panel, **common)
        units = result.body.get("units")
        return page(
            request,
            "preview.html",
            panel=None,
            body=result.body,
            units=[u for u in units if isinstance(u, dict)] if isinstance(units, list) else [],
            **common,
        )

    def vote_context(
        user: User | None, nomination: Mapping[str, Any], form: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        if user is None or not user.votes or nomination.get("status") not in pages.OPEN_TO_VOTE:
            return None
        # The awards service publishes the council's rule with each nomination; the settings are a fallback
        # for an older awards service.
        rule = nomination.get("council_rule")
        rule = rule if isinstance(rule, Mapping) else {}
        quorum, share = rule.get("quorum_present"), rule.get("approval_share")
        return {
            "quorum": quorum if isinstance(quorum, int | float) else cfg.council_quorum,
            "threshold": share if isinstance(share, int | float) else cfg.threshold(str(nomination.get("title"))),
            "form": form,
        }

    async def nomination_view(
        request: Request,
        nomination_id: str,
        *,
        form: Mapping[str, Any] | None = None,
        vote_problem: str | None = None,
        status: int = 200,
    ) -> Response:
        user = user_of(request)
        common: dict[str, Any] = {"title": f"Đề nghị {nomination_id}", "active": "nominations"}
        if not _NOMINATION.fullmatch(nomination_id):
            return bad_request(request, "Mã đề nghị không hợp lệ.")
        if user is None:
            message = "Đề nghị khen thưởng chỉ dành cho đơn vị được đề nghị và Hội đồng thi đua – khen thưởng."
            the_panel = sign_in_panel(message, nomination_path(nomination_id))
            return page(request, "nomination.html", 401, panel=the_panel, **common)
        result = await fetch(f"{awards}/v1/nominations/{quote(nomination_id, safe='')}", user=user)
        if not result.ok or not isinstance(result.body, dict):
            if result.not_found:
                the_panel = panel("Không tìm thấy đề nghị", f"Không có đề nghị khen thưởng mã {nomination_id}.")
            else:
                the_panel = forget_if_refused(request, user, result) or upstream_panel("khen thưởng", result)
            return page(request, "nomination.html", status_for(result), panel=the_panel, **common)
        title = result.body.get("title")
        if isinstance(title, str):
            common["title"] = f"{title_name(title)} — {nomination_id}"
        return page(
            request,
            "nomination.html",
            status,
            panel=None,
            nomination=result.body,
            vote=vote_context(user, result.body, form or {}),
            vote_problem=vote_problem,
            **common,
        )

    async def names_for(period: str, user: User) -> dict[str, str]:
        """Display names of units (public standings) and of officers the user may read, for the documents."""
        calls = [fetch(f"{scoring}/v1/standings", {"period": period})]
        if user.votes:
            calls.append(fetch(f"{scoring}/v1/standings", {"period": period, "subject": "officer"}, user=user))
        elif user.role == "unit" and user.unit_id:
            calls.append(
                fetch(
                    f"{scoring}/v1/standings", {"period": period, "subject": "officer", "unit": user.unit_id}, user=user
                )
            )
        names: dict[str, str] = {}
        for result in await asyncio.gather(*calls):
            rows = result.body.get("rows") if result.ok and isinstance(result.body, dict) else None
            for row in rows if isinstance(rows, list) else []:
                if (
                    isinstance(row, dict)
                    and isinstance(row.get("subject_id"), str)
                    and isinstance(row.get("name"), str)
                ):
                    names.setdefault(row["subject_id"], row["name"])
        return names

    async def nominations_file(request: Request, what: str, ext: str, period: str | None) -> Response:
        """The list of nominations (council and admin: all; a unit: its own) or the council's minutes."""
        if ext not in ("docx", "pdf"):
            raise StarletteHTTPException(404)
        user = user_of(request)
        chosen = (period or "").strip() or str(pages.current_year())
        if not re.fullmatch(r"[0-9]{4}", chosen):
            return bad_request(request, f"Năm “{chosen}” không hợp lệ: khen thưởng xét theo năm, ví dụ 2025.")
        title = "Biên bản họp Hội đồng" if what == "minutes" else "Danh sách đề nghị khen thưởng"
        if user is None:
            message = f"{title} chỉ dành cho người đã đăng nhập (đơn vị, Hội đồng thi đua – khen thưởng)."
            return error_page(request, "Cần đăng nhập", sign_in_panel(message, request.url.path), 401)
        if what == "minutes" and not user.votes:
            the_panel = panel("Không có quyền", "Biên bản họp chỉ dành cho Hội đồng thi đua – khen thưởng.")
            return error_page(request, "Không có quyền", the_panel, 403)
        result, names = await asyncio.gather(
            fetch(f"{awards}/v1/nominations", {"period": chosen}, user=user), names_for(chosen, user)
        )
        if not result.ok or not isinstance(result.body, dict):
            refused = forget_if_refused(request, user, result)
            the_panel = refused or upstream_panel("khen thưởng", result)
            return error_page(request, "Không tạo được tệp", the_panel, status_for(result))
        body, on = result.body, today()
        if what == "minutes":
            meeting = documents.Meeting(held_at=datetime.now(VN_TZ), quorum_share=cfg.council_quorum)
            minutes = documents.minutes_pdf if ext == "pdf" else documents.minutes_docx
            return await file_of(
                request,
                f"minutes_{ext}",
                lambda: minutes(body, period=chosen, meeting=meeting, issuer=issuer, names=names),
                chosen,
            )
        listing = documents.nominations_pdf if ext == "pdf" else documents.nominations_docx
        return await file_of(
            request,
            f"nominations_{ext}",
            lambda: listing(body, period=chosen, issued_on=on, issuer=issuer, names=names),
            chosen,
            user.unit_id if user.role == "unit" else None,
        )

    @app.get("/nominations/list.{ext}")
    async def nominations_list_file(request: Request, ext: str, period: str | None = None) -> Response:
        return await nominations_file(request, "list", ext, period)

    @app.get("/nominations/minutes.{ext}")
    async def minutes_file(request: Request, ext: str, period: str | None = None) -> Response:
        return await nominations_file(request, "minutes", ext, period)

    @app.get("/nominations/{nomination_id}", response_class=HTMLResponse)
    async def nomination(request: Request, nomination_id: str) -> Response:
        return await nomination_view(request, nomination_id)

    @app.post("/nominations/{nomination_id}/votes", response_class=HTMLResponse)
    async def record_vote(request: Request, nomination_id: str) -> Response:
        user = user_of(request)
        form = await request.form()
        if not csrf_ok(request, form.get("csrf_token")):
            return error_page(request, "Lỗi", panel("Yêu cầu không hợp lệ", "Biểu mẫu đã hết hạn, hãy thử lại."), 403)
        if user is None or not user.votes or not _NOMINATION.fullmatch(nomination_id):
            the_panel = panel("Không có quyền", "Chỉ Hội đồng thi đua – khen thưởng ghi kết quả biểu quyết.")
            return error_page(request, "Không có quyền", the_panel, 403)
        fields = ("members_total", "members_present", "votes_for")
        values = {k: str(form.get(k) or "").strip() for k in fields}
        # ASCII digits only: '²' is a digit to str.isdigit() and a ValueError to int().
        if not all(v.isascii() and v.isdigit() and len(v) <= 4 for v in values.values()):
            return await nomination_view(
                request, nomination_id, form=values, vote_problem="Hãy nhập các số nguyên không âm.", status=400
            )
        body: dict[str, Any] = {k: int(v) for k, v in values.items()}
        signed_on = str(form.get("decision_date") or "").strip()
        if signed_on:  # the date the decision is signed fixes the amount (awards checks its bounds)
            values["decision_date"] = signed_on[:10]
            if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", signed_on):
                problem = "Ngày ký quyết định không hợp lệ (ngày/tháng/năm)."
                return await nomination_view(request, nomination_id, form=values, vote_problem=problem, status=400)
            body["decision_date"] = signed_on
        result = await fetch(f"{awards}/v1/nominations/{quote(nomination_id, safe='')}/votes", user=user, json=body)
        if result.ok:
            decided = result.body.get("status") if isinstance(result.body, dict) else None
            state(request)["flash"] = f"Đã ghi biểu quyết: {status_name(decided) or 'đã ghi'}."
            return RedirectResponse(nomination_path(nomination_id), status_code=303)
        if result.status in (409, 422):
            why = "; ".join(result.reasons()) or (result.problem or "")
            problem = ("Phiên họp không quyết định được: " if result.status == 409 else "Số liệu không hợp lệ: ") + why
            return await nomination_view(request, nomination_id, form=values, vote_problem=problem, status=409)
        refused = forget_if_refused(request, user, result)
        if refused is not None:
            return error_page(request, "Cần đăng nhập", refused, 401)
        failed = upstream_panel("khen thưởng", result)
        return error_page(request, "Không ghi được biểu quyết", failed, status_for(result))

    # ------------------------------------------------------------------ ratings import (the HR office)

    def import_context(**extra: Any) -> dict[str, Any]:
        return {
            "title": "Nhập xếp loại cán bộ hằng năm",
            "active": "import",
            "template_url": "/ratings/import/template.xlsx",
            "report": None,
            "rejected": [],
            "problem": None,
            "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
        } | extra

    def import_denied(request: Request, user: User | None) -> Response | None:
        if user is None:
            message = "Nhập xếp loại dành cho phòng tổ chức cán bộ (mã nguồn dữ liệu)."
            the_panel = sign_in_panel(message, "/ratings/import")
            return page(request, "ratings_import.html", 401, **import_context(panel=the_panel))
        if user.role not in ("source", "admin"):
            the_panel = panel("Không có quyền", "Chỉ nguồn dữ liệu (phòng tổ chức cán bộ) nhập xếp loại.")
            return page(request, "ratings_import.html", 403, **import_context(panel=the_panel))
        return None

    @app.get("/ratings/import", response_class=HTMLResponse)
    async def ratings_import_page(request: Request) -> Response:
        return import_denied(request, user_of(request)) or page(
            request, "ratings_import.html", **import_context(panel=None)
        )

    @app.get("/ratings/import/template.xlsx")
    async def ratings_import_template() -> Response:
        data = await asyncio.to_thread(ratings_import.template_xlsx)
        return download(data, "xlsx", "mau-nhap-xep-loai-can-bo.xlsx")

    @app.post("/ratings/import", response_class=HTMLResponse)
    async def ratings_import_upload(request: Request) -> Response:
        user = user_of(request)
        denied = import_denied(request, user)
        if denied is not None:
            return denied
        assert user is not None
        # Bounded before the body is read: a browser always sends the length of a multipart form.
        length = request.headers.get("content-length", "")
        if not length.isdigit() or int(length) > MAX_UPLOAD_BYTES + 64 * 1024:
            problem = (
                f"Tệp tải lên lớn hơn {MAX_UPLOAD_BYTES // (1024 * 1024)} MB; hãy chia thành nhiều tệp."
                if length.isdigit()
                else "Yêu cầu tải lên thiếu độ dài (Content-Length)."
            )
            return page(
                request,
                "ratings_import.html",
                413 if length.isdigit() else 411,
                **import_context(panel=None, problem=problem),
            )
        try:
            form = await request.form(max_files=1, max_fields=10)
        except Exception:  # a damaged multipart body
            return page(
                request,
                "ratings_import.html",
                400,
                **import_context(panel=None, problem="Không đọc được biểu mẫu tải lên; hãy chọn lại tệp và thử lại."),
            )
        if not csrf_ok(request, form.get("csrf_token")):
            return error_page(request, "Lỗi", panel("Yêu cầu không hợp lệ", "Biểu mẫu đã hết hạn, hãy thử lại."), 403)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            return page(
                request,
                "ratings_import.html",
                400,
                **import_context(panel=None, problem="Hãy chọn tệp Excel (.xlsx) cần nhập."),
            )
        data = await upload.read(MAX_UPLOAD_BYTES + 1)
        await form.close()
        if len(data) > MAX_UPLOAD_BYTES:
            problem = f"Tệp tải lên lớn hơn {MAX_UPLOAD_BYTES // (1024 * 1024)} MB; hãy chia thành nhiều tệp."
            return page(request, "ratings_import.html", 413, **import_context(panel=None, problem=problem))
        source = user.source if user.role == "source" else None
        try:
            # In a child process with a CPU, memory and time limit: no file can stall this event loop.
            plan = await import_worker.parse_in_worker(data, source=source, now=datetime.now(UTC))
        except ratings_import.RatingsFileError as exc:  # 422 the file, 503 too many uploads at once
            return page(request, "ratings_import.html", exc.status, **import_context(panel=None, problem=str(exc)))
        try:
            async with httpx.AsyncClient(timeout=max(cfg.timeout, 60.0)) as http:
                report = await ratings_import.send(plan, evidence_url=evidence, token=user.token, http=http)
        except ratings_import.EvidenceUnavailable as exc:
            partial = exc.partial
            the_panel = panel(
                "Dịch vụ minh chứng không phản hồi",
                f"Chưa nhập xong tệp: {exc}. Có thể tải lại cùng tệp sau ít phút: các dòng đã nhận sẽ được báo "
                "là đã gửi trước đó, không bị ghi hai lần.",
                f"đã trả lời {len(partial.rows)} dòng: {partial.accepted} nhận, {partial.duplicate} trùng, "
                f"{partial.rejected} từ chối",
            )
            return page(request, "ratings_import.html", 503, **import_context(panel=the_panel))
        rejected = [(r, p) for r in report.rows if r.status == "rejected" for p in r.problems]
        return page(
            request,
            "ratings_import.html",
            **import_context(panel=None, report=report, rejected=rejected, filename=upload.filename or ""),
        )

    # ------------------------------------------------------------------ the official 766 index beside ours

    async def group_names() -> dict[str, str]:
        """{group code: name} of the active rulebook's service-index groups (the file may head columns by either)."""
        answer = await fetch(f"{scoring}/v1/rulebook")
        groups = answer.body.get("content", {}).get("index", {}).get("groups", {}) if answer.ok else {}
        return {str(c): str(g.get("name", c)) for c, g in groups.items() if isinstance(g, dict)}

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

    def official_denied(request: Request, user: User | None) -> Response | None:
        if user is None:
            message = "Nhập kết quả chính thức dành cho Hội đồng thi đua – khen thưởng hoặc quản trị."
            the_panel = sign_in_panel(message, "/reconciliation/import")
            return page(request, "official_import.html", 401, **official_context(panel=the_panel))
        if user.role not in ("council", "admin"):
            the_panel = panel(
                "Không có quyền", "Chỉ Hội đồng thi đua – khen thưởng hoặc quản trị nhập kết quả chính thức."
            )
            return page(request, "official_import.html", 403, **official_context(panel=the_panel))
        return None

    @app.get("/reconciliation/import", response_class=HTMLResponse)
    async def official_import_page(request: Request, period: str | None = None) -> Response:
        chosen = (period or "").strip() or str(pages.current_year() - 1)
        return official_denied(request, user_of(request)) or page(
            request, "official_import.html", **official_context(panel=None, period=chosen)
        )

    @app.post("/reconciliation/import", response_class=HTMLResponse)
    async def official_import_upload(request: Request) -> Response:
        user = user_of(request)
        denied = official_denied(request, user)
        if denied is not None:
            return denied
        assert user is not None
        length = request.headers.get("content-length", "")
        if not length.isdigit() or int(length) > official_file.MAX_FILE_BYTES + 64 * 1024:
            problem = f"Tệp tải lên lớn hơn {official_file.MAX_FILE_BYTES // (1024 * 1024)} MB."
            return page(request, "official_import.html", 413, **official_context(panel=None, problem=problem))
        try:
            form = await request.form(max_files=1, max_fields=10)
        except Exception:  # a damaged multipart body
            problem = "Không đọc được biểu mẫu tải lên; hãy chọn lại tệp và thử lại."
            return page(request, "official_import.html", 400, **official_context(panel=None, problem=problem))
        if not csrf_ok(request, form.get("csrf_token")):
            return error_page(request, "Lỗi", panel("Yêu cầu không hợp lệ", "Biểu mẫu đã hết hạn, hãy thử lại."), 403)
        chosen = str(form.get("period") or "").strip()
        upload = form.get("file")
        if not valid_period(chosen):
            await form.close()
            return bad_period(request, chosen)
        if not isinstance(upload, UploadFile):
            problem = "Hãy chọn tệp kết quả (CSV hoặc Excel .xlsx) cần nhập."
            return page(request, "official_import.html", 400, **official_context(panel=None, problem=problem))
        data = await upload.read(official_file.MAX_FILE_BYTES + 1)
        name = (upload.filename or "")[:255] or None
        await form.close()
        context = official_context(panel=None, period=chosen)
        try:
            parsed = await asyncio.to_thread(official_file.parse, data, await group_names())
        except official_file.OfficialFileError as exc:
            return page(request, "official_import.html", 422, **context | {"problem": str(exc)})
        body = {"file_name": name, "rows": parsed.rows} if name else {"rows": parsed.rows}
        url = f"{scoring}/v1/periods/{quote(chosen, safe='')}/official-index"
        async with httpx.AsyncClient(timeout=max(cfg.timeout, 60.0)) as http:
            answer = await call(http, "PUT", url, token=user.token, json=body)
        if answer.status == 401:
            end_session(request, user.token)
        if not answer.ok:
            problems = official_problems(answer, parsed.lines)
            problem = (
                "Dịch vụ chấm điểm không nhận tệp." if problems else upstream_panel("chấm điểm", answer)["message"]
            )
            status = 422 if answer.status == 422 else status_for(answer)
            return page(request, "official_import.html", status, **context | {"problem": problem, "problems": problems})
        return page(request, "official_import.html", **context | {"result": answer.body})

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

    @app.get("/reconciliation", response_class=HTMLResponse)
    async def reconciliation_page(request: Request, period: str | None = None) -> Response:
        return await reconciliation_view(request, None, period)

    @app.get("/units/{unit_id}/reconciliation", response_class=HTMLResponse)
    async def unit_reconciliation_page(request: Request, unit_id: str, period: str | None = None) -> Response:
        known_unit(unit_id)
        return await reconciliation_view(request, unit_id, period)

    async def reconciliation_view(request: Request, unit_id: str | None, period: str | None) -> Response:
        chosen = (period or "").strip() or str(pages.current_year() - 1)
        if not valid_period(chosen):
            return bad_period(request, chosen)
        params = {"unit": unit_id} if unit_id else None
        answer = await fetch(f"{scoring}/v1/periods/{quote(chosen, safe='')}/reconciliation", params)
        whose = f"{unit_id} — " if unit_id else ""
        title = f"Đối chiếu Chỉ số phục vụ với kết quả chính thức: {whose}{period_label(chosen)}"
        context: dict[str, Any] = {"title": title, "period": chosen, "unit_id": unit_id, "report": None}
        if not answer.ok or not isinstance(answer.body, dict):
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
        return page(request, "reconciliation.html", panel=None, **context | {"report": answer.body})

    return app
