"""The dashboard's FastAPI app: sign-in, and pages fetched from the services' public APIs with the user's token."""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from services.dashboard.config import Settings
from services.dashboard.rendering import SITE_TITLE, STATIC
from services.dashboard.rooms import (
    documents,
    nominations,
    officers,
    ratings,
    reconciliation,
    session,
    standings,
    units,
)
from services.dashboard.security import SecurityHeaders
from services.dashboard.web import Dashboard, install_error_pages

SESSION_COOKIE = "thidua_session"  # "__Host-thidua_session" when served over HTTPS
# The rooms in the order their routes are matched: documents' /nominations/list.{ext} before /nominations/{id}.
ROOMS = (session, standings, documents, units, officers, nominations, ratings, reconciliation)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The dashboard app: its shared state, the middleware, the error pages and the rooms' routes."""
    cfg = settings or Settings()
    web = Dashboard(cfg, time.monotonic)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with web.services.open():  # the one httpx client lives as long as the app
            yield

    app = FastAPI(title=SITE_TITLE, lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.dashboard = web
    app.state.sessions = web.store
    app.state.provider_sign_in = web.provider
    app.middleware("http")(web.find_session)
    # Added after the middleware above, so it runs first: the signed cookie is read before the session is looked up.
    # Signed in, the cookie holds only the random session id; before sign-in, the form token and a one-time message.
    secret = cfg.session_secret.get_secret_value() if cfg.session_secret else secrets.token_urlsafe(32)
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
    install_error_pages(app, cfg)
    web.provider.register(app)
    for room in ROOMS:
        app.include_router(room.router)
    return app
