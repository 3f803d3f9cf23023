"""How the awards service registers itself with the platform kit (entry point `thidua.services`)."""

from thidua.registry import ServiceSpec

SERVICE = ServiceSpec(
    name="awards",
    order=2,
    port=8083,
    summary="year-end titles and nominations (khen thưởng)",
    app="services.awards.app:create_app",
    settings_class="services.awards.config:Settings",
)
