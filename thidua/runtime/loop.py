"""The "wake or poll" loop every background worker runs: drain while there is work, then sleep until woken."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable


class Waker:
    """A wake-up flag: set by whoever committed work; a waiter also wakes after its poll interval."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def wake(self, *_: object) -> None:
        """Work is waiting (callable from a LISTEN/NOTIFY callback too, hence the ignored arguments)."""
        self._event.set()

    def clear(self) -> None:
        self._event.clear()

    async def wait(self, timeout: float) -> None:
        """Until woken or timeout seconds have passed, whichever comes first."""
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
        except TimeoutError:
            pass


async def drain_then_wait(
    step: Callable[[], Awaitable[int | bool | None]],
    waker: Waker,
    *,
    poll: float,
    log: logging.Logger,
    what: str,
    backoff: float = 1.0,
) -> None:
    """Forever: call step() while it reports work done, then wait for a wake-up or the poll interval.

    A failing step is logged and retried after backoff seconds (a database restart must not end the loop).
    """
    while True:
        waker.clear()  # cleared before draining, so a wake-up during the drain is not lost
        try:
            while await step():
                pass
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s failed; retrying in %gs", what, backoff)
            await asyncio.sleep(backoff)
            continue
        await waker.wait(poll)
