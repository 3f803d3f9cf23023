"""Each service starts against the real broker and database and answers its probes."""

from __future__ import annotations

import importlib
import uuid

import httpx
import pytest

from tests.integration.support import running_app


@pytest.mark.parametrize("name", ["evidence", "scoring", "awards", "notify"])
async def test_service_is_ready(name: str, kafka_bootstrap: str, database_url: str) -> None:
    config = importlib.import_module(f"services.{name}.config")
    app_module = importlib.import_module(f"services.{name}.app")
    settings = config.Settings(
        kafka_bootstrap_servers=kafka_bootstrap, database_url=database_url, group_id=f"test-{uuid.uuid4().hex[:8]}"
    )
    async with running_app(app_module.create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        assert (await http.get("/healthz")).json()["status"] == "ok"
        ready = await http.get("/readyz")
        body = ready.json()
        assert ready.status_code == 200, body
        assert (body["service"], body["postgres"], body["kafka"], body["status"]) == (name, "ok", "ok", "ready")
        assert isinstance(body["parked"], int)  # earlier tests' poison on the shared topics may be parked here
        # Every consumer reports its group, lag and the age of its last progress; none is stalled.
        assert body["consumers"] and all(not c["stalled"] and c["group"].startswith("test-") for c in body["consumers"])
        assert "thidua_batch_seconds" in (await http.get("/metrics")).text
