"""A worker process for CPU-heavy background work, at a lower priority, that never outlives the service."""

from __future__ import annotations

import asyncio
import ctypes
import os
import signal
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import Any, TypeVar

T = TypeVar("T")

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


class LowPriorityWorker:
    """Runs functions in one low-priority worker process; a worker that died is replaced at the next call."""

    def __init__(self, nice: int) -> None:
        self.nice = nice
        self.pool: ProcessPoolExecutor | None = None

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """fn(*args) in the worker; BrokenProcessPool when the worker died meanwhile (the next call starts anew)."""
        if self.pool is None:
            self.pool = low_priority_pool(self.nice)
        try:
            return await asyncio.get_running_loop().run_in_executor(self.pool, fn, *args)
        except BrokenProcessPool:
            # Killed (out of memory, by an operator): a broken pool refuses every later call, so it is dropped.
            self.close()
            raise

    def close(self) -> None:
        """Stop the worker without waiting for it."""
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None
