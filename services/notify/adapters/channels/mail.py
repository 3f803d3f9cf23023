"""E-mail over SMTP (stdlib smtplib in a thread, a local relay without authentication)."""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Annotated

from pydantic import Field

from services.notify.adapters.channels.base import Kit
from services.notify.config import Settings
from services.notify.domain.delivery import SENT, DeliveryResult, Outgoing


def email_message(message: Outgoing, address: str, *, sender: str) -> EmailMessage:
    """A UTF-8 e-mail of a notification; its Message-ID lets a mailbox drop a rare resend."""
    msg = EmailMessage()
    msg["Subject"] = message.title
    msg["From"] = sender
    msg["To"] = address
    msg["Message-ID"] = make_msgid(idstring=f"thidua-notify-{message.notification_id}", domain="thidua.local")
    link = message.link
    msg.set_content(message.body + (f"\n\n{link}" if link and link not in message.body else ""), charset="utf-8")
    return msg


class Email:
    """The unit's mailbox, through NOTIFY_SMTP_HOST:NOTIFY_SMTP_PORT from NOTIFY_SMTP_FROM."""

    name = "email"
    field = "email"
    address = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$", max_length=320)]

    def configured(self, settings: Settings) -> bool:
        return bool(settings.smtp_host)

    async def check(self, address: str, kit: Kit) -> None:
        return None  # the address's form is all that can be checked before a message is sent

    async def send(self, message: Outgoing, address: str, kit: Kit) -> DeliveryResult:
        await asyncio.to_thread(self._send, message, address, kit.settings)
        return SENT

    @staticmethod
    def _send(message: Outgoing, address: str, s: Settings) -> None:
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds) as smtp:
            smtp.send_message(email_message(message, address, sender=s.smtp_from))


CHANNEL = Email()
