"""The one table `make bench` prints (and saves to .state/bench-table.md), with the notes under it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.machine import Load

COLUMNS = ("figure", "ours", "reference (limit or peer), same run", "ratio", "goal", "met", "duration", "machine load")
SAVED = Path(__file__).resolve().parents[1] / ".state" / "bench-table.md"


@dataclass
class Row:
    """One line of the table; every cell is text already."""

    figure: str
    ours: str
    reference: str
    ratio: str
    goal: str
    met: str
    duration: str
    load: str
    slot: int = 0  # the row's place in the table (figures are measured in another order)

    def cells(self) -> tuple[str, ...]:
        """The cells in column order."""
        return (self.figure, self.ours, self.reference, self.ratio, self.goal, self.met, self.duration, self.load)


def met(ok: bool | None) -> str:
    """yes / NO / n/a (a reference row has no goal)."""
    return "n/a" if ok is None else ("yes" if ok else "NO")


def passes(count: int) -> str:
    """1 pass, 2 passes."""
    return f"{count} pass" if count == 1 else f"{count} passes"


def rate(value: float) -> str:
    """Events per second, as printed."""
    return f"{value:,.0f} ev/s"


def ratio(ours: float, reference: float) -> str:
    """ours / reference, as printed."""
    return f"{ours / reference:.2f}×" if reference else "∞"


def durations(*loads: Load, labels: tuple[str, ...] = ()) -> str:
    """Seconds of one figure, or of ours and the reference's (labelled)."""
    if len(loads) == 1:
        return f"{loads[0].seconds:.0f} s"
    return "; ".join(f"{label} {load.seconds:.0f} s" for label, load in zip(labels, loads, strict=True))


def machine(*loads: Load, labels: tuple[str, ...] = ()) -> str:
    """Machine load of one figure, or of ours and the reference's (labelled)."""
    if len(loads) == 1:
        return loads[0].text()
    return "; ".join(f"{label}: {load.text()}" for label, load in zip(labels, loads, strict=True))


def render(rows: list[Row]) -> str:
    """A Markdown table, its columns padded for the terminal."""
    rows = sorted(rows, key=lambda row: row.slot)
    table = [COLUMNS, *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]

    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)) + " |"

    return "\n".join(
        [line(COLUMNS), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *(line(row.cells()) for row in rows)]
    )


def save(text: str, path: Path = SAVED) -> Path:
    """Write the table and its notes to .state/bench-table.md (the directory is created when missing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def at_most(
    figure: str, ours: str, value: float, limit: float, shown: str, load: Load, slot: int, met_note: str = ""
) -> Row:
    """A figure held to an upper limit: reference "limit L", ratio value / limit, goal "≤ L", met when within."""
    return Row(
        figure,
        ours,
        f"limit {shown}",
        f"{value / limit:.2f}×",
        f"≤ {shown}",
        met(value <= limit) + met_note,
        durations(load),
        machine(load),
        slot,
    )
