"""Run one service's ASGI app with uvicorn until SIGINT or SIGTERM."""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from typing import TypeVar

import uvicorn
from fastapi import FastAPI

from thidua import registry
from thidua.runtime import logs
from thidua.runtime.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)


def serve(create_app: Callable[[S], FastAPI], settings: S) -> None:
    """Build the app from settings and serve it on the configured host and port.

    Logs go to stderr as JSON lines with LOG_FORMAT=json (containers), as plain text otherwise (`make run`)."""
    logs.configure(
        service=service_name(create_app), level=settings.log_level, fmt=getattr(settings, "log_format", None)
    )
    # FastStream logs every message at INFO; a batch-per-line log is noise at our rates.
    logging.getLogger("faststream").setLevel(logging.WARNING)
    for name in registry.names():
        logging.getLogger(f"thidua.{name}.broker").setLevel(logging.WARNING)
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    app = create_app(settings)
    tune_collector()
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_level=settings.log_level.lower(),
        log_config=None,  # uvicorn's own loggers go through the root handler configured above
        access_log=False,
        lifespan="on",
    )


def tune_collector() -> None:
    """Spare the cyclic garbage collector's walks that find nothing (issue 29): a batch of a few thousand decoded
    events allocates tens of thousands of containers, nearly all freed by reference counting; at the default
    thresholds (700, 10, 10) the collector walked the young heap every few hundred of them and the whole heap every
    few batches — a third of evidence's intake CPU and of scoring's decode + plan + decide in profiles. What start-up
    built (modules, models, rule files) lives as long as the process, so it is frozen out of every walk; rarer young
    collections still bound what cycles there are (RSS is watched flat over the bench's soak)."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def service_name(create_app: Callable[..., object]) -> str:
    """The service an app factory belongs to (services.<name>.app:create_app), for the logs' `service` field."""
    parts = getattr(create_app, "__module__", "").split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "services" else "thidua"
