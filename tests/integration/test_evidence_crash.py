"""Killing the evidence process loses nothing and doubles nothing downstream (real Kafka, PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path

import httpx

from schemas import topics
from services.evidence.handlers.sources import add_source
from tests.integration.evidence_support import envelope
from tests.integration.kafka_tools import read_topic, start_group_at_end
from tests.integration.support import eventually
from thidua.operator.localinfra.process import free_port
from thidua.testing.database import fetch, fetchval


class EvidenceProcess:
    """The evidence service as a real child process, so it can be killed outright."""

    def __init__(self, kafka: str, database_url: str, log: Path) -> None:
        self.port = free_port()
        self.env = {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": kafka,
            "DATABASE_URL": database_url,
            "EVIDENCE_HTTP_PORT": str(self.port),
            "EVIDENCE_GROUP_ID": f"crash-{uuid.uuid4().hex[:6]}",
        }
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def _spawn(self, env: dict[str, str]) -> None:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "services.evidence"],
                env={**self.env, **env},
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    async def start(self, **env: str) -> None:
        if self.proc is None:  # only this test's records: start past what other tests wrote to the topic
            group = f"{self.env['EVIDENCE_GROUP_ID']}.{topics.EVIDENCE_INBOUND}"
            await start_group_at_end(self.env["KAFKA_BOOTSTRAP_SERVERS"], group, topics.EVIDENCE_INBOUND)
        self._spawn(env)

        async def ready() -> None:
            assert self.proc is not None and self.proc.poll() is None, self.log.read_text()[-2000:]
            async with httpx.AsyncClient() as http:
                try:
                    response = await http.get(f"http://127.0.0.1:{self.port}/readyz")
                except httpx.HTTPError as exc:
                    raise AssertionError(str(exc)) from exc
            assert response.status_code == 200

        await eventually(ready, timeout=60, interval=0.2)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


async def _ledger_ids(database_url: str) -> list[str]:
    return [r["event_id"] for r in await fetch(database_url, "SELECT event_id FROM evidence.ledger ORDER BY seq")]


async def _outbox_size(database_url: str) -> int:
    """Accepted evidence waiting in the outbox (per-source topics other tests wrote to may add refusals, which go to
    evidence.rejected.v1: a new group of a prefix subscription reads them from the beginning)."""
    return int(
        await fetchval(database_url, f"SELECT count(*) FROM evidence.outbox WHERE topic = '{topics.EVIDENCE_ACCEPTED}'")
    )


async def test_kill_after_commit_before_publish_loses_nothing(
    kafka_bootstrap: str, database_url: str, tmp_path: Path
) -> None:
    source = f"crash-{uuid.uuid4().hex[:8]}"
    token = await add_source(database_url, name=source, units=["*"])
    service = EvidenceProcess(kafka_bootstrap, database_url, tmp_path / "evidence.log")
    # First life: the ledger commits, but no relay runs, so nothing reaches Kafka before the kill.
    await service.start(EVIDENCE_RELAY_ENABLED="false")
    batch = [envelope(f"{source}-{i}") for i in range(200)]
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http:
        results = (await http.post(f"{service.url}/v1/events", json=batch)).json()
    assert {r["status"] for r in results} == {"accepted"}
    service.kill()
    assert await _outbox_size(database_url) == 200
    # Second life: the relay finds the committed messages and publishes each exactly once.
    await service.start()

    async def drained() -> None:
        assert await _outbox_size(database_url) == 0

    await eventually(drained, timeout=30)
    records = await read_topic(
        kafka_bootstrap, topics.EVIDENCE_ACCEPTED, lambda r: source.encode() in (r.value or b""), expect=200, settle=2.0
    )
    ids = [json.loads(r.value or b"")["event_id"] for r in records]
    assert sorted(ids) == sorted(e["event_id"] for e in batch)
    assert ids == [e["event_id"] for e in batch]  # one unit, one partition: ledger order kept
    service.kill()


async def test_random_kills_under_load_lose_nothing(kafka_bootstrap: str, database_url: str, tmp_path: Path) -> None:
    source = f"chaos-{uuid.uuid4().hex[:8]}"
    token = await add_source(database_url, name=source, units=["*"])
    service = EvidenceProcess(kafka_bootstrap, database_url, tmp_path / "evidence.log")
    rng = random.Random(7)
    acknowledged: set[str] = set()
    sent = 0
    for life in range(4):
        await service.start()

        async def load(life: int = life) -> None:
            nonlocal sent
            async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=5) as http:
                for n in range(1000):
                    units = [f"H40.{life}.{k % 4}" for k in range(50)]
                    body = [envelope(f"{source}-{life}-{n}-{k}", unit_id=units[k]) for k in range(50)]
                    sent += 50
                    try:
                        answer = await http.post(f"{service.url}/v1/events", json=body)
                    except httpx.HTTPError:
                        return  # the process died under us
                    acknowledged.update(r["event_id"] for r in answer.json() if r["status"] == "accepted")

        task = asyncio.create_task(load())
        await asyncio.sleep(rng.uniform(0.5, 1.5))
        service.kill()
        await task
    await service.start()
    ledger = await _ledger_ids(database_url)

    async def drained() -> None:
        assert await _outbox_size(database_url) == 0

    await eventually(drained, timeout=60)
    records = await read_topic(
        kafka_bootstrap,
        topics.EVIDENCE_ACCEPTED,
        lambda r: source.encode() in (r.value or b""),
        expect=len(ledger),
        settle=2.0,
        timeout=60,
    )
    published = Counter(json.loads(r.value or b"")["event_id"] for r in records)
    assert acknowledged <= set(ledger), "an event answered 'accepted' is missing from the ledger"
    assert set(published) == set(ledger), "published and ledger differ: something lost or invented"
    # A republished message (killed between publish and outbox delete) carries the same ledger_seq,
    # which is what consumers de-duplicate on; count them to show the effect is bounded.
    seqs: dict[str, set[bytes]] = {}
    for r in records:
        seqs.setdefault(json.loads(r.value or b"")["event_id"], set()).add(dict(r.headers)["ledger_seq"])
    assert all(len(s) == 1 for s in seqs.values())
    assert len(ledger) > 0 and sent >= len(ledger)
    service.kill()
