"""On the real broker and database: /metrics shows lag per assigned partition and database statement time."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from services.scoring import app as scoring_app
from services.scoring import config
from tests.integration.support import running_app


async def test_lag_per_partition_and_database_time_are_exported(kafka_bootstrap: str, database_url: str) -> None:
    settings = config.Settings(
        kafka_bootstrap_servers=kafka_bootstrap,
        database_url=database_url,
        group_id=f"test-{uuid.uuid4().hex[:8]}",
        metrics_public=True,
    )
    async with running_app(scoring_app.create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        text = ""
        for _ in range(60):  # partitions are assigned once the group has rebalanced
            await http.get("/readyz")
            text = (await http.get("/metrics")).text
            if 'thidua_consumer_lag{partition="0",service="scoring"' in text:
                break
            await asyncio.sleep(0.5)
        assert 'thidua_consumer_lag{partition="0",service="scoring"' in text
        assert 'thidua_db_query_seconds_count{service="scoring",statement="select"}' in text
