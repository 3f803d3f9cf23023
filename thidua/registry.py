"""Where the platform kit learns which services exist: they register themselves, the kit never imports them.

Each service declares a `ServiceSpec` in its `registration` module and names it in pyproject.toml's entry-point
group `thidua.services`; the CLI, the local stack and the tests read the group. What a service consumes and produces
is declared once, on each topic (`schemas/topics.py`: its producers and consumers): the contract's exports and the
Kafka rights are drawn from there and may not import a service, and a topic's two ends are then written once, not
at each end; `ServiceSpec.consumes`/`produces` are this service's view of it. Operator tasks a service
offers (e.g. evidence's source registration, scoring's rebuild) are callables in its spec, so the kit can run
them without knowing the service's modules.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import entry_points
from typing import Any

from schemas import topics

GROUP = "thidua.services"


@dataclass(frozen=True)
class ServiceSpec:
    """A service as the kit sees it: its name, default port, how to build it and the tasks it offers."""

    name: str
    order: int
    port: int
    summary: str
    # "module:attribute" of the app factory and of the settings class, imported only when used.
    app: str
    settings_class: str
    # Extra sub-commands of `thidua <name> …` (e.g. scoring's `rebuild`); each sets `task` on its parser.
    add_commands: Callable[[argparse.ArgumentParser], None] | None = None
    # Operator tasks by name (e.g. "register_source": "module:function"), for the CLI and the demo.
    tasks: Mapping[str, str] = field(default_factory=dict)
    # False for an app that only calls the services' HTTP APIs (the dashboard): no Kafka user, topics or ACLs.
    kafka: bool = True
    # Prefix of its environment variables when not its name in capitals (the dashboard's WEB_HTTP_PORT).
    env_prefix: str | None = None

    @property
    def consumes(self) -> dict[str, str]:
        """Topic -> message this service reads (none for a non-Kafka app), as the topic declares its readers."""
        return topics.consumed_by(self.name) if self.kafka else {}

    @property
    def produces(self) -> dict[str, str]:
        """Topic -> message this service writes, as the contract's topics declare it (none for a non-Kafka app)."""
        return topics.produced_by(self.name) if self.kafka else {}

    @property
    def port_env(self) -> str:
        return f"{(self.env_prefix or self.name).upper()}_HTTP_PORT"

    def create_app(self, settings: Any) -> Any:
        """The service's ASGI app for settings."""
        return _load(self.app)(settings)

    def settings(self, **values: Any) -> Any:
        """The service's settings, from the environment and values."""
        return _load(self.settings_class)(**values)


def _load(target: str) -> Any:
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)


@cache
def services() -> tuple[ServiceSpec, ...]:
    """Every registered service, in start order (evidence first: the others consume what it accepts)."""
    found = [ep.load() for ep in entry_points(group=GROUP)]
    bad = [spec for spec in found if not isinstance(spec, ServiceSpec)]
    if bad:
        raise TypeError(f"entry points of {GROUP} must be ServiceSpec objects: {bad!r}")
    if not found:
        raise RuntimeError(f"no service registered in the entry-point group {GROUP}: run `make` (pip install -e .)")
    return tuple(sorted(found, key=lambda spec: spec.order))


def service(name: str) -> ServiceSpec:
    """The registered service called name."""
    for spec in services():
        if spec.name == name:
            return spec
    raise KeyError(f"no service {name!r} is registered")


def names() -> tuple[str, ...]:
    """The registered services' names, in start order."""
    return tuple(spec.name for spec in services())


def kafka_services() -> tuple[ServiceSpec, ...]:
    """The registered services that consume and publish on Kafka, in start order."""
    return tuple(spec for spec in services() if spec.kafka)


def kafka_names() -> tuple[str, ...]:
    """The names of the services that speak Kafka, in start order."""
    return tuple(spec.name for spec in kafka_services())


def task(name: str) -> Callable[..., Any]:
    """The operator task called name, from whichever service offers it."""
    for spec in services():
        if name in spec.tasks:
            return _load(spec.tasks[name])
    raise KeyError(f"no registered service offers the task {name!r}")
