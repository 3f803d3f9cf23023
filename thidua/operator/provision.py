"""The operator's provisioning commands: one service alone, the topics, Kafka users and PostgreSQL roles."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from pydantic import SecretStr

from thidua import registry
from thidua.runtime.kafka_access import KafkaAccess
from thidua.runtime.settings import operator_database_url

SERVICE_NAMES = registry.kafka_names()  # the services with Kafka users, topics and parked records


def run_service(name: str) -> int:
    """Run one registered service with its settings from the environment."""
    from thidua.runtime.serve import serve

    spec = registry.service(name)
    serve(spec.create_app, spec.settings())
    return 0


def topics() -> int:
    """Create the contract's topics."""
    from thidua.runtime.topics import ensure_topics

    created = asyncio.run(ensure_topics(kafka_admin()))
    print("created: " + (", ".join(created) if created else "nothing, all topics exist"))
    return 0


def kafka_provision(services: list[str], *, explicit: bool) -> int:
    """The topics, and a SCRAM user with its ACLs per service whose password is set."""
    from thidua.runtime import kafka_acl
    from thidua.runtime.topics import ensure_topics

    admin = kafka_admin()
    created = asyncio.run(ensure_topics(admin))
    print("topics created: " + (", ".join(created) if created else "none, all exist"))
    if not admin.uses_sasl:
        print("this cluster does not authenticate (PLAINTEXT): no users to create; see docs/operations.md")
        return 0
    done = 0
    for name in services:
        password = os.environ.get(f"{name.upper()}_KAFKA_PASSWORD")
        if not password:
            if explicit:
                print(f"refused: {name.upper()}_KAFKA_PASSWORD is not set", file=sys.stderr)
                return 2
            continue
        kafka_acl.provision_service(admin, name, password)
        rights = kafka_acl.SERVICE_RIGHTS[name]
        print(
            f"{kafka_acl.service_user(name)}: reads {', '.join(rights.reads + rights.read_prefixes) or '-'};"
            f" writes {', '.join(rights.writes) or '-'}; groups {rights.group_prefix}*"
        )
        done += 1
    if not done:
        print("no <SERVICE>_KAFKA_PASSWORD set: no service user created", file=sys.stderr)
        return 2
    return 0


def db_provision(services: list[str], *, explicit: bool) -> int:
    """A PostgreSQL role per service whose password is set, owning its schema."""
    from thidua.runtime import db_roles

    passwords: dict[str, str] = {}
    for name in services:
        password = os.environ.get(f"{name.upper()}_DATABASE_PASSWORD")
        if password:
            passwords[name] = password
        elif explicit:
            print(f"refused: {name.upper()}_DATABASE_PASSWORD is not set", file=sys.stderr)
            return 2
    if not passwords:
        print("no <SERVICE>_DATABASE_PASSWORD set: no service role created", file=sys.stderr)
        return 2
    asyncio.run(db_roles.provision(database_url(), passwords))
    for name in passwords:
        print(f"{db_roles.service_role(name)}: owns schema {name}; checks tokens through auth.principal_of only")
    return 0


def database_url() -> str:
    """The database the operator's commands use."""
    # The local stack's PostgreSQL unless the operator names a server.
    return operator_database_url()


def kafka_admin() -> KafkaAccess:
    """The operator's Kafka access: KAFKA_* from the environment, or the local stack's admin (its state directory)."""
    if "KAFKA_BOOTSTRAP_SERVERS" in os.environ:
        return KafkaAccess.from_env()
    state = Path(os.environ.get("THIDUA_STATE_DIR", ".state"))
    bootstrap = f"127.0.0.1:{os.environ.get('THIDUA_KAFKA_PORT', '9092')}"
    secret = state / "kafka" / "admin.password"
    if not secret.exists():
        return KafkaAccess(bootstrap=bootstrap)
    return KafkaAccess(
        bootstrap=bootstrap,
        security_protocol="SASL_PLAINTEXT",
        username="admin",
        password=SecretStr(secret.read_text().strip()),
    )
