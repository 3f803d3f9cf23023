"""Operator use case: register a source (its units, HTTP token and Kafka user) in evidence's `sources` table."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from schemas import topics
from services.evidence.adapters.store import PostgresEvidenceStore
from services.evidence.config import MIGRATIONS
from services.evidence.store import EvidenceStore
from thidua.runtime import auth, kafka_acl
from thidua.runtime.db import create_pool, prepare_schema
from thidua.runtime.kafka_access import KafkaAccess


async def record_source(store: EvidenceStore, *, name: str, units: list[str]) -> str:
    """Register source `name` for `units` ('*' for all) with a new token, in one unit of work; the token (shown
    once)."""
    token = auth.new_token()
    async with store.transaction():
        await store.add_source(name, units)
        await store.store_source_token(name, token)
    return token


async def add_source(database_url: str, *, name: str, units: list[str]) -> str:
    """Register source `name` for `units` ('*' for all) on the database at database_url; its new token."""
    pool = await create_pool(database_url, schema="evidence", max_size=1)
    try:
        # An operator may register sources before the service ever started: migrate first.
        await prepare_schema(pool, schema="evidence", directory=MIGRATIONS)
        await auth.ensure_schema(pool)
        async with pool.acquire() as conn:
            return await record_source(PostgresEvidenceStore(conn), name=name, units=units)
    finally:
        await pool.close()


@dataclass(frozen=True)
class SourceCredentials:
    """What a newly registered source is given, once: its HTTP token and its Kafka user, password and topics."""

    token: str
    topic: str
    kafka_user: str | None
    kafka_password: str | None
    portal_topic: str = ""
    """evidence.dvcqg.v1.<source>: the national portal's call bodies (DongBoHoSoMC, CapNhatTienDoHoSoMC)."""


async def register_source(database_url: str, kafka: KafkaAccess, *, name: str, units: list[str]) -> SourceCredentials:
    """Register source `name` for `units` with an HTTP token and, on a SASL cluster, a Kafka user allowed to write
    its own topics evidence.inbound.v1.<name> and evidence.dvcqg.v1.<name> only (kafka is an admin's access).
    Running it again for the same source gives a new token (the old one stays valid until revoked) and a new Kafka
    password (the old one stops working at once)."""
    password = kafka_acl.new_password()
    # Kafka first: if the broker refuses, nothing is registered and the operator simply runs it again.
    topic = await asyncio.to_thread(kafka_acl.provision_source, kafka, name, password)
    token = await add_source(database_url, name=name, units=units)
    portal = topics.source_dvcqg(name)
    if not kafka.uses_sasl:
        return SourceCredentials(token, topic, None, None, portal)
    return SourceCredentials(token, topic, kafka_acl.source_user(name), password, portal)
