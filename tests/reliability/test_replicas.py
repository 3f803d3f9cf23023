"""Scale-out on the real broker: two processes each of scoring, awards and notify in the same consumer groups split
the partitions between them; one replica of each is killed with SIGKILL mid-stream, the survivors take its
partitions over, and the end state equals an undisturbed single-instance run of the same events."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment
from aiokafka.protocol.admin import DescribeGroupsRequest, DescribeGroupsRequest_v2, DescribeGroupsRequestStruct

from services.scoring.config import Settings as ScoringSettings
from tests.reliability import table
from tests.reliability.harness import (
    CONSUMED,
    PARTITIONS,
    SAMPLE_UNITS,
    STREAM_SECONDS,
    Snapshot,
    System,
    compare,
    notify_consumed_exactly_once,
    province_events,
    run_province,
)
from thidua.runtime.kafka_access import kafka_options
from thidua.testing.infra import Infrastructure

SCALED = ("scoring", "awards", "notify")
Assignment = dict[str, dict[str, list[int]]]
"""group -> member id -> the partitions it owns."""


class DescribeGroupsV2(DescribeGroupsRequest):
    """DescribeGroups pinned at v2: aiokafka 0.14.0 pairs its v3 request with the v2 response schema (no
    authorized_operations), so `describe_consumer_groups` fails decoding ("Buffer underrun") on a current broker."""

    def build(self, request_struct_class: type[DescribeGroupsRequestStruct]) -> DescribeGroupsRequestStruct:
        return DescribeGroupsRequest_v2(self._groups)


async def assignments(system: System) -> Assignment:
    """Every member of this run's scaled groups and its partitions, as the broker's group coordinator tells."""
    groups = [f"{system.group(service)}.{topic}" for service in SCALED for topic in CONSUMED[service]]
    admin = AIOKafkaAdminClient(**kafka_options(system.kafka), request_timeout_ms=5000)
    await admin.start()
    try:
        out: Assignment = {group: {} for group in groups}
        for group_id in groups:
            response = await admin._send_request(DescribeGroupsV2([group_id]), await admin.find_coordinator(group_id))
            for group in response.to_object()["groups"]:
                for member in group["members"]:
                    raw = member["member_assignment"]
                    owned = ConsumerProtocolMemberAssignment.decode(raw).partitions() if raw else []
                    out[group["group"]][member["member_id"]] = sorted(tp.partition for tp in owned)
        return out
    finally:
        await admin.close()


# Members each process puts in a group: scoring consumes evidence with SCORING_CONSUMERS members (default 2).
PER_PROCESS = {"scoring.evidence.accepted": int(ScoringSettings.model_fields["consumers"].default)}


def per_process(group: str) -> int:
    """How many members one process of the group's service runs."""
    return next((n for key, n in PER_PROCESS.items() if f"-{key}" in group), 1)


async def wait_for(system: System, members: int, *, timeout: float = 60) -> tuple[Assignment, float]:
    """Poll until every scaled group has `members` processes' members, each owning partitions, together all of
    the topic's."""
    started = time.monotonic()
    last: Assignment = {}
    while time.monotonic() - started < timeout:
        last = await assignments(system)
        if all(
            len(owners) == members * per_process(group)
            and all(owners.values())
            and sorted(p for parts in owners.values() for p in parts) == list(range(PARTITIONS[group.split(".", 1)[1]]))
            for group, owners in last.items()
        ):
            return last, time.monotonic() - started
        await asyncio.sleep(0.5)
    raise AssertionError(f"groups not at {members} process(es) each after {timeout:.0f}s: {last}")


def shares(split: object) -> str:
    """ "group: 3+3" per group: how many partitions each member owned."""
    if not isinstance(split, dict):
        return "?"
    return ", ".join(
        f"{group.split('.', 1)[0].rsplit('-', 1)[-1]}/{group.split('.', 1)[1]}: "
        + "+".join(str(len(parts)) for parts in owners.values())
        for group, owners in split.items()
    )


async def test_two_replicas_split_partitions_and_survive_a_kill9(
    infra: Infrastructure, workdir: Path, sample_reference: Snapshot
) -> None:
    system = System(
        infra.kafka_bootstrap, infra.database_url, workdir, label="replicas", replicas=dict.fromkeys(SCALED, 2)
    )
    observed: dict[str, object] = {}

    async def during(system: System) -> None:
        observed["split"], observed["split_s"] = await wait_for(system, 2)
        await asyncio.sleep(max(0.0, STREAM_SECONDS / 3))
        for service in SCALED:
            system.kill9(f"{service}#2")
        killed = time.monotonic()
        observed["taken_over"], _ = await wait_for(system, 1, timeout=90)
        observed["takeover_s"] = time.monotonic() - killed

    try:
        await system.start()
        got = await run_province(
            system, province_events(SAMPLE_UNITS), SAMPLE_UNITS, seconds=STREAM_SECONDS, during=during
        )
        diff = compare(sample_reference, got)
        once = await notify_consumed_exactly_once(system)
        parked = sum((await system.parked()).values())
    finally:
        system.stop()
    diff.save(system.log("scoring").parent / "differences.txt")
    once.save(system.log("scoring").parent / "notify-exactly-once.txt")
    split = observed["split"]
    table.record(
        "2 replicas, kill -9 one of each",
        len(SCALED),
        lost=len(diff.lost) + len(once.lost),
        doubled=len(diff.doubled) + len(once.doubled),
        parked=parked,
        http_5xx=system.counts.http_5xx,
        note=f"split in {observed['split_s']:.1f}s ({shares(split)}), taken over in {observed['takeover_s']:.1f}s",
    )
    assert isinstance(split, dict) and all(len(owners) == 2 * per_process(group) for group, owners in split.items())
    assert not diff.lost and not diff.doubled, f"logs {system.log('scoring').parent}: " + diff.describe()
    assert not once.lost and not once.doubled, once.describe()
    assert parked == 0, f"records parked in a clean stream: {await system.parked()}"
    assert system.counts.http_5xx == 0
