"""`thidua run`: Kafka, PostgreSQL, the four services and the dashboard as one supervised local system."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from thidua import registry
from thidua.operator.localinfra.kafka import LocalKafka
from thidua.operator.localinfra.oidc_demo import DemoProvider, missing_rules, start_demo_provider
from thidua.operator.localinfra.postgres import LocalPostgres
from thidua.operator.localinfra.process import port_open, spawn, stop
from thidua.operator.localinfra.secret_files import write_secret
from thidua.registry import ServiceSpec
from thidua.runtime import db_roles, kafka_acl
from thidua.runtime.kafka_access import KafkaAccess
from thidua.runtime.topics import ensure_topics

# The registered services, in start order (each with its name, default port and port variable): those that speak
# Kafka (their own users and ACLs, started first), and the HTTP-only apps such as the dashboard (started after).
SERVICES: tuple[ServiceSpec, ...] = registry.kafka_services()
APPS: tuple[ServiceSpec, ...] = tuple(spec for spec in registry.services() if not spec.kafka)


def _say(text: str) -> None:
    print(f"==> {text}", flush=True)


class Stack:
    """Starts what is missing, supervises the services, stops everything on a signal."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir.resolve()
        self.kafka: LocalKafka | None = None
        self.postgres: LocalPostgres | None = None
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.env = dict(os.environ)
        # Who each Kafka client is: the operator's (admin's) access, and each service's own user.
        self.kafka_admin: KafkaAccess | None = None
        self.service_access: dict[str, KafkaAccess] = {}
        # Each service's own DATABASE_URL (its role, owning its schema only), when the stack runs PostgreSQL.
        self.database_urls: dict[str, str] = {}
        # The demo's OpenID Connect provider (THIDUA_OIDC=keycloak, the default), started beside Kafka.
        self.provider: DemoProvider | None = None
        self._provider_thread: threading.Thread | None = None
        self._provider_error: BaseException | None = None
        # The thread that starts Keycloak lives until shutdown: the child's parent-death signal (PR_SET_PDEATHSIG)
        # follows the thread that forked it, so a thread that ended would take Keycloak down with it.
        self._provider_ready = threading.Event()
        self._provider_release = threading.Event()
        self._stopping = False

    def begin_provider(self) -> None:
        """Start Keycloak with the demo realm in the background unless THIDUA_OIDC=off or OIDC_ISSUER names one."""
        mode = self.env.get("THIDUA_OIDC", "keycloak").strip().lower() or "keycloak"
        if mode == "off" or "OIDC_ISSUER" in self.env:
            return
        if mode != "keycloak":
            raise SystemExit(f"THIDUA_OIDC={mode!r}: keycloak (the default) or off")
        port = int(self.env.get("THIDUA_KEYCLOAK_PORT", "8180"))
        dashboard = next((a for a in APPS if a.name == "dashboard"), None)
        web_port = self.env.get(dashboard.port_env, str(dashboard.port)) if dashboard else "8000"
        self.state_dir.mkdir(parents=True, exist_ok=True)
        _say(f"starting Keycloak (OpenID Connect, realm thidua) on 127.0.0.1:{port}")

        def start() -> None:
            try:
                started = time.monotonic()
                self.provider = start_demo_provider(
                    self.state_dir, port=port, dashboard_url=f"http://127.0.0.1:{web_port}"
                )
                _say(f"Keycloak ready in {time.monotonic() - started:.1f}s")
            except BaseException as failure:  # reported by await_provider, in the main thread
                self._provider_error = failure
            finally:
                self._provider_ready.set()
            self._provider_release.wait()  # until shutdown (see _provider_release)

        self._provider_thread = threading.Thread(target=start, name="keycloak", daemon=True)
        self._provider_thread.start()

    def await_provider(self) -> None:
        """Wait for the provider begun by begin_provider: its issuer to the services, its client to the dashboard."""
        if self._provider_thread is None:
            return
        self._provider_ready.wait()
        if self._provider_error is not None:
            raise SystemExit(f"Keycloak did not start ({self._provider_error}); THIDUA_OIDC=off runs without it")
        if self.provider is not None:
            self.env.update(self.provider.service_env)

    def add_identity_rules(self) -> None:
        """The demo's identity rules through the operator's command (`thidua identity map`), those not yet there."""
        if self.provider is None:
            return
        try:
            rules = missing_rules(self.env["DATABASE_URL"])
        except Exception as failure:  # the demo runs on; people signed in have no rights until an operator maps them
            _say(f"identity rules not added ({failure.__class__.__name__}): see `thidua identity map --help`")
            return
        for rule in rules:
            command = [sys.executable, "-m", "thidua.operator.cli", "identity", "map", *rule]
            subprocess.run(command, env=self.operator_env(), check=False, stdout=subprocess.DEVNULL)
        _say(f"identity rules: {len(rules)} added (`thidua identity rules` lists them)")

    def start_infrastructure(self) -> None:
        """Local Kafka and PostgreSQL unless KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL name servers."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        if "KAFKA_BOOTSTRAP_SERVERS" not in self.env:
            port = int(self.env.get("THIDUA_KAFKA_PORT", "9092"))
            cport = int(self.env.get("THIDUA_KAFKA_CONTROLLER_PORT", str(port + 1)))
            if port_open(port):
                raise SystemExit(f"port {port} is taken: stop what listens there or set THIDUA_KAFKA_PORT")
            _say(f"starting Kafka (KRaft) on 127.0.0.1:{port}, data in {self.state_dir / 'kafka'}")
            started = time.monotonic()
            self.kafka = LocalKafka(self.state_dir / "kafka", port=port, controller_port=cport, heap="1g")
            self.kafka.start()
            _say(f"Kafka ready in {time.monotonic() - started:.1f}s (SASL/SCRAM-SHA-512, ACLs)")
            self.kafka_admin = self.kafka.admin_access
            self.env["KAFKA_BOOTSTRAP_SERVERS"] = self.kafka.bootstrap
            self.env["KAFKA_SECURITY_PROTOCOL"] = self.kafka_admin.security_protocol
        if "DATABASE_URL" not in self.env:
            # Below the ephemeral range (32768+), so a test's free port never takes it.
            port = int(self.env.get("THIDUA_POSTGRES_PORT", "15432"))
            if port_open(port):
                raise SystemExit(f"port {port} is taken: stop what listens there or set THIDUA_POSTGRES_PORT")
            _say(f"starting PostgreSQL on 127.0.0.1:{port}, data in {self.state_dir / 'postgres'}")
            started = time.monotonic()
            self.postgres = LocalPostgres(self.state_dir / "postgres", port=port)
            self.postgres.start()
            _say(f"PostgreSQL ready in {time.monotonic() - started:.1f}s (SCRAM-SHA-256)")
            self.env["DATABASE_URL"] = self.postgres.url
            passwords = {s.name: self.postgres.password_of(db_roles.service_role(s.name)) for s in SERVICES}
            self.database_urls = asyncio.run(db_roles.provision(self.postgres.url, passwords))
            _say("PostgreSQL roles " + ", ".join(db_roles.service_role(s.name) for s in SERVICES) + ", own schema each")
        admin = self.kafka_admin or KafkaAccess.from_env(self.env)
        created = asyncio.run(ensure_topics(admin))
        if created:
            _say(f"created topics: {', '.join(created)}")
        if self.kafka is not None:
            self.service_access = self._provision_services(admin)
            _say("Kafka users and ACLs for " + ", ".join(kafka_acl.service_user(s.name) for s in SERVICES))

    def _provision_services(self, admin: KafkaAccess) -> dict[str, KafkaAccess]:
        """One SCRAM user per service, allowed its own topics and groups; passwords kept in the state directory."""
        saved = self.state_dir / "kafka" / "service-passwords.json"
        passwords: dict[str, str] = json.loads(saved.read_text()) if saved.exists() else {}
        for svc in SERVICES:
            passwords.setdefault(svc.name, kafka_acl.new_password())
        write_secret(saved, json.dumps(passwords))
        return {svc.name: kafka_acl.provision_service(admin, svc.name, passwords[svc.name]) for svc in SERVICES}

    def _spawn(self, svc: ServiceSpec) -> subprocess.Popen[bytes]:
        env = {**self.env}
        env.setdefault(svc.port_env, str(svc.port))
        if svc.name in self.service_access:  # the service speaks to Kafka as itself, never as the admin
            env.update(self.service_access[svc.name].as_env())
        if svc.name in self.database_urls:  # and to PostgreSQL as its own role
            env["DATABASE_URL"] = self.database_urls[svc.name]
        return spawn(
            [sys.executable, "-m", "thidua.operator.cli", svc.name],
            env=env,
            log_path=self.state_dir / "logs" / f"{svc.name}.log",
        )

    def port_of(self, svc: ServiceSpec) -> int:
        return int(self.env.get(svc.port_env, svc.port))

    def start_services(self, *, timeout: float = 90.0) -> None:
        """Start the four services and wait until each /readyz answers 200."""
        for svc in SERVICES:
            self.children[svc.name] = self._spawn(svc)
        deadline = time.monotonic() + timeout
        for svc in SERVICES:
            url = f"http://127.0.0.1:{self.port_of(svc)}/readyz"
            while not _ready(url):
                proc = self.children[svc.name]
                if proc.poll() is not None:
                    raise SystemExit(
                        f"{svc.name} exited with code {proc.returncode}; see "
                        f"{self.state_dir / 'logs' / (svc.name + '.log')}"
                    )
                if time.monotonic() > deadline:
                    raise SystemExit(f"{svc.name} not ready after {timeout:.0f}s")
                time.sleep(0.2)

    def start_web(self) -> None:
        """The HTTP-only apps (the dashboard), once the services are ready: they only call the services' APIs, with
        the signed-in user's own token (no admin token of their own)."""
        for app in APPS:
            self.children[app.name] = self._spawn_app(app)

    def _app_env(self, app: ServiceSpec) -> dict[str, str]:
        env = {**self.env}
        env.pop("DATABASE_URL", None)  # the apps use the services' APIs, never the database (nor its admin)
        for svc in SERVICES:  # evidence, scoring, awards, notify -> EVIDENCE_URL, SCORING_URL, ...
            env.setdefault(f"{svc.name.upper()}_URL", f"http://127.0.0.1:{self.port_of(svc)}")
        env.setdefault(app.port_env, str(app.port))
        self.env[app.port_env] = env[app.port_env]
        if self.provider is not None and app.name == "dashboard":
            for key, value in self.provider.dashboard_env.items():
                env.setdefault(key, value)
        secret_env = f"{(app.env_prefix or app.name).upper()}_SESSION_SECRET"
        if secret_env not in env:
            # The key that signs the sessions' cookies, kept in the state directory across runs (sign-ins survive).
            saved = self.state_dir / f"{app.name}-session-secret"
            if not saved.exists():
                write_secret(saved, kafka_acl.new_password())
            env[secret_env] = saved.read_text().strip()
        return env

    def _spawn_app(self, app: ServiceSpec) -> subprocess.Popen[bytes]:
        return spawn(
            [sys.executable, "-m", "thidua.operator.cli", app.name],
            env=self._app_env(app),
            log_path=self.state_dir / "logs" / f"{app.name}.log",
        )

    def operator_env(self) -> dict[str, str]:
        """The environment of an operator's command (`thidua source add`, the demo): the admin's Kafka access."""
        return {**self.env, **(self.kafka_admin.as_env() if self.kafka_admin else {})}

    def describe(self) -> str:
        """Where everything listens, for the operator."""
        lines = [
            f"  Kafka        {self.env['KAFKA_BOOTSTRAP_SERVERS']}"
            + (
                f"  ({self.kafka_admin.security_protocol} SCRAM-SHA-512; admin password in "
                f"{self.state_dir / 'kafka' / 'admin.password'})"
                if self.kafka_admin
                else ""
            ),
            f"  PostgreSQL   {_redact(self.env['DATABASE_URL'])}"
            + (
                f"  (SCRAM-SHA-256; passwords in {self.postgres.passwords_dir}, one role per service)"
                if self.postgres
                else ""
            ),
        ]
        for svc in SERVICES:
            url = f"http://127.0.0.1:{self.port_of(svc)}/"
            lines.append(f"  {svc.name:<12} {url}  (/readyz, /metrics, /docs)")
        for app in APPS:
            url = f"http://127.0.0.1:{self.env.get(app.port_env, app.port)}/"
            how = "đăng nhập một lần hoặc bằng mã truy cập" if self.provider else "đăng nhập bằng mã truy cập"
            lines.append(f"  {app.name:<12} {url}  (bảng điều khiển; {how})")
        if self.provider is not None:
            lines.extend(self.provider.describe())
        lines.append(f"  logs         {self.state_dir / 'logs'}")
        return "\n".join(lines)

    def start_demo_feed(self) -> None:
        """The demo's live feed (THIDUA_DEMO_RATE events a second, default 10; 0: none), stopped with the rest."""
        rate = self.env.get("THIDUA_DEMO_RATE", "10").strip() or "10"
        try:
            if float(rate) <= 0:
                return
        except ValueError:
            _say(f"THIDUA_DEMO_RATE={rate!r} is not a number: no live demo feed")
            return
        log = self.state_dir / "logs" / "demo-feed.log"
        self.children["demo-feed"] = spawn(
            [sys.executable, "-m", "thidua.operator.cli", "demo", "--live-only", "--live-rate", rate],
            env=self.operator_env(),
            log_path=log,
        )
        _say(f"live demo feed: {rate} events/s through the evidence service's front doors (log: {log})")

    def supervise(self) -> None:
        """Block until a signal; restart a service that dies, with a pause between tries."""
        while not self._stopping:
            for svc in (*SERVICES, *APPS):
                proc = self.children.get(svc.name)
                if proc is not None and proc.poll() is not None and not self._stopping:
                    _say(f"{svc.name} exited with code {proc.returncode}; restarting in 2s")
                    time.sleep(2)
                    self.children[svc.name] = self._spawn_app(svc) if svc in APPS else self._spawn(svc)
            time.sleep(0.5)

    def request_stop(self, *_: object) -> None:
        self._stopping = True

    def shutdown(self) -> None:
        """Services first (they flush and commit), then Kafka, then PostgreSQL."""
        self._stopping = True
        for name, proc in reversed(list(self.children.items())):
            _say(f"stopping {name}")
            stop(proc, timeout=20)
        if self.provider is not None:
            _say("stopping Keycloak")
            self.provider.server.stop()
        self._provider_release.set()  # the starting thread ends (after a start still under way)
        if self._provider_thread is not None:
            self._provider_thread.join(timeout=200)
        if self.provider is not None:  # started while shutting down: stopped now (stop() is idempotent)
            self.provider.server.stop()
        if self.kafka is not None:
            _say("stopping Kafka")
            self.kafka.stop()
        if self.postgres is not None:
            _say("stopping PostgreSQL")
            self.postgres.stop()
        _say("stopped")


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


def _redact(url: str) -> str:
    # Never print a password an operator put into DATABASE_URL.
    if "@" in url and ":" in url.split("@", 1)[0].split("//", 1)[-1]:
        scheme, rest = url.split("//", 1)
        user = rest.split("@", 1)[0].split(":", 1)[0]
        return f"{scheme}//{user}:***@{rest.split('@', 1)[1]}"
    return url


def run(state_dir: Path, *, after_start: list[str] | None = None) -> int:
    """Bring the whole system up, run optional follow-up commands, and wait for Ctrl-C or SIGTERM."""
    stack = Stack(state_dir)
    signal.signal(signal.SIGTERM, stack.request_stop)
    signal.signal(signal.SIGINT, stack.request_stop)
    try:
        stack.begin_provider()
        stack.start_infrastructure()
        stack.await_provider()
        _say("starting the services")
        stack.start_services()
        stack.add_identity_rules()
        stack.start_web()
        print("\nThi đua is running:\n" + stack.describe() + "\n\nPress Ctrl-C to stop.\n", flush=True)
        for command in after_start or []:
            if stack._stopping:
                break
            subprocess.run(
                [sys.executable, "-m", "thidua.operator.cli", *command.split()], env=stack.operator_env(), check=False
            )
        if any(command.split()[0] == "demo" for command in after_start or []) and not stack._stopping:
            stack.start_demo_feed()
        stack.supervise()
    finally:
        stack.shutdown()
    return 0


def service(name: str) -> ServiceSpec:
    """The registered service called name."""
    return registry.service(name)
