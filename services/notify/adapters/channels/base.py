"""The one interface every push channel implements, and what channels share (settings, HTTP client, DNS)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from services.notify.adapters.targets import Resolver, system_resolver
from services.notify.config import Settings
from services.notify.domain.delivery import DeliveryResult, Outgoing


class Unusable(ValueError):
    """A unit's address for a channel may not be used; the message says why (422 on PUT …/channels)."""


@dataclass
class Kit:
    """What a channel may use: the service's settings, the DNS resolver and, in the push loop, one HTTP client."""

    settings: Settings
    resolver: Resolver = system_resolver
    http: httpx.AsyncClient | None = None

    @asynccontextmanager
    async def client(self) -> AsyncIterator[httpx.AsyncClient]:
        """The shared HTTP client, or a short-lived one outside the push loop."""
        if self.http is not None:
            yield self.http
            return
        async with httpx.AsyncClient(timeout=self.settings.webhook_timeout_seconds) as http:
            yield http


class Channel(Protocol):
    """A way to push a notification to a unit. Implementations are stateless and registered in __init__.py.

    `name` is stored in deliveries.channel and labels the metric; `field` is the unit's address in
    PUT/GET /v1/units/{unit_id}/channels and `address` its type there (pydantic validates it)."""

    name: str
    field: str

    @property
    def address(self) -> Any:
        """The address's type for the API, e.g. Annotated[str, Field(pattern=...)]."""
        ...

    def configured(self, settings: Settings) -> bool:
        """True when the operator has set the channel up; an unconfigured channel takes no addresses."""
        ...

    async def check(self, address: str, kit: Kit) -> None:
        """Raise Unusable when a unit may not register this address (checked on PUT, before storing)."""
        ...

    async def send(self, message: Outgoing, address: str, kit: Kit) -> DeliveryResult:
        """One attempt; an exception counts as a failed attempt with its type and text."""
        ...
