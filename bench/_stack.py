"""Benchmark support: a whole throw-away stack (Kafka, PostgreSQL, services) on spare ports."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from thidua.operator.localinfra import stack as stack_module
from thidua.operator.localinfra.process import free_port


@contextlib.contextmanager
def throwaway_stack() -> Iterator[stack_module.Stack]:
    """Start everything in a temporary directory on free ports; stop and delete it afterwards."""
    root = Path(tempfile.mkdtemp(prefix="thidua-bench-"))
    saved = dict(os.environ)
    os.environ.update(
        {
            "THIDUA_KAFKA_PORT": str(free_port()),
            "THIDUA_KAFKA_CONTROLLER_PORT": str(free_port()),
            "THIDUA_POSTGRES_PORT": str(free_port()),
            # The throw-away stack's freshness histograms are read from /metrics without a token.
            "METRICS_PUBLIC": "true",
        }
    )
    for svc in stack_module.SERVICES:
        os.environ[svc.port_env] = str(free_port())
    os.environ.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    os.environ.pop("DATABASE_URL", None)
    running = stack_module.Stack(root)
    try:
        running.start_infrastructure()
        running.start_services()
        # The bench's own clients (producers, counters, the CLI) speak as the operator (the broker's admin user).
        os.environ.update(running.operator_env())
        yield running
    finally:
        running.shutdown()
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def endpoints(*, running: bool, service: str) -> Iterator[tuple[str, str, str]]:
    """(Kafka bootstrap, database URL, the service's base URL): `make run`'s stack or a throw-away one."""
    if running:
        svc = stack_module.service(service)
        yield (
            os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
            os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:15432/postgres"),
            f"http://127.0.0.1:{os.environ.get(svc.port_env, svc.port)}",
        )
        return
    with throwaway_stack() as stack:
        yield (
            stack.env["KAFKA_BOOTSTRAP_SERVERS"],
            stack.env["DATABASE_URL"],
            f"http://127.0.0.1:{stack.port_of(stack_module.service(service))}",
        )
