"""make run's provider: the process started in the background outlives the start (issue 27's make run).

The parent-death signal every child gets (PR_SET_PDEATHSIG) follows the THREAD that forked it: a provider started
from a thread that then ended was stopped by the kernel a moment after "Keycloak ready"."""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from thidua.operator.localinfra import stack as stack_module
from thidua.operator.localinfra.process import spawn, stop


def test_the_provider_started_in_the_background_lives_until_shutdown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    children: list[Any] = []

    class Server:
        def stop(self) -> None:
            for child in children:
                stop(child, timeout=5)

    def fake_start(state_dir: Path, *, port: int, dashboard_url: str) -> Any:
        children.append(spawn(["sleep", "60"], log_path=state_dir / "logs" / "provider.log"))
        return SimpleNamespace(server=Server(), service_env={"OIDC_ISSUER": "http://127.0.0.1:1/realms/x"})

    monkeypatch.setattr(stack_module, "start_demo_provider", fake_start)
    monkeypatch.setattr(stack_module, "port_open", lambda _port: False, raising=False)
    running = stack_module.Stack(tmp_path)
    running.env = {"THIDUA_KEYCLOAK_PORT": "18180"}
    running.begin_provider()
    running.await_provider()
    time.sleep(1.0)  # the kernel's signal would have arrived by now
    assert children and children[0].poll() is None, "the provider died when the thread that started it ended"
    assert running.env["OIDC_ISSUER"].endswith("/realms/x")
    running.shutdown()
    assert children[0].poll() is not None
