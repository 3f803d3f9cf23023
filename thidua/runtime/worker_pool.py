"""A worker process for CPU-heavy background work, at a lower priority, that never outlives the service."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

PR_SET_PDEATHSIG = 1


def low_priority_pool(nice: int) -> ProcessPoolExecutor:
    """One spawned worker at niceness `nice`, killed when this process dies (even by SIGKILL)."""
    return ProcessPoolExecutor(
        max_workers=1, mp_context=get_context("spawn"), initializer=_start, initargs=(nice, os.getpid())
    )


def _start(nice: int, parent: int) -> None:
    # An idle worker blocked on its queue would outlive a parent killed by SIGKILL (it holds the queue's writing end
    # too): on Linux the kernel sends it SIGKILL when the parent goes; if the parent already went, it leaves now.
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(0)
    os.nice(nice)
