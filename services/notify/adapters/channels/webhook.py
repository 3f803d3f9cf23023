"""Webhooks: a signed JSON POST to the unit's receiver, which must be a public address (checked twice)."""

from __future__ import annotations

import time
from typing import Annotated

from cryptography.fernet import InvalidToken
from pydantic import Field

from services.notify.adapters.channels.base import Kit, Unusable
from services.notify.adapters.targets import AddressRefused, Unresolvable, check_target, pinned_request
from services.notify.config import Settings
from services.notify.domain import delivery
from services.notify.domain.delivery import SENT, DeliveryResult, Outgoing


class Webhook:
    """The unit's own receiver; the body is signed with the unit's secret (X-Thidua-Signature, timestamped; the
    contract's X-Signature too unless NOTIFY_WEBHOOK_LEGACY_SIGNATURE=false)."""

    name = "webhook"
    field = "webhook_url"
    address = Annotated[str, Field(pattern=r"^https?://\S+$", max_length=2000)]

    def configured(self, settings: Settings) -> bool:
        return True  # nothing for the operator to set: the unit names its receiver

    async def check(self, address: str, kit: Kit) -> None:
        try:
            await check_target(address, kit.settings.webhook_allow_list, kit.resolver)
        except (AddressRefused, Unresolvable) as exc:
            raise Unusable(str(exc)) from None

    async def send(self, message: Outgoing, address: str, kit: Kit) -> DeliveryResult:
        try:
            secret = message.secret()
        except InvalidToken:
            return DeliveryResult.failed("the webhook secret cannot be decrypted (NOTIFY_SECRET_KEY changed?)")
        if not secret:
            return DeliveryResult.failed("no webhook secret for this unit")
        # Checked again now, not only at registration: the name may resolve elsewhere today (DNS rebinding), or
        # the allow-list may have changed. The request then goes to the address just checked.
        try:
            target = await check_target(address, kit.settings.webhook_allow_list, kit.resolver)
        except AddressRefused as exc:
            return DeliveryResult.refused(f"refused: {exc}")
        body = delivery.body_bytes(message.document())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Thidua-Signature": delivery.timestamped_signature(secret, body, int(time.time())),
            "X-Notification-Id": str(message.notification_id),
            "User-Agent": "thidua-notify/1",
        }
        if kit.settings.webhook_legacy_signature:
            # The binding contract names it (add, never remove): it stays until the operator turns it off, since
            # a receiver that accepts it can be fed a replayed request with the timestamped header stripped.
            headers["X-Signature"] = delivery.signature(secret, body)
        async with kit.client() as http:
            answer = await http.send(
                pinned_request(http, target, content=body, headers=headers), stream=True, follow_redirects=False
            )
            await answer.aclose()
        if not 200 <= answer.status_code < 300:
            # Only the status is kept: the receiver's answer is neither read nor stored nor shown back.
            return DeliveryResult.failed(f"HTTP {answer.status_code}")
        return SENT


CHANNEL = Webhook()
