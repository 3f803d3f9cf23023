"""How the dashboard registers itself with the platform kit (entry point `thidua.services`): an HTTP app only."""

from __future__ import annotations

from thidua.registry import ServiceSpec

SERVICE = ServiceSpec(
    name="dashboard",
    order=9,
    port=8080,
    app="services.dashboard.app:create_app",
    settings_class="services.dashboard.config:Settings",
    summary="the units' and the emulation office's web workplace (bảng điều khiển), a client of the services' APIs",
    kafka=False,
    env_prefix="WEB",
)
