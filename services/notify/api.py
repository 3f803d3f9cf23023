"""HTTP face of notify: a unit's inbox, its channel preferences, and parked deliveries for operators."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field, create_model

from schemas.outputs import ADMIN_INBOX
from services.notify import views
from services.notify.adapters import postgres as pg
from services.notify.adapters.channels import CHANNELS, Kit, Unusable
from services.notify.adapters.sealing import SecretBox
from services.notify.adapters.targets import Resolver, system_resolver
from services.notify.config import Settings
from services.notify.domain.delivery import fingerprint, new_secret
from services.notify.handlers.digest import assemble_digests
from thidua.runtime.auth import Principal
from thidua.runtime.http import ApiError, authenticated
from thidua.runtime.policy import may_use_inbox, reserved_unit
from thidua.runtime.service import Runtime


class ChannelsBase(BaseModel):
    """PUT /v1/units/{unit_id}/channels: push channels; an omitted one is switched off."""

    model_config = ConfigDict(extra="forbid")

    webhook_secret: Annotated[str, Field(min_length=16, max_length=200)] | None = None
    rotate_secret: bool = Field(False, description="replace the webhook secret by a new generated one (shown once)")


def _channels_model() -> type[ChannelsBase]:
    """The PUT body: the webhook secret's options and one optional address field per registered channel."""
    fields: dict[str, Any] = {c.field: (c.address | None, None) for c in CHANNELS.values()}
    return create_model("ChannelsIn", __base__=ChannelsBase, __doc__=ChannelsBase.__doc__, **fields)


# The fields come from the channel registry, so a new channel needs no change here; type checkers see the base.
if TYPE_CHECKING:
    ChannelsIn = ChannelsBase
else:
    ChannelsIn = _channels_model()


def router(
    runtime: Runtime,
    settings: Settings,
    on_commit: Callable[[], None],
    box: SecretBox,
    resolver: Resolver = system_resolver,
) -> APIRouter:
    """The notify endpoints, bound to the service's runtime; box seals and opens webhook secrets."""
    api = APIRouter(prefix="/v1", tags=["notify"])

    caller = authenticated(runtime)
    kit = Kit(settings, resolver)

    def require_unit(principal: Principal, unit_id: str) -> None:
        if may_use_inbox(principal, unit_id):
            return
        raise ApiError(
            403,
            "only admin tokens use the operators' inbox"
            if reserved_unit(unit_id)
            else "this token may not use that unit's inbox",
            [{"field": "Authorization", "message": f"role {principal.role}"}],
        )

    def require_admin(principal: Principal) -> None:
        if principal.role != "admin":
            raise ApiError(
                403, "an admin token is required", [{"field": "Authorization", "message": f"role {principal.role}"}]
            )

    Caller = Annotated[Principal, Depends(caller)]

    async def read_inbox(unit_id: str, *, unread: bool, limit: int, before: int | None) -> dict[str, Any]:
        async with runtime.pool.acquire() as conn:
            rows = await views.inbox(conn, unit_id, unread=unread, limit=limit, before=before)
            count = await views.unread_count(conn, unit_id)
        return {"unit_id": unit_id, "unread_count": count, "items": [views.notification_json(r) for r in rows]}

    @api.get("/units/{unit_id}/notifications", summary="A unit's inbox, newest first (unit token or admin)")
    async def inbox(
        unit_id: str,
        principal: Caller,
        unread: bool = False,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
        before: Annotated[int | None, Query(description="page: ids below this one")] = None,
    ) -> dict[str, Any]:
        require_unit(principal, unit_id)
        return await read_inbox(unit_id, unread=unread, limit=limit, before=before)

    @api.get(
        "/admin/notifications",
        summary=f"The operators' inbox (unit id {ADMIN_INBOX}: e.g. calendar_missing), newest first (admin)",
    )
    async def admin_inbox(
        principal: Caller,
        unread: bool = False,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
        before: Annotated[int | None, Query(description="page: ids below this one")] = None,
    ) -> dict[str, Any]:
        require_admin(principal)
        return await read_inbox(ADMIN_INBOX, unread=unread, limit=limit, before=before)

    @api.post("/notifications/{notification_id}/read", summary="Mark a notification read (its unit or admin)")
    async def mark_read(notification_id: int, principal: Caller) -> dict[str, Any]:
        async with runtime.pool.acquire() as conn:
            row = await views.notification(conn, notification_id)
            if row is None:
                raise ApiError(404, "no such notification", [{"field": "id", "message": str(notification_id)}])
            require_unit(principal, row["unit_id"])
            return views.notification_json(await pg.mark_read(conn, notification_id))

    @api.get(
        "/units/{unit_id}/channels", summary="A unit's push channels, never the webhook secret (unit token or admin)"
    )
    async def get_channels(unit_id: str, principal: Caller) -> dict[str, Any]:
        require_unit(principal, unit_id)
        async with runtime.pool.acquire() as conn:
            row = await views.channels(conn, unit_id)
        return _channels_json(unit_id, row, box.reveal(row))

    @api.put(
        "/units/{unit_id}/channels",
        summary="Set a unit's push channels; the webhook URL must reach a public"
        " address; a webhook secret is generated when none is given and"
        " shown once; a channel the server has not configured is refused (unit token or admin)",
    )
    async def put_channels(unit_id: str, body: ChannelsIn, principal: Caller) -> dict[str, Any]:
        require_unit(principal, unit_id)
        if body.rotate_secret and body.webhook_secret:
            raise ApiError(
                422,
                "give a webhook_secret or ask for rotate_secret, not both",
                [{"field": "rotate_secret", "message": "a rotated secret is generated"}],
            )
        given = {c: getattr(body, c.field) for c in CHANNELS.values() if getattr(body, c.field) is not None}
        for channel, address in given.items():
            try:
                if not channel.configured(settings):
                    raise Unusable(f"the {channel.name} channel is not configured on this server")
                await channel.check(address, kit)
            except Unusable as exc:
                raise ApiError(
                    422, f"{channel.field} may not be used", [{"field": channel.field, "message": str(exc)}]
                ) from None
        async with runtime.pool.acquire() as conn, conn.transaction():
            current = await views.channels(conn, unit_id)
            kept = None if body.rotate_secret else box.reveal(current)
            secret = body.webhook_secret or kept or new_secret()
            addresses = {c.name: address for c, address in given.items()}
            row = await pg.put_channels(conn, unit_id, addresses=addresses, sealed_secret=box.seal(secret))
        # The secret is shown when this request set it (given, generated or rotated), never again.
        return _channels_json(
            unit_id, row, secret, shown_secret=secret if body.webhook_secret or secret != kept else None
        )

    @api.get("/deliveries", summary="Push deliveries for operators, e.g. ?status=parked (admin)")
    async def list_deliveries(
        principal: Caller,
        status: Literal["pending", "sent", "parked"] | None = None,
        unit: str | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> dict[str, Any]:
        require_admin(principal)
        async with runtime.pool.acquire() as conn:
            rows = await views.deliveries(conn, status=status, unit_id=unit, limit=limit)
        return {"items": [{k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in r.items()} for r in rows]}

    @api.post("/deliveries/{delivery_id}/retry", summary="Send a parked delivery again (admin)")
    async def retry(delivery_id: int, principal: Caller) -> dict[str, Any]:
        require_admin(principal)
        async with runtime.pool.acquire() as conn:
            row = await pg.retry_parked(conn, delivery_id)
        if row is None:
            raise ApiError(404, "no parked delivery with this id", [{"field": "id", "message": str(delivery_id)}])
        on_commit()
        return {"id": delivery_id, "status": "pending"}

    @api.post("/digests/run", summary="Assemble today's digests now (admin); the service also does it daily")
    async def run_digests(principal: Caller) -> dict[str, Any]:
        require_admin(principal)
        async with runtime.pool.acquire() as conn:
            ids = await assemble_digests(conn, now=datetime.now(UTC), settings=settings)
        on_commit()
        return {"digests": ids}

    return api


def _channels_json(unit_id: str, row: Any, stored: str | None, *, shown_secret: str | None = None) -> dict[str, Any]:
    """The channels (stored: the plain webhook secret): each registered channel's address field, and the webhook
    secret only as `webhook_secret_set` and a fingerprint, except in the answer to the PUT that set it
    (`webhook_secret`, shown once)."""
    addresses = views.addresses(row)
    body: dict[str, Any] = {"unit_id": unit_id, "inbox": True}
    body |= {c.field: addresses.get(c.name) for c in CHANNELS.values()}
    body |= {"webhook_secret_set": bool(stored), "webhook_secret_fingerprint": fingerprint(stored) if stored else None}
    if row is not None:
        body["updated_at"] = row["updated_at"].isoformat()
    if shown_secret is not None:
        body["webhook_secret"] = shown_secret
    return body
