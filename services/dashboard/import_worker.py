"""The ratings file is read in a child process with a CPU, memory and wall-clock limit, so that no upload can stall
the dashboard: its event loop only waits, and whatever the file makes the reader do is paid by the child.

Children are forked from a small server process that has imported the reader once (multiprocessing's
"forkserver": never a fork of the dashboard itself, whose event loop and threads a fork would copy), so a parse
costs milliseconds of start-up, not an interpreter's. At most `MAX_PARALLEL_PARSES` run at once and at most
`MAX_WAITING_PARSES` more wait; an upload beyond that is answered 503 at once. A child that passes a limit is
killed by the kernel (CPU: RLIMIT_CPU; memory: RLIMIT_AS) or by the parent (wall clock), and the upload refused
with a Vietnamese message (422: the file is at fault, not the dashboard).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import resource
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from multiprocessing.connection import Connection
from typing import Any

from services.dashboard import ratings_import
from services.dashboard.ratings_import import ImportPlan, RatingsFileError
from services.dashboard.sheet_reader import Limits

PARSE_CPU_SECONDS = 10  # the reader needs well under a second for the largest file the limits let through
PARSE_MEMORY_BYTES = 512 * 1024 * 1024  # address space a child may add to what it starts with
PARSE_WALL_SECONDS = 30.0
MAX_PARALLEL_PARSES = 2
MAX_WAITING_PARSES = 8
LIMITS = Limits()  # what the reader may read (sheet_reader's constants)


@dataclass(frozen=True)
class Budget:
    """The limits of one child (the defaults are the module's constants, read when a parse starts)."""

    cpu_seconds: int
    memory_bytes: int
    wall_seconds: float

    @classmethod
    def default(cls) -> Budget:
        return cls(PARSE_CPU_SECONDS, PARSE_MEMORY_BYTES, PARSE_WALL_SECONDS)


@dataclass(frozen=True)
class Usage:
    """What a parse cost: the child's CPU seconds (None when it was killed before telling), its peak resident
    memory in bytes (None likewise), and the wall seconds the parent waited."""

    cpu_seconds: float | None
    peak_rss_bytes: int | None
    wall_seconds: float


class ImportBusy(RatingsFileError):
    """Too many uploads are being read at once: try again in a few minutes."""

    status = 503


class _Gate:
    """The parses running or waiting (touched only from the event loop's thread)."""

    def __init__(self) -> None:
        self.pending = 0
        self.pool: ThreadPoolExecutor | None = None


_gate = _Gate()


async def parse_in_worker(
    data: bytes, *, source: str | None, now: datetime, limits: Limits | None = None, budget: Budget | None = None
) -> ImportPlan:
    """`ratings_import.parse` in a limited child process; RatingsFileError (ImportBusy when full) as it would."""
    if _gate.pending >= MAX_PARALLEL_PARSES + MAX_WAITING_PARSES:
        raise ImportBusy("Đang có nhiều tệp được xử lý cùng lúc; hãy thử lại sau ít phút.")
    if _gate.pool is None:
        _gate.pool = ThreadPoolExecutor(MAX_PARALLEL_PARSES, thread_name_prefix="ratings-parse")
    _gate.pending += 1
    try:
        run = partial(parse_measured, data, source=source, now=now, limits=limits, budget=budget)
        outcome, _ = await asyncio.get_running_loop().run_in_executor(_gate.pool, run)
    finally:
        _gate.pending -= 1
    if isinstance(outcome, RatingsFileError):
        raise outcome
    return outcome


def parse_measured(
    data: bytes, *, source: str | None, now: datetime, limits: Limits | None = None, budget: Budget | None = None
) -> tuple[ImportPlan | RatingsFileError, Usage]:
    """Blocking: parse in a fresh child within the budget; the plan or the refusal, and what it cost."""
    budget = budget or Budget.default()
    context = multiprocessing.get_context("forkserver")
    # The server imports the reader, and the program's main module, once: children then import nothing.
    context.set_forkserver_preload(["__main__", ratings_import.__name__])
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_child,
        args=(sender, data, source, now, limits or LIMITS, budget),
        name="ratings-parse",
        daemon=True,
    )
    started = time.monotonic()
    child.start()
    sender.close()
    message: Any = None
    timed_out = False
    try:
        timed_out = not receiver.poll(budget.wall_seconds)
        if not timed_out:
            message = receiver.recv()
    except EOFError:  # the child died without a word: its exit code says why
        pass
    finally:
        receiver.close()
        if timed_out:  # over the wall clock: no file may hold a worker longer
            child.kill()
        child.join(1.0)
        if child.is_alive():  # answered but does not end: it has nothing more to say
            child.kill()
            child.join()
    wall = time.monotonic() - started
    if message is None:
        return _refusal(child.exitcode, timed_out, budget), Usage(None, None, wall)
    kind, payload, cpu, rss = message
    usage = Usage(cpu, rss, wall)
    if kind == "plan":
        return payload, usage
    if kind == "refused":
        return RatingsFileError(payload), usage
    return _memory_refusal(budget), usage


def _refusal(exitcode: int | None, timed_out: bool, budget: Budget) -> RatingsFileError:
    """Why a child ended without an answer, from how it ended."""
    if timed_out:
        seconds = f"{budget.wall_seconds:g}".replace(".", ",")
        return RatingsFileError(
            f"Đọc tệp Excel quá {seconds} giây nên đã dừng; hãy kiểm tra lại tệp hoặc chia thành nhiều tệp."
        )
    if exitcode in (-signal.SIGXCPU, -signal.SIGKILL):  # the soft CPU limit, then the hard one
        return RatingsFileError(
            f"Đọc tệp Excel cần quá {budget.cpu_seconds} giây xử lý nên đã dừng; tệp có quá nhiều dòng, cột hoặc "
            "chuỗi (kể cả phần trống), hãy xoá phần thừa hoặc chia thành nhiều tệp."
        )
    return _memory_refusal(budget)


def _memory_refusal(budget: Budget) -> RatingsFileError:
    return RatingsFileError(
        f"Đọc tệp Excel cần quá {budget.memory_bytes // (1024 * 1024)} MB bộ nhớ nên đã dừng; hãy chia thành nhiều tệp."
    )


def _child(sender: Connection, data: bytes, source: str | None, now: datetime, limits: Limits, budget: Budget) -> None:
    """In the child: limit itself, parse, send (kind, plan or message, CPU seconds, peak RSS bytes)."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a child killed for its CPU leaves no core file
    resource.setrlimit(resource.RLIMIT_CPU, (budget.cpu_seconds, budget.cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_AS, (_address_space() + budget.memory_bytes,) * 2)
    kind: str
    payload: object
    try:
        kind, payload = "plan", ratings_import.parse(data, source=source, now=now, limits=limits)
    except RatingsFileError as exc:
        kind, payload = "refused", str(exc)
    except MemoryError:
        kind, payload = "memory", None
    del data
    usage = resource.getrusage(resource.RUSAGE_SELF)
    try:
        sender.send((kind, payload, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024))
    except MemoryError:
        sender.send(("memory", None, None, None))
    sender.close()


def _address_space() -> int:
    """The child's address space now, in bytes (Linux: /proc/self/statm's first field is in pages)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()
