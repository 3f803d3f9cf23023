"""Every pod of deploy/k8s runs as the image's numeric non-root user, which the kubelet can verify."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.unit.test_deploy import BASE, DOCKERFILE, LOCAL, render


def _image_user() -> tuple[int, int]:
    """The final stage's `USER uid:gid` of deploy/Dockerfile (numbers, not names)."""
    users = re.findall(r"^USER\s+(\S+)\s*$", DOCKERFILE.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert users, "deploy/Dockerfile sets no USER"
    uid, _, gid = users[-1].partition(":")
    assert uid.isdigit() and gid.isdigit(), f"USER {users[-1]}: numbers, so runAsNonRoot can be checked"
    return int(uid), int(gid)


@pytest.mark.parametrize("directory", [BASE, LOCAL], ids=["base", "local"])
def test_every_pod_runs_as_the_images_non_root_user(directory: Any) -> None:
    uid, gid = _image_user()
    assert uid != 0
    pods = [m for m in render(directory) if m["kind"] in {"Deployment", "Job"}]
    assert len(pods) >= 7
    for manifest in pods:
        context = manifest["spec"]["template"]["spec"].get("securityContext", {})
        name = f"{manifest['kind']} {manifest['metadata']['name']}"
        assert context.get("runAsNonRoot") is True, name
        assert (context.get("runAsUser"), context.get("runAsGroup")) == (uid, gid), name
        for container in manifest["spec"]["template"]["spec"]["containers"]:
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
            assert container["securityContext"]["capabilities"]["drop"] == ["ALL"], name
