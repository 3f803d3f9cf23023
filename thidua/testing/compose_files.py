"""The files a compose stack of the deployment suite reads: a copy of deploy/compose.yaml, an env file with a long
random value for every variable it requires, and throw-away TLS material for the broker."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import yaml

from thidua import registry
from thidua.operator.localinfra.secret_files import write_secret

ROOT = Path(__file__).resolve().parents[2]
# The line an operator command prints before a secret it shows once (`thidua source add`, `token add`).
TOKEN_LINE = "(shown once, keep it secret):"
REQUIRED = re.compile(r"\$\{([A-Z][A-Z0-9_]*):\?[^}]*\}")


def http_services() -> dict[str, int]:
    """Every registered service (the dashboard too) and the port it listens on inside its container."""
    return {spec.name: spec.port for spec in registry.services()}


def required_variables(compose_text: str) -> list[str]:
    """The variables compose.yaml refuses to run without (`${NAME:?}`), sorted."""
    return sorted(set(REQUIRED.findall(compose_text)))


def secret() -> str:
    """A long random value safe inside a JAAS line and a URL (no quotes, no separators)."""
    return secrets.token_urlsafe(32)


def write_tls(directory: Path, keystore_password: str, *, host: str = "kafka", days: int = 7) -> None:
    """A throw-away CA (ca.pem) and the broker's key and certificate for host in a PKCS#12 keystore."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    from thidua.testing.tls import certificate_authority, server_certificate

    ca = certificate_authority("Thi dua deploy test CA", days=days)
    server = server_certificate(ca, host, names=[host], days=days)
    keystore = pkcs12.serialize_key_and_certificates(
        host.encode(),
        server.key,
        server.cert,
        [ca.cert],
        serialization.BestAvailableEncryption(keystore_password.encode()),
    )
    directory.mkdir(parents=True, exist_ok=True)
    # Readable by the containers' own users (bind mounts keep the host's modes); the parent directory is private.
    directory.chmod(0o755)
    for name, data in (
        ("ca.pem", ca.cert.public_bytes(serialization.Encoding.PEM)),
        (f"{host}.keystore.p12", keystore),
    ):
        (directory / name).write_bytes(data)
        (directory / name).chmod(0o644)


def write_env(path: Path, values: dict[str, str]) -> None:
    """The env file compose reads, private to its owner."""
    write_secret(path, "".join(f"{name}={value}\n" for name, value in sorted(values.items())))


def compose_copy(text: str) -> str:
    """compose.yaml for a directory outside deploy/: the same services, the build context pointing back here."""
    data = yaml.safe_load(text)
    for service in data["services"].values():
        build = service.get("build")
        if isinstance(build, dict) and build.get("context") == "..":
            service["build"] = {**build, "context": str(ROOT)}
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120)


def token_after(output: str, marker: str = TOKEN_LINE) -> str:
    """The secret an operator command printed on the line after marker."""
    lines = output.splitlines()
    for index, line in enumerate(lines):
        if line.rstrip().endswith(marker) and index + 1 < len(lines) and lines[index + 1].strip():
            return lines[index + 1].strip()
    raise AssertionError(f"no line after {marker!r} in:\n{output}")
