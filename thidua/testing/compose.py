"""A throw-away run of deploy/compose.yaml with podman-compose: generated secrets and TLS, bounded waits, logs.

The deploy directory is generated under `.state/deploy/<project>/` (git-ignored): a copy of compose.yaml whose
build context points back at the repository, `.env` with a long random value for every variable the file requires
(`${NAME:?}`), the images and free published ports, and `tls/` with a CA and the broker's PKCS#12 keystore for the
name `kafka`. Every command run is recorded with its duration (`ComposeStack.history`), and `running_stack()` always
saves the containers' logs under `.state/deploy-logs/<project>/` and tears the stack down (`down -v`, then whatever
network, volume or container of the project is left)."""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from thidua.operator.localinfra.process import free_port
from thidua.testing.compose_files import (
    compose_copy,
    http_services,
    required_variables,
    secret,
    write_env,
    write_tls,
)
from thidua.testing.images import IMAGES as BUILT
from thidua.testing.images import VARIABLES, podman_env

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE_FILE = DEPLOY / "compose.yaml"
STATE = ROOT / ".state"
LOGS = STATE / "deploy-logs"
# The images deploy/images/build.sh makes where no registry is reachable (compose.yaml's defaults are the public ones).
IMAGES = {VARIABLES[target]: image for target, image in BUILT.items()}
BACKING = ("kafka", "postgres")  # what the one-shots and the services need up first
ONE_SHOTS = ("provision", "db-provision")
LABEL = "io.podman.compose.project"
INSPECTIONS = {"inspect", "ps", "ls", "exists"}
KEEP_LOGS = 5  # runs whose logs stay under .state/deploy-logs/


class StackError(AssertionError):
    """The stack did not get where it was asked to within its time; the message carries the containers' logs."""


@dataclass(frozen=True)
class Ran:
    """One command the harness ran: what, how long, how it ended."""

    command: str
    seconds: float
    code: int


@dataclass
class ComposeStack:
    """One project of deploy/compose.yaml run by podman-compose, and the commands it took."""

    project: str = field(default_factory=lambda: f"thidua-test-{uuid.uuid4().hex[:8]}")
    directory: Path = field(init=False)
    env: dict[str, str] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    history: list[Ran] = field(default_factory=list)
    startup_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)  # what went wrong and was dealt with (reported at the end)

    def __post_init__(self) -> None:
        self.directory = STATE / "deploy" / self.project

    # --- the deploy directory -----------------------------------------------------------------------------------

    def prepare(self) -> None:
        """The compose file, its env file (secrets, images, ports) and TLS material in a private directory."""
        text = COMPOSE_FILE.read_text(encoding="utf-8")
        self.directory.mkdir(parents=True, exist_ok=True)
        self.directory.chmod(0o700)
        (self.directory / "compose.yaml").write_text(compose_copy(text), encoding="utf-8")
        self.env = {name: secret() for name in required_variables(text)}
        self.env.update({name: os.environ.get(name, image) for name, image in IMAGES.items()})
        self.ports = {name: free_port() for name in http_services()}
        self.env.update({f"{name.upper()}_PUBLISHED_PORT": str(port) for name, port in self.ports.items()})
        self.env["PUBLISH_ADDRESS"] = "127.0.0.1"
        write_env(self.directory / ".env", self.env)
        write_tls(self.directory / "tls", self.env["KAFKA_KEYSTORE_PASSWORD"])

    def url(self, service: str) -> str:
        """Where a service is published on this machine."""
        return f"http://127.0.0.1:{self.ports[service]}"

    # --- commands -----------------------------------------------------------------------------------------------

    def run(
        self,
        argv: Sequence[str],
        *,
        timeout: float = 300,
        check: bool = True,
        show: str | None = None,
        env: dict[str, str] | None = None,
        input: str | None = None,
        record: bool | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run a command with Podman's settings, record it, and fail with its output (and the logs) when asked.

        Secrets go in through env (named by `-e NAME` without a value) or input, never on the command line."""
        environment = {**podman_env(), **(env or {})}
        started = time.monotonic()
        try:
            done = subprocess.run(
                list(argv),
                cwd=self.directory,
                env=environment,
                input=input if input is not None else "",
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as expired:
            self.history.append(Ran(show or shlex.join(argv), time.monotonic() - started, -1))
            raise StackError(f"{show or shlex.join(argv)}: no answer in {timeout:.0f} s\n{self.diagnostics()}") from (
                expired
            )
        if record is None:  # looking (inspect, ps, ls, exists) is not part of what ran, unless asked
            record = not INSPECTIONS.intersection(argv[:3])
        if record:
            self.history.append(Ran(show or shlex.join(argv), time.monotonic() - started, done.returncode))
        for line in done.stderr.splitlines():
            if "resorting to SIGKILL" in line:  # a container that ignored SIGTERM for its whole grace period
                self.notes.append(f"{show or shlex.join(argv)}: {line.strip()}")
        if check and done.returncode != 0:
            raise StackError(
                f"{show or shlex.join(argv)} exited {done.returncode}\n--- stdout\n{done.stdout[-3000:]}"
                f"\n--- stderr\n{done.stderr[-3000:]}\n{self.diagnostics()}"
            )
        return done

    def compose(self, *args: str, timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess[str]:
        """podman-compose on this project (`--env-file .env -f compose.yaml -p <project>`)."""
        tool = Path(sys.executable).with_name("podman-compose")
        argv = [str(tool), "--env-file", ".env", "-f", "compose.yaml", "-p", self.project, *args]
        return self.run(argv, timeout=timeout, check=check, show=shlex.join(["podman-compose", *args]))

    def podman(self, *args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
        """podman itself."""
        return self.run(["podman", *args], timeout=timeout, check=check)

    def containers(self) -> dict[str, dict[str, Any]]:
        """The project's containers by service: name, state, exit code."""
        listed = self.run(
            ["podman", "ps", "-a", "--filter", f"label={LABEL}={self.project}", "--format", "json"],
            check=False,
        )
        if listed.returncode != 0 or not listed.stdout.strip():
            return {}
        found: dict[str, dict[str, Any]] = {}
        for entry in json.loads(listed.stdout):
            service = (entry.get("Labels") or {}).get("com.docker.compose.service", "?")
            found[service] = {"name": entry["Names"][0], "state": entry.get("State"), "exit": entry.get("ExitCode")}
        return found

    def container(self, service: str) -> str:
        """The name of a service's container."""
        found = self.containers()
        if service not in found:
            raise StackError(f"no container for {service} in {sorted(found)}\n{self.diagnostics()}")
        return str(found[service]["name"])

    def operator(self, *args: str, input: str | None = None) -> str:
        """`thidua <args>` as the stack's operator (the `admin` service of the tools profile); its output."""
        return self.tool("run", "--rm", "-T", "admin", *args, input=input).stdout

    def tool(self, *args: str, input: str | None = None, show: str | None = None) -> subprocess.CompletedProcess[str]:
        """podman-compose with the tools profile (the `admin` service); `run -T`: no TTY, so stdin ends and is not
        echoed into the container's log."""
        tool = Path(sys.executable).with_name("podman-compose")
        argv = [str(tool), "--env-file", ".env", "-f", "compose.yaml", "-p", self.project, "--profile", "tools", *args]
        shown = show or shlex.join(["podman-compose", "--profile", "tools", *args])
        return self.run(argv, timeout=180, input=input, show=shown)

    # --- lifecycle ----------------------------------------------------------------------------------------------

    def up(self, *, timeout: float = 600) -> float:
        """Start the stack in the order its depends_on asks for, the way the operator's manual says for podman-compose
        on Podman 4.3: each step `up -d --no-deps` (Podman 4.3 cannot start a container whose `--requires` names an
        exited one-shot that requires a running one, and podman-compose skips `service_healthy` before Podman 4.6),
        the waits done here; the seconds until every /readyz answers 200."""
        started = time.monotonic()
        deadline = started + timeout
        self.compose("up", "-d", "--no-build", "--no-deps", *BACKING, timeout=timeout)
        self.wait_healthy(BACKING, deadline=deadline)
        for service in ONE_SHOTS:
            self.one_shot(service, deadline=deadline)
        self.compose("up", "-d", "--no-build", "--no-deps", *self.ports, timeout=timeout)
        self.wait_ready(deadline=deadline)
        return time.monotonic() - started

    def stop(self) -> None:
        """`podman-compose stop`: every container stopped, nothing removed."""
        self.compose("stop", timeout=300)

    def start(self, *, timeout: float = 600) -> float:
        """`podman-compose start` after a stop: everything at once, as after a reboot (services that find Kafka not
        up yet exit and their restart policy tries again); the seconds until every /readyz is 200."""
        started = time.monotonic()
        self.compose("start", timeout=timeout)
        self.wait_ready(deadline=started + timeout)
        return time.monotonic() - started

    def restarts(self) -> dict[str, int]:
        """How often the restart policy restarted each long-running service's container."""
        counts: dict[str, int] = {}
        for service in self.ports:
            shown = self.podman("inspect", "--format", "{{.RestartCount}}", self.container(service), check=False)
            counts[service] = int(shown.stdout.strip() or -1)
        return counts

    def down(self) -> None:
        """Remove everything of the project, volumes included, even what `down -v` left behind."""
        self.compose("down", "-v", "-t", "5", timeout=300, check=False)
        label = f"label={LABEL}={self.project}"
        leftovers = {
            "container": ["podman", "ps", "-a", "-q", "--filter", label],
            "pod": ["podman", "pod", "ps", "-q", "--filter", f"name=pod_{self.project}"],
            "volume": ["podman", "volume", "ls", "-q", "--filter", label],
        }
        for kind, listing in leftovers.items():
            for ident in self.run(listing, check=False).stdout.split():
                self.run(["podman", kind, "rm", "-f", ident], check=False)
        if self.run(["podman", "network", "exists", f"{self.project}_default"], check=False).returncode == 0:
            self.run(["podman", "network", "rm", "-f", f"{self.project}_default"], check=False)
        shutil.rmtree(self.directory, ignore_errors=True)

    # --- waiting ------------------------------------------------------------------------------------------------

    def wait_healthy(self, services: Sequence[str], *, deadline: float) -> None:
        """Run each service's own healthcheck until it passes (Podman 4.3 has no timer without systemd)."""
        for service in services:
            name = self.container(service)
            while True:
                check = self.run(
                    ["podman", "healthcheck", "run", name], check=False, timeout=60, show=f"healthcheck {service}"
                )
                if check.returncode == 0:
                    break
                if self.containers().get(service, {}).get("state") == "exited":
                    raise StackError(f"{service} exited before it was healthy\n{self.diagnostics()}")
                if time.monotonic() > deadline:
                    raise StackError(
                        f"{service} not healthy in time: {check.stdout}{check.stderr}\n{self.diagnostics()}"
                    )
                time.sleep(2)
        self._squash_polls()

    def one_shot(self, service: str, *, deadline: float, attempts: int = 3) -> None:
        """Run a one-shot container to its end; started again (`podman-compose start`) when it failed, since a name
        lookup in the container network can fail while Podman 4.3's DNS server reloads (seen once, for 40 s)."""
        self.compose("up", "-d", "--no-build", "--no-deps", service)
        for attempt in range(1, attempts + 1):
            state = self.wait_exited(service, deadline=deadline)
            if state.get("exit") == 0:
                return
            if attempt < attempts:
                self.notes.append(f"{service} exited {state.get('exit')} (attempt {attempt}): started again")
                self.compose("start", service)
        raise StackError(f"{service} failed {attempts} times: {state}\n{self.diagnostics()}")

    def wait_exited(self, service: str, *, deadline: float) -> dict[str, Any]:
        """A one-shot container's state once it exited."""
        while True:
            state: dict[str, Any] = self.containers().get(service) or {}
            if state.get("state") == "exited":
                return state
            if time.monotonic() > deadline:
                raise StackError(f"{service} still not done: {state}\n{self.diagnostics()}")
            time.sleep(1)

    def wait_ready(self, services: Sequence[str] | None = None, *, deadline: float) -> None:
        """Every service's /readyz answers 200 on its published port before deadline."""
        waiting = list(services or self.ports)
        answers: dict[str, str] = {}
        with httpx.Client(timeout=3) as http:
            while waiting:
                for service in list(waiting):
                    try:
                        answer = http.get(f"{self.url(service)}/readyz")
                        answers[service] = f"{answer.status_code} {answer.text[:200]}"
                        if answer.status_code == 200:
                            waiting.remove(service)
                    except httpx.HTTPError as error:
                        answers[service] = repr(error)
                if waiting and time.monotonic() > deadline:
                    raise StackError(
                        f"/readyz not 200 in time: { {s: answers.get(s) for s in waiting} }\n{self.diagnostics()}"
                    )
                if waiting:
                    time.sleep(1)

    def eventually(self, check: Callable[[], Any], *, timeout: float, what: str, interval: float = 1.0) -> Any:
        """check()'s value once it stops raising AssertionError or httpx.HTTPError, within timeout seconds."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return check()
            except (AssertionError, httpx.HTTPError) as error:
                if time.monotonic() > deadline:
                    raise StackError(f"{what}: not within {timeout:.0f} s: {error}\n{self.diagnostics()}") from error
            time.sleep(interval)

    def _squash_polls(self) -> None:
        """One line in the history for a run of healthcheck polls (their count and total time)."""
        squashed: list[Ran] = []
        for ran in self.history:
            last = squashed[-1] if squashed else None
            if last is not None and ran.command.startswith("healthcheck ") and last.command.startswith(ran.command):
                count = int(last.command.rsplit("×", 1)[1]) + 1 if "×" in last.command else 2
                squashed[-1] = Ran(f"{ran.command} ×{count}", last.seconds + ran.seconds, ran.code)
            else:
                squashed.append(ran)
        self.history = squashed

    # --- what happened ------------------------------------------------------------------------------------------

    def diagnostics(self, lines: int = 25) -> str:
        """Each container's state and the last lines of its log."""
        parts: list[str] = []
        for service, state in sorted(self.containers().items()):
            log = subprocess.run(
                ["podman", "logs", "--tail", str(lines), state["name"]],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
                env=podman_env(),
            )
            parts.append(f"--- {service} ({state['state']}, exit {state['exit']})\n{log.stdout}{log.stderr}".rstrip())
        return "\n".join(parts) or "(no containers)"

    def save_logs(self) -> Path:
        """Every container's whole log under .state/deploy-logs/<project>/, and the commands run."""
        target = LOGS / self.project
        target.mkdir(parents=True, exist_ok=True)
        for service, state in self.containers().items():
            log = subprocess.run(
                ["podman", "logs", state["name"]],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
                env=podman_env(),
            )
            (target / f"{service}.log").write_text(log.stdout + log.stderr, encoding="utf-8")
        (target / "commands.txt").write_text(self.report(), encoding="utf-8")
        # The last few runs' logs are kept, not every run's.
        runs = sorted(LOGS.glob("thidua-test-*/commands.txt"), key=lambda path: path.stat().st_mtime)
        for old in runs[:-KEEP_LOGS]:
            shutil.rmtree(old.parent, ignore_errors=True)
        return target

    def report(self) -> str:
        """The commands run, with their durations and exit codes, and the notes."""
        lines = [f"{ran.seconds:8.1f} s  rc={ran.code:<3} {ran.command}" for ran in self.history]
        return "\n".join(lines + [f"note: {note}" for note in self.notes])


@contextlib.contextmanager
def running_stack(stack: ComposeStack | None = None) -> Iterator[ComposeStack]:
    """A prepared and started stack; its logs saved and everything removed afterwards, whatever happened."""
    stack = stack or ComposeStack()
    try:
        stack.prepare()
        stack.startup_seconds = stack.up()
        yield stack
    finally:
        try:
            stack.save_logs()
        finally:
            stack.down()
