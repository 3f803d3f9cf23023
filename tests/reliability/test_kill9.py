"""kill -9 of a service at random moments while a demo province streams in: the end state equals an undisturbed
run of the same events (standings, scorecards, counters, nominations, notifications), compared by content."""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from tests.reliability import table
from tests.reliability.conftest import heavy
from tests.reliability.harness import (
    HEAVY_UNITS,
    SAMPLE_UNITS,
    STREAM_SECONDS,
    Snapshot,
    System,
    compare,
    notify_consumed_exactly_once,
    province_events,
    run_province,
    undisturbed,
)
from thidua.testing.infra import Infrastructure

SEED = int(os.environ.get("THIDUA_FAULT_SEED", str(random.SystemRandom().randrange(1_000_000))))


def killer(services: list[str], rng: random.Random, kills: list[str]) -> Callable[[System], Awaitable[None]]:
    """kill -9 each service in turn at a random moment of the stream, restart it and wait until it is ready."""

    async def during(system: System) -> None:
        for service in services:
            await asyncio.sleep(rng.uniform(1.5, STREAM_SECONDS / max(len(services), 1)))
            system.kill9(service)
            kills.append(service)
            await asyncio.sleep(rng.uniform(0.2, 2.0))
            system.spawn(service)
            await system.wait_ready(service, timeout=90)

    return during


async def disturbed_run(
    infra: Infrastructure,
    workdir: Path,
    reference: Snapshot,
    units: tuple[str, ...],
    services: list[str],
    *,
    label: str,
    seed: int,
) -> None:
    rng = random.Random(seed)
    system = System(infra.kafka_bootstrap, infra.database_url, workdir, label=label)
    kills: list[str] = []
    try:
        await system.start()
        got = await run_province(
            system, province_events(units), units, seconds=STREAM_SECONDS, during=killer(services, rng, kills)
        )
        diff = compare(reference, got)
        once = await notify_consumed_exactly_once(system)
        parked = sum((await system.parked()).values())
    finally:
        system.stop()
    diff.save(system.log("scoring").parent / "differences.txt")
    once.save(system.log("scoring").parent / "notify-exactly-once.txt")
    table.record(
        label,
        len(kills),
        lost=len(diff.lost) + len(once.lost),
        doubled=len(diff.doubled) + len(once.doubled),
        parked=parked,
        http_5xx=system.counts.http_5xx,
        note=f"seed {seed}; {len(province_events(units))} events; {system.counts.http_retries} HTTP resends",
    )
    assert kills == services
    assert not diff.lost and not diff.doubled, (
        f"{label} (seed {seed}, logs {system.log('scoring').parent}): " + diff.describe()
    )
    assert not once.lost and not once.doubled, once.describe()
    assert parked == 0, f"{label}: records parked in a clean stream: {await system.parked()}"
    assert system.counts.http_5xx == 0


@pytest.fixture(scope="module")
async def heavy_reference(infra: Infrastructure, kafka_bootstrap: str, workdir: Path) -> AsyncIterator[Snapshot]:
    yield await undisturbed(infra, workdir, HEAVY_UNITS)


async def test_kill9_of_scoring_mid_stream_loses_and_doubles_nothing(
    infra: Infrastructure, workdir: Path, sample_reference: Snapshot
) -> None:
    """The sample in every `make test`: one kill -9 of scoring at a random moment of a small province."""
    await disturbed_run(
        infra, workdir, sample_reference, SAMPLE_UNITS, ["scoring"], label="kill -9 scoring (sample)", seed=SEED
    )


@heavy()
@pytest.mark.parametrize("service", ["evidence", "scoring", "awards", "notify"])
async def test_kill9_of_each_service_twice(
    infra: Infrastructure, workdir: Path, heavy_reference: Snapshot, service: str
) -> None:
    await disturbed_run(
        infra,
        workdir,
        heavy_reference,
        HEAVY_UNITS,
        [service, service],
        label=f"kill -9 {service} x2",
        seed=SEED + hash(service) % 1000,
    )


@heavy()
async def test_kill9_of_every_service_in_turn(infra: Infrastructure, workdir: Path, heavy_reference: Snapshot) -> None:
    await disturbed_run(
        infra,
        workdir,
        heavy_reference,
        HEAVY_UNITS,
        ["evidence", "scoring", "awards", "notify"],
        label="kill -9 each service in turn",
        seed=SEED + 7,
    )
