"""Each service starts against the real broker and database and answers its probes; what only operators should
see (metrics, readiness details, the OpenAPI pages) needs an admin token unless a setting opens it."""

from __future__ import annotations

import importlib
import uuid

import httpx
import pytest

from tests.integration.support import running_app
from thidua.runtime.tokens import add_token


@pytest.mark.parametrize("name", ["evidence", "scoring", "awards", "notify"])
async def test_service_is_ready(name: str, kafka_bootstrap: str, database_url: str) -> None:
    config = importlib.import_module(f"services.{name}.config")
    app_module = importlib.import_module(f"services.{name}.app")
    settings = config.Settings(
        kafka_bootstrap_servers=kafka_bootstrap, database_url=database_url, group_id=f"test-{uuid.uuid4().hex[:8]}"
    )
    admin = {"Authorization": f"Bearer {await add_token(database_url, role='admin', unit_id=None, label='ops')}"}
    council = {"Authorization": f"Bearer {await add_token(database_url, role='council', unit_id=None, label='hđ')}"}
    async with running_app(app_module.create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        assert (await http.get("/healthz")).json()["status"] == "ok"
        # Anybody (a probe): ready or not, nothing about consumer groups, lag or parked records (issue 23).
        for headers in ({}, council, {"Authorization": "Bearer not-a-token"}):
            brief = await http.get("/readyz", headers=headers)
            assert (brief.status_code, brief.json()) == (200, {"service": name, "status": "ready"})
        ready = await http.get("/readyz", headers=admin)
        body = ready.json()
        assert ready.status_code == 200, body
        assert (body["service"], body["postgres"], body["kafka"], body["status"]) == (name, "ok", "ok", "ready")
        assert isinstance(body["parked"], int)  # earlier tests' poison on the shared topics may be parked here
        # Every consumer reports its group, lag and the age of its last progress; none is stalled.
        assert body["consumers"] and all(not c["stalled"] and c["group"].startswith("test-") for c in body["consumers"])
        # Metrics and the API's map are private by default: 401 without a token, 403 for another role.
        for path in ("/metrics", "/docs", "/redoc", "/openapi.json"):
            assert (await http.get(path)).status_code == 401, path
            assert (await http.get(path, headers=council)).status_code == 403, path
            assert (await http.get(path, headers=admin)).status_code == 200, path
        assert "thidua_batch_seconds" in (await http.get("/metrics", headers=admin)).text


async def test_settings_open_metrics_readiness_details_and_docs(kafka_bootstrap: str, database_url: str) -> None:
    config = importlib.import_module("services.awards.config")
    app_module = importlib.import_module("services.awards.app")
    settings = config.Settings(
        kafka_bootstrap_servers=kafka_bootstrap,
        database_url=database_url,
        group_id=f"test-{uuid.uuid4().hex[:8]}",
        metrics_public=True,
        docs_public=True,
    )
    async with running_app(app_module.create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        assert "consumers" in (await http.get("/readyz")).json()
        for path in ("/metrics", "/docs", "/openapi.json"):
            assert (await http.get(path)).status_code == 200, path
