"""A new evidence type is its payload model and its envelope class, registered once: the test adds a made-up type
(a hotline call an officer answered, `hotline.answered`) without editing any other file, and the intake's
validation accepts it, refuses it malformed, and the exported JSON Schema and AsyncAPI document carry it."""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import pytest
from pydantic import Field

from schemas import evidence, export
from schemas.common import Bool, Code, Strict, Timestamp
from schemas.envelope import Envelope, OfficerEnvelope
from schemas.errors import EvidenceInvalid
from schemas.evidence import parse_evidence

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


class HotlineAnswered(Strict):
    """hotline.answered: an officer answered a call to the unit's hotline (đường dây nóng)."""

    call_id: Code
    answered_at: Timestamp
    minutes: Annotated[int, Field(ge=1, le=240)]
    resolved: Bool


class HotlineAnsweredEvent(OfficerEnvelope):
    """hotline.answered"""

    type: Literal["hotline.answered"]
    payload: HotlineAnswered


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The made-up type registered, in a copy of the registry that goes away with the test."""
    monkeypatch.setattr(evidence, "REGISTRY", evidence.REGISTRY.copy())
    evidence.REGISTRY.register(HotlineAnsweredEvent)  # the one registration
    yield


def call(**payload: Any) -> dict[str, Any]:
    body = {"call_id": "HL-2025-0001", "answered_at": "2025-05-30T08:15:00+07:00", "minutes": 6, "resolved": True}
    return {
        "event_id": "hl-1",
        "type": "hotline.answered",
        "schema_version": 1,
        "occurred_at": "2025-05-30T08:21:00+07:00",
        "unit_id": "H40.12.05",
        "officer_id": "CB-004512",
        "source": "hotline-namdinh",
        "payload": {**body, **payload},
    }


def refused(data: Any) -> dict[str, str]:
    with pytest.raises(EvidenceInvalid) as refusal:
        parse_evidence(data, now=NOW, source_required=True)
    return {d.field: d.message for d in refusal.value.details}


def test_the_registered_type_is_accepted_by_the_envelopes_validation(registered: None) -> None:
    event = parse_evidence(call(), now=NOW, source_required=True)
    assert isinstance(event, HotlineAnsweredEvent)
    assert (event.officer_id, event.payload.minutes, event.payload.resolved) == ("CB-004512", 6, True)
    assert parse_evidence(json.dumps(call()).encode(), now=NOW, source_required=True) == event
    assert evidence.REGISTRY.tags[-1] == "hotline.answered"


def test_the_registered_type_is_refused_when_malformed(registered: None) -> None:
    assert set(refused(call(minutes=0))) == {"payload.minutes"}
    assert set(refused(call(resolved="yes"))) == {"payload.resolved"}
    assert set(refused(call(extra="x"))) == {"payload.extra"}
    without_officer = {k: v for k, v in call().items() if k != "officer_id"}
    assert set(refused(without_officer)) == {"officer_id"}
    # The envelope's own rules hold for it too: a payload moment a year ahead is refused.
    assert set(refused(call(answered_at="2026-07-01T00:00:00+07:00"))) == {"payload.answered_at"}
    # An unknown type's refusal now names it among the known ones.
    unknown = refused({**call(), "type": "hotline.missed"})["type"]
    assert unknown.endswith("officer.assessed, leave.recorded, hotline.answered")


def test_the_registered_type_is_exported_in_the_json_schema_and_the_asyncapi_document(registered: None) -> None:
    files = export.generated()
    schema = json.loads(files["evidence.json"])
    assert schema["discriminator"]["mapping"]["hotline.answered"] == "#/$defs/HotlineAnsweredEvent"
    assert schema["$defs"]["HotlineAnswered"]["required"] == ["call_id", "answered_at", "minutes", "resolved"]
    assert "officer_id" in schema["$defs"]["HotlineAnsweredEvent"]["required"]
    asyncapi = json.loads(files["asyncapi.json"])
    assert asyncapi["components"]["messages"]["evidence"]["payload"] == {"$ref": "./evidence.json"}
    for topic in ("evidence.inbound.v1", "evidence.accepted.v1"):
        assert set(asyncapi["channels"][topic]["messages"]) == {"evidence"}
    # The files on disk are the contract as released: a new type changes them (`make schemas`), this one did not.
    assert export.drift() == ["evidence.json"]


def test_without_the_registration_the_type_is_unknown_and_the_contract_is_unchanged() -> None:
    assert "hotline.answered" not in evidence.REGISTRY.tags
    assert set(refused(call())) == {"type"}
    assert export.drift() == []


def test_a_tag_is_registered_by_one_class_only(registered: None) -> None:
    class Impostor(Envelope):
        """hotline.answered, again"""

        type: Literal["hotline.answered"]
        payload: HotlineAnswered

    with pytest.raises(ValueError, match="already registered by HotlineAnsweredEvent"):
        evidence.REGISTRY.register(Impostor)
    with pytest.raises(TypeError, match="not an evidence type"):
        evidence.REGISTRY.register(OfficerEnvelope)


def test_the_contracts_types_are_the_unions_and_every_envelope_class_is_in_it() -> None:
    assert evidence.REGISTRY.classes == evidence.EVIDENCE_CLASSES
    assert evidence.REGISTRY.tags == evidence.EVIDENCE_TYPES
    # A type written in a family module but left out of the union would validate untyped: name it there too.
    declared = {
        node.name
        for path in sorted((ROOT / "schemas" / "evidence_types").glob("*.py"))
        for node in ast.parse(path.read_text(encoding="utf-8")).body
        if isinstance(node, ast.ClassDef) and node.name.endswith("Event")
    }
    assert declared == {cls.__name__ for cls in evidence.EVIDENCE_CLASSES}
