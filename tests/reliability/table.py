"""The fault table: one row per fault or hostile input, printed at the end of the session and saved to a file."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

COLUMNS = ("fault or input", "tried", "lost", "doubled", "parked", "5xx", "note")


@dataclass(frozen=True)
class Row:
    """What one fault or input did: how often tried, and what it lost, doubled, parked or answered 5xx."""

    fault: str
    tried: int
    lost: int
    doubled: int
    parked: int
    http_5xx: int
    note: str = ""


ROWS: list[Row] = []


def record(
    fault: str, tried: int, *, lost: int = 0, doubled: int = 0, parked: int = 0, http_5xx: int = 0, note: str = ""
) -> Row:
    row = Row(fault, tried, lost, doubled, parked, http_5xx, note)
    ROWS.append(row)
    return row


def render(rows: list[Row]) -> str:
    cells = [
        COLUMNS,
        *((r.fault, str(r.tried), str(r.lost), str(r.doubled), str(r.parked), str(r.http_5xx), r.note) for r in rows),
    ]
    widths = [max(len(c[i]) for c in cells) for i in range(len(COLUMNS))]
    lines = [" · ".join(c[i].ljust(widths[i]) for i in range(len(COLUMNS))).rstrip() for c in cells]
    lines.insert(1, "-" * len(lines[0]))
    total = [sum(getattr(r, k) for r in rows) for k in ("lost", "doubled", "http_5xx")]
    lines.append(f"total: {len(rows)} faults/inputs, lost {total[0]}, doubled {total[1]}, 5xx {total[2]}")
    return "\n".join(lines)


def table_path() -> Path:
    """Where the table is written: THIDUA_FAULT_TABLE, else .state/fault-table.txt of the checkout."""
    default = Path(__file__).resolve().parents[2] / ".state" / "fault-table.txt"
    return Path(os.environ.get("THIDUA_FAULT_TABLE", str(default)))


def write(rows: list[Row]) -> Path:
    path = table_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(rows) + "\n", encoding="utf-8")
    return path
