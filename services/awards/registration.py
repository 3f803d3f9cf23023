"""How the awards service registers itself with the platform kit (entry point `thidua.services`)."""

from __future__ import annotations

from typing import Any

from thidua.registry import ServiceSpec


def _create_app(settings: Any) -> Any:
    from services.awards.app import create_app

    return create_app(settings)


def _settings() -> Any:
    from services.awards.config import Settings

    return Settings()


SERVICE = ServiceSpec(
    name="awards",
    order=2,
    port=8083,
    create_app=_create_app,
    settings=_settings,
    summary="year-end titles and nominations (khen thưởng)",
)
