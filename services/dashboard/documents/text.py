"""Text a file format can hold: whatever a stored value carries, a download never fails on one character.

The contract refuses control characters at the door (schemas/common.py), but values stored before it did, or
reaching a document some other way, must not make XLSX/DOCX (XML 1.0) or the PDF (DejaVu Sans) fail for everyone.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TypeVar

# What XML 1.0 cannot hold (C0 but tab, newline and carriage return; lone surrogates; U+FFFE, U+FFFF), plus DEL
# and the C1 controls, which no font draws.
_UNFIT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_BREAK = re.compile("\r\n?")

T = TypeVar("T")


def printable(text: str) -> str:
    """text without the characters a document cannot hold; a tab is a space, any line break a newline."""
    if _UNFIT.search(text) is None and "\t" not in text and "\r" not in text:
        return text  # the usual case, unchanged
    return _UNFIT.sub("", _BREAK.sub("\n", text)).replace("\t", " ")


def scrub(value: T) -> T:
    """value with printable() applied to every string in it (strings, tuples and frozen dataclasses)."""
    if isinstance(value, str):
        return printable(value)  # type: ignore[return-value]
    if isinstance(value, tuple):
        return tuple(scrub(v) for v in value)  # type: ignore[return-value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: scrub(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    return value
