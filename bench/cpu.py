"""CPU time of each part of the stack over a figure: every process of a part (its root and all descendants, e.g.
PostgreSQL's backends, the JVM's threads) from /proc/<pid>/stat, so a figure can say how many microseconds of CPU
one event cost and where."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[int, int]]:
    """{pid: (parent pid, CPU ticks)} of every process now; a process's ticks include its reaped children's, so a
    backend that ended inside a figure is still counted (in its parent)."""
    found: dict[int, tuple[int, int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:  # ended while we looked
            continue
        fields = text[text.rindex(")") + 2 :].split()  # the name may hold spaces and parentheses
        # after the name: state, ppid, …; utime, stime, cutime, cstime are fields 14–17 of the whole line
        found[int(entry.name)] = (int(fields[1]), sum(int(x) for x in fields[11:15]))
    return found


def part_ticks(roots: Mapping[str, int]) -> dict[str, int]:
    """CPU ticks so far of each part: its root process and every descendant."""
    processes = _processes()
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in processes.items():
        children.setdefault(parent, []).append(pid)
    totals: dict[str, int] = {}
    for name, root in roots.items():
        stack, ticks = [root], 0
        while stack:
            pid = stack.pop()
            ticks += processes.get(pid, (0, 0))[1]
            stack.extend(children.get(pid, ()))
        totals[name] = ticks
    return totals


@dataclass
class CpuWindow:
    """Started when a figure starts; `seconds()` gives each part's CPU seconds since."""

    roots: Mapping[str, int]
    start: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.start = part_ticks(self.roots)

    def seconds(self) -> dict[str, float]:
        """CPU seconds of each part since the start."""
        now = part_ticks(self.roots)
        return {name: (now[name] - self.start[name]) / TICKS_PER_SECOND for name in self.roots}


def per_event_text(seconds: Mapping[str, float], events: int) -> tuple[float, str]:
    """The whole stack's microseconds of CPU per event, and the parts' shares as printed (largest first)."""
    per = {name: s * 1e6 / events for name, s in seconds.items()}
    parts = ", ".join(f"{name} {value:,.0f}" for name, value in sorted(per.items(), key=lambda kv: -kv[1]))
    return sum(per.values()), parts
