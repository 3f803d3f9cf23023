"""Fixtures: the unit layer needs nothing; integration and e2e share one real broker and database."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest

from thidua.runtime.topics import ensure_topics
from thidua.testing.database import create_database, drop_database
from thidua.testing.infra import Infrastructure, session_infrastructure
from thidua.testing.oidc import Provider, session_provider


@pytest.fixture(scope="session")
def infra() -> Iterator[Infrastructure]:
    """Real Kafka and PostgreSQL for the whole session (started on first use, always torn down)."""
    with session_infrastructure() as running:
        # Every client the tests build from bare bootstrap servers (KafkaAccess.coerce), in-process services'
        # settings and the services the fault suite starts as processes speak as the broker's super user;
        # tests/integration/test_kafka_auth.py checks the services' and sources' own principals.
        saved = {k: os.environ.get(k) for k in running.kafka_env}
        os.environ.update(running.kafka_env)
        try:
            yield running
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


@pytest.fixture(scope="session")
async def kafka_bootstrap(infra: Infrastructure) -> str:
    """The session broker with the contract's topics created."""
    await ensure_topics(infra.kafka_bootstrap)
    return infra.kafka_bootstrap


@pytest.fixture
async def database_url(infra: Infrastructure) -> AsyncIterator[str]:
    """A fresh, empty database on the session server for one test, dropped afterwards."""
    url = await create_database(infra.database_url)
    yield url
    await drop_database(infra.database_url, url)


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[Provider]:
    """A real OpenID Connect provider (Keycloak) for the session, started by the first test that asks for it."""
    with session_provider() as running:
        yield running
