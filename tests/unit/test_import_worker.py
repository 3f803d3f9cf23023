"""The ratings file is parsed in a limited child process (services/dashboard/import_worker.py): the same plan or
refusal as in process, a child over its CPU, memory or wall-clock budget refused with a Vietnamese message, the
event loop free meanwhile, and uploads beyond the queue answered 503 at once (issue 23, finding 2)."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest

from schemas.vietnam import VN_TZ
from services.dashboard import import_worker as worker
from services.dashboard import ratings_import as ri
from services.dashboard.sheet_reader import Limits
from tests import hostile_xlsx as hostile

NOW = datetime(2026, 11, 25, 10, 30, tzinfo=VN_TZ)
# Package checks and row bound opened wide: the 9,000,000-row sheet then makes the child work until stopped.
WIDE_OPEN = Limits(
    max_member_bytes=10**9,
    max_unpacked_bytes=10**9,
    max_packing_ratio=10**6,
    max_sheet_rows=10**8,
    max_xml_elements=10**9,
)


async def test_the_child_gives_the_same_plan_or_refusal_as_parsing_in_process() -> None:
    data = hostile.wide_cells(300)
    plan = await worker.parse_in_worker(data, source="hr", now=NOW)
    assert plan == ri.parse(data, source="hr", now=NOW) and len(plan.valid) == 300
    with pytest.raises(ri.RatingsFileError, match="Ô D2 \\(trang 'Xếp loại'\\) ghi số 'abc'") as refused:
        await worker.parse_in_worker(hostile.non_numeric_value(), source="hr", now=NOW)
    assert refused.value.status == 422


async def test_a_child_over_its_cpu_budget_is_stopped_while_the_event_loop_keeps_answering() -> None:
    ticks = 0
    turned = asyncio.Event()

    async def other_requests() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1
            if ticks == 20:
                turned.set()

    ticker = asyncio.create_task(other_requests())
    parse = asyncio.create_task(
        worker.parse_in_worker(
            hostile.declared_rows(9_000_000),
            source="hr",
            now=NOW,
            limits=WIDE_OPEN,
            budget=worker.Budget(cpu_seconds=1, memory_bytes=512 * 1024 * 1024, wall_seconds=60),
        )
    )
    await turned.wait()  # the loop turns while the child works
    assert not parse.done()
    with pytest.raises(ri.RatingsFileError, match="cần quá 1 giây xử lý nên đã dừng"):
        await parse
    ticker.cancel()


def test_a_child_over_its_memory_or_wall_clock_budget_is_refused() -> None:
    data = hostile.wide_declared(5000)
    small = worker.Budget(cpu_seconds=30, memory_bytes=2 * 1024 * 1024, wall_seconds=60)
    outcome, usage = worker.parse_measured(data, source="hr", now=NOW, budget=small)
    assert isinstance(outcome, ri.RatingsFileError) and "cần quá 2 MB bộ nhớ nên đã dừng" in str(outcome)
    short = worker.Budget(cpu_seconds=30, memory_bytes=512 * 1024 * 1024, wall_seconds=0.3)
    outcome, usage = worker.parse_measured(
        hostile.declared_rows(9_000_000), source="hr", now=NOW, limits=WIDE_OPEN, budget=short
    )
    assert isinstance(outcome, ri.RatingsFileError) and "quá 0,3 giây nên đã dừng" in str(outcome)
    assert usage.cpu_seconds is None  # killed: it could not tell


async def test_uploads_beyond_the_queue_are_answered_busy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker, "MAX_PARALLEL_PARSES", 1)
    monkeypatch.setattr(worker, "MAX_WAITING_PARSES", 0)
    slow = asyncio.create_task(
        worker.parse_in_worker(
            hostile.declared_rows(9_000_000),
            source="hr",
            now=NOW,
            limits=WIDE_OPEN,
            budget=worker.Budget(cpu_seconds=1, memory_bytes=512 * 1024 * 1024, wall_seconds=60),
        )
    )
    await asyncio.sleep(0)  # the slow parse has taken the only place
    with pytest.raises(worker.ImportBusy, match="nhiều tệp được xử lý cùng lúc") as busy:
        await worker.parse_in_worker(hostile.non_numeric_value(), source="hr", now=NOW)
    assert busy.value.status == 503
    with pytest.raises(ri.RatingsFileError):
        await slow
    plan = await worker.parse_in_worker(hostile.wide_cells(3), source="hr", now=NOW)  # the place is free again
    assert len(plan.valid) == 3
