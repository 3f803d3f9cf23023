"""The bench's CPU per event: a part's CPU is its root process and every descendant (a database's backends, a
JVM's threads), read from /proc."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from bench.cpu import TICKS_PER_SECOND, CpuWindow, part_ticks, per_event_text
from bench.machine import Load
from bench.table import at_most

BURN = "import time\nend = time.process_time() + 5\nwhile time.process_time() < end: pass\n"


def test_a_parts_cpu_counts_its_running_descendants() -> None:
    # A shell that starts a burning child and waits: the child's CPU belongs to the shell's part.
    script = f"{sys.executable} -c '{BURN}' & wait"
    shell = subprocess.Popen(["sh", "-c", script], start_new_session=True)
    idle = subprocess.Popen(["sleep", "5"])
    try:
        window = CpuWindow({"part": shell.pid, "idle": idle.pid})
        burnt = 0.0
        for _ in range(60):
            burnt = window.seconds()["part"]
            if burnt >= 0.3:
                break
            subprocess.run(["sleep", "0.05"], check=True)
        assert burnt >= 0.3  # the child's CPU while it runs: only the descendants' walk sees it (the root sleeps)
        assert window.seconds()["idle"] < 0.1  # another part's CPU is not counted here
    finally:
        os.killpg(shell.pid, signal.SIGKILL)  # the burning child too
        idle.kill()
        shell.wait()
        idle.wait()


def test_a_gone_root_counts_nothing_and_per_event_is_microseconds() -> None:
    assert part_ticks({"gone": 2**22 + 12345}) == {"gone": 0}
    total, parts = per_event_text({"scoring": 0.25, "PostgreSQL": 0.125, "Kafka": 0.0}, 1000)
    assert total == 375.0
    assert parts == "scoring 250, PostgreSQL 125, Kafka 0"
    assert TICKS_PER_SECOND > 0


def test_a_figure_held_to_a_limit_reads_its_ratio_and_verdict() -> None:
    load = Load(seconds=60.0, cpu_busy=50.0, load1=1.0)
    over = at_most("CPU per event", "308 µs", 308.0, 120.0, "120 µs", load, 3)
    assert (over.reference, over.ratio, over.goal, over.met, over.slot) == (
        "limit 120 µs",
        "2.57×",
        "≤ 120 µs",
        "NO",
        3,
    )
    within = at_most("rebuild", "27.7 s", 27.7, 30.0, "30 s", load, 8, " (small)")
    assert (within.ratio, within.met) == ("0.92×", "yes (small)")
