"""Officials' sign-in through the province's OpenID Connect provider: the routes, the recheck, the sign-out."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from schemas.http.common import SignIn
from services.dashboard import oidc
from services.dashboard.config import Settings
from services.dashboard.formatting import local_path
from services.dashboard.sessions import ProviderTokens, Session, SessionStore
from services.dashboard.upstream import Upstream, parsed

log = logging.getLogger("services.dashboard.sign_in")

STATE_KEY = "oidc_state"  # the signed cookie's entry binding a login in flight to this browser
MAX_PARAM = 2048  # the callback's query values (state, code, error) are at most this long
REFRESH_MARGIN = 30.0  # seconds before the access token ends at which it is refreshed
ERROR_WORDS = {
    "access_denied": "Bạn đã từ chối hoặc không được phép đăng nhập vào bảng điều khiển.",
    "login_required": "Bạn chưa đăng nhập tại nhà cung cấp định danh.",
    "temporarily_unavailable": "Nhà cung cấp định danh đang tạm thời không phục vụ được.",
}
ENDED = "Phiên đăng nhập của bạn đã kết thúc tại nhà cung cấp định danh. Vui lòng đăng nhập lại."
CHANGED = "Quyền của bạn đã thay đổi nên phiên đăng nhập đã kết thúc. Vui lòng đăng nhập lại."

Page = Callable[..., HTMLResponse]
CallAs = Callable[[str, str, str], Awaitable[Upstream]]  # (method, url, bearer) → the service's answer


@dataclass(frozen=True)
class Wiring:
    """What the routes need from the app: the page renderer, the signed cookie, the services, where people land."""

    page: Page
    cookie: Callable[[Request], MutableMapping[str, Any]]
    signed_in: Callable[[Request], Session | None]
    call_as: CallAs
    home_of: Callable[[str, str | None], str]  # (role, unit_id) → the first page after sign-in
    clock: Callable[[], float]  # the sessions' clock (monotonic)


class ProviderSignIn:
    """The provider sign-in of one dashboard app (off when WEB_OIDC_ISSUER is unset)."""

    def __init__(self, cfg: Settings, store: SessionStore, wiring: Wiring) -> None:
        self.cfg, self.store, self.wiring = cfg, store, wiring
        self.scoring = cfg.scoring_url.rstrip("/")
        self.logins = oidc.PendingLogins()
        self._refreshing: dict[int, asyncio.Future[str | None]] = {}
        secret = cfg.oidc_client_secret.get_secret_value() if cfg.oidc_client_secret else None
        self.provider = (
            oidc.Provider(cfg.oidc_issuer, client_id=cfg.oidc_client_id, client_secret=secret, timeout=cfg.timeout)
            if cfg.oidc_issuer
            else None
        )

    @property
    def name(self) -> str | None:
        """The sign-in button's provider name, None when provider sign-in is off."""
        return self.cfg.oidc_provider_name if self.provider else None

    def base_url(self, request: Request) -> str:
        return (self.cfg.oidc_public_url or str(request.base_url)).rstrip("/")

    def refused(self, request: Request, status: int, message: str, reason: str) -> HTMLResponse:
        """The callback's refusal page: no session opened, the reason code (never a token) as the detail."""
        log.warning("provider sign-in refused: %s", reason)
        the_panel = {"kind": "error", "title": "Không đăng nhập được", "message": message, "detail": f"lý do: {reason}"}
        return self.wiring.page(request, "error.html", status, title="Không đăng nhập được", panel=the_panel)

    async def start(self, request: Request) -> Response:
        """GET /sign-in/provider: a new pending login, its state in this browser's cookie, off to the provider."""
        if self.provider is None:
            message = "Đăng nhập bằng nhà cung cấp định danh chưa được bật trên bảng điều khiển này."
            return self.refused(request, 404, message, "provider_off")
        next_path = local_path(request.query_params.get("next", "")[:MAX_PARAM])
        try:
            endpoints = await self.provider.endpoints()
        except oidc.ProviderRefused as exc:
            message = "Không kết nối được với nhà cung cấp định danh. Vui lòng thử lại sau."
            return self.refused(request, 502, message, exc.reason)
        pending = self.logins.start(next_path, self.wiring.clock())
        self.wiring.cookie(request)[STATE_KEY] = pending.state
        url = oidc.authorize_url(
            endpoints,
            pending,
            client_id=self.cfg.oidc_client_id,
            redirect_uri=self.base_url(request) + "/auth/callback",
            scopes=self.cfg.oidc_scopes,
        )
        return RedirectResponse(url, status_code=302, headers={"Cache-Control": "no-store"})

    async def callback(self, request: Request) -> Response:
        """GET /auth/callback: state, the provider's error, the code, the ID token, the services' word; a session."""
        query = request.query_params
        if self.provider is None:
            return self.refused(request, 404, "Đăng nhập bằng nhà cung cấp định danh chưa được bật.", "provider_off")
        if any(len(value) > MAX_PARAM for value in query.values()):
            return self.refused(request, 400, "Yêu cầu đăng nhập không hợp lệ.", "oversized")
        cookie = self.wiring.cookie(request)
        pending = self.logins.take(query.get("state"), cookie.pop(STATE_KEY, None), self.wiring.clock())
        if pending is None:
            message = "Phiên đăng nhập không hợp lệ hoặc đã hết hạn. Hãy bấm đăng nhập lại từ bảng điều khiển."
            return self.refused(request, 400, message, "state")
        if error := query.get("error"):
            message = ERROR_WORDS.get(error, "Nhà cung cấp định danh không cho đăng nhập.")
            return self.refused(request, 400, message, "provider_error")
        code = query.get("code")
        if not code:
            return self.refused(request, 400, "Thiếu mã xác nhận đăng nhập từ nhà cung cấp định danh.", "no_code")
        try:
            tokens = await self.provider.exchange(
                code, code_verifier=pending.code_verifier, redirect_uri=self.base_url(request) + "/auth/callback"
            )
            if tokens.id_token is None:
                raise oidc.ProviderRefused("no_id_token")
            claims = await self.provider.verify(tokens.id_token, nonce=pending.nonce)
        except oidc.ProviderRefused as exc:
            status = 502 if exc.reason.startswith("provider_") else 401
            message = "Nhà cung cấp định danh không xác nhận được việc đăng nhập."
            return self.refused(request, status, message, exc.reason)
        return await self.open(request, tokens, claims, pending.next)

    async def open(self, request: Request, tokens: oidc.Tokens, claims: dict[str, Any], back: str | None) -> Response:
        """The services record the sign-in and say who the person is; a fresh session id for the browser."""
        answer = await self.wiring.call_as("POST", f"{self.scoring}/v1/sign-ins", tokens.access_token)
        if answer.status == 401:
            message = "Các dịch vụ không chấp nhận tài khoản này (nhà cung cấp định danh chưa được cấu hình cho chúng)."
            return self.refused(request, 401, message, "services_refused")
        grant = parsed(SignIn, answer)
        if grant is None:
            message = f"Không ghi nhận được việc đăng nhập: dịch vụ chấm điểm không phản hồi ({answer.problem})."
            return self.refused(request, 502, message, "services_unavailable")
        now = self.wiring.clock()
        cookie = self.wiring.cookie(request)
        self.store.end(cookie.get("sid"))  # a new id at every sign-in (no fixation)
        cookie.clear()
        fresh = Session(
            tokens.access_token,
            grant.role,
            grant.unit_id,
            None,
            None,
            created=now,
            seen=now,
            checked=now,
            officer_id=grant.officer_id,
            subject=str(claims["sub"]),
            name=oidc.display_name(claims),
            provider=ProviderTokens(tokens.refresh_token, tokens.id_token, tokens.expires_at),
        )
        fresh.data["flash"] = "Đã đăng nhập."
        cookie["sid"] = self.store.open(fresh)
        return RedirectResponse(back or self.wiring.home_of(fresh.role, fresh.unit_id), status_code=303)

    def refresh_due(self, found: Session) -> bool:
        """The access token ends within the margin: refresh now rather than let a call fail."""
        return found.provider is not None and time.time() >= found.provider.expires_at - REFRESH_MARGIN

    async def refresh(self, found: Session) -> str | None:
        """New tokens for a provider session; the message ending it when the provider refuses (None: still live).
        Requests arriving together share one refresh: a provider that rotates refresh tokens sees each used once."""
        running = self._refreshing.get(id(found))
        if running is None:
            running = asyncio.ensure_future(self._refresh(found))
            self._refreshing[id(found)] = running
            running.add_done_callback(lambda _: self._refreshing.pop(id(found), None))
        return await asyncio.shield(running)

    async def _refresh(self, found: Session) -> str | None:
        tokens = found.provider
        if tokens is None or self.provider is None:
            return None
        if tokens.refresh_token is None:
            return ENDED if time.time() >= tokens.expires_at else None
        try:
            fresh = await self.provider.refresh(tokens.refresh_token)
            if fresh.id_token is not None:
                claims = await self.provider.verify(fresh.id_token, nonce=None)
                if claims.get("sub") != found.subject:
                    raise oidc.ProviderRefused("subject_changed")
        except oidc.ProviderRefused as exc:
            if exc.reason == "provider_unreachable" and time.time() < tokens.expires_at:
                return None  # the provider is down a moment: the access token still holds
            log.info("provider session ended: %s", exc.reason)
            return ENDED
        found.token = fresh.access_token
        found.provider = ProviderTokens(
            fresh.refresh_token or tokens.refresh_token, fresh.id_token or tokens.id_token, fresh.expires_at
        )
        return None

    async def sign_out(self, request: Request, found: Session) -> str | None:
        """Revoke the refresh token and name the provider's end-session URL (None: no such endpoint)."""
        tokens = found.provider
        if tokens is None or self.provider is None:
            return None
        try:
            if tokens.refresh_token:
                await self.provider.revoke(tokens.refresh_token)
        except oidc.ProviderRefused as exc:
            log.warning("refresh token not revoked: %s", exc.reason)
        try:
            endpoints = await self.provider.endpoints()
        except oidc.ProviderRefused:
            return None
        return oidc.end_session_url(
            endpoints, id_token=tokens.id_token, client_id=self.cfg.oidc_client_id, after=self.base_url(request) + "/"
        )

    def me(self, request: Request) -> Response:
        """GET /me: who the person is and what they may open; a person with no role is told whom to ask."""
        found = self.wiring.signed_in(request)
        if found is None:
            return RedirectResponse("/sign-in?next=/me", status_code=303)
        return self.wiring.page(
            request, "me.html", title="Tài khoản của tôi", me=found, help_contact=self.cfg.oidc_help_contact
        )

    def register(self, app: FastAPI) -> None:
        """The routes: start, callback, /me."""
        app.add_api_route("/sign-in/provider", self.start, methods=["GET"], include_in_schema=False)
        app.add_api_route("/auth/callback", self.callback, methods=["GET"], include_in_schema=False)
        app.add_api_route("/me", self.me, methods=["GET"], include_in_schema=False)
