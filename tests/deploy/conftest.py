"""The deployment suite (`make test-deploy`): images built with Podman, the compose stack run, the manifests applied
to a real Kubernetes API server. It needs Podman and builds images, so it runs only with THIDUA_DEPLOY=1."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
