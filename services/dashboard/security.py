"""The headers every dashboard response carries, and the unit ids the dashboard lets through to the services."""

from __future__ import annotations

import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from schemas.common import UNIT_ID_PATTERN

# No inline script or style anywhere (templates use classes and static/app.js); SVG charts are inline markup.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
)
_FORM_ACTION = "form-action 'self'"
HSTS = "max-age=31536000; includeSubDomains"
_UNIT_ID = re.compile(UNIT_ID_PATTERN)


def security_headers(*, tls: bool, form_targets: tuple[str, ...] = ()) -> dict[str, str]:
    """CSP, no framing, no sniffing, same-origin referrers; HSTS only when the dashboard is served over HTTPS.

    form_targets: origins a form's redirect may reach besides the dashboard (browsers apply form-action to every
    redirect after a form is sent: sign-out's 303 to the provider's end-session endpoint needs its origin)."""
    policy = CONTENT_SECURITY_POLICY.replace(_FORM_ACTION, " ".join((_FORM_ACTION, *form_targets)))
    headers = {
        "Content-Security-Policy": policy,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if tls:
        headers["Strict-Transport-Security"] = HSTS
    return headers


def valid_unit_id(unit_id: str) -> bool:
    """The contract's unit id grammar, and never a dot segment (`.`, `..`) that would climb an upstream path."""
    return bool(_UNIT_ID.fullmatch(unit_id)) and unit_id.strip(".") != ""


class SecurityHeaders:
    """ASGI middleware setting the security headers on every HTTP response (pages, files, static, errors)."""

    def __init__(self, app: ASGIApp, *, tls: bool, form_targets: tuple[str, ...] = ()) -> None:
        self.app, self.headers = app, security_headers(tls=tls, form_targets=form_targets)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
