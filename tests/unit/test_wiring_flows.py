"""Each Kafka service reads and writes exactly what the contract's topics declare for it (schemas/topics.py), and
the ACLs, the AsyncAPI document and the READMEs' tables are drawn from that declaration."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from schemas import export, tables, topics
from thidua import registry
from thidua.runtime import kafka_acl

ROOT = Path(__file__).resolve().parents[2]
KAFKA_SERVICES = ("evidence", "scoring", "awards", "notify")


def subscribed(name: str) -> set[str]:
    """The topics the service's app subscribes to, read from the app object (built, never started)."""
    spec = registry.service(name)
    settings = spec.settings(kafka_bootstrap_servers="127.0.0.1:1", database_url="postgresql://x@127.0.0.1:1/x")
    app = spec.create_app(settings)
    return {subscription.topic for subscription in app.state.runtime.subscriptions}


def published(name: str) -> set[str]:
    """The topics the service's code queues in its outbox: each message is a tuple `(topics.X, key, value, headers)`."""
    names = {value: attribute for attribute, value in vars(topics).items() if isinstance(value, str)}
    found: set[str] = set()
    for path in sorted((ROOT / "services" / name).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Tuple) and len(node.elts) == 4:
                first = node.elts[0]
                if (
                    isinstance(first, ast.Attribute)
                    and isinstance(first.value, ast.Name)
                    and first.value.id == "topics"
                ):
                    found.add(getattr(topics, first.attr))
    assert all(topic in names for topic in found)
    return found


def test_the_kafka_services_the_topics_name_are_the_registered_ones() -> None:
    assert topics.kafka_services() == KAFKA_SERVICES
    assert set(registry.kafka_names()) == set(KAFKA_SERVICES)
    for spec in registry.services():
        if not spec.kafka:
            assert spec.consumes == {} and spec.produces == {}, spec.name


@pytest.mark.parametrize("name", KAFKA_SERVICES)
def test_an_app_subscribes_to_exactly_what_its_registration_says_it_consumes(name: str) -> None:
    assert subscribed(name) == set(registry.service(name).consumes)


@pytest.mark.parametrize("name", KAFKA_SERVICES)
def test_a_service_publishes_exactly_what_its_registration_says_it_produces(name: str) -> None:
    assert published(name) == set(registry.service(name).produces)


def test_the_acls_are_drawn_from_the_registrations_and_grant_what_they_granted_before() -> None:
    before = {
        "evidence": (
            {topics.EVIDENCE_INBOUND},
            {topics.EVIDENCE_INBOUND_PREFIX, topics.EVIDENCE_DVCQG_PREFIX},
            {topics.EVIDENCE_ACCEPTED, topics.EVIDENCE_REJECTED},
        ),
        "scoring": ({topics.EVIDENCE_ACCEPTED}, set(), {topics.STANDINGS_CHANGED, topics.ALERTS, topics.RATINGS}),
        "awards": (
            {topics.EVIDENCE_ACCEPTED, topics.STANDINGS_CHANGED, topics.RATINGS},
            set(),
            {topics.ALERTS, topics.NOMINATIONS},
        ),
        "notify": (
            {topics.ALERTS, topics.NOMINATIONS, topics.STANDINGS_CHANGED, topics.EVIDENCE_ACCEPTED},
            set(),
            set(),
        ),
    }
    assert set(kafka_acl.SERVICE_RIGHTS) == set(before)
    for name, (reads, prefixes, writes) in before.items():
        rights, spec = kafka_acl.SERVICE_RIGHTS[name], registry.service(name)
        assert (set(rights.reads), set(rights.read_prefixes), set(rights.writes)) == (reads, prefixes, writes)
        assert set(rights.reads) | {p + "*" for p in rights.read_prefixes} == set(spec.consumes)
        assert set(rights.writes) == set(spec.produces)
        assert rights.group_prefix == f"thidua-{name}" and rights.sees_contract_topics


def test_the_asyncapi_document_names_each_topics_message_and_its_senders_and_receivers() -> None:
    document = json.loads(export.generated()["asyncapi.json"])
    for spec in topics.TOPICS:
        assert set(document["channels"][spec.name]["messages"]) == {spec.message}
        assert spec.message in document["components"]["messages"]
    pairs = {
        (op["action"], op["channel"]["$ref"].removeprefix("#/channels/")) for op in document["operations"].values()
    }
    expected = {
        (action, topic)
        for name in KAFKA_SERVICES
        for action, declared in (
            ("send", registry.service(name).produces),
            ("receive", registry.service(name).consumes),
        )
        for topic in declared
        if not topic.endswith("*")
    }
    assert pairs == expected


def test_the_readmes_topic_tables_are_what_the_declarations_say() -> None:
    assert tables.drift() == [], "run `python -m schemas.export` (make schemas) and commit the READMEs"


def test_a_readme_table_edited_by_hand_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    readme = tmp_path / "services" / "notify" / "README.md"
    readme.parent.mkdir(parents=True)
    table = tables.service_table("notify")
    readme.write_text(f"# notify\n{tables.BEGIN}\n{table}\n{tables.END}\n", encoding="utf-8")
    monkeypatch.setattr(tables, "tables", lambda: {readme: table})
    monkeypatch.setattr(tables, "ROOT", tmp_path)
    assert tables.drift() == []
    readme.write_text(readme.read_text(encoding="utf-8").replace("`alerts.v1`", "`alerts.v2`"), encoding="utf-8")
    assert tables.drift() == ["services/notify/README.md"]
    assert "| consumes | `evidence.accepted.v1` | `evidence` | evidence |" in table


def test_the_contracts_topic_table_is_drawn_from_the_declarations() -> None:
    assert ROOT / "docs/contract.md" in tables.tables()
    table = tables.contract_table()
    rows = table.splitlines()[2:]
    assert len(rows) == len(topics.TOPICS) + len(topics.FAMILIES)
    assert "| `ratings.v1` | `officer_rating` | scoring → awards |" in table
    assert "| `evidence.rejected.v1` | `rejected_evidence` | evidence → operators |" in table
    assert "| 3 | kept (`-1`) |" in table and "| 6 | 30 days |" in table
    assert "| `evidence.dvcqg.v1.<source>` | `dvcqg_call` |" in table and "| 3 each | 30 days |" in table


def test_a_contract_table_edited_by_hand_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    contract = tmp_path / "docs" / "contract.md"
    contract.parent.mkdir(parents=True)
    table = tables.contract_table()
    contract.write_text(f"# Contract\n\n## Kafka topics\n{tables.BEGIN}\n{table}\n{tables.END}\n", encoding="utf-8")
    monkeypatch.setattr(tables, "tables", lambda: {contract: table})
    monkeypatch.setattr(tables, "ROOT", tmp_path)
    assert tables.drift() == []
    contract.write_text(contract.read_text(encoding="utf-8").replace("awards → notify", "awards → scoring"), "utf-8")
    assert tables.drift() == ["docs/contract.md"]
    assert tables.write() == ["docs/contract.md"] and tables.drift() == []


def test_a_sources_topics_follow_their_familys_declaration() -> None:
    for spec, prefix in (
        (kafka_acl.source_inbound_spec("hcc"), topics.EVIDENCE_INBOUND_PREFIX),
        (kafka_acl.source_dvcqg_spec("hcc"), topics.EVIDENCE_DVCQG_PREFIX),
    ):
        family = next(f for f in topics.FAMILIES if f.prefix == prefix)
        assert spec.name == prefix + "hcc"
        assert (
            (spec.partitions, spec.configs)
            == (family.partitions, family.configs)
            == (3, {"retention.ms": "2592000000"})
        )
