"""The scoring tracker's worker process: lower priority, and gone with its parent even after a SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures.process import BrokenProcessPool

import pytest

from thidua.runtime.worker_pool import LowPriorityWorker, low_priority_pool

PARENT = textwrap.dedent(
    """
    import os, sys, time
    from thidua.runtime.worker_pool import LowPriorityWorker, low_priority_pool
    pool = low_priority_pool(7)
    print(pool.submit(os.getpid).result(), flush=True)
    time.sleep(120)
    """
)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_the_worker_runs_at_the_niceness_asked() -> None:
    with low_priority_pool(5) as pool:
        assert pool.submit(os.nice, 0).result(timeout=60) == os.nice(0) + 5


@pytest.mark.skipif(sys.platform != "linux", reason="the parent-death signal is Linux's")
def test_the_worker_dies_with_a_parent_killed_by_sigkill() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        worker = int(parent.stdout.readline())
        assert worker != parent.pid and _alive(worker)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(worker), "the worker outlived its parent"
    finally:
        parent.kill()


async def test_a_worker_that_died_is_replaced_at_the_next_call() -> None:
    worker = LowPriorityWorker(3)
    try:
        first = await worker.run(os.getpid)
        assert first != os.getpid()
        os.kill(first, signal.SIGKILL)
        with pytest.raises(BrokenProcessPool):
            await worker.run(time.sleep, 0.5)  # the call that finds it dead fails: the pass rolls back
        second = await worker.run(os.getpid)
        assert second not in (first, os.getpid()) and _alive(second)
    finally:
        worker.close()
