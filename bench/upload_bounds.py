"""`python -m bench.upload_bounds`: what hostile and malformed uploads cost the ratings import (issue 23, finding 2).

Builds each file of tests/hostile_xlsx.py (zipfile and hand-written XML: the 86 KB sheet declaring 9,000,000 rows,
200,000 empty rows, 300,000 shared strings, 16,384 declared columns, bombs, broken XML) and reads it the way the
dashboard does: `import_worker.parse_measured`, a child process forked from the reader's forkserver, within the
dashboard's CPU, memory and wall-clock budget. Per file it prints the size, the outcome (refused with its message,
or finished with the rows read), the child's CPU seconds (its own `getrusage`, user + system, from the fork to the
answer: the whole parse), the wall seconds the dashboard waited, and the child's peak RSS. Then the issue's goal:
the 9,000,000-row sheet refused or finished within 2 s of CPU.

`--wide-open` adds the same files read with every bound of `sheet_reader.Limits` opened wide, so that only the
child's CPU, memory and wall-clock budget stops them (the last line of defence; each such row may take the whole
CPU budget, 10 s by default). Nothing else is needed: no stack, no network; standard library and the project.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from services.dashboard import import_worker
from services.dashboard.ratings_import import RatingsFileError
from services.dashboard.sheet_reader import Limits
from tests import hostile_xlsx as hostile

GOAL_FILE = "9,000,000 declared rows"
GOAL_CPU_SECONDS = 2.0
WIDE_OPEN = Limits(
    max_member_bytes=10**9,
    max_unpacked_bytes=10**9,
    max_packing_ratio=10**6,
    max_sheet_rows=10**8,
    max_sheet_cells=10**9,
    max_shared_strings=10**8,
    max_shared_chars=10**10,
    max_xml_elements=10**10,
)


@dataclass(frozen=True)
class Measured:
    """One file read once through the worker."""

    name: str
    size: int
    outcome: str
    message: str
    cpu_seconds: float | None
    wall_seconds: float
    peak_rss_bytes: int | None


def measure(name: str, build: Callable[[], bytes], limits: Limits | None) -> Measured:
    data = build()
    result, usage = import_worker.parse_measured(data, source="bench", now=datetime.now(UTC), limits=limits)
    if isinstance(result, RatingsFileError):
        outcome, message = "refused", str(result)
    else:
        outcome, message = "finished", f"{len(result.valid)} valid rows, {len(result.refused)} refused"
    return Measured(name, len(data), outcome, message, usage.cpu_seconds, usage.wall_seconds, usage.peak_rss_bytes)


def _size(size: int) -> str:
    return f"{size / 1024:,.1f} KB" if size < 1024 * 1024 else f"{size / (1024 * 1024):,.1f} MB"


def table(rows: list[Measured]) -> str:
    """A Markdown table of the measured files."""
    lines = [
        "| file | size | outcome | CPU s (worker) | wall s | peak RSS | message |",
        "|---|---:|---|---:|---:|---:|---|",
    ]
    for r in rows:
        cpu = "killed" if r.cpu_seconds is None else f"{r.cpu_seconds:.3f}"
        rss = "n/a" if r.peak_rss_bytes is None else f"{r.peak_rss_bytes / (1024 * 1024):.0f} MB"
        message = r.message.replace("|", "/")
        lines.append(f"| {r.name} | {_size(r.size)} | {r.outcome} | {cpu} | {r.wall_seconds:.3f} | {rss} | {message} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.upload_bounds", description=__doc__.splitlines()[0])
    parser.add_argument("--wide-open", action="store_true", help="also read each file with the reader's bounds off")
    args = parser.parse_args(argv)
    files = {**hostile.HOSTILE, **hostile.MALFORMED}
    budget = import_worker.Budget.default()
    print(
        f"Worker budget: {budget.cpu_seconds} s CPU, {budget.memory_bytes // (1024 * 1024)} MB address space, "
        f"{budget.wall_seconds:g} s wall clock.",
        file=sys.stderr,
    )
    measured = [measure(name, build, None) for name, build in files.items()]
    print("Ratings import, the dashboard's bounds:\n")
    print(table(measured))
    if args.wide_open:
        wide = [measure(f"{name} (bounds off)", files[name], WIDE_OPEN) for name in hostile.HOSTILE]
        print("\nThe same hostile files with the reader's bounds off (only the worker's budget stops them):\n")
        print(table(wide))
    goal = next(r for r in measured if r.name == GOAL_FILE)
    cpu = goal.cpu_seconds
    met = cpu is not None and cpu <= GOAL_CPU_SECONDS
    print(
        f"\nGoal: the {_size(goal.size)} sheet declaring 9,000,000 rows refused or finished within "
        f"{GOAL_CPU_SECONDS:g} s of CPU: {goal.outcome} in {'?' if cpu is None else f'{cpu:.3f}'} s of CPU "
        f"({goal.wall_seconds:.3f} s wall): {'met' if met else 'NOT met'}."
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
