"""Kafka client identity: options from one place, per-source topics, and ACLs that cover what services consume."""

from __future__ import annotations

import importlib

import pytest

from schemas import topics
from thidua.runtime import kafka_acl
from thidua.runtime.kafka_access import KafkaAccess


def test_plaintext_access_has_no_credentials() -> None:
    options = KafkaAccess(bootstrap="k:9092").aiokafka_options()
    assert options == {"bootstrap_servers": "k:9092", "security_protocol": "PLAINTEXT"}


def test_scram_access_from_the_environment() -> None:
    access = KafkaAccess.from_env(
        {
            "KAFKA_BOOTSTRAP_SERVERS": "k:9092",
            "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
            "KAFKA_USERNAME": "svc-scoring",
            "KAFKA_PASSWORD": "s3cret",
        }
    )
    options = access.aiokafka_options()
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (options["sasl_plain_username"], options["sasl_plain_password"]) == ("svc-scoring", "s3cret")
    assert "ssl_context" not in options
    assert "s3cret" not in repr(access)  # the password never lands in a log line
    assert access.confluent_config()["sasl.username"] == "svc-scoring"
    assert access.as_env()["KAFKA_PASSWORD"] == "s3cret"


def test_sasl_ssl_verifies_the_broker() -> None:
    access = KafkaAccess(bootstrap="k:9093", security_protocol="SASL_SSL", username="u")
    context = access.aiokafka_options()["ssl_context"]
    assert context.check_hostname and context.verify_mode.name == "CERT_REQUIRED"
    assert access.faststream_security().use_ssl


def test_an_unknown_protocol_is_refused() -> None:
    with pytest.raises(ValueError, match="security_protocol"):
        KafkaAccess.from_env({"KAFKA_SECURITY_PROTOCOL": "SASL_TEXT"})


def test_the_source_is_read_from_its_own_topic_only() -> None:
    assert topics.source_inbound("motcua-namdinh") == "evidence.inbound.v1.motcua-namdinh"
    assert topics.inbound_source("evidence.inbound.v1.motcua-namdinh") == "motcua-namdinh"
    assert topics.inbound_source(topics.EVIDENCE_INBOUND) is None
    assert topics.inbound_source("evidence.inbound.v1.") is None
    assert topics.inbound_source(topics.EVIDENCE_ACCEPTED) is None


@pytest.mark.parametrize("service", ["evidence", "scoring", "awards", "notify"])
def test_every_topic_a_service_consumes_is_granted_to_its_user(service: str) -> None:
    config = importlib.import_module(f"services.{service}.config")
    app_module = importlib.import_module(f"services.{service}.app")
    settings = config.Settings(kafka_bootstrap_servers="127.0.0.1:1", database_url="postgresql://x@127.0.0.1:1/x")
    app = app_module.create_app(settings)
    runtime = app.state.runtime
    rights = kafka_acl.SERVICE_RIGHTS[service]
    for subscription in runtime.subscriptions:
        topic = subscription.topic.rstrip("*")
        assert topic in rights.reads or topic in rights.read_prefixes, (service, topic)
        assert subscription.group.startswith(rights.group_prefix or "-"), (service, subscription.group)
