"""Benchmark support: a whole throw-away stack (Kafka, PostgreSQL, services) on spare ports."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from thidua.localinfra import stack as stack_module
from thidua.localinfra.process import free_port


@contextlib.contextmanager
def throwaway_stack() -> Iterator[stack_module.Stack]:
    """Start everything in a temporary directory on free ports; stop and delete it afterwards."""
    root = Path(tempfile.mkdtemp(prefix="thidua-bench-"))
    saved = dict(os.environ)
    os.environ.update({"THIDUA_KAFKA_PORT": str(free_port()), "THIDUA_KAFKA_CONTROLLER_PORT": str(free_port()),
                       "THIDUA_POSTGRES_PORT": str(free_port())})
    for svc in stack_module.SERVICES:
        os.environ[svc.port_env] = str(free_port())
    os.environ.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    os.environ.pop("DATABASE_URL", None)
    running = stack_module.Stack(root)
    try:
        running.start_infrastructure()
        running.start_services()
        yield running
    finally:
        running.shutdown()
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(root, ignore_errors=True)
