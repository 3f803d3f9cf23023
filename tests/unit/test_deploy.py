"""deploy/k8s/ and deploy/compose.yaml agree with the code: services, ports, probes and environment variables.

No cluster and no kubectl here: the kustomizations are rendered by a small loader of our own (resources,
configMapGenerator, namespace, images, replicas, labels: the features deploy/k8s/ uses) over PyYAML, then
checked:
- every manifest has apiVersion, kind and metadata.name, no two alike; each validates against the Kubernetes
  JSON schemas of the kubernetes-validate package (offline, bundled with it; skipped when not installed);
- every registered service (thidua.registry.services()) has a Deployment running `thidua <name>` and a Service,
  both on the registry's port, <PREFIX>_HTTP_PORT set to it, liveness on /healthz and readiness on /readyz at
  that port, resource requests and limits, and a PodDisruptionBudget selecting its pods;
- every variable a Deployment sets is a field of that service's settings class (its env prefix, or a
  validation alias such as KAFKA_* and DATABASE_URL), and the literal values validate with that class;
- Kafka services sign in as svc-<name> over SASL_SSL with a CA file that is mounted; the dashboard has no Kafka;
  every secretKeyRef names a Secret and key of the base; every Secret value is a placeholder;
- the provision Job runs `thidua kafka provision` as the admin with each service's password from the same Secret
  the service uses; the rule files and calendars are the image's (no copy here), and the overlay's commented
  example mounts its own where the settings look; the local overlay has one replica each, image thidua:local,
  one namespace;
- deploy/compose.yaml: the same service, port, command and variable checks; images, published ports and their
  address are variables with today's defaults; Kafka's log in a volume; the `admin` tools service; what the
  deployment test's harness (thidua/testing/compose.py) generates covers what the file requires.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from pydantic import AliasChoices, AliasPath

from thidua import registry
from thidua.registry import ServiceSpec

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
BASE = K8S / "base"
LOCAL = K8S / "overlays" / "local"
COMPOSE = ROOT / "deploy" / "compose.yaml"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
# Kubernetes version the schemas are taken from (kubernetes-validate bundles them).
K8S_VERSION = "1.33"
# What deploy/compose.yaml does not run (every registered service and the dashboard are in it).
NOT_IN_COMPOSE: set[str] = set()
CLUSTER_SCOPED = {"Namespace"}
# The rule files the image carries (the package's data), each read through its service's settings default.
RULE_FILES = {
    "scoring": ("SCORING_RULES_FILE", ROOT / "services/scoring/rules/rulebook.toml"),
    "awards": ("AWARDS_RULES_FILE", ROOT / "services/awards/rules/awards.toml"),
}


# --- a small kustomize ---------------------------------------------------------------------------------------


def _load_documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc is not None]


def render(directory: Path) -> list[dict[str, Any]]:
    """The manifests of the kustomization in directory, as `kubectl kustomize` would give them (no hashes)."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text(encoding="utf-8"))
    unknown = set(kustomization) - {
        "apiVersion",
        "kind",
        "resources",
        "configMapGenerator",
        "namespace",
        "images",
        "replicas",
        "labels",
    }
    assert not unknown, f"{directory}: kustomization uses {unknown}, which this test's renderer does not know"
    manifests: list[dict[str, Any]] = []
    for entry in kustomization.get("resources", []):
        target = (directory / entry).resolve()
        manifests += render(target) if target.is_dir() else _load_documents(target)
    for generator in kustomization.get("configMapGenerator", []):
        data = {}
        for file in generator["files"]:
            source = (directory / file).resolve()
            assert source.is_relative_to(directory.resolve()), f"{file}: kustomize loads nothing outside {directory}"
            data[source.name] = source.read_text(encoding="utf-8")
        manifests.append(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": generator["name"]}, "data": data}
        )
    for group in kustomization.get("labels", []):
        for manifest in manifests:
            manifest["metadata"].setdefault("labels", {}).update(group["pairs"])
    images = {image["name"]: image for image in kustomization.get("images", [])}
    replicas = {entry["name"]: entry["count"] for entry in kustomization.get("replicas", [])}
    for manifest in manifests:
        if "namespace" in kustomization and manifest["kind"] not in CLUSTER_SCOPED:
            manifest["metadata"]["namespace"] = kustomization["namespace"]
        if manifest["kind"] == "Deployment" and manifest["metadata"]["name"] in replicas:
            manifest["spec"]["replicas"] = replicas[manifest["metadata"]["name"]]
        for container in _containers(manifest):
            name = container["image"].split(":")[0]
            if name in images:
                container["image"] = f"{images[name].get('newName', name)}:{images[name]['newTag']}"
    return manifests


def _containers(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    if manifest["kind"] in {"Deployment", "Job"}:
        containers: list[dict[str, Any]] = manifest["spec"]["template"]["spec"]["containers"]
        return containers
    return []


def find(manifests: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = [m for m in manifests if m["kind"] == kind and m["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


# --- the settings classes ------------------------------------------------------------------------------------


def env_names(spec: ServiceSpec) -> set[str]:
    """The environment variables the service's settings class reads (upper case: pydantic-settings ignores case)."""
    settings_class = registry._load(spec.settings_class)
    prefix = settings_class.model_config.get("env_prefix", "")
    names: set[str] = set()
    for field_name, info in settings_class.model_fields.items():
        alias = info.validation_alias
        choices = alias.choices if isinstance(alias, AliasChoices) else [alias]
        for choice in choices:
            if choice is None:
                names.add(f"{prefix}{field_name}".upper())
            elif isinstance(choice, AliasPath):
                names.add(str(choice.path[0]).upper())
            else:
                names.add(choice.upper())
    return names


def global_kafka_names() -> set[str]:
    """KAFKA_*, DATABASE_URL and DATABASE_PASSWORD: the global names of thidua/runtime/settings.py."""
    kafka = {name for name in env_names(registry.kafka_services()[0]) if name.startswith("KAFKA_")}
    return kafka | {"DATABASE_URL", "DATABASE_PASSWORD"}


def env_of(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    entries = container.get("env", [])
    names = [entry["name"] for entry in entries]
    assert len(names) == len(set(names)), f"{container['name']}: a variable set twice: {names}"
    return {entry["name"]: entry for entry in entries}


# --- Kubernetes ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=[BASE, LOCAL], ids=["base", "local"])
def manifests(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    return render(request.param)


@pytest.fixture(scope="module")
def base() -> list[dict[str, Any]]:
    return render(BASE)


def test_every_manifest_names_itself(manifests: list[dict[str, Any]]) -> None:
    seen = set()
    for manifest in manifests:
        assert manifest.get("apiVersion") and manifest.get("kind"), manifest
        assert manifest.get("metadata", {}).get("name"), manifest
        key = (manifest["kind"], manifest["metadata"]["name"])
        assert key not in seen, f"{key} twice"
        seen.add(key)


def test_manifests_validate_against_the_kubernetes_schemas(manifests: list[dict[str, Any]]) -> None:
    kubernetes_validate = pytest.importorskip("kubernetes_validate")
    for manifest in manifests:
        try:
            kubernetes_validate.validate(manifest, K8S_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{manifest['kind']} {manifest['metadata']['name']}: {exc.message} at {list(exc.path)}")


@pytest.mark.parametrize("spec", registry.services(), ids=registry.names())
def test_every_service_runs_on_its_port_with_probes(spec: ServiceSpec, manifests: list[dict[str, Any]]) -> None:
    deployment = find(manifests, "Deployment", spec.name)
    pod = deployment["spec"]["template"]
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert selector.items() <= pod["metadata"]["labels"].items()
    (container,) = pod["spec"]["containers"]
    assert container["args"] == [spec.name], "the image's entry point is `thidua`: args pick the service"
    assert [p["containerPort"] for p in container["ports"]] == [spec.port]
    env = env_of(container)
    assert env[spec.port_env]["value"] == str(spec.port)
    assert env[spec.port_env.replace("_PORT", "_HOST")]["value"] == "0.0.0.0"
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        assert container[probe]["httpGet"] == {"path": path, "port": spec.port}, probe
    resources = container["resources"]
    assert {"cpu", "memory"} <= resources["requests"].keys() and {"cpu", "memory"} <= resources["limits"].keys()

    service = find(manifests, "Service", spec.name)
    assert service["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
    assert [(p["port"], p["targetPort"]) for p in service["spec"]["ports"]] == [(spec.port, spec.port)]
    budget = find(manifests, "PodDisruptionBudget", spec.name)
    assert budget["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()


def test_no_deployment_without_a_registered_service(base: list[dict[str, Any]]) -> None:
    deployments = {m["metadata"]["name"] for m in base if m["kind"] == "Deployment"}
    assert deployments == set(registry.names())


@pytest.mark.parametrize("spec", registry.services(), ids=registry.names())
def test_every_variable_is_a_setting(spec: ServiceSpec, base: list[dict[str, Any]], monkeypatch: Any) -> None:
    (container,) = find(base, "Deployment", spec.name)["spec"]["template"]["spec"]["containers"]
    env = env_of(container)
    unknown = set(env) - env_names(spec)
    assert not unknown, f"{spec.name} sets variables its settings class does not read: {sorted(unknown)}"
    # The literal values are valid settings of the service (secrets are left to their defaults).
    for name, entry in env.items():
        if "value" in entry:
            monkeypatch.setenv(name, entry["value"])
    settings = spec.settings()
    assert settings.http_port == spec.port and settings.http_host == "0.0.0.0"


@pytest.mark.parametrize("spec", registry.services(), ids=registry.names())
def test_kafka_identity_per_service(spec: ServiceSpec, base: list[dict[str, Any]]) -> None:
    pod = find(base, "Deployment", spec.name)["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    env = env_of(container)
    if not spec.kafka:
        assert not set(env) & global_kafka_names(), f"{spec.name} speaks no Kafka and uses no database"
        return
    assert env["KAFKA_USERNAME"]["value"] == f"svc-{spec.name}"
    assert env["KAFKA_SECURITY_PROTOCOL"]["value"] == "SASL_SSL"
    assert env["KAFKA_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == f"thidua-kafka-{spec.name}"
    # PostgreSQL as the service's own role (issue 23): the URL names it and no password; the password from a Secret.
    url = urlsplit(env["DATABASE_URL"]["value"])
    assert (url.username, url.password) == (f"thidua_{spec.name}", None)
    assert env["DATABASE_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == f"thidua-database-{spec.name}"
    mounts = {Path(m["mountPath"]) for m in container["volumeMounts"]}
    assert Path(env["KAFKA_SSL_CAFILE"]["value"]).parent in mounts


def test_secret_references_resolve_and_secrets_are_placeholders(base: list[dict[str, Any]]) -> None:
    secrets = {m["metadata"]["name"]: m for m in base if m["kind"] == "Secret"}
    for secret in secrets.values():
        assert "data" not in secret, "a template: stringData with placeholders only"
        for key, value in secret["stringData"].items():
            assert key == "username" or "REPLACE-ME" in value, (
                f"{secret['metadata']['name']}.{key} is not a placeholder"
            )
    for manifest in base:
        for container in _containers(manifest):
            for entry in container.get("env", []):
                ref = entry.get("valueFrom", {}).get("secretKeyRef")
                if ref is not None:
                    assert ref["key"] in secrets[ref["name"]]["stringData"], entry
        for volume in manifest["spec"]["template"]["spec"].get("volumes", []) if _containers(manifest) else []:
            if "secret" in volume:
                assert volume["secret"]["secretName"] in secrets
            if "configMap" in volume:
                find(base, "ConfigMap", volume["configMap"]["name"])


def test_provision_job_runs_as_the_admin_with_every_service_password(base: list[dict[str, Any]]) -> None:
    job = find(base, "Job", "thidua-provision")
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["kafka", "provision"]
    env = env_of(container)
    passwords = {f"{name.upper()}_KAFKA_PASSWORD" for name in registry.kafka_names()}
    assert set(env) - global_kafka_names() == passwords, "the CLI reads <SERVICE>_KAFKA_PASSWORD, nothing else"
    assert env["KAFKA_USERNAME"]["valueFrom"]["secretKeyRef"]["name"] == "thidua-kafka-admin"
    for spec in registry.kafka_services():
        (service,) = find(base, "Deployment", spec.name)["spec"]["template"]["spec"]["containers"]
        own = env_of(service)["KAFKA_PASSWORD"]["valueFrom"]
        assert env[f"{spec.name.upper()}_KAFKA_PASSWORD"]["valueFrom"] == own, spec.name
    for name in ("KAFKA_BOOTSTRAP_SERVERS", "KAFKA_SECURITY_PROTOCOL", "KAFKA_SSL_CAFILE"):
        (service,) = find(base, "Deployment", "evidence")["spec"]["template"]["spec"]["containers"]
        assert env[name] == env_of(service)[name], name


def test_db_provision_job_runs_as_the_database_admin_with_every_service_password(base: list[dict[str, Any]]) -> None:
    job = find(base, "Job", "thidua-db-provision")
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["db", "provision"]
    env = env_of(container)
    passwords = {f"{name.upper()}_DATABASE_PASSWORD" for name in registry.kafka_names()}
    assert set(env) == {"DATABASE_URL", "DATABASE_PASSWORD"} | passwords
    assert urlsplit(env["DATABASE_URL"]["value"]).password is None
    assert env["DATABASE_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == "thidua-database-admin"
    for spec in registry.kafka_services():
        (service,) = find(base, "Deployment", spec.name)["spec"]["template"]["spec"]["containers"]
        own = env_of(service)["DATABASE_PASSWORD"]["valueFrom"]
        assert env[f"{spec.name.upper()}_DATABASE_PASSWORD"]["valueFrom"] == own, spec.name
        assert (
            urlsplit(env_of(service)["DATABASE_URL"]["value"]).hostname
            == urlsplit(env["DATABASE_URL"]["value"]).hostname
        )


def test_rule_files_are_the_images_and_no_copy_is_kept(base: list[dict[str, Any]]) -> None:
    assert not (BASE / "rules").exists(), "deploy/k8s/base/rules/: the image carries the rule files, keep no copy"
    assert [m["metadata"]["name"] for m in base if m["kind"] == "ConfigMap"] == []
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert {"rules/*.toml", "rules/calendar/*.toml"} <= set(package_data["package-data"]["*"])
    assert "COPY services ./services" in DOCKERFILE.read_text(encoding="utf-8")
    for name, (variable, original) in RULE_FILES.items():
        (container,) = find(base, "Deployment", name)["spec"]["template"]["spec"]["containers"]
        assert variable not in env_of(container), f"{name}: the base runs the image's rule file"
        assert registry.service(name).settings().rules_file.resolve() == original.resolve()
    # read_rules_file looks for the calendars beside the rule file: the package carries them there.
    assert sorted((ROOT / "services/scoring/rules/calendar").glob("*.toml"))


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")))
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in joined.splitlines() if line.strip()]


def test_the_image_installs_the_runtime_lock_as_a_numeric_user() -> None:
    """No test tools in the image (the runtime lock only), any base given as BASE, a user Kubernetes can check."""
    steps = dockerfile_instructions(DOCKERFILE.read_text(encoding="utf-8"))
    assert steps[0] == ("ARG", "BASE=python:3.11-slim")
    stages = [arguments.split()[0] for instruction, arguments in steps if instruction == "FROM"]
    assert stages and set(stages) == {"${BASE}"}
    installs = " ".join(arguments for instruction, arguments in steps if instruction in {"COPY", "RUN"})
    assert "requirements-runtime.lock" in installs
    assert "requirements.lock" not in installs, "the development lock (pytest, mypy, selenium...) is not for the image"
    final = steps[max(i for i, (instruction, _) in enumerate(steps) if instruction == "FROM") :]
    users = [arguments for instruction, arguments in final if instruction == "USER"]
    assert users and re.fullmatch(r"[1-9][0-9]*(:[0-9]+)?", users[-1]), f"USER {users}: runAsNonRoot needs a number"
    assert ("ENTRYPOINT", '["thidua"]') in final


def test_the_build_context_holds_only_what_the_image_copies() -> None:
    """.dockerignore (and Podman's .containerignore, the same): everything out (.venv, .state, .git: large or
    private) but what deploy/Dockerfile copies."""
    ignore = (ROOT / ".dockerignore").read_text(encoding="utf-8")
    assert (ROOT / ".containerignore").read_text(encoding="utf-8") == ignore
    patterns = [line.strip() for line in ignore.splitlines() if line.strip() and not line.startswith("#")]
    assert patterns[0] == "*"
    included = {pattern[1:].rstrip("/") for pattern in patterns if pattern.startswith("!")}
    assert not included & {".venv", ".state", ".git", "deploy", "tests", "requirements.lock"}
    copied = set()
    for instruction, arguments in dockerfile_instructions(DOCKERFILE.read_text(encoding="utf-8")):
        if instruction == "COPY" and not arguments.startswith("--from"):
            copied |= {source.rstrip("/") for source in arguments.split()[:-1]}
    assert copied == included, f"the context lets in {sorted(included)}, the image copies {sorted(copied)}"


def test_the_overlay_example_mounts_rule_files_where_the_settings_look() -> None:
    text = (LOCAL / "kustomization.yaml").read_text(encoding="utf-8")
    example = text[text.index("# configMapGenerator:") :]
    document = yaml.safe_load("\n".join(line.removeprefix("#").removeprefix(" ") for line in example.splitlines()))
    generated = {entry["name"] for entry in document["configMapGenerator"]}
    assert generated == {"scoring-rules", "scoring-calendar", "awards-rules"}
    for patch in document["patches"]:
        name = patch["target"]["name"]
        operations = yaml.safe_load(patch["patch"])
        values = [op["value"] for op in operations]
        volumes = {v["name"]: v["configMap"]["name"] for v in values if "configMap" in v}
        mounts = {v["mountPath"]: volumes[v["name"]] for v in values if "mountPath" in v}
        (setting,) = [v for v in values if v.get("name") == RULE_FILES[name][0]]
        assert set(volumes.values()) <= generated
        rules_file = Path(setting["value"])
        if name == "scoring":
            assert mounts[str(rules_file)] == "scoring-rules"
            assert mounts[str(rules_file.parent / "calendar")] == "scoring-calendar"
        else:
            assert mounts[str(rules_file.parent)] == "awards-rules"
        assert RULE_FILES[name][0] in env_names(registry.service(name)), "the variable is a setting"


def test_local_overlay() -> None:
    local = render(LOCAL)
    (namespace,) = [m["metadata"]["name"] for m in local if m["kind"] == "Namespace"]
    for manifest in local:
        if manifest["kind"] not in CLUSTER_SCOPED:
            assert manifest["metadata"]["namespace"] == namespace
        for container in _containers(manifest):
            assert container["image"] == "thidua:local"
        if manifest["kind"] == "Deployment":
            assert manifest["spec"]["replicas"] == 1


# --- compose -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    services: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]
    return services


def _compose_services() -> Iterator[ServiceSpec]:
    return (spec for spec in registry.services() if spec.name not in NOT_IN_COMPOSE)


def test_compose_runs_every_service(compose: dict[str, Any]) -> None:
    missing = {spec.name for spec in registry.services()} - set(compose)
    assert missing == NOT_IN_COMPOSE, f"compose.yaml lacks {missing}; it now has {NOT_IN_COMPOSE - missing}"


@pytest.mark.parametrize("spec", list(_compose_services()), ids=lambda spec: spec.name)
def test_compose_service_ports_and_variables(spec: ServiceSpec, compose: dict[str, Any], monkeypatch: Any) -> None:
    entry = compose[spec.name]
    assert entry["command"] == [spec.name]
    env = {name: str(value) for name, value in entry["environment"].items()}
    unknown = set(env) - env_names(spec)
    assert not unknown, f"compose.yaml: {spec.name} sets variables its settings class does not read: {unknown}"
    # The port the service listens on: its <PREFIX>_HTTP_PORT, else the settings' default; its host from the image.
    assert re.search(rf"\b{spec.port_env.replace('_PORT', '_HOST')}=0\.0\.0\.0\b", DOCKERFILE.read_text())
    for name, value in env.items():
        if "${" not in value:
            monkeypatch.setenv(name, value)
    listening = spec.settings().http_port
    assert listening == spec.port
    assert [int(port.rsplit(":", 1)[1]) for port in entry["ports"]] == [spec.port]
    if spec.kafka:
        assert env["KAFKA_USERNAME"] == f"svc-{spec.name}"
        assert env["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"


def test_compose_writes_no_database_password(compose: dict[str, Any]) -> None:
    """Every PostgreSQL password comes from the operator's deploy/.env (issue 23: no `thidua:thidua`)."""
    assert compose["postgres"]["environment"]["POSTGRES_PASSWORD"] == "${POSTGRES_PASSWORD:?}"
    provision = compose["db-provision"]
    assert provision["command"] == ["db", "provision"]
    for name, entry in compose.items():
        env = {key: str(value) for key, value in (entry.get("environment") or {}).items()}
        if "DATABASE_URL" in env:
            assert urlsplit(env["DATABASE_URL"]).password is None, name
            assert re.fullmatch(r"\$\{[A-Z_]+:\?\}", env["DATABASE_PASSWORD"]), name
    for spec in registry.kafka_services():
        env = compose[spec.name]["environment"]
        assert urlsplit(env["DATABASE_URL"]).username == f"thidua_{spec.name}"
        assert env["DATABASE_PASSWORD"] == provision["environment"][f"{spec.name.upper()}_DATABASE_PASSWORD"]
        assert compose[spec.name]["depends_on"]["db-provision"] == {"condition": "service_completed_successfully"}


def test_compose_provision_variables(compose: dict[str, Any]) -> None:
    entry = compose["provision"]
    assert entry["command"] == ["kafka", "provision"]
    passwords = {f"{name.upper()}_KAFKA_PASSWORD" for name in registry.kafka_names()}
    # LOG_FORMAT comes with the shared client block (every container logs alike).
    assert set(entry["environment"]) - global_kafka_names() - {"LOG_FORMAT"} == passwords


def test_compose_images_and_ports_are_variables_with_todays_defaults() -> None:
    """Where no registry is reachable the images are named in the env file; the published ports and address too
    (a second stack, the deployment test, publishes beside the first); unset, everything is as before."""
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    services = data["services"]
    assert services["kafka"]["image"] == "${KAFKA_IMAGE:-apache/kafka:4.1.1}"
    assert services["postgres"]["image"] == "${POSTGRES_IMAGE:-postgres:17}"
    for name, entry in services.items():
        if name not in ("kafka", "postgres"):
            assert entry["image"] == "${THIDUA_IMAGE:-thidua:local}", name
    for spec in registry.services():
        published = f"${{PUBLISH_ADDRESS:-0.0.0.0}}:${{{spec.name.upper()}_PUBLISHED_PORT:-{spec.port}}}:{spec.port}"
        assert services[spec.name]["ports"] == [published]
    # Kafka's log and PostgreSQL's data outlive the containers (an upgrade recreates them).
    assert "kafkadata:/var/lib/kafka/data" in services["kafka"]["volumes"]
    assert services["kafka"]["environment"]["KAFKA_LOG_DIRS"] == "/var/lib/kafka/data"
    assert set(data["volumes"]) == {"pgdata", "kafkadata"}


def test_compose_admin_runs_operator_commands_only_when_asked() -> None:
    """The `admin` service (profile tools, never started by `up`) signs in as both admins for `thidua source add`
    and `thidua token add`: the Kafka admin over TLS, PostgreSQL's admin for the token store."""
    admin = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]["admin"]
    assert admin["profiles"] == ["tools"]
    env = admin["environment"]
    assert (env["KAFKA_USERNAME"], env["KAFKA_SASL_MECHANISM"], env["KAFKA_SECURITY_PROTOCOL"]) == (
        "admin",
        "PLAIN",
        "SASL_SSL",
    )
    assert env["KAFKA_PASSWORD"] == "${KAFKA_ADMIN_PASSWORD:?}"
    assert urlsplit(env["DATABASE_URL"]).username == "thidua" and env["DATABASE_PASSWORD"] == "${POSTGRES_PASSWORD:?}"
    assert "./tls/ca.pem:/run/tls/ca.pem:ro" in admin["volumes"]


def test_compose_harness_generates_what_compose_requires(tmp_path: Path) -> None:
    """The deployment test's env file covers every `${NAME:?}`; its TLS material is a CA and a keystore for `kafka`
    that the CA signed, opened with the keystore password; its copy of compose.yaml differs only in build context."""
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12

    from thidua.testing import compose_files as harness

    text = COMPOSE.read_text(encoding="utf-8")
    required = set(harness.required_variables(text))
    assert {"KAFKA_ADMIN_PASSWORD", "KAFKA_KEYSTORE_PASSWORD", "POSTGRES_PASSWORD", "WEB_SESSION_SECRET"} <= required
    assert {f"{name.upper()}_KAFKA_PASSWORD" for name in registry.kafka_names()} <= required
    assert {f"{name.upper()}_DATABASE_PASSWORD" for name in registry.kafka_names()} <= required
    assert len(harness.secret()) >= 40
    harness.write_tls(tmp_path, "keystore-password")
    ca = x509.load_pem_x509_certificate((tmp_path / "ca.pem").read_bytes())
    key, cert, extra = pkcs12.load_key_and_certificates(
        (tmp_path / "kafka.keystore.p12").read_bytes(), b"keystore-password"
    )
    assert cert is not None and key is not None and [c.subject for c in extra] == [ca.subject]
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    assert names == ["kafka"]
    public = ca.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey) and cert.signature_hash_algorithm is not None
    public.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates((tmp_path / "kafka.keystore.p12").read_bytes(), b"wrong")
    copied = yaml.safe_load(harness.compose_copy(text))
    original = yaml.safe_load(text)
    for name, entry in copied["services"].items():
        if "build" in entry:
            assert entry["build"]["context"] == str(ROOT), name
            entry["build"]["context"] = ".."
    assert copied == original
    assert harness.token_after("source x registered\nHTTP token (shown once, keep it secret):\nabc\n") == "abc"
