"""The container images of deploy/images/build.sh, built from a test: thidua:local, thidua-kafka:local and
thidua-postgres:local on base images made from Debian's packages (no registry needed).

The script's whole output goes to .state/deploy-logs/images-build.log; a failure raises with the log's tail.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = ROOT / "deploy" / "images" / "build.sh"
PODMAN_CONF = ROOT / "deploy" / "podman" / "containers.conf"
LOG_DIR = ROOT / ".state" / "deploy-logs"
# The script's targets and the images they make.
IMAGES = {"app": "thidua:local", "kafka": "thidua-kafka:local", "postgres": "thidua-postgres:local"}
# The compose file's variable that names each target's image (deploy/compose.yaml).
VARIABLES = {"app": "THIDUA_IMAGE", "kafka": "KAFKA_IMAGE", "postgres": "POSTGRES_IMAGE"}
# Cold: three Debian root filesystems (~30 s each), pip's downloads, Kafka's jars from Maven; cached: seconds.
BUILD_TIMEOUT = 30 * 60.0
TAIL_LINES = 40


class ImageBuildError(RuntimeError):
    """deploy/images/build.sh failed; the message carries the end of its log."""


def engine() -> str:
    """The container engine the script uses: $CONTAINER_ENGINE, else podman."""
    return os.environ.get("CONTAINER_ENGINE", "podman")


def podman_env() -> dict[str, str]:
    """The environment for podman: the repository's containers.conf (runc, ulimits) unless one is chosen."""
    env = dict(os.environ)
    env.setdefault("CONTAINERS_CONF", str(PODMAN_CONF))
    return env


def engine_env() -> dict[str, str]:
    """The environment for the engine the script uses (podman's settings when it is podman)."""
    return podman_env() if engine() == "podman" else dict(os.environ)


def image_size(image: str) -> int:
    """The image's size in bytes, as the engine reports it."""
    result = subprocess.run(
        [engine(), "image", "inspect", "--format", "{{.Size}}", image],
        env=engine_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return int(result.stdout.strip())


def build_images(
    targets: Sequence[str] = tuple(IMAGES),
    *,
    base: str = "debian",
    log_dir: Path = LOG_DIR,
    timeout: float = BUILD_TIMEOUT,
) -> dict[str, int]:
    """Build targets (app, kafka, postgres) with deploy/images/build.sh; the images' sizes in bytes by name."""
    unknown = set(targets) - set(IMAGES)
    if unknown:
        raise ValueError(f"unknown image targets {sorted(unknown)}: choose from {sorted(IMAGES)}")
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / "images-build.log"
    with open(log, "wb") as out:
        try:
            result = subprocess.run(
                ["bash", str(BUILD_SCRIPT), "--base", base, *targets],
                cwd=ROOT,
                env=engine_env(),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise ImageBuildError(f"{BUILD_SCRIPT.name} took over {timeout:.0f} s; {log}:\n{_tail(log)}") from exc
    if result.returncode != 0:
        raise ImageBuildError(f"{BUILD_SCRIPT.name} exited {result.returncode}; {log}:\n{_tail(log)}")
    return {IMAGES[target]: image_size(IMAGES[target]) for target in targets}


def _tail(path: Path, lines: int = TAIL_LINES) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
