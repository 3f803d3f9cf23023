"""Kafka principals and their ACLs: one SCRAM user per service and per source, each allowed only its own topics.

The broker authenticates (SASL/SCRAM) and authorizes (ACLs): a source's user may write to its own inbound topic
`evidence.inbound.v1.<source>` and nothing else, so the evidence service knows who sent a record from the topic
it came on. Users and ACLs are managed with confluent-kafka's AdminClient (aiokafka has no API for them).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from schemas import topics
from schemas.topics import TopicSpec, source_dvcqg, source_inbound
from thidua.runtime.kafka_access import KafkaAccess

SCRAM_ITERATIONS = 8192


@dataclass(frozen=True)
class Rights:
    """Topics a principal reads and writes, and the prefix of the consumer groups it may join."""

    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    read_prefixes: tuple[str, ...] = ()
    group_prefix: str | None = None
    # Services check at start that the contract's topics exist: they may see them all, not create them.
    sees_contract_topics: bool = False


def service_rights(service: str) -> Rights:
    """A service's rights, drawn from what the contract says it reads and writes (schemas/topics.py)."""
    return Rights(
        reads=tuple(spec.name for spec in topics.TOPICS if service in spec.consumers),
        read_prefixes=tuple(family.prefix for family in topics.FAMILIES if service in family.consumers),
        writes=tuple(spec.name for spec in topics.TOPICS if service in spec.producers),
        group_prefix=f"thidua-{service}",  # groups are `thidua-<service>.<topic>`
        sees_contract_topics=True,
    )


# notify uses only unit.registered of evidence.accepted.v1 (names, parents for escalation), but an ACL grants
# a whole topic, never some record types: it may read every evidence record. Narrowing it needs a unit
# directory topic of its own (a contract addition, evidence publishing it); until then this is a known excess.
SERVICE_RIGHTS: dict[str, Rights] = {name: service_rights(name) for name in topics.kafka_services()}
"""Each Kafka service's rights, derived: change the contract's topics, never this."""


def service_user(service: str) -> str:
    """The Kafka user of a service."""
    return f"svc-{service}"


def source_user(source: str) -> str:
    """The Kafka user of an upstream source."""
    return f"source-{source}"


def new_password() -> str:
    """A random password for a new principal (shown once; the broker keeps only its salted SCRAM hash)."""
    return secrets.token_urlsafe(24)


def _admin(access: KafkaAccess):  # type: ignore[no-untyped-def]
    from confluent_kafka.admin import AdminClient

    # librdkafka's notices (e.g. "purging unserved events" at close) are noise in an operator's terminal.
    return AdminClient({**access.confluent_config(), "log_level": 3})


def _wait(futures: dict[object, object], timeout: float) -> None:
    for future in futures.values():
        future.result(timeout)  # type: ignore[attr-defined]


def upsert_user(access: KafkaAccess, username: str, password: str, *, timeout: float = 30.0) -> None:
    """Create the SCRAM-SHA-512 user, or give it a new password."""
    from confluent_kafka.admin import ScramCredentialInfo, ScramMechanism, UserScramCredentialUpsertion

    upsert = UserScramCredentialUpsertion(
        username, ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, SCRAM_ITERATIONS), password.encode()
    )
    admin = _admin(access)  # kept referenced until the futures resolve: a collected client cancels them
    _wait(admin.alter_user_scram_credentials([upsert]), timeout)


def grant(access: KafkaAccess, username: str, rights: Rights, *, timeout: float = 30.0) -> None:
    """Allow username exactly these rights (ACLs are additive and idempotent: granting twice changes nothing)."""
    from confluent_kafka.admin import AclBinding, AclOperation, AclPermissionType, ResourcePatternType, ResourceType

    principal = f"User:{username}"

    def allow(kind: ResourceType, name: str, pattern: ResourcePatternType, operation: AclOperation) -> AclBinding:
        return AclBinding(kind, name, pattern, principal, "*", operation, AclPermissionType.ALLOW)

    literal, prefixed = ResourcePatternType.LITERAL, ResourcePatternType.PREFIXED
    bindings = []
    for topic in rights.reads:
        bindings += [
            allow(ResourceType.TOPIC, topic, literal, AclOperation.READ),
            allow(ResourceType.TOPIC, topic, literal, AclOperation.DESCRIBE),
        ]
    for prefix in rights.read_prefixes:
        bindings += [
            allow(ResourceType.TOPIC, prefix, prefixed, AclOperation.READ),
            allow(ResourceType.TOPIC, prefix, prefixed, AclOperation.DESCRIBE),
        ]
    for topic in rights.writes:
        bindings += [
            allow(ResourceType.TOPIC, topic, literal, AclOperation.WRITE),
            allow(ResourceType.TOPIC, topic, literal, AclOperation.DESCRIBE),
        ]
    if rights.sees_contract_topics:
        bindings += [allow(ResourceType.TOPIC, spec.name, literal, AclOperation.DESCRIBE) for spec in topics.TOPICS]
    if rights.group_prefix:
        bindings.append(allow(ResourceType.GROUP, rights.group_prefix, prefixed, AclOperation.READ))
    # No cluster right: an idempotent producer's id is granted by WRITE on a topic (KIP-679).
    unique = list(dict.fromkeys(bindings))  # the client refuses a request that names one binding twice
    if unique:
        admin = _admin(access)
        _wait(admin.create_acls(unique), timeout)


def provision_service(access: KafkaAccess, service: str, password: str) -> KafkaAccess:
    """The service's user with its rights; returns the service's own access."""
    upsert_user(access, service_user(service), password)
    grant(access, service_user(service), SERVICE_RIGHTS[service])
    return access.as_user(service_user(service), password)


def ensure_source_topic(access: KafkaAccess, source: str, *, timeout: float = 30.0) -> str:
    """Create the source's inbound topic if missing; return its name."""
    return _ensure_topic(access, source_inbound_spec(source), timeout=timeout)


def ensure_source_dvcqg_topic(access: KafkaAccess, source: str, *, timeout: float = 30.0) -> str:
    """Create the source's portal-format topic if missing; return its name."""
    return _ensure_topic(access, source_dvcqg_spec(source), timeout=timeout)


def _ensure_topic(access: KafkaAccess, spec: TopicSpec, *, timeout: float) -> str:
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import NewTopic

    admin = _admin(access)
    if spec.name not in admin.list_topics(timeout=timeout).topics:
        try:
            _wait(admin.create_topics([NewTopic(spec.name, spec.partitions, 1, config=dict(spec.configs))]), timeout)
        except KafkaException as exc:
            if "TOPIC_ALREADY_EXISTS" not in str(exc):
                raise
    return spec.name


def source_inbound_spec(source: str) -> TopicSpec:
    """The inbound topic of one source, with the shared inbound topic's settings."""
    family = _family(topics.EVIDENCE_INBOUND_PREFIX)
    return TopicSpec(
        source_inbound(source), family.partitions, f"Evidence written by source {source} only (ACL).", family.configs
    )


def source_dvcqg_spec(source: str) -> TopicSpec:
    """The portal-format topic of one source (the national portal's call bodies), settings as the inbound one's."""
    family = _family(topics.EVIDENCE_DVCQG_PREFIX)
    return TopicSpec(
        source_dvcqg(source),
        family.partitions,
        f"Portal calls (DVCQG) written by source {source} only (ACL).",
        family.configs,
    )


def _family(prefix: str) -> topics.TopicFamily:
    """The declared family of per-source topics named by prefix."""
    return next(f for f in topics.FAMILIES if f.prefix == prefix)


def provision_source(access: KafkaAccess, source: str, password: str) -> str:
    """The source's user, allowed to write its own two topics only (envelopes; the portal's calls); returns the
    inbound topic (the portal-format one is `topics.source_dvcqg(source)`)."""
    topic = ensure_source_topic(access, source)
    portal = ensure_source_dvcqg_topic(access, source)
    if access.uses_sasl:
        upsert_user(access, source_user(source), password)
        grant(access, source_user(source), Rights(writes=(topic, portal)))
    return topic
