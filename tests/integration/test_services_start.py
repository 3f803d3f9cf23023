"""Each service starts against the real broker and database, answers its probes and consumes."""

from __future__ import annotations

import importlib
import uuid

import asyncpg
import httpx
import pytest

from schemas import topics
from tests.integration.support import eventually, running_app
from thidua.runtime.kafka import BatchPublisher, Outgoing

# Services whose consumers still only record what they receive (their behaviour comes in their own issues);
# evidence and scoring have tests of their real behaviour.
INPUTS = {
    "awards": topics.STANDINGS_CHANGED,
    "notify": topics.ALERTS,
}


@pytest.mark.parametrize("name", sorted(INPUTS))
async def test_service_is_ready_and_consumes_its_input(name: str, kafka_bootstrap: str,
                                                      database_url: str) -> None:
    config = importlib.import_module(f"services.{name}.config")
    app_module = importlib.import_module(f"services.{name}.app")
    settings = config.Settings(kafka_bootstrap_servers=kafka_bootstrap, database_url=database_url,
                               group_id=f"test-{uuid.uuid4().hex[:8]}")
    marker = uuid.uuid4().hex
    async with running_app(app_module.create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        assert (await http.get("/healthz")).status_code == 200
        ready = await http.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json() == {"service": name, "postgres": "ok", "kafka": "ok"}
        publisher = BatchPublisher(kafka_bootstrap, service="test")
        await publisher.start()
        try:
            await publisher.publish([Outgoing(INPUTS[name], marker, b"{}")])
        finally:
            await publisher.stop()

        async def consumed() -> None:
            conn = await asyncpg.connect(database_url)
            try:
                count = await conn.fetchval(f"SELECT count(*) FROM {name}.received WHERE key = $1", marker)
            finally:
                await conn.close()
            assert count == 1

        await eventually(consumed, timeout=30)
        metrics = (await http.get("/metrics")).text
        assert f'thidua_consumed_records_total{{service="{name}",topic="{INPUTS[name]}"}}' in metrics


@pytest.mark.parametrize("name", ["evidence", "scoring"])
async def test_service_is_ready(name: str, kafka_bootstrap: str, database_url: str) -> None:
    config = importlib.import_module(f"services.{name}.config")
    app_module = importlib.import_module(f"services.{name}.app")
    settings = config.Settings(kafka_bootstrap_servers=kafka_bootstrap, database_url=database_url,
                               group_id=f"test-{uuid.uuid4().hex[:8]}")
    async with running_app(app_module.create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        ready = await http.get("/readyz")
        assert ready.status_code == 200 and ready.json() == {"service": name, "postgres": "ok", "kafka": "ok"}
        assert "thidua_batch_seconds" in (await http.get("/metrics")).text
