"""Helpers for tests against the real broker and database: serve an app, wait for a condition."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

import httpx
import uvicorn
from fastapi import FastAPI

from thidua.operator.localinfra.process import free_port


@contextlib.asynccontextmanager
async def running_app(app: FastAPI) -> AsyncIterator[str]:
    """Serve app with uvicorn on a free loopback port; yield its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve())
    for _ in range(300):
        if server.started or task.done():
            break
        await asyncio.sleep(0.05)
    if task.done():
        task.result()  # surfaces the startup error
        raise RuntimeError("server stopped during startup")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def eventually(check: Callable[[], object], *, timeout: float = 20.0, interval: float = 0.1) -> None:
    """Retry an async or sync assertion until it passes or the timeout runs out."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            result = check()
            if asyncio.iscoroutine(result):
                await result
            return
        except AssertionError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(interval)


async def open_unit_nomination(http: httpx.AsyncClient, awards_url: str, council: str, unit: str) -> str:
    """Close 2025 at awards with the council's token until the unit has an open collective nomination; its id."""
    bearer = {"Authorization": f"Bearer {council}"}
    found: list[str] = []

    async def open_one() -> None:
        assert (await http.post(f"{awards_url}/v1/periods/2025/close", headers=bearer)).status_code == 200
        listed = (await http.get(f"{awards_url}/v1/nominations", params={"period": "2025"}, headers=bearer)).json()
        open_ones = [
            n["id"]
            for n in listed["nominations"]
            if n["unit_id"] == unit and n["subject_kind"] == "unit" and n["status"] in ("proposed", "needs_review")
        ]
        assert open_ones, listed
        found.append(str(open_ones[0]))

    await eventually(open_one, timeout=90, interval=1.0)
    return found[-1]
