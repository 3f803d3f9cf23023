"""A new evidence type that scoring keeps is its contract class (registered in schemas) and one registration in
scoring's registry (services/scoring/domain/evidence.py, MEANINGS): the made-up `hotline.answered` of
test_evidence_registry, registered in both here and nowhere else, goes through scoring's batch use case on the fake
store and is kept as a fact of its kind, dated by its own field; its retraction takes it back. An indicator over it
cannot be declared in the rule file: indicators read the counters cases feed or the catalogue, and facts reach the
scorecard only through the office-culture formulas (training, inspection, discipline) — the last test says so."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from schemas import evidence as contract
from schemas.evidence import TrainingCompletedEvent
from services.scoring.adapters.rulefiles import read_rules_file
from services.scoring.config import RULES
from services.scoring.domain import evidence
from services.scoring.domain.evidence import Fact, meaning
from services.scoring.domain.rulebook import Rules, rules_from
from services.scoring.domain.scorecard import CULTURE_EVIDENCE, evidence_behind, fed
from services.scoring.handlers.consume import apply_store_batch
from tests.unit.fakes.scoring_store import FakeScoringStore
from tests.unit.test_evidence_registry import HotlineAnsweredEvent
from tests.unit.test_schemas import EXAMPLES

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
UNIT, OFFICER, SOURCE = "H40.12.05", "CB-004512", "hotline-namdinh"
ANSWERED = datetime(2025, 5, 30, 1, 15, tzinfo=UTC)  # 08:15 in Vietnam


@pytest.fixture(scope="module")
def rules() -> Rules:
    return rules_from(read_rules_file(RULES))


@pytest.fixture
def in_contract(monkeypatch: pytest.MonkeyPatch) -> None:
    """The made-up type in a copy of the contract's registry (as test_evidence_registry registers it)."""
    monkeypatch.setattr(contract, "REGISTRY", contract.REGISTRY.copy())
    contract.REGISTRY.register(HotlineAnsweredEvent)


@pytest.fixture
def registered(in_contract: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The made-up type in the contract and, with its one line, in a copy of scoring's registry."""
    monkeypatch.setattr(evidence, "MEANINGS", evidence.MEANINGS.copy())
    evidence.MEANINGS.fact(HotlineAnsweredEvent, kind="hotline", at="answered_at")  # the one registration
    yield


def _call(event_id: str = "hl-1") -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": "hotline.answered",
        "schema_version": 1,
        "occurred_at": "2025-05-30T08:21:00+07:00",
        "unit_id": UNIT,
        "officer_id": OFFICER,
        "source": SOURCE,
        "payload": {
            "call_id": "HL-2025-0001",
            "answered_at": "2025-05-30T08:15:00+07:00",
            "minutes": 6,
            "resolved": True,
        },
    }


def _retraction(target: str) -> dict[str, Any]:
    payload = {"target_event_id": target, "reason": "nhập nhầm"}
    return {**_call("hl-r"), "type": "evidence.retracted", "officer_id": None, "payload": payload}


def _typed(body: dict[str, Any]) -> Any:
    """The envelope as the contract's registry types it (the union's types and the ones registered beside it)."""
    return contract.evidence_adapter().validate_json(json.dumps({k: v for k, v in body.items() if v is not None}))


async def _apply(store: FakeScoringStore, rules: Rules, *bodies: dict[str, Any]) -> Any:
    return await apply_store_batch(store, [(_typed(b), i) for i, b in enumerate(bodies)], rules=rules, now=NOW)


async def test_a_registered_type_goes_through_the_batch_and_is_kept_as_a_fact_of_its_kind(
    registered: None, rules: Rules
) -> None:
    store = FakeScoringStore()
    affected = await _apply(store, rules, _call(), _call())  # delivered twice: kept once
    # Its unit and officer are scored again in the periods of the call (by answered_at: May, Q2, 2025, ...).
    assert {(UNIT, "2025-05"), (UNIT, "2025-Q2"), (UNIT, "2025")} <= affected.units
    assert (OFFICER, UNIT, "2025-05") in affected.officers
    again = await _apply(store, rules, _call())
    assert not again.units and not again.officers
    fact, retracted = store.facts[(SOURCE, "hl-1")]
    assert (fact.kind, fact.unit_id, fact.officer_id, fact.at, retracted) == ("hotline", UNIT, OFFICER, ANSWERED, False)
    assert fact.data == {
        "call_id": "HL-2025-0001",
        "answered_at": "2025-05-30T08:15:00+07:00",
        "minutes": 6,
        "resolved": True,
    }
    assert list(store.facts) == [(SOURCE, "hl-1")]
    assert list(store.inbox) == [(SOURCE, "hl-1")]
    await _apply(store, rules, _retraction("hl-1"))
    assert store.facts[(SOURCE, "hl-1")] == (fact, True)


async def test_in_the_contract_but_not_registered_in_scoring_the_type_means_nothing_to_it(
    in_contract: None, rules: Rules
) -> None:
    store = FakeScoringStore()
    affected = await _apply(store, rules, _call())
    assert meaning(_typed(_call())) is None
    assert not store.facts and not affected.units and not affected.officers
    assert list(store.inbox) == [(SOURCE, "hl-1")]  # received and acknowledged, nothing else


def test_a_type_has_one_meaning_and_its_date_field_must_exist(registered: None) -> None:
    with pytest.raises(ValueError, match=r"hotline\.answered already has a meaning to scoring"):
        evidence.MEANINGS.fact(HotlineAnsweredEvent, kind="call")
    with pytest.raises(ValueError, match=r"training\.completed has no payload field finished_at"):
        evidence.Meanings().fact(TrainingCompletedEvent, kind="training", at="finished_at")


def test_scoring_reads_contract_types_only_and_keeps_every_fact_kind_its_scorecard_reads() -> None:
    assert set(evidence.MEANINGS.tags) <= set(contract.EVIDENCE_TYPES)
    assert "hotline.answered" not in evidence.MEANINGS.tags
    kept = {m.kind for tag in evidence.MEANINGS.tags if isinstance(m := meaning(_example(tag)), Fact)}
    read = {e.fact_kind for e in CULTURE_EVIDENCE.values() if e.fact_kind} | {"catalogue"}
    assert read <= kept
    assert kept >= {"returned", "cause", "assessment", "leave", "evaluation"}  # the Decree 335 tracking sheets'


def _example(tag: str) -> Any:
    """The contract tests' example of a type, typed."""
    payload, officer = EXAMPLES[tag]
    body = {**_call(), "type": tag, "officer_id": officer, "payload": payload}
    return _typed(body)


def test_an_indicator_over_the_new_kind_cannot_be_declared_in_the_rule_file(registered: None) -> None:
    doc = read_rules_file(RULES)
    doc["index"]["indicators"]["hotline_answered"] = {
        "group": "satisfaction",
        "name": "Tỷ lệ cuộc gọi đường dây nóng được trả lời",
        "max": 2,
        "threshold": 0.9,
        "counter": "hotline",
    }
    doc["index"]["groups"]["satisfaction"]["max"] += 2  # a group's maxima add up to its own
    copy = rules_from(doc)  # the rule file's copy loads ...
    indicator = copy.book.indicators["hotline_answered"]
    assert not fed(indicator)  # ... but no evidence feeds its counter: the scorecard lists it missing
    assert "hotline_answered" not in evidence_behind(copy.book)
    assert isinstance(meaning(_typed(_call())), Fact)  # while the fact itself is kept
