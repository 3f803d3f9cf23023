"""How the notify service registers itself with the platform kit (entry point `thidua.services`)."""

from thidua.registry import ServiceSpec

SERVICE = ServiceSpec(
    name="notify",
    order=3,
    port=8084,
    summary="alerts and notices to units (thông báo)",
    app="services.notify.app:create_app",
    settings_class="services.notify.config:Settings",
)
