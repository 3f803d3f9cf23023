"""Kafka sources authenticate: SASL/SCRAM users, ACLs per source topic, the source taken from the topic.

The evidence service here runs as its own Kafka user (svc-evidence), never as the broker's super user.
"""

from __future__ import annotations

import asyncio
import base64
import importlib
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError, TopicAuthorizationFailedError

from schemas import topics
from services.evidence.app import create_app
from services.evidence.config import Settings
from services.evidence.handlers.sources import SourceCredentials, register_source
from tests.integration.evidence_support import envelope
from tests.integration.kafka_tools import read_topic
from tests.integration.support import eventually, running_app
from thidua.runtime import kafka_acl
from thidua.runtime.kafka_access import KafkaAccess
from thidua.testing.infra import Infrastructure


@dataclass(frozen=True)
class Secured:
    """An evidence service running as svc-evidence, and two sources with their own credentials."""

    admin: KafkaAccess
    a: SourceCredentials
    b: SourceCredentials
    name_a: str
    name_b: str

    def as_source(self, given: SourceCredentials) -> KafkaAccess:
        assert given.kafka_user and given.kafka_password
        return self.admin.as_user(given.kafka_user, given.kafka_password)


@pytest.fixture
async def secured(infra: Infrastructure, kafka_bootstrap: str, database_url: str) -> AsyncIterator[Secured]:
    admin = infra.kafka_admin
    if not admin.uses_sasl:
        pytest.fail("the session broker must authenticate clients (SASL/SCRAM)")
    tag = uuid.uuid4().hex[:8]
    name_a, name_b = f"motcua-a{tag}", f"motcua-b{tag}"
    a = await register_source(database_url, admin, name=name_a, units=["H40.12.05"])
    b = await register_source(database_url, admin, name=name_b, units=["H40.12.06"])
    service = await asyncio.to_thread(kafka_acl.provision_service, admin, "evidence", kafka_acl.new_password())
    # Not the super user: the service's own user, whose groups must start with thidua-evidence.
    settings = Settings(
        kafka_bootstrap_servers=kafka_bootstrap,
        database_url=database_url,
        kafka_username=service.username,
        kafka_password=service.password,
        group_id=f"thidua-evidence-{tag}",
    )
    async with running_app(create_app(settings)):
        yield Secured(admin, a, b, name_a, name_b)


async def _send(access: KafkaAccess, topic: str, *bodies: dict[str, object]) -> None:
    producer = AIOKafkaProducer(**access.aiokafka_options(), request_timeout_ms=8000)
    await asyncio.wait_for(producer.start(), 15)
    try:
        for body in bodies:
            await asyncio.wait_for(producer.send_and_wait(topic, json.dumps(body).encode(), key=b"H40.12.05"), 15)
    finally:
        await producer.stop()


async def test_a_producer_without_credentials_or_with_a_wrong_password_is_refused(secured: Secured) -> None:
    anonymous = KafkaAccess(bootstrap=secured.admin.bootstrap)  # PLAINTEXT: no SASL handshake
    with pytest.raises(KafkaConnectionError):
        await _send(anonymous, secured.a.topic, envelope("anon-1"))
    wrong = secured.as_source(secured.a).as_user(secured.a.kafka_user or "", "not-the-password")
    with pytest.raises(KafkaConnectionError):
        await _send(wrong, secured.a.topic, envelope("wrong-1"))


async def test_a_source_cannot_write_another_sources_topic_nor_the_shared_one(secured: Secured) -> None:
    as_b = secured.as_source(secured.b)
    with pytest.raises(TopicAuthorizationFailedError):
        await _send(as_b, secured.a.topic, {**envelope("spoof-1"), "source": secured.name_a})
    with pytest.raises(TopicAuthorizationFailedError):
        await _send(as_b, topics.EVIDENCE_INBOUND, {**envelope("spoof-2"), "source": secured.name_a})


async def test_the_intake_takes_the_source_from_the_topic_and_refuses_a_different_one(secured: Secured) -> None:
    tag = secured.name_a
    own = {**envelope(f"{tag}-own"), "source": secured.name_a}
    unnamed = envelope(f"{tag}-unnamed")  # the topic says who sent it
    claims_b = {**envelope(f"{tag}-claims-b"), "source": secured.name_b}
    out_of_scope = envelope(f"{tag}-scope", unit_id="H40.12.06")  # b's unit, not a's
    await _send(secured.as_source(secured.a), secured.a.topic, own, unnamed, claims_b, out_of_scope)

    accepted = await read_topic(
        secured.admin.bootstrap,
        topics.EVIDENCE_ACCEPTED,
        lambda r: tag.encode() in (r.value or b""),
        expect=2,
        timeout=40,
    )
    docs = {json.loads(r.value or b"")["event_id"]: json.loads(r.value or b"") for r in accepted}
    assert set(docs) == {f"{tag}-own", f"{tag}-unnamed"}
    assert {d["source"] for d in docs.values()} == {secured.name_a}

    rejected = await read_topic(
        secured.admin.bootstrap,
        topics.EVIDENCE_REJECTED,
        lambda r: tag.encode() in base64.b64decode(json.loads(r.value or b"")["original_base64"]),
        expect=2,
        timeout=40,
    )
    reasons = {json.loads(r.value or b"")["event_id"]: json.loads(r.value or b"") for r in rejected}
    assert set(reasons) == {f"{tag}-claims-b", f"{tag}-scope"}
    claim = reasons[f"{tag}-claims-b"]
    assert claim["source"] == secured.name_a and [e["field"] for e in claim["reasons"]] == ["source"]
    assert claim["original_topic"] == secured.a.topic
    assert [e["field"] for e in reasons[f"{tag}-scope"]["reasons"]] == ["unit_id"]


async def test_a_service_user_may_not_write_what_it_does_not_publish(infra: Infrastructure) -> None:
    scoring = await asyncio.to_thread(
        kafka_acl.provision_service, infra.kafka_admin, "scoring", kafka_acl.new_password()
    )
    await _send(scoring, topics.ALERTS, {"probe": "scoring publishes alerts"})
    with pytest.raises(TopicAuthorizationFailedError):
        await _send(scoring, topics.EVIDENCE_ACCEPTED, {"probe": "only evidence may publish accepted evidence"})


@pytest.mark.parametrize("name", ["evidence", "scoring", "awards", "notify"])
async def test_every_service_starts_and_consumes_as_its_own_user(
    name: str, infra: Infrastructure, kafka_bootstrap: str, database_url: str
) -> None:
    own = await asyncio.to_thread(kafka_acl.provision_service, infra.kafka_admin, name, kafka_acl.new_password())
    config = importlib.import_module(f"services.{name}.config")
    app_module = importlib.import_module(f"services.{name}.app")
    settings = config.Settings(
        kafka_bootstrap_servers=kafka_bootstrap,
        database_url=database_url,
        kafka_username=own.username,
        kafka_password=own.password,
        group_id=f"thidua-{name}-{uuid.uuid4().hex[:8]}",
        metrics_public=True,  # /readyz's consumer details without a token
    )
    async with running_app(app_module.create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:

        async def ready() -> None:
            body = (await http.get("/readyz")).json()
            assert body["kafka"] == "ok" and body["status"] == "ready", body
            # Each consumer has joined its group and knows its lag: READ on its topics and groups was granted.
            assert body["consumers"] and all(c["lag"] is not None for c in body["consumers"]), body

        await eventually(ready, timeout=30)
