"""Scoring's batch use case on an in-memory store (tests/unit/fakes/scoring_store.py), without Kafka or PostgreSQL:
an event counts once, a retraction undoes what its target gave (even one that came first), a late event is counted
in its closed period and queues it to be scored again, and a failed unit of work leaves nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from services.scoring.adapters.rulefiles import read_rules_file
from services.scoring.config import RULES
from services.scoring.domain.rulebook import Rules, rules_from
from services.scoring.handlers.consume import apply_store_batch
from services.scoring.store import ScoringStore
from tests.unit.fakes.scoring_store import FakeScoringStore
from thidua.runtime.decoding import decode_evidence

NOW = datetime(2025, 3, 31, 12, tzinfo=UTC)
LATER = datetime(2025, 6, 30, 12, tzinfo=UTC)  # the first quarter has closed
UNIT = "H99.01"


@pytest.fixture(scope="module")
def rules() -> Rules:
    return rules_from(read_rules_file(RULES))


def _event(name: str, kind: str, payload: dict[str, Any], *, officer: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event_id": name,
        "type": kind,
        "schema_version": 1,
        "occurred_at": "2025-03-14T09:30:00+07:00",
        "unit_id": UNIT,
        "source": "motcua",
        "payload": payload,
    }
    if officer:
        body["officer_id"] = officer
    return body


def _dossier(name: str, code: str) -> dict[str, Any]:
    return _event(
        name,
        "procedure.processed",
        {
            "dossier_code": code,
            "procedure_code": "1.001",
            "channel": "online",
            "received_at": "2025-03-10T08:00:00+07:00",
            "due_at": "2025-03-14T17:00:00+07:00",
            "finished_at": "2025-03-13T09:30:00+07:00",
            "status": "resolved",
            "supplement_requests": 0,
            "supplement_days": 0,
            "fee_required": True,
            "paid_online": True,
            "digitized": True,
            "e_result": True,
            "data_reused": False,
        },
        officer="CB-1",
    )


def _training(name: str) -> dict[str, Any]:
    payload = {
        "course_code": "VHCS",
        "title": "Văn hóa công sở",
        "hours": 8,
        "topic": "office_culture",
        "completed_at": "2025-03-05T08:00:00+07:00",
    }
    return _event(name, "training.completed", payload, officer="CB-1")


def _retraction(name: str, target: str) -> dict[str, Any]:
    return _event(name, "evidence.retracted", {"target_event_id": target, "reason": "nhập nhầm"})


async def _apply(
    store: ScoringStore, rules: Rules, *events: dict[str, Any], now: datetime = NOW, accepted: datetime | None = None
) -> Any:
    batch = [(decode_evidence(json.dumps(e).encode()), i) for i, e in enumerate(events)]
    return await apply_store_batch(store, batch, rules=rules, now=now, accepted_at=accepted)


def _march(store: FakeScoringStore) -> dict[str, list[float]]:
    """The unit's counters of March 2025 with what they hold (zeros left out)."""
    return {
        key[4]: list(cell)
        for key, cell in store.counters.items()
        if key[0] == "unit" and key[3] == "2025-03" and any(abs(v) > 1e-9 for v in cell)
    }


async def test_an_event_delivered_twice_counts_once(rules: Rules) -> None:
    store = FakeScoringStore()
    first = await _apply(store, rules, _dossier("e-1", "HS-1"), _dossier("e-1", "HS-1"))
    counted = {k: list(v) for k, v in store.counters.items()}
    assert _march(store)
    assert (UNIT, "2025-03") in first.units
    again = await _apply(store, rules, _dossier("e-1", "HS-1"))
    assert not again.units and not again.officers
    assert store.counters == counted
    assert list(store.inbox) == [("motcua", "e-1")]
    assert store.wakes == 2  # each unit of work wakes the rescorer; only the first changed anything
    assert (store.loads, store.saves) == (2, 2)  # one load and one save per batch


async def test_a_substantiated_complaint_hands_its_verdict_to_the_dossier_and_its_retraction_takes_it_back(
    rules: Rules,
) -> None:
    store = FakeScoringStore()
    received = {"complaint_id": "PA-1", "category": "procedure", "received_at": "2025-03-15T08:00:00+07:00"}
    resolved = {
        "complaint_id": "PA-1",
        "resolved_at": "2025-03-18T08:00:00+07:00",
        "outcome": "answered",
        "substantiated": True,
    }
    await _apply(
        store,
        rules,
        _dossier("e-1", "HS-1"),
        _event("c-1", "complaint.received", received | {"dossier_code": "HS-1"}),
        _event("c-2", "complaint.resolved", resolved),
    )
    assert (store.loads, store.saves) == (1, 1)
    verdicts = store.cases[("dossier", UNIT, "HS-1")]["state"]["slots"]["complaints"]
    assert [r["substantiated"] for r in verdicts.values()] == [True]
    await _apply(store, rules, _retraction("r-1", "c-2"))  # the resolution no longer counts: no verdict
    verdicts = store.cases[("dossier", UNIT, "HS-1")]["state"]["slots"]["complaints"]
    assert [r["substantiated"] for r in verdicts.values()] == [False]


async def test_a_retraction_undoes_its_target(rules: Rules) -> None:
    store = FakeScoringStore()
    await _apply(store, rules, _dossier("e-1", "HS-1"), _training("t-1"))
    assert _march(store)
    affected = await _apply(store, rules, _retraction("r-1", "e-1"), _retraction("r-2", "t-1"))
    assert _march(store) == {}
    assert "motcua:e-1" in store.cases[("dossier", UNIT, "HS-1")]["state"]["retracted"]
    assert store.facts[("motcua", "t-1")][1] is True  # the training no longer counts
    assert (UNIT, "2025-03") in affected.units and ("CB-1", UNIT, "2025-03") in affected.officers


async def test_a_retraction_that_comes_first_waits_for_its_target(rules: Rules) -> None:
    store = FakeScoringStore()
    await _apply(store, rules, _retraction("r-1", "e-1"), _retraction("r-2", "t-1"))
    assert store.early == {("motcua", "e-1"): "r-1", ("motcua", "t-1"): "r-2"}
    await _apply(store, rules, _dossier("e-1", "HS-1"), _training("t-1"))
    assert _march(store) == {}
    assert store.facts[("motcua", "t-1")][1] is True


async def test_a_late_event_counts_in_its_closed_period_and_queues_it_again(rules: Rules) -> None:
    store = FakeScoringStore(unit_scores={(UNIT, "2025-03"), (UNIT, "2025-Q1")})
    await _apply(store, rules, _dossier("e-1", "HS-1"), now=NOW)
    before = _march(store)
    store.dirty.clear()
    accepted = datetime(2025, 6, 30, 11, tzinfo=UTC)
    affected = await _apply(store, rules, _dossier("e-2", "HS-2"), now=LATER, accepted=accepted)
    after = _march(store)
    assert set(after) == set(before) and any(after[k][1] > before[k][1] for k in after)  # one more dossier judged
    assert {(UNIT, "2025-03"), (UNIT, "2025-Q1"), (UNIT, "2025")} <= affected.units
    assert store.dirty[("unit", UNIT, "2025-03")] == (UNIT, accepted)
    assert store.dirty[("officer", "CB-1", "2025-03")] == (UNIT, accepted)


async def test_a_failed_unit_of_work_leaves_nothing_and_the_redelivery_counts(rules: Rules) -> None:
    store = FakeScoringStore(fail_on_save=True)
    with pytest.raises(RuntimeError):
        await _apply(store, rules, _dossier("e-1", "HS-1"))
    assert not store.inbox and not store.counters and not store.cases and store.wakes == 0
    store.fail_on_save = False
    await _apply(store, rules, _dossier("e-1", "HS-1"))
    assert _march(store) and list(store.inbox) == [("motcua", "e-1")]
