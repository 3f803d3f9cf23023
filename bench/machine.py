"""The machine's load beside each figure: CPU busy % over the figure (/proc/stat) and the 1-minute load average."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path


def _cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot; idle and iowait count as not busy."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    total = sum(fields[:8])  # user nice system idle iowait irq softirq steal (guest is inside user)
    return total - fields[3] - fields[4], total


def load_1min() -> float:
    """The 1-minute load average."""
    return float(Path("/proc/loadavg").read_text().split()[0])


@dataclass
class Load:
    """What the machine did over one figure."""

    seconds: float
    cpu_busy: float  # percent of all cores
    load1: float  # at the end of the figure

    def text(self) -> str:
        """As printed in the table."""
        return f"load {self.load1:.2f}, CPU {self.cpu_busy:.0f} %"


@dataclass
class Window:
    """Started when a figure starts; `end()` gives its duration and the machine's load over it."""

    started: float = field(default_factory=time.perf_counter)
    ticks: tuple[int, int] = field(default_factory=_cpu_ticks)

    def end(self) -> Load:
        """Duration, CPU busy % since the start, and the load average now."""
        busy, total = _cpu_ticks()
        d_busy, d_total = busy - self.ticks[0], total - self.ticks[1]
        share = 100.0 * d_busy / d_total if d_total > 0 else 0.0
        return Load(seconds=time.perf_counter() - self.started, cpu_busy=share, load1=load_1min())


def rss_mb(pid: int) -> float | None:
    """VmRSS of a process in MB (None once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None
