"""The push channels behind one interface: one registry, its fields in the API, and no silent fallback."""

from __future__ import annotations

from typing import Any

import pytest

from services.notify.adapters.channels import CHANNELS, registry
from services.notify.adapters.channels.mail import CHANNEL as MAIL
from services.notify.adapters.sealing import SecretBox
from services.notify.channels_api import ChannelsIn
from services.notify.config import Settings
from services.notify.domain.delivery import DeliveryResult
from services.notify.handlers.deliver import Deliverer


def test_every_channel_is_registered_once_with_its_own_field() -> None:
    assert list(CHANNELS) == ["webhook", "email", "zalo"]
    assert {c.field for c in CHANNELS.values()} == {"webhook_url", "email", "zalo_user_id"}
    with pytest.raises(ValueError, match="twice"):
        registry(MAIL, MAIL)


def test_the_channels_body_takes_one_field_per_registered_channel() -> None:
    assert set(ChannelsIn.model_fields) == {"webhook_secret", "rotate_secret", "webhook_url", "email", "zalo_user_id"}
    with pytest.raises(ValueError):
        ChannelsIn.model_validate({"sms_number": "0912345678"})  # no such channel: refused, not ignored


def _row(channel: str) -> dict[str, Any]:
    return {"id": 1, "channel": channel, "target": "x", "attempts": 0}


def _deliverer(settings: Settings) -> Deliverer:
    def no_pool() -> Any:
        raise AssertionError("no database in this test")

    return Deliverer(no_pool, settings, SecretBox())


async def test_a_channel_not_registered_is_refused_never_sent_another_way() -> None:
    result = await _deliverer(Settings())._attempt(_row("sms"))
    assert result == DeliveryResult.refused("refused: no channel 'sms' is registered")
    assert result.outcome == "refused" and result.park


async def test_a_channel_the_operator_has_not_configured_is_refused() -> None:
    result = await _deliverer(Settings())._attempt(_row("zalo"))
    assert result == DeliveryResult.refused("refused: the zalo channel is not configured")
