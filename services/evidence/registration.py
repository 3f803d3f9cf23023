"""How the evidence service registers itself with the platform kit (entry point `thidua.services`)."""

from __future__ import annotations

from typing import Any

from thidua.registry import ServiceSpec


def _create_app(settings: Any) -> Any:
    from services.evidence.app import create_app

    return create_app(settings)


def _settings() -> Any:
    from services.evidence.config import Settings

    return Settings()


async def _register_source(*args: Any, **kwargs: Any) -> Any:
    """A source's HTTP token, Kafka user and topic (services.evidence.handlers.sources.register_source)."""
    from services.evidence.handlers.sources import register_source

    return await register_source(*args, **kwargs)


SERVICE = ServiceSpec(
    name="evidence",
    order=0,
    port=8081,
    create_app=_create_app,
    settings=_settings,
    summary="evidence intake: HTTP and Kafka front doors (cổng tiếp nhận minh chứng)",
    tasks={"register_source": _register_source},
)
