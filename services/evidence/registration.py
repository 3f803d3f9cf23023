"""How the evidence service registers itself with the platform kit (entry point `thidua.services`)."""

from thidua.registry import ServiceSpec

SERVICE = ServiceSpec(
    name="evidence",
    order=0,
    port=8081,
    app="services.evidence.app:create_app",
    settings_class="services.evidence.config:Settings",
    summary="evidence intake: HTTP and Kafka front doors (cổng tiếp nhận minh chứng)",
    # A source's HTTP token, Kafka user and topic.
    tasks={
        "register_source": "services.evidence.handlers.sources:register_source",
        # The national portal's door: a source's unit-code and upstream-user mappings.
        "map_source_name": "services.evidence.handlers.mappings:map_task",
        "unmap_source_name": "services.evidence.handlers.mappings:unmap_task",
        "source_mappings": "services.evidence.handlers.mappings:mappings_task",
    },
)
