"""Fixtures: the unit layer needs nothing; integration and e2e share one real broker and database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest

from thidua.runtime.topics import ensure_topics
from thidua.testing.infra import Infrastructure, session_infrastructure


@pytest.fixture(scope="session")
def infra() -> Iterator[Infrastructure]:
    """Real Kafka and PostgreSQL for the whole session (started on first use, always torn down)."""
    with session_infrastructure() as running:
        yield running


@pytest.fixture(scope="session")
async def kafka_bootstrap(infra: Infrastructure) -> str:
    """The session broker with the contract's topics created."""
    await ensure_topics(infra.kafka_bootstrap)
    return infra.kafka_bootstrap


@pytest.fixture
async def database_url(infra: Infrastructure) -> AsyncIterator[str]:
    """A fresh, empty database on the session server for one test, dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(infra.database_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = infra.database_url.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    admin = await asyncpg.connect(infra.database_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()
