"""The images an operator runs: built from this work tree, non-root, no test tools, the runtime pins exactly, the
rule files, calendars and the dashboard's files inside (package data)."""

from __future__ import annotations

import json
import subprocess

from tests.unit.test_runtime_lock import RUNTIME, normalize
from thidua.testing.images import IMAGES, engine, engine_env

APP = IMAGES["app"]
DEV_ONLY = ("pytest", "mypy", "selenium", "kubernetes_validate", "ruff", "hypothesis", "schemathesis", "testcontainers")
# What the image must carry beside the code, as package data (paths inside site-packages).
DATA = (
    "services/scoring/rules/rulebook.toml",
    "services/awards/rules/awards.toml",
    "services/dashboard/templates/base.html",
    "services/dashboard/static/app.css",
)

_PROBE = """
import importlib.metadata as md, importlib.util as u, json, os, pathlib, sysconfig
site = pathlib.Path(sysconfig.get_paths()["purelib"])
print(json.dumps({
    "uid": os.getuid(), "gid": os.getgid(),
    "dev": [m for m in %r if u.find_spec(m)],
    "data": {p: (site / p).is_file() for p in %r},
    "calendars": sorted(c.name for c in (site / "services/scoring/rules/calendar").glob("*.toml")),
    "dists": {d.metadata["Name"].lower().replace("_", "-"): d.version for d in md.distributions()},
}))
"""


def _run(image: str, *argv: str, entrypoint: str) -> str:
    result = subprocess.run(
        [engine(), "run", "--rm", "--network", "none", "--entrypoint", entrypoint, image, *argv],
        env=engine_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"{image} {entrypoint} {argv}: {result.stderr[-2000:]}"
    return result.stdout


def test_the_app_image_is_non_root_without_test_tools_and_pinned(built_images: dict[str, int]) -> None:
    probe = json.loads(_run(APP, "-c", _PROBE % (DEV_ONLY, DATA), entrypoint="/opt/venv/bin/python"))
    assert (probe["uid"], probe["gid"]) == (10001, 10001)
    assert probe["dev"] == [], f"test tools in the runtime image: {probe['dev']}"
    assert all(probe["data"].values()), f"package data missing: {probe['data']}"
    assert {"2025.toml", "2026.toml"} <= set(probe["calendars"]), probe["calendars"]
    pins = RUNTIME
    installed = {normalize(name): version for name, version in probe["dists"].items() if name != "thidua"}
    assert installed == pins, {
        "not pinned": sorted(set(installed) - set(pins)),
        "missing": sorted(set(pins) - set(installed)),
        "other version": sorted(n for n in set(pins) & set(installed) if pins[n] != installed[n]),
    }


def test_the_app_image_answers_as_thidua(built_images: dict[str, int]) -> None:
    assert "evidence" in _run(APP, "--help", entrypoint="thidua")


def test_kafka_and_postgres_images_run_as_non_root(built_images: dict[str, int]) -> None:
    for target in ("kafka", "postgres"):
        assert _run(IMAGES[target], "-u", entrypoint="id").strip() == "10001", target
    assert "kafka_2.13-4.1.1.jar" in _run(IMAGES["kafka"], "/opt/kafka/libs", entrypoint="ls").split()
