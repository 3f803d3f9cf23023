"""Session infrastructure: testcontainers where a Docker engine answers, local processes otherwise."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from thidua.runtime.kafka_access import KafkaAccess


@dataclass(frozen=True)
class Infrastructure:
    """Where the session's broker and database listen."""

    kafka_bootstrap: str
    database_url: str
    kind: str
    # The super user's KAFKA_* variables where the broker authenticates (the local one does, with SCRAM).
    kafka_env: dict[str, str] = field(default_factory=dict)

    @property
    def kafka_admin(self) -> KafkaAccess:
        """The broker's super user (PLAINTEXT where the broker does not authenticate)."""
        return KafkaAccess.from_env({**self.kafka_env, "KAFKA_BOOTSTRAP_SERVERS": self.kafka_bootstrap})


def docker_engine_available() -> bool:
    """True when a Docker engine (not just the client) answers."""
    try:
        import docker

        docker.from_env(timeout=3).ping()
        return True
    except Exception:
        return False


@contextlib.contextmanager
def _containers() -> Iterator[Infrastructure]:
    from testcontainers.kafka import KafkaContainer
    from testcontainers.postgres import PostgresContainer

    with (
        KafkaContainer("apache/kafka:4.1.1").with_kraft() as kafka,
        PostgresContainer("postgres:17", driver=None) as pg,
    ):
        yield Infrastructure(kafka.get_bootstrap_server(), pg.get_connection_url(), "testcontainers")


@contextlib.contextmanager
def _local_processes() -> Iterator[Infrastructure]:
    from thidua.operator.localinfra.kafka import LocalKafka
    from thidua.operator.localinfra.postgres import LocalPostgres
    from thidua.operator.localinfra.process import free_port

    root = Path(tempfile.mkdtemp(prefix="thidua-test-"))
    kafka = LocalKafka(root / "kafka", port=free_port(), controller_port=free_port())
    postgres = LocalPostgres(root / "postgres", port=free_port(), durable=False)
    try:
        started = time.monotonic()
        postgres.start()
        kafka.start()
        print(
            f"\n==> test infrastructure up in {time.monotonic() - started:.1f}s: "
            f"Kafka {kafka.bootstrap}, PostgreSQL 127.0.0.1:{postgres.port} "
            f"(SCRAM, password in {postgres.passwords_dir})",
            flush=True,
        )
        yield Infrastructure(kafka.bootstrap, postgres.url, "local processes", kafka.admin_access.as_env())
    finally:
        kafka.stop()
        postgres.stop()
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def session_infrastructure() -> Iterator[Infrastructure]:
    """Fresh Kafka and PostgreSQL for one test session, torn down at its end whatever happened."""
    factory = _containers if docker_engine_available() else _local_processes
    with factory() as infra:
        yield infra
