"""A Kubernetes API server for tests: etcd and kube-apiserver on loopback, and a kubeconfig for kubectl.

Only the control plane's front: no scheduler, no controller manager, no kubelet. Objects are validated, defaulted,
admitted and stored as on a real cluster, but no pod ever runs (Deployments stay at 0 replicas ready, Jobs never
start, a deleted Namespace stays Terminating). The binaries come from deploy/test/kube/build.sh (built from the
Go module proxy once, then cached); each process writes its log under .state/deploy-logs/.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import shutil
import ssl
import subprocess
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from thidua.operator.localinfra.process import free_port, spawn, stop, wait_until
from thidua.operator.localinfra.secret_files import write_secret
from thidua.testing.tls import certificate_authority, server_certificate

ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = ROOT / "deploy" / "test" / "kube" / "build.sh"
LOG_DIR = ROOT / ".state" / "deploy-logs"
# A cold build compiles all of kube-apiserver on one core (~10 minutes); leave room for a busy machine.
BUILD_TIMEOUT = 45 * 60.0
START_TIMEOUT = 120.0
KUBECTL_TIMEOUT = 120.0
ADMIN_USER = "thidua-test-admin"


class KubeError(RuntimeError):
    """The build, a start or a kubectl call failed; the message names the log to read."""


def build_binaries(*, log_dir: Path = LOG_DIR, timeout: float = BUILD_TIMEOUT) -> Path:
    """The directory holding kube-apiserver and etcd, built by deploy/test/kube/build.sh unless cached."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / "kube-build.log"
    env = dict(os.environ)
    # The Go toolchain may live outside PATH (the official tarball's place); build.sh finds `go` through $GO.
    if shutil.which("go") is None and Path("/usr/local/go/bin/go").exists():
        env.setdefault("GO", "/usr/local/go/bin/go")
    with open(log, "wb") as out:
        try:
            result = subprocess.run(
                [str(BUILD_SCRIPT)], stdout=subprocess.PIPE, stderr=out, env=env, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise KubeError(f"{BUILD_SCRIPT} still building after {timeout:.0f}s; see {log}") from exc
    if result.returncode != 0:
        raise KubeError(f"{BUILD_SCRIPT} failed (exit {result.returncode}); see {log}")
    bin_dir = Path(result.stdout.decode().strip().splitlines()[-1])
    for name in ("etcd", "kube-apiserver"):
        if not (bin_dir / name).is_file():
            raise KubeError(f"{BUILD_SCRIPT} reported {bin_dir} but {name} is not there; see {log}")
    return bin_dir


@dataclass(frozen=True)
class ApiServer:
    """A running etcd + kube-apiserver pair and the kubeconfig that reaches it as a cluster admin."""

    server: str
    kubeconfig: Path
    token: str
    ca_file: Path
    etcd_log: Path
    apiserver_log: Path
    # What the teardown must leave behind: no process, no port, no data directory.
    pids: tuple[int, ...]
    ports: tuple[int, ...]
    data_dir: Path

    def kubectl(self, *args: str, timeout: float = KUBECTL_TIMEOUT) -> subprocess.CompletedProcess[str]:
        """Run kubectl against this server (never the user's own cluster); the caller checks returncode."""
        kubectl = shutil.which("kubectl")
        if kubectl is None:
            raise KubeError("kubectl is not on PATH")
        env = {**os.environ, "KUBECONFIG": str(self.kubeconfig)}
        return subprocess.run(
            [kubectl, "--kubeconfig", str(self.kubeconfig), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
            check=False,
        )

    def get(self, path: str) -> tuple[int, str]:
        """An authenticated GET on the API (status, body)."""
        return _get(self.server + path, self.token, self.ca_file)


def _get(url: str, token: str | None, ca_file: Path | None) -> tuple[int, str]:
    context = ssl.create_default_context(cafile=str(ca_file)) if ca_file else None
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=5, context=context) as response:
            return int(response.status), response.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read().decode(errors="replace")
    except (OSError, ssl.SSLError) as exc:
        return 0, str(exc)


def _write_pem(path: Path, data: bytes) -> Path:
    write_secret(path, data.decode("ascii"))
    return path


def _key_pem(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _certificates(directory: Path) -> dict[str, Path]:
    """A throwaway CA, the server's certificate for 127.0.0.1 signed by it, and a service-account signing key."""
    ca = certificate_authority("thidua-test-ca", days=1)
    server = server_certificate(ca, "kube-apiserver", names=["localhost", "127.0.0.1"], days=1)
    # Service-account tokens are signed with it (the server refuses to start without one); never used here.
    sa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    sa_public = sa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return {
        "ca": _write_pem(directory / "ca.crt", ca.cert.public_bytes(serialization.Encoding.PEM)),
        "server_cert": _write_pem(directory / "apiserver.crt", server.cert.public_bytes(serialization.Encoding.PEM)),
        "server_key": _write_pem(directory / "apiserver.key", _key_pem(server.key)),
        "sa_key": _write_pem(directory / "sa.key", _key_pem(sa_key)),
        "sa_pub": _write_pem(directory / "sa.pub", sa_public),
    }


def _kubeconfig(path: Path, server: str, ca_file: Path, token: str) -> Path:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "thidua-test",
                "cluster": {
                    "server": server,
                    "certificate-authority-data": base64.b64encode(ca_file.read_bytes()).decode(),
                },
            }
        ],
        "users": [{"name": ADMIN_USER, "user": {"token": token}}],
        "contexts": [{"name": "thidua-test", "context": {"cluster": "thidua-test", "user": ADMIN_USER}}],
        "current-context": "thidua-test",
    }
    write_secret(path, yaml.safe_dump(config))
    return path


def _fresh_log(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    return path


def _start_etcd(
    bin_dir: Path, data_dir: Path, client_url: str, peer_url: str, log: Path, timeout: float
) -> subprocess.Popen[bytes]:
    """A one-member etcd on loopback, healthy when it returns."""
    etcd = spawn(
        [
            str(bin_dir / "etcd"),
            "--name=test",
            f"--data-dir={data_dir}",
            f"--listen-client-urls={client_url}",
            f"--advertise-client-urls={client_url}",
            f"--listen-peer-urls={peer_url}",
            f"--initial-advertise-peer-urls={peer_url}",
            f"--initial-cluster=test={peer_url}",
            # Throwaway data: no fsync keeps writes cheap on a busy disk.
            "--unsafe-no-fsync",
        ],
        log_path=log,
    )
    try:
        wait_until(
            lambda: '"health":"true"' in _get(f"{client_url}/health", None, None)[1],
            timeout=timeout,
            what=f"etcd (log {log})",
            proc=etcd,
            log_path=log,
        )
    except BaseException:
        stop(etcd, timeout=20.0)
        raise
    return etcd


@contextlib.contextmanager
def api_server(bin_dir: Path, *, log_dir: Path = LOG_DIR, start_timeout: float = START_TIMEOUT) -> Iterator[ApiServer]:
    """Start etcd and kube-apiserver on free loopback ports; both are stopped and their data removed on exit."""
    root = Path(tempfile.mkdtemp(prefix="thidua-kube-"))
    etcd_log = _fresh_log(log_dir / "etcd.log")
    apiserver_log = _fresh_log(log_dir / "kube-apiserver.log")
    processes: list[subprocess.Popen[bytes]] = []
    try:
        etcd_port, peer_port, api_port = free_port(), free_port(), free_port()
        etcd_url = f"http://127.0.0.1:{etcd_port}"
        etcd = _start_etcd(bin_dir, root / "etcd", etcd_url, f"http://127.0.0.1:{peer_port}", etcd_log, start_timeout)
        processes.append(etcd)

        pki = root / "pki"
        pki.mkdir()
        files = _certificates(pki)
        token = secrets.token_hex(24)
        tokens = pki / "tokens.csv"
        # A static token for one user in system:masters, which RBAC's bootstrap policy makes a cluster admin.
        write_secret(tokens, f'{token},{ADMIN_USER},{ADMIN_USER},"system:masters"\n')
        server = f"https://127.0.0.1:{api_port}"
        apiserver = spawn(
            [
                str(bin_dir / "kube-apiserver"),
                f"--etcd-servers={etcd_url}",
                "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1",
                f"--secure-port={api_port}",
                f"--tls-cert-file={files['server_cert']}",
                f"--tls-private-key-file={files['server_key']}",
                f"--token-auth-file={tokens}",
                "--authorization-mode=RBAC",
                "--anonymous-auth=false",
                f"--service-account-key-file={files['sa_pub']}",
                f"--service-account-signing-key-file={files['sa_key']}",
                "--service-account-issuer=https://kubernetes.default.svc",
                "--service-cluster-ip-range=10.96.0.0/16",
                # The `kubernetes` Service's endpoints would name a loopback address, which Endpoints refuse.
                "--endpoint-reconciler-type=none",
                f"--cert-dir={root / 'certs'}",
            ],
            log_path=apiserver_log,
        )
        processes.append(apiserver)
        wait_until(
            lambda: _get(f"{server}/readyz", token, files["ca"]) == (200, "ok"),
            timeout=start_timeout,
            what=f"kube-apiserver (log {apiserver_log})",
            proc=apiserver,
            log_path=apiserver_log,
        )
        yield ApiServer(
            server=server,
            kubeconfig=_kubeconfig(root / "kubeconfig", server, files["ca"], token),
            token=token,
            ca_file=files["ca"],
            etcd_log=etcd_log,
            apiserver_log=apiserver_log,
            pids=(etcd.pid, apiserver.pid),
            ports=(etcd_port, peer_port, api_port),
            data_dir=root,
        )
    finally:
        # The API server first: it would otherwise log etcd's absence until it is stopped.
        for process in reversed(processes):
            stop(process, timeout=20.0)
        shutil.rmtree(root, ignore_errors=True)


def server_version(cluster: ApiServer) -> str:
    """The server's gitVersion, as /version reports it."""
    status, body = cluster.get("/version")
    if status != 200:
        raise KubeError(f"/version answered {status}: {body[:200]}; see {cluster.apiserver_log}")
    return str(json.loads(body)["gitVersion"])
