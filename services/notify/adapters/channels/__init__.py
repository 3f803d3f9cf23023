"""The push channels behind one interface (base.Channel); a channel is one module and one line below.

Delivery dispatches through CHANNELS by deliveries.channel: a name not registered here is refused and parked,
never sent another way."""

from __future__ import annotations

from collections.abc import Mapping

from services.notify.adapters.channels import mail, webhook, zalo
from services.notify.adapters.channels.base import Channel, Kit, Unusable


def registry(*channels: Channel) -> Mapping[str, Channel]:
    """The channels by name, in registration order (the order of a unit's deliveries)."""
    found: dict[str, Channel] = {}
    for channel in channels:
        if channel.name in found or any(c.field == channel.field for c in found.values()):
            raise ValueError(f"channel {channel.name!r} registered twice or its field {channel.field!r} taken")
        found[channel.name] = channel
    return found


CHANNELS = registry(
    webhook.CHANNEL,
    mail.CHANNEL,
    zalo.CHANNEL,
)

__all__ = ["CHANNELS", "Channel", "Kit", "Unusable", "registry"]
