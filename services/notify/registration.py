"""How the notify service registers itself with the platform kit (entry point `thidua.services`)."""

from __future__ import annotations

from typing import Any

from thidua.registry import ServiceSpec


def _create_app(settings: Any) -> Any:
    from services.notify.app import create_app

    return create_app(settings)


def _settings() -> Any:
    from services.notify.config import Settings

    return Settings()


SERVICE = ServiceSpec(
    name="notify",
    order=3,
    port=8084,
    create_app=_create_app,
    settings=_settings,
    summary="alerts and notices to units (thông báo)",
)
