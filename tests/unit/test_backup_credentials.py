"""`thidua backup` / `restore` never put the database password on a command line (issue 23, finding 7)."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from thidua.operator import backup

URL = "postgresql://postgres:s3cr%3At@127.0.0.1:15432/postgres?sslmode=disable"


def test_the_password_is_taken_out_of_the_url() -> None:
    assert backup.without_password(URL) == ("postgresql://postgres@127.0.0.1:15432/postgres?sslmode=disable", "s3cr:t")
    assert backup.without_password("postgresql://u@h/db?password=p%20q&application_name=x") == (
        "postgresql://u@h/db?application_name=x",
        "p q",
    )
    assert backup.without_password("postgresql://u@h/db") == ("postgresql://u@h/db", None)


@pytest.mark.parametrize("command", ["backup", "restore"])
def test_pg_dump_and_pg_restore_get_the_password_from_a_0600_file_not_argv(
    command: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: dict[str, Any] = {}

    def fake_run(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        env = kwargs["env"]
        passfile = Path(env["PGPASSFILE"])
        seen.update(argv=argv, env=env, passfile=passfile, mode=stat.S_IMODE(passfile.stat().st_mode))
        seen["line"] = passfile.read_text()
        return subprocess.CompletedProcess(argv, 0, "", "")

    monkeypatch.setenv("PGPASSWORD", "stale")
    monkeypatch.setattr(backup.subprocess, "run", fake_run)
    monkeypatch.setattr(backup, "tool", lambda name: Path("/usr/bin") / name)
    dump = tmp_path / "d.dump"
    if command == "backup":
        (tmp_path / "d.dump.partial").write_bytes(b"x")  # what pg_dump would have written
        backup.backup(URL, dump)
    else:
        dump.write_bytes(b"x")
        backup.restore(URL, dump)
    assert not any("s3cr" in arg for arg in seen["argv"]), seen["argv"]
    assert "--dbname=postgresql://postgres@127.0.0.1:15432/postgres?sslmode=disable" in seen["argv"]
    assert seen["line"] == "*:*:*:*:s3cr\\:t\n" and seen["mode"] == 0o600
    assert "PGPASSWORD" not in seen["env"]  # it would win over the file
    assert not seen["passfile"].exists()  # removed once the tool is done
    assert os.environ["PGPASSWORD"] == "stale"  # the caller's own environment is left alone
