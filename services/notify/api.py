"""HTTP face of notify: a unit's inbox, and parked deliveries and digests for operators."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, cast

from fastapi import APIRouter, Depends, Query, Request

from schemas.http.notify import Deliveries, Digests, Inbox, Notification, Retried
from schemas.outputs import ADMIN_INBOX
from services.notify import views
from services.notify.adapters import postgres as pg
from services.notify.adapters.channels import Kit
from services.notify.adapters.sealing import SecretBox
from services.notify.config import Settings
from services.notify.handlers.digest import assemble_digests
from thidua.runtime import policy
from thidua.runtime.auth import Principal
from thidua.runtime.http import Caller, refuse, runtime_of

router = APIRouter(prefix="/v1", tags=["notify"])


@dataclass(frozen=True)
class Edge:
    """What notify's routes need beside the runtime: settings, secret box, channels' kit, the deliverer's wake."""

    settings: Settings
    box: SecretBox
    kit: Kit
    wake: Callable[[], None]


def edge_of(request: Request) -> Edge:
    """Notify's edge, set on the app by create_app."""
    return cast(Edge, request.app.state.notify)


Notifier = Annotated[Edge, Depends(edge_of)]


def require_unit(principal: Principal, unit_id: str) -> None:
    """403 unless the policy lets the caller use unit_id's inbox and channels."""
    if policy.may_use_inbox(principal, unit_id):
        return
    if policy.reserved_unit(unit_id):
        raise refuse(403, "only admin tokens use the operators' inbox", "Authorization", f"role {principal.role}")
    raise refuse(403, "this token may not use that unit's inbox", "Authorization", f"role {principal.role}")


def require_admin(principal: Principal) -> None:
    """403 unless the policy says the caller is an admin."""
    if not policy.is_admin(principal):
        raise refuse(403, "an admin token is required", "Authorization", f"role {principal.role}")


async def read_inbox(request: Request, unit_id: str, *, unread: bool, limit: int, before: int | None) -> dict[str, Any]:
    """A page of unit_id's inbox, newest first, with its unread count."""
    async with runtime_of(request).pool.acquire() as conn:
        rows = await views.inbox(conn, unit_id, unread=unread, limit=limit, before=before)
        count = await views.unread_count(conn, unit_id)
    return {"unit_id": unit_id, "unread_count": count, "items": [views.notification_json(r) for r in rows]}


Limit = Annotated[int, Query(ge=1, le=500)]
Before = Annotated[int | None, Query(description="page: ids below this one")]


@router.get(
    "/units/{unit_id}/notifications",
    summary="A unit's inbox, newest first (unit token or admin)",
    response_model=Inbox,
)
async def inbox(
    request: Request, unit_id: str, principal: Caller, unread: bool = False, limit: Limit = 100, before: Before = None
) -> dict[str, Any]:
    require_unit(principal, unit_id)
    return await read_inbox(request, unit_id, unread=unread, limit=limit, before=before)


@router.get(
    "/admin/notifications",
    summary=f"The operators' inbox (unit id {ADMIN_INBOX}: e.g. calendar_missing), newest first (admin)",
    response_model=Inbox,
)
async def admin_inbox(
    request: Request, principal: Caller, unread: bool = False, limit: Limit = 100, before: Before = None
) -> dict[str, Any]:
    require_admin(principal)
    return await read_inbox(request, ADMIN_INBOX, unread=unread, limit=limit, before=before)


@router.post(
    "/notifications/{notification_id}/read",
    summary="Mark a notification read (its unit or admin)",
    response_model=Notification,
)
async def mark_read(request: Request, notification_id: int, principal: Caller) -> dict[str, Any]:
    async with runtime_of(request).pool.acquire() as conn:
        row = await views.notification(conn, notification_id)
        if row is None:
            raise refuse(404, "no such notification", "id", str(notification_id))
        require_unit(principal, row["unit_id"])
        return views.notification_json(await pg.mark_read(conn, notification_id))


@router.get(
    "/deliveries", summary="Push deliveries for operators, e.g. ?status=parked (admin)", response_model=Deliveries
)
async def list_deliveries(
    request: Request,
    principal: Caller,
    status: Literal["pending", "sent", "parked"] | None = None,
    unit: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    require_admin(principal)
    async with runtime_of(request).pool.acquire() as conn:
        rows = await views.deliveries(conn, status=status, unit_id=unit, limit=limit)
    return {"items": [{k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in r.items()} for r in rows]}


@router.post("/deliveries/{delivery_id}/retry", summary="Send a parked delivery again (admin)", response_model=Retried)
async def retry(request: Request, delivery_id: int, principal: Caller, edge: Notifier) -> dict[str, Any]:
    require_admin(principal)
    async with runtime_of(request).pool.acquire() as conn:
        row = await pg.retry_parked(conn, delivery_id)
    if row is None:
        raise refuse(404, "no parked delivery with this id", "id", str(delivery_id))
    edge.wake()
    return {"id": delivery_id, "status": "pending"}


@router.post(
    "/digests/run",
    summary="Assemble today's digests now (admin); the service also does it daily",
    response_model=Digests,
)
async def run_digests(request: Request, principal: Caller, edge: Notifier) -> dict[str, Any]:
    require_admin(principal)
    async with runtime_of(request).pool.acquire() as conn:
        ids = await assemble_digests(conn, now=datetime.now(UTC), settings=edge.settings)
    edge.wake()
    return {"digests": ids}
