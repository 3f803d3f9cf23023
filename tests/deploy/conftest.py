"""The deployment suite (`make test-deploy`): images built with Podman, the compose stack run, the manifests applied
to a real Kubernetes API server. It needs Podman and builds images, so it runs only with THIDUA_DEPLOY=1."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from thidua.testing.images import VARIABLES, build_images

HERE = Path(__file__).resolve().parent
DEPLOY_REASON = "deployment suite: set THIDUA_DEPLOY=1 or run `make test-deploy`"


def deploy_enabled() -> bool:
    """The suite runs only when asked for (it builds images and starts a container stack)."""
    return os.environ.get("THIDUA_DEPLOY") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip this directory's tests, with the reason, unless THIDUA_DEPLOY=1."""
    if deploy_enabled():
        return
    marker = pytest.mark.skip(reason=DEPLOY_REASON)
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(marker)


@pytest.fixture(scope="session")
def built_images() -> dict[str, int]:
    """The images of this work tree, built every run (the layer cache makes an unchanged tree take seconds), so the
    stack never runs a stale image; a target whose variable names another image is left alone. Sizes by name."""
    targets = [target for target, variable in VARIABLES.items() if not os.environ.get(variable)]
    started = time.monotonic()
    sizes = build_images(targets) if targets else {}
    print(f"\n[images] {', '.join(targets) or 'none'} built in {time.monotonic() - started:.1f} s:")
    for name, size in sizes.items():
        print(f"[images]   {name}: {size / 1e6:.0f} MB")
    return sizes
