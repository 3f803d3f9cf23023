"""A running evidence service with a registered source, and envelopes to send it."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from services.evidence.app import create_app
from services.evidence.config import Settings
from services.evidence.handlers.sources import add_source
from tests.integration.support import running_app


@dataclass(frozen=True)
class Evidence:
    """A running evidence service with one registered source."""

    http: httpx.AsyncClient
    source: str
    token: str
    kafka: str
    database_url: str


@pytest.fixture
async def evidence(kafka_bootstrap: str, database_url: str) -> AsyncIterator[Evidence]:
    source = f"motcua-{uuid.uuid4().hex[:8]}"
    token = await add_source(database_url, name=source, units=["H40.12.05", "H40.12.06"])
    settings = Settings(
        kafka_bootstrap_servers=kafka_bootstrap,
        database_url=database_url,
        group_id=f"test-{uuid.uuid4().hex[:8]}",
        max_body_bytes=200_000,
        metrics_public=True,  # the tests read /metrics without a token
    )
    async with running_app(create_app(settings)) as base:
        async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}) as http:
            yield Evidence(http, source, token, kafka_bootstrap, database_url)


def envelope(event_id: str, unit_id: str = "H40.12.05", **overrides: Any) -> dict[str, Any]:
    """A valid procedure.processed envelope (the contract's example)."""
    body: dict[str, Any] = {
        "event_id": event_id,
        "type": "procedure.processed",
        "schema_version": 1,
        "occurred_at": "2025-03-14T09:30:00+07:00",
        "unit_id": unit_id,
        "officer_id": "CB-004512",
        "payload": {
            "dossier_code": f"HS-{event_id}",
            "procedure_code": "1.001234",
            "channel": "online",
            "received_at": "2025-03-10T08:00:00+07:00",
            "due_at": "2025-03-14T17:00:00+07:00",
            "finished_at": "2025-03-14T09:30:00+07:00",
            "status": "resolved",
            "supplement_requests": 0,
            "supplement_days": 0,
            "fee_required": True,
            "paid_online": True,
            "digitized": True,
            "e_result": True,
            "data_reused": False,
        },
    }
    body.update(overrides)
    return body
