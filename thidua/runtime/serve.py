"""Run one service's ASGI app with uvicorn until SIGINT or SIGTERM."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

import uvicorn
from fastapi import FastAPI

from thidua import registry
from thidua.runtime.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)


def serve(create_app: Callable[[S], FastAPI], settings: S) -> None:
    """Build the app from settings and serve it on the configured host and port."""
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # FastStream logs every message at INFO; a batch-per-line log is noise at our rates.
    logging.getLogger("faststream").setLevel(logging.WARNING)
    for name in registry.names():
        logging.getLogger(f"thidua.{name}.broker").setLevel(logging.WARNING)
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    app = create_app(settings)
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_level=settings.log_level.lower(),
        access_log=False,
        lifespan="on",
    )
