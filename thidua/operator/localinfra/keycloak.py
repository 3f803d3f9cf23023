"""Keycloak (an OpenID Connect provider) from its Maven Central server distribution, run as a plain Java process."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from thidua.operator.localinfra.process import cache_dir, spawn, stop, wait_until

KEYCLOAK_VERSION = os.environ.get("THIDUA_KEYCLOAK_VERSION", "26.7.3")
_ARTIFACT = "org.keycloak:keycloak-quarkus-dist:{version}:zip"
# One --db setting everywhere: Keycloak re-runs its build step (tens of seconds) whenever it changes.
_DB = "dev-mem"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock between processes (test sessions and `make run` share one unpacked server)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_keycloak(version: str = KEYCLOAK_VERSION) -> Path:
    """Fetch and unpack the server once with Maven and return its home directory (with bin/kc.sh)."""
    root = cache_dir() / f"keycloak-{version}"
    home = root / "server"
    if (root / ".complete").exists():
        return home
    if shutil.which("mvn") is None or shutil.which("java") is None:
        raise RuntimeError("Java 17+ and Maven are needed to fetch and run Keycloak (apt-get install maven)")
    with _locked(root / ".lock"):
        if (root / ".complete").exists():
            return home
        started = time.monotonic()
        print(f"==> fetching Keycloak {version} from Maven Central into {root} (first run only)", flush=True)
        download = root / "download"
        shutil.rmtree(download, ignore_errors=True)
        subprocess.run(
            [
                "mvn",
                "-q",
                "-B",
                "--no-transfer-progress",
                "-Dstyle.color=never",
                "dependency:copy",
                f"-Dartifact={_ARTIFACT.format(version=version)}",
                f"-DoutputDirectory={download}",
            ],
            check=True,
            cwd=root,
        )
        archive = next(download.glob("*.zip"))
        unpacked = Path(tempfile.mkdtemp(dir=root, prefix=".unpack-"))
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(unpacked)
        (top,) = [p for p in unpacked.iterdir() if p.is_dir()]
        for script in (top / "bin").glob("*.sh"):
            script.chmod(0o755)  # zipfile does not keep the archive's modes
        shutil.rmtree(home, ignore_errors=True)
        top.rename(home)
        shutil.rmtree(unpacked, ignore_errors=True)
        shutil.rmtree(download, ignore_errors=True)  # the local Maven repository keeps the zip
        (root / ".complete").write_text(version)
        print(f"==> Keycloak ready in {time.monotonic() - started:.1f}s", flush=True)
    return home


class LocalKeycloak:
    """A development-mode Keycloak on loopback with an in-memory database: every start is a clean server."""

    def __init__(self, port: int, admin_password: str, *, log_path: Path | None = None) -> None:
        self.port = port
        self.admin_password = admin_password
        self.log_path = log_path or Path(tempfile.gettempdir()) / f"thidua-keycloak-{port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ready(self) -> bool:
        """True when the master realm's discovery document answers."""
        try:
            url = f"{self.base_url}/realms/master/.well-known/openid-configuration"
            return httpx.get(url, timeout=2.0).status_code == 200
        except httpx.HTTPError:
            return False

    def start(self, timeout: float = 180.0) -> None:
        """Start the server and wait until it answers (the first start on a machine also builds it, ~40 s)."""
        home = ensure_keycloak()
        env = {
            **os.environ,
            "KC_BOOTSTRAP_ADMIN_USERNAME": "admin",
            "KC_BOOTSTRAP_ADMIN_PASSWORD": self.admin_password,
            # A small heap: tests and the demo hold a few realms with a handful of people.
            "JAVA_OPTS_KC_HEAP": "-Xms64m -Xmx512m",
        }
        args = [
            str(home / "bin" / "kc.sh"),
            "start-dev",
            f"--db={_DB}",
            "--http-host=127.0.0.1",
            f"--http-port={self.port}",
            f"--hostname={self.base_url}",
            "--health-enabled=false",
            "--log-level=warn",
        ]
        built = home / ".built"
        # Only the first start builds (it writes into the shared server folder): let it run alone.
        lock = contextlib.nullcontext() if built.exists() else _locked(home.parent / ".build.lock")
        with lock:
            self.proc = spawn(args, log_path=self.log_path, env=env)
            wait_until(self.ready, timeout=timeout, what="Keycloak", proc=self.proc, log_path=self.log_path)
            built.touch()

    def stop(self) -> None:
        """SIGTERM (Keycloak stops in a few seconds), killed after 30 s."""
        if self.proc is not None:
            stop(self.proc, timeout=30)
            self.proc = None


class KeycloakAdmin:
    """The admin REST API, as the master realm's bootstrap admin (password grant of admin-cli)."""

    def __init__(self, base_url: str, password: str, *, username: str = "admin") -> None:
        self.base_url = base_url.rstrip("/")
        self._username = username
        self._password = password
        self._token: str | None = None
        self._expires = 0.0
        self._http = httpx.Client(timeout=30.0)

    def close(self) -> None:
        self._http.close()

    def _bearer(self) -> dict[str, str]:
        if self._token is None or time.monotonic() > self._expires:
            answer = self._http.post(
                f"{self.base_url}/realms/master/protocol/openid-connect/token",
                data={
                    "grant_type": "password",
                    "client_id": "admin-cli",
                    "username": self._username,
                    "password": self._password,
                },
            )
            answer.raise_for_status()
            body = answer.json()
            self._token = str(body["access_token"])
            # Renew well before the (60 s by default) lifetime runs out.
            self._expires = time.monotonic() + max(5.0, float(body.get("expires_in", 60)) - 20)
        return {"Authorization": f"Bearer {self._token}"}

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        answer = self._http.request(method, f"{self.base_url}/admin/realms{path}", headers=self._bearer(), **kwargs)
        answer.raise_for_status()
        return answer

    def create_realm(self, realm_json: dict[str, Any]) -> None:
        """Create a realm (with its clients, groups and people) from its representation."""
        self._call("POST", "", json=realm_json)

    def delete_realm(self, name: str) -> None:
        self._call("DELETE", f"/{name}")

    def user_id(self, realm: str, username: str) -> str:
        found = self._call("GET", f"/{realm}/users", params={"username": username, "exact": "true"}).json()
        if not found:
            raise KeyError(f"no user {username!r} in realm {realm!r}")
        return str(found[0]["id"])

    def _group_id(self, realm: str, group: str) -> str:
        for item in self._call("GET", f"/{realm}/groups", params={"search": group, "exact": "true"}).json():
            if item["name"] == group:
                return str(item["id"])
        raise KeyError(f"no group {group!r} in realm {realm!r}")

    def add_to_group(self, realm: str, username: str, group: str) -> None:
        user, group_id = self.user_id(realm, username), self._group_id(realm, group)
        self._call("PUT", f"/{realm}/users/{user}/groups/{group_id}")

    def remove_from_group(self, realm: str, username: str, group: str) -> None:
        user, group_id = self.user_id(realm, username), self._group_id(realm, group)
        self._call("DELETE", f"/{realm}/users/{user}/groups/{group_id}")

    def set_attribute(self, realm: str, username: str, name: str, value: str | None) -> None:
        """Set (or, with None, remove) one attribute of a person."""
        user = self.user_id(realm, username)
        current = self._call("GET", f"/{realm}/users/{user}").json()
        attributes = dict(current.get("attributes") or {})
        if value is None:
            attributes.pop(name, None)
        else:
            attributes[name] = [value]
        current["attributes"] = attributes
        self._call("PUT", f"/{realm}/users/{user}", json=current)

    def user_sessions(self, realm: str, username: str) -> int:
        """How many sessions the person has open at the provider."""
        return len(self._call("GET", f"/{realm}/users/{self.user_id(realm, username)}/sessions").json())

    def logout_user(self, realm: str, username: str) -> None:
        """End every session of the person at the provider (their refresh tokens stop working)."""
        self._call("POST", f"/{realm}/users/{self.user_id(realm, username)}/logout")
