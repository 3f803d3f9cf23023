"""deploy/k8s/ through a real Kubernetes API server (etcd + kube-apiserver on loopback, thidua/testing/kube.py).

The server validates, defaults and admits every object as a cluster would, which the JSON schemas of
tests/unit/test_deploy.py do not fully do (quantities such as `cpu: lots`, fields unknown to the server's own
schema). kubectl applies the base and the local overlay with server-side apply, first as a server-side dry run
(nothing stored), then for real, and the objects are read back. Broken copies of the overlay must be refused.
No scheduler, controller manager or kubelet runs: no pod is ever created, so the images, the probes and the Jobs
are not exercised here; that stays for a real cluster.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from thidua import registry
from thidua.operator.localinfra.process import port_open
from thidua.testing.kube import ApiServer, api_server, build_binaries, server_version

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
BASE = K8S / "base"
LOCAL = K8S / "overlays" / "local"
# The version deploy/test/kube/go.mod pins (the 1.33 schemas of tests/unit/test_deploy.py).
KUBE_VERSION = "v1.33.13"
# The base names no namespace: it is applied into one of its own, beside the local overlay's.
BASE_NAMESPACE = "thidua-base"
LOCAL_NAMESPACE = "thidua"
KINDS = "deployments,services,poddisruptionbudgets,jobs,secrets"
# `kubectl apply --server-side` prints one line per object: `<kind>.<group>/<name> serverside-applied`.
APPLIED = re.compile(r"^(\S+)/(\S+) serverside-applied(?: \(server dry run\))?$")


@pytest.fixture(scope="session")
def bin_dir() -> Path:
    """kube-apiserver and etcd, built from the Go module proxy once (cached in ~/.cache/thidua/kube-<version>)."""
    if shutil.which("kubectl") is None:
        pytest.fail("kubectl is not on PATH: the deployment suite applies the manifests with it")
    started = time.monotonic()
    path = build_binaries()
    print(f"\n==> kube-apiserver and etcd ready in {time.monotonic() - started:.1f}s ({path})", flush=True)
    return path


@pytest.fixture(scope="session")
def cluster(bin_dir: Path) -> Iterator[ApiServer]:
    """One API server for the module's tests, stopped (with its data removed) at the end even on failure."""
    started = time.monotonic()
    with api_server(bin_dir) as server:
        print(f"\n==> API server {server.server} up in {time.monotonic() - started:.1f}s", flush=True)
        yield server


def kubectl_ok(cluster: ApiServer, *args: str) -> str:
    """kubectl's output; a failure shows its stderr and the server's log to read."""
    result = cluster.kubectl(*args)
    assert result.returncode == 0, (
        f"kubectl {' '.join(args)} failed ({result.returncode}):\n{result.stderr}\n"
        f"(server log: {cluster.apiserver_log})"
    )
    return result.stdout


def rendered(directory: Path) -> list[dict[str, Any]]:
    """The objects of a kustomization as kubectl's own kustomize renders them: what the files say."""
    result = subprocess.run(
        ["kubectl", "kustomize", str(directory)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def apply(cluster: ApiServer, directory: Path, *extra: str) -> list[tuple[str, str]]:
    """Server-side apply of a kustomization; the (kind, name) of every object the server accepted."""
    args = ("apply", "-k", str(directory), "--server-side", *extra)
    result = cluster.kubectl(*args)
    assert result.returncode == 0, f"kubectl {' '.join(args)} failed:\n{result.stderr}\n(see {cluster.apiserver_log})"
    # The server warns of deprecated APIs or fields and of doubtful values (e.g. an env name set twice).
    assert "Warning" not in result.stderr, result.stderr
    out = result.stdout
    accepted = [match.groups() for line in out.splitlines() if (match := APPLIED.match(line.strip()))]
    assert len(accepted) == len(out.splitlines()), f"unexpected kubectl output:\n{out}"
    return [(kind.split(".")[0], name) for kind, name in accepted]


def kind_names(objects: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(kind in lower case, name) of each object, as kubectl prints them, sorted."""
    return sorted((o["kind"].lower(), o["metadata"]["name"]) for o in objects)


def stored(cluster: ApiServer, namespace: str) -> list[dict[str, Any]]:
    """The namespace's objects of the kinds deploy/k8s creates, as the server returns them."""
    out = kubectl_ok(cluster, "get", KINDS, "-n", namespace, "-o", "json")
    # Secrets the server itself makes (service-account tokens) would appear here; without a controller
    # manager there are none, so everything listed came from the manifests.
    items: list[dict[str, Any]] = json.loads(out)["items"]
    return items


def test_server_runs_the_pinned_version(cluster: ApiServer) -> None:
    assert server_version(cluster) == KUBE_VERSION
    version = json.loads(kubectl_ok(cluster, "version", "-o", "json"))
    assert version["serverVersion"]["gitVersion"] == KUBE_VERSION
    # kubectl supports servers one minor version either side of its own.
    client_minor = int(re.sub(r"\D.*", "", version["clientVersion"]["minor"]))
    assert abs(client_minor - 33) <= 1, version["clientVersion"]


def test_dry_run_accepts_base_and_local_overlay_and_stores_nothing(cluster: ApiServer) -> None:
    # A server-side dry run goes through admission, which refuses objects in a namespace that does not exist,
    # and the overlay's own Namespace is not created by a dry run: an operator creates the namespace first.
    result = cluster.kubectl("apply", "-k", str(LOCAL), "--server-side", "--dry-run=server")
    assert result.returncode != 0 and f'namespaces "{LOCAL_NAMESPACE}" not found' in result.stderr, result.stderr
    kubectl_ok(cluster, "create", "namespace", BASE_NAMESPACE)
    kubectl_ok(cluster, "apply", "--server-side", "-f", str(LOCAL / "namespace.yaml"))

    base = apply(cluster, BASE, "--dry-run=server", "-n", BASE_NAMESPACE)
    assert sorted((k.lower(), n) for k, n in base) == kind_names(rendered(BASE))
    local = apply(cluster, LOCAL, "--dry-run=server")
    assert sorted((k.lower(), n) for k, n in local) == kind_names(rendered(LOCAL))
    print(f"\n==> server-side dry run accepted base: {len(base)} objects, local overlay: {len(local)}", flush=True)

    assert stored(cluster, BASE_NAMESPACE) == [] and stored(cluster, LOCAL_NAMESPACE) == []


def assert_deployments_as_in_the_files(cluster: ApiServer, namespace: str, directory: Path) -> None:
    """Every registered service's Deployment is stored with the image, ports, probes and replicas of the files."""
    objects = stored(cluster, namespace)
    files = rendered(directory)
    namespaced = [o for o in files if o["kind"] != "Namespace"]
    assert kind_names(objects) == kind_names(namespaced)
    deployments = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Deployment"}
    assert set(deployments) == set(registry.names())
    written = {o["metadata"]["name"]: o for o in files if o["kind"] == "Deployment"}
    for spec in registry.services():
        live, wanted = deployments[spec.name], written[spec.name]
        assert live["metadata"]["labels"]["app.kubernetes.io/part-of"] == "thidua"
        assert live["spec"]["replicas"] == wanted["spec"]["replicas"]
        (container,) = live["spec"]["template"]["spec"]["containers"]
        (expected,) = wanted["spec"]["template"]["spec"]["containers"]
        assert container["image"] == expected["image"]
        assert container["args"] == [spec.name]
        assert [p["containerPort"] for p in container["ports"]] == [spec.port]
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            # The server adds its defaults (scheme, timeoutSeconds, successThreshold): what the files say is kept.
            want = expected.get(probe)
            if want is None:
                assert probe not in container, f"{spec.name}: {probe} appeared"
                continue
            assert container[probe]["httpGet"] == {**want["httpGet"], "scheme": "HTTP"}, (spec.name, probe)
            assert {k: container[probe][k] for k in want if k != "httpGet"} == {
                k: v for k, v in want.items() if k != "httpGet"
            }, (spec.name, probe)
        assert container["resources"] == expected["resources"], spec.name
        # Only the control plane runs: no controller ever reports a replica.
        assert live["status"].get("readyReplicas") is None
    for service in (o for o in objects if o["kind"] == "Service"):
        # The server allocated a cluster IP from --service-cluster-ip-range: it processed the Service for real.
        assert service["spec"]["clusterIP"].startswith("10.96."), service["spec"]


def test_apply_for_real_and_read_back(cluster: ApiServer) -> None:
    started = time.monotonic()
    base = apply(cluster, BASE, "-n", BASE_NAMESPACE)
    local = apply(cluster, LOCAL)
    print(
        f"\n==> applied for real: base {len(base)} objects, local overlay {len(local)} "
        f"in {time.monotonic() - started:.1f}s",
        flush=True,
    )
    assert_deployments_as_in_the_files(cluster, BASE_NAMESPACE, BASE)
    assert_deployments_as_in_the_files(cluster, LOCAL_NAMESPACE, LOCAL)
    local_deployments = [o for o in stored(cluster, LOCAL_NAMESPACE) if o["kind"] == "Deployment"]
    assert {d["spec"]["replicas"] for d in local_deployments} == {1}
    assert {d["spec"]["template"]["spec"]["containers"][0]["image"] for d in local_deployments} == {"thidua:local"}


def test_applying_again_changes_nothing(cluster: ApiServer) -> None:
    before = {o["metadata"]["uid"]: o["metadata"]["resourceVersion"] for o in stored(cluster, LOCAL_NAMESPACE)}
    assert before, "test_apply_for_real_and_read_back runs first"
    apply(cluster, LOCAL)
    after = {o["metadata"]["uid"]: o["metadata"]["resourceVersion"] for o in stored(cluster, LOCAL_NAMESPACE)}
    # Server-side apply of the same files is a no-op: no object rewritten, none replaced.
    assert after == before


def broken_overlay(tmp_path: Path, patch: str) -> Path:
    """A copy of deploy/k8s whose local overlay patches the evidence Deployment with one JSON-patch operation."""
    copy = tmp_path / "k8s"
    shutil.copytree(K8S, copy)
    overlay = copy / "overlays" / "local"
    kustomization = yaml.safe_load((overlay / "kustomization.yaml").read_text(encoding="utf-8"))
    kustomization["patches"] = [{"target": {"kind": "Deployment", "name": "evidence"}, "patch": patch}]
    (overlay / "kustomization.yaml").write_text(yaml.safe_dump(kustomization), encoding="utf-8")
    return overlay


def evidence_of(objects: list[dict[str, Any]]) -> dict[str, Any]:
    """The evidence Deployment among objects."""
    (evidence,) = [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "evidence"]
    return evidence


BROKEN = {
    # A quantity the JSON schemas accept (a string) but the server cannot parse.
    "cpu-lots": (
        "- {op: replace, path: /spec/template/spec/containers/0/resources/requests/cpu, value: lots}",
        # The server names the object and the rule; a quantity that does not parse carries no field path.
        r"\(thidua/evidence; apps/v1, Kind=Deployment\).*quantities must match the regular expression",
    ),
    # A field the server's schema does not have (a typo of `path`): refused, not silently dropped.
    "unknown-field": (
        "- {op: add, path: /spec/template/spec/containers/0/livenessProbe/httpGet/paht, value: /healthz}",
        r'\.spec\.template\.spec\.containers\[name="evidence"\]\.livenessProbe\.httpGet\.paht: '
        r"field not declared in schema",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_overlay_is_refused(case: str, cluster: ApiServer, tmp_path: Path) -> None:
    patch, error = BROKEN[case]
    overlay = broken_overlay(tmp_path, patch)
    # The copy renders (kustomize checks no schema), so the refusal below is the server's.
    assert evidence_of(rendered(overlay)) != evidence_of(rendered(LOCAL))
    before = stored(cluster, LOCAL_NAMESPACE)
    for extra in (["--dry-run=server"], []):
        result = cluster.kubectl("apply", "-k", str(overlay), "--server-side", *extra)
        assert result.returncode != 0, f"kubectl accepted the {case} copy {extra}:\n{result.stdout}"
        assert re.search(error, result.stderr), result.stderr
        print(f"\n==> {case} {extra}: {result.stderr.strip()}", flush=True)
        assert "evidence" in result.stderr, result.stderr
    # The refused object left the stored one as it was; the others in the copy were applied unchanged.
    after = stored(cluster, LOCAL_NAMESPACE)
    assert [o["metadata"]["resourceVersion"] for o in after] == [o["metadata"]["resourceVersion"] for o in before]


def test_teardown_stops_both_processes_even_on_failure(bin_dir: Path, tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="a failing test"), api_server(bin_dir, log_dir=tmp_path) as server:
        seen = server
        assert all(port_open(port) for port in (server.ports[0], server.ports[2]))
        assert server.kubeconfig.exists()
        raise RuntimeError("a failing test")
    for pid in seen.pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert not any(port_open(port) for port in seen.ports)
    assert not seen.data_dir.exists()
    assert (tmp_path / "kube-apiserver.log").stat().st_size > 0 and (tmp_path / "etcd.log").stat().st_size > 0
    print(f"\n==> a second API server started and stopped in {time.monotonic() - started:.1f}s", flush=True)
