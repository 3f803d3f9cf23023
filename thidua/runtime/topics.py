"""Create the contract's topics with explicit partitions and settings (idempotent)."""

from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from schemas.topics import TOPICS, TopicSpec
from thidua.runtime.kafka_access import KafkaAccess


async def ensure_topics(
    access: KafkaAccess | str, specs: tuple[TopicSpec, ...] = TOPICS, *, replication_factor: int = 1
) -> list[str]:
    """Create the missing topics; return the names created.

    A service's own principal may only describe topics: when they all exist (provisioned by the operator or
    `thidua run`), nothing is created and no CREATE right is needed."""
    admin = AIOKafkaAdminClient(**KafkaAccess.coerce(access).aiokafka_options())
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [s for s in specs if s.name not in existing]
        if not missing:
            return []
        try:
            await admin.create_topics(
                [
                    NewTopic(
                        name=s.name,
                        num_partitions=s.partitions,
                        replication_factor=replication_factor,
                        topic_configs=dict(s.configs),
                    )
                    for s in missing
                ]
            )
        except TopicAlreadyExistsError:
            pass  # another replica created it first: the goal is reached either way
        return [s.name for s in missing]
    finally:
        await admin.close()
