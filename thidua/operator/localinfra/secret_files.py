"""Secret files (passwords, keys) written 0600 from their first byte: never with the umask's mode, then chmod-ed."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path


def write_secret(path: Path, text: str) -> None:
    """Replace path with text atomically: a temporary file created 0600 beside it (O_EXCL), then os.replace.

    A reader sees the old content or the new, never a half-written file, and nobody else may open it at any time
    (a file written then chmod-ed is readable under a 022 umask until the chmod)."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise
