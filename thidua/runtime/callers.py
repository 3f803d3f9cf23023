"""Who calls: the caller's token as a Principal (FastAPI dependencies), the contract's refusals, the policy asked."""

import logging
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, cast

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse

from thidua.runtime import auth, identity_rules, oidc, policy
from thidua.runtime.auth import Principal
from thidua.runtime.identity import principal_for
from thidua.runtime.policy import may_see_officers, officer_denial
from thidua.runtime.service import Runtime

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error answered as {"error", "details": [{"field", "message"}]} with an HTTP status."""

    def __init__(self, status: int, error: str, details: list[dict[str, str]] | None = None) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.details = details or []


def refuse(status: int, error: str, field: str, message: str) -> ApiError:
    """The one way to refuse a request over one field: `raise refuse(404, "no such unit", "unit_id", unit_id)`."""
    return ApiError(status, error, [{"field": field, "message": message}])


def error_body(error: str, details: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """The contract's error document."""
    return {"error": error, "details": details or []}


def runtime_of(request: Request) -> Runtime:
    """The service's runtime, set on the app by install(): routers at module level reach it through the request."""
    return cast(Runtime, request.app.state.runtime)


async def admin_refusal(runtime: Runtime, authorization: str | None) -> JSONResponse | None:
    """None when authorization is an admin's bearer token; else the 401/403 answer (contract's error shape)."""
    try:
        require(await principal_of(runtime, authorization), roles=("admin",))
    except ApiError as exc:
        return JSONResponse(error_body(exc.error, exc.details), status_code=exc.status)
    return None


async def is_admin(runtime: Runtime, authorization: str | None) -> bool:
    """True for an admin's bearer token; no token, another role or an unknown token is simply not an admin."""
    return bool(authorization) and await admin_refusal(runtime, authorization) is None


def _refused() -> ApiError:
    return refuse(401, "invalid or revoked token", "Authorization", "not recognised")


async def provider_principal(runtime: Runtime, token: str) -> Principal:
    """The Principal of a provider's access token (verified, then mapped by the live identity rules); 401/503."""
    issuer, audience = runtime.settings.oidc_issuer, runtime.settings.oidc_audience
    assert issuer is not None
    try:
        claims = await oidc.verifier_for(issuer, audience).verify(token)
    except oidc.TokenRefused as exc:
        raise _refused() from exc
    except oidc.ProviderUnavailable as exc:
        log.warning("%s: identity provider unavailable: %s", runtime.name, exc)
        raise refuse(503, "temporarily unavailable", "Authorization", "the identity provider is unreachable") from exc
    async with runtime.pool.acquire() as conn:
        rules = await identity_rules.live_rules(conn)
    return principal_for(claims, rules, subject=claims["sub"], issuer=issuer)


async def principal_of(runtime: Runtime, authorization: str | None) -> Principal | None:
    """The caller's Principal, None without a token, 401 for an unknown one. A `td_` token is looked up in the token
    store; a provider's access token (a JWT, when OIDC_ISSUER is set) is verified and mapped."""
    if not authorization:
        return None
    if not authorization.startswith("Bearer "):
        raise refuse(401, "malformed Authorization header", "Authorization", "send 'Bearer <token>'")
    token = authorization[7:].strip()
    if runtime.settings.oidc_issuer and oidc.looks_like_jwt(token):
        return await provider_principal(runtime, token)
    async with runtime.pool.acquire() as conn:
        principal = await auth.find_principal(conn, token)
    if principal is None:
        raise _refused()
    return principal


def bearer(runtime: Runtime) -> Callable[..., Awaitable[Principal | None]]:
    """A FastAPI dependency bound to runtime: the caller's Principal or None (see principal_of)."""

    async def caller(authorization: Annotated[str | None, Header()] = None) -> Principal | None:
        return await principal_of(runtime, authorization)

    return caller


async def optional_caller(request: Request, authorization: Annotated[str | None, Header()] = None) -> Principal | None:
    """A FastAPI dependency for routers at module level: the caller's Principal or None (see principal_of)."""
    return await principal_of(runtime_of(request), authorization)


def _missing() -> ApiError:
    return refuse(401, "missing bearer token", "Authorization", "send 'Authorization: Bearer <token>'")


async def caller(request: Request, authorization: Annotated[str | None, Header()] = None) -> Principal:
    """A FastAPI dependency for routers at module level: the caller's Principal; 401 without a valid token."""
    principal = await principal_of(runtime_of(request), authorization)
    if principal is None:
        raise _missing()
    return principal


OptionalCaller = Annotated[Principal | None, Depends(optional_caller)]
Caller = Annotated[Principal, Depends(caller)]


def require(
    principal: Principal | None, *, roles: tuple[str, ...] = ("council", "admin"), unit_id: str | None = None
) -> Principal:
    """401 without a token; 403 unless the policy allows the role, or it is the unit's own token."""
    if principal is None:
        raise refuse(401, "a bearer token is required", "Authorization", "send 'Authorization: Bearer <token>'")
    if policy.allowed(principal, roles, unit_id):
        return principal
    raise refuse(403, "this token may not do that", "Authorization", f"role '{principal.role}' is not allowed here")


def require_officer_access(principal: Principal | None, unit_id: str | None) -> Principal:
    """401/403 unless the policy lets the caller see data about the named officers of unit_id."""
    if not may_see_officers(principal, unit_id):
        status, error, message = officer_denial(principal)
        raise refuse(status, error, "Authorization", message)
    assert principal is not None
    return principal


def authenticated(runtime: Runtime) -> Callable[..., Awaitable[Principal]]:
    """A FastAPI dependency bound to runtime: the caller's Principal; 401 without a valid token."""

    async def caller(authorization: Annotated[str | None, Header()] = None) -> Principal:
        principal = await principal_of(runtime, authorization)
        if principal is None:
            raise _missing()
        return principal

    return caller
