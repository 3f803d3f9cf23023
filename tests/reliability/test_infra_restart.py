"""The Kafka broker, then PostgreSQL, stopped and restarted mid-stream: every service's /readyz turns 503 and comes
back to 200 by itself, and the end state equals an undisturbed run of the same events.

These tests start a Kafka and a PostgreSQL of their own (durable data directories, so a restart keeps the data):
the session's servers, which the other tests use, are never disturbed."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.reliability import table
from tests.reliability.conftest import heavy
from tests.reliability.harness import (
    HEAVY_UNITS,
    SERVICES,
    Snapshot,
    System,
    compare,
    notify_consumed_exactly_once,
    province_events,
    run_province,
)
from thidua.operator.localinfra.kafka import LocalKafka
from thidua.operator.localinfra.postgres import LocalPostgres
from thidua.operator.localinfra.process import free_port
from thidua.runtime.topics import ensure_topics

pytestmark = heavy()
STREAM_SECONDS = 25.0
OUTAGE_SECONDS = 8.0


@dataclass
class OwnInfra:
    """A broker and a database server that this module may stop and start."""

    kafka: LocalKafka
    postgres: LocalPostgres

    @property
    def kafka_bootstrap(self) -> str:
        return self.kafka.bootstrap

    @property
    def database_url(self) -> str:
        return self.postgres.url


@pytest.fixture(scope="module")
async def own_infra() -> AsyncIterator[OwnInfra]:
    root = Path(tempfile.mkdtemp(prefix="thidua-faults-infra-"))
    infra = OwnInfra(
        LocalKafka(root / "kafka", port=free_port(), controller_port=free_port()),
        LocalPostgres(root / "postgres", port=free_port(), durable=True),
    )
    saved = dict(os.environ)
    try:
        await asyncio.to_thread(infra.postgres.start)
        await asyncio.to_thread(infra.kafka.start)
        # This broker has its own admin (SCRAM): the module's clients and the services it starts speak as it.
        access = infra.kafka.admin_access
        os.environ.update(access.as_env())
        await ensure_topics(access)
        yield infra
    finally:
        os.environ.clear()
        os.environ.update(saved)
        infra.kafka.stop()
        infra.postgres.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
async def reference(own_infra: OwnInfra, workdir: Path) -> AsyncIterator[Snapshot]:
    system = System(own_infra.kafka_bootstrap, own_infra.database_url, workdir, label="undisturbed-own-infra")
    try:
        await system.start()
        snapshot = await run_province(system, province_events(HEAVY_UNITS), HEAVY_UNITS, seconds=STREAM_SECONDS)
    finally:
        system.stop()  # before the disturbed runs: its services must not publish alongside them
    yield snapshot


async def statuses(system: System) -> dict[str, int]:
    out = {}
    for service in SERVICES:
        try:
            out[service] = (await system.readyz(service))[0]
        except Exception:
            out[service] = 0  # no answer at all is not a 503: the process must stay up and say so
    return out


async def wait_for(system: System, want: int, *, timeout: float) -> dict[str, float]:
    """Seconds until each service's /readyz answered `want`; fails after timeout naming the laggards."""
    started = time.monotonic()
    seen: dict[str, float] = {}
    while len(seen) < len(SERVICES):
        for service, status in (await statuses(system)).items():
            if status == want and service not in seen:
                seen[service] = round(time.monotonic() - started, 1)
        if time.monotonic() - started > timeout:
            raise AssertionError(
                f"/readyz never answered {want} within {timeout:.0f}s for "
                f"{sorted(set(SERVICES) - set(seen))}; last {await statuses(system)}"
            )
        await asyncio.sleep(0.3)
    return seen


def outage(
    stop: Callable[[], None], start: Callable[[], None], log: dict[str, dict[str, float]]
) -> Callable[[System], Awaitable[None]]:
    async def during(system: System) -> None:
        await asyncio.sleep(STREAM_SECONDS / 3)
        system.outage = True
        await asyncio.to_thread(stop)
        try:
            log["503 after"] = await wait_for(system, 503, timeout=60)
            await asyncio.sleep(OUTAGE_SECONDS)
        finally:
            await asyncio.to_thread(start)
        log["200 again after"] = await wait_for(system, 200, timeout=180)
        system.outage = False

    return during


async def restart_run(
    own_infra: OwnInfra,
    workdir: Path,
    reference: Snapshot,
    what: str,
    stop: Callable[[], None],
    start: Callable[[], None],
) -> None:
    system = System(own_infra.kafka_bootstrap, own_infra.database_url, workdir, label=f"restart-{what}")
    log: dict[str, dict[str, float]] = {}
    try:
        await system.start()
        got = await run_province(
            system, province_events(HEAVY_UNITS), HEAVY_UNITS, seconds=STREAM_SECONDS, during=outage(stop, start, log)
        )
        diff = compare(reference, got)
        once = await notify_consumed_exactly_once(system)
        parked = sum((await system.parked()).values())
    finally:
        system.stop()
    diff.save(system.log("scoring").parent / "differences.txt")
    once.save(system.log("scoring").parent / "notify-exactly-once.txt")
    table.record(
        f"{what} stopped {OUTAGE_SECONDS:.0f}s and restarted mid-stream",
        1,
        lost=len(diff.lost) + len(once.lost),
        doubled=len(diff.doubled) + len(once.doubled),
        parked=parked,
        http_5xx=system.counts.http_5xx,
        note=f"/readyz 503 after {log.get('503 after')}, 200 after {log.get('200 again after')}; "
        f"{system.counts.http_503_in_outage} HTTP 503 while down, {system.counts.kafka_retries} "
        f"Kafka resends",
    )
    assert not diff.lost and not diff.doubled, f"{what} (logs {system.log('scoring').parent}): {diff.describe()}"
    assert not once.lost and not once.doubled, once.describe()
    assert parked == 0, "a restart must be transient for every consumer, never a reason to park"
    assert system.counts.http_5xx == 0


async def test_kafka_broker_restart_mid_stream(own_infra: OwnInfra, workdir: Path, reference: Snapshot) -> None:
    await restart_run(own_infra, workdir, reference, "Kafka broker", own_infra.kafka.stop, own_infra.kafka.start)


async def test_postgres_restart_mid_stream(own_infra: OwnInfra, workdir: Path, reference: Snapshot) -> None:
    await restart_run(own_infra, workdir, reference, "PostgreSQL", own_infra.postgres.stop, own_infra.postgres.start)
