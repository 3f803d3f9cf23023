"""HTTP face of a unit's push channels: its addresses and the webhook secret (sealed at rest, shown once)."""

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, create_model

from schemas.http.notify import Channels
from services.notify import views
from services.notify.adapters import postgres as pg
from services.notify.adapters.channels import CHANNELS, Unusable
from services.notify.api import Notifier, require_unit
from services.notify.domain.delivery import fingerprint, new_secret
from thidua.runtime.http import Caller, refuse, runtime_of

router = APIRouter(prefix="/v1", tags=["notify"])


class ChannelsBase(BaseModel):
    """PUT /v1/units/{unit_id}/channels: push channels; an omitted one is switched off."""

    model_config = ConfigDict(extra="forbid")

    webhook_secret: Annotated[str, Field(min_length=16, max_length=200)] | None = None
    rotate_secret: bool = Field(False, description="replace the webhook secret by a new generated one (shown once)")


def _channels_model() -> type[ChannelsBase]:
    """The PUT body: the webhook secret's options and one optional address field per registered channel."""
    fields: dict[str, Any] = {c.field: (c.address | None, None) for c in CHANNELS.values()}
    return create_model("ChannelsIn", __base__=ChannelsBase, __doc__=ChannelsBase.__doc__, **fields)


class _ChannelsClosed(Channels):
    """The channels answer with no field beyond the registry's."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _channels_answer() -> type[Channels]:
    """The channels answer: schemas' Channels and one address field per registered channel (None when unset)."""
    fields: dict[str, Any] = {c.field: (str | None, ...) for c in CHANNELS.values()}
    return create_model("ChannelsOut", __base__=_ChannelsClosed, __doc__=Channels.__doc__, **fields)


# `updated_at` (once stored) and `webhook_secret` (in the PUT that set it) are sent only then: answers exclude unset.
ChannelsOut = _channels_answer()

# The fields come from the channel registry, so a new channel needs no change here; type checkers see the base.
if TYPE_CHECKING:
    ChannelsIn = ChannelsBase
else:
    ChannelsIn = _channels_model()


@router.get(
    "/units/{unit_id}/channels",
    summary="A unit's push channels, never the webhook secret (unit token or admin)",
    response_model=ChannelsOut,
    response_model_exclude_unset=True,
)
async def get_channels(request: Request, unit_id: str, principal: Caller, edge: Notifier) -> dict[str, Any]:
    require_unit(principal, unit_id)
    async with runtime_of(request).pool.acquire() as conn:
        row = await views.channels(conn, unit_id)
    return _channels_json(unit_id, row, edge.box.reveal(row))


@router.put(
    "/units/{unit_id}/channels",
    summary="Set a unit's push channels; the webhook URL must reach a public"
    " address; a webhook secret is generated when none is given and"
    " shown once; a channel the server has not configured is refused (unit token or admin)",
    response_model=ChannelsOut,
    response_model_exclude_unset=True,
)
async def put_channels(
    request: Request, unit_id: str, body: ChannelsIn, principal: Caller, edge: Notifier
) -> dict[str, Any]:
    require_unit(principal, unit_id)
    if body.rotate_secret and body.webhook_secret:
        raise refuse(
            422,
            "give a webhook_secret or ask for rotate_secret, not both",
            "rotate_secret",
            "a rotated secret is generated",
        )
    given = {c: getattr(body, c.field) for c in CHANNELS.values() if getattr(body, c.field) is not None}
    for channel, address in given.items():
        try:
            if not channel.configured(edge.settings):
                raise Unusable(f"the {channel.name} channel is not configured on this server")
            await channel.check(address, edge.kit)
        except Unusable as exc:
            raise refuse(422, f"{channel.field} may not be used", channel.field, str(exc)) from None
    async with runtime_of(request).pool.acquire() as conn, conn.transaction():
        current = await views.channels(conn, unit_id)
        kept = None if body.rotate_secret else edge.box.reveal(current)
        secret = body.webhook_secret or kept or new_secret()
        addresses = {c.name: address for c, address in given.items()}
        row = await pg.put_channels(conn, unit_id, addresses=addresses, sealed_secret=edge.box.seal(secret))
    # The secret is shown when this request set it (given, generated or rotated), never again.
    return _channels_json(unit_id, row, secret, shown_secret=secret if body.webhook_secret or secret != kept else None)


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
