"""Secret files are created 0600 from their first byte (issue 23): never written with the umask's mode, then
chmod-ed, which leaves a moment when anybody may read the password."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from thidua.operator.localinfra.secret_files import write_secret

ROOT = Path(__file__).resolve().parents[2]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_secret_is_0600_whatever_the_umask_and_replaces_the_old_file(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        target = tmp_path / "admin.password"
        target.write_text("old")
        target.chmod(0o644)
        write_secret(target, "s3cret")
        assert target.read_text() == "s3cret" and _mode(target) == 0o600
        fresh = tmp_path / "service-passwords.json"
        write_secret(fresh, "{}")
        assert _mode(fresh) == 0o600
    finally:
        os.umask(old)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["admin.password", "service-passwords.json"]


def test_the_temporary_file_is_0600_before_a_byte_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    real_fdopen = os.fdopen

    def fdopen(fd: int, *args: object, **kwargs: object) -> object:
        seen.append(stat.S_IMODE(os.fstat(fd).st_mode))
        return real_fdopen(fd, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "fdopen", fdopen)
    old = os.umask(0)
    try:
        write_secret(tmp_path / "key", "k")
    finally:
        os.umask(old)
    assert seen == [0o600]


def test_no_secret_is_written_then_chmod_ed() -> None:
    """Every writer of a password or key goes through write_secret (or os.open with 0o600)."""
    offenders = []
    for path in [*ROOT.glob("thidua/**/*.py"), *ROOT.glob("services/**/*.py")]:
        lines = path.read_text(encoding="utf-8").splitlines()
        for n, line in enumerate(lines):
            if re.search(r"\.chmod\(0o600\)", line) and any(
                "write_text" in before or "write_bytes" in before for before in lines[max(0, n - 3) : n]
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{n + 1}")
    assert offenders == [], offenders
