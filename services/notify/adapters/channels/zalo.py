"""Zalo Official Account messages (tin nhắn tư vấn của OA), where Vietnamese officials read their notices.

Written against Zalo's OA API v3 ("Gửi tin nhắn tư vấn", developers.zalo.me, Official Account API): the
official page could not be opened from here, so the request and answer below were checked against Zalo's
published client code and SDK documentation that follow it, and from memory:
- `POST https://openapi.zalo.me/v3.0/oa/message/cs`, header `access_token: <OA access token>` (v3 takes the token
  in a header, not in the query), `Content-Type: application/json`;
- body `{"recipient": {"user_id": "<the follower's user id for this OA>"}, "message": {"text": "<at most 2000
  characters>"}}`;
- answer `{"error": 0, "message": "Success", "data": {"message_id": ..., "user_id": ...}}`; a non-zero `error`
  (e.g. -216 access token invalid, -213 user has not followed the OA) is a failure, usually with HTTP 200.
Off unless NOTIFY_ZALO_ACCESS_TOKEN is set; NOTIFY_ZALO_API_URL points elsewhere only for tests. Refreshing the
token (it expires) is the operator's: a failure is retried with backoff and then parked, and like a webhook
only the status or Zalo's error code is kept, never the answer's text."""

from __future__ import annotations

import json
from typing import Annotated

from pydantic import Field

from services.notify.adapters.channels.base import Kit
from services.notify.config import Settings
from services.notify.domain.delivery import SENT, DeliveryResult, Outgoing

TEXT_LIMIT = 2000  # Zalo's limit for the text of a message


def bounded_text(message: Outgoing, limit: int = TEXT_LIMIT) -> str:
    """The message as Zalo text within limit; a long one is cut in the body and still ends with its link."""
    text = message.text()
    if len(text) <= limit:
        return text
    tail = "…" + (f"\n\n{message.link}" if message.link else "")
    return text[: max(0, limit - len(tail))].rstrip() + tail


class Zalo:
    """A unit's official reached on Zalo through the province's Official Account (user id of an OA follower)."""

    name = "zalo"
    field = "zalo_user_id"
    address = Annotated[
        str, Field(pattern=r"^[0-9]{1,32}$", description="the official's user id as the Official Account sees it")
    ]

    def configured(self, settings: Settings) -> bool:
        return bool(settings.zalo_access_token.get_secret_value())

    async def check(self, address: str, kit: Kit) -> None:
        return None  # Zalo alone knows whether the user follows the OA: the first delivery tells

    async def send(self, message: Outgoing, address: str, kit: Kit) -> DeliveryResult:
        s = kit.settings
        body = {"recipient": {"user_id": address}, "message": {"text": bounded_text(message)}}
        headers = {"access_token": s.zalo_access_token.get_secret_value(), "Content-Type": "application/json"}
        async with kit.client() as http:
            answer = await http.post(
                s.zalo_api_url, content=json.dumps(body, ensure_ascii=False).encode(), headers=headers
            )
        if not 200 <= answer.status_code < 300:
            return DeliveryResult.failed(f"HTTP {answer.status_code}")
        try:
            code = answer.json().get("error")
        except (ValueError, AttributeError):
            return DeliveryResult.failed(f"HTTP {answer.status_code}, not a Zalo answer")
        if code != 0:
            return DeliveryResult.failed(f"Zalo error {code}" if isinstance(code, int) else "Zalo error")
        return SENT


CHANNEL = Zalo()
