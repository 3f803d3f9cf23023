"""parse_evidence_batch answers each item exactly as parse_evidence does alone: the same event, or the same refusal
(fields, messages, order), whether the batch's other items are valid or not."""

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from schemas.errors import EvidenceInvalid
from schemas.evidence import parse_evidence, parse_evidence_batch

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)


def processed(n: int) -> dict[str, Any]:
    """A valid procedure.processed envelope."""
    return {
        "event_id": f"e-{n}",
        "type": "procedure.processed",
        "schema_version": 1,
        "occurred_at": "2025-03-14T09:30:00+07:00",
        "unit_id": "H40.01.01",
        "officer_id": "CB-1",
        "payload": {
            "dossier_code": f"HS-{n}",
            "procedure_code": "1.001234",
            "channel": "online",
            "received_at": "2025-03-10T08:00:00+07:00",
            "due_at": "2025-03-14T17:00:00+07:00",
            "finished_at": "2025-03-14T09:30:00+07:00",
            "status": "resolved",
            "supplement_requests": 0,
            "supplement_days": 0,
            "fee_required": True,
            "paid_online": False,
            "digitized": True,
            "e_result": True,
            "data_reused": False,
        },
    }


def spoiled(n: int, how: str) -> dict[str, Any]:
    """A processed envelope broken one way."""
    doc = processed(n)
    if how == "unknown type":
        doc["type"] = "procedure.teleported"
    elif how == "no type":
        del doc["type"]
    elif how == "bad fields":
        doc["payload"]["channel"] = "pigeon"
        doc["unit_id"] = ""
        doc["extra"] = 1
    elif how == "future":
        doc["occurred_at"] = "2025-06-01T13:00:00Z"
        doc["payload"]["due_at"] = "2027-01-01T00:00:00Z"
    elif how == "reserved unit":
        doc["unit_id"] = "__admin__"
    elif how == "payload not an object":
        doc["payload"] = [1, 2]
    elif how == "no source":
        pass
    return doc


HOWS = ["unknown type", "no type", "bad fields", "future", "reserved unit", "payload not an object", "no source"]


def alone(doc: dict[str, Any], source_required: bool) -> object:
    """What parse_evidence answers for one envelope: its event, or its refusal's details."""
    try:
        return parse_evidence(copy.deepcopy(doc), now=NOW, source_required=source_required)
    except EvidenceInvalid as invalid:
        return list(invalid.details)


def together(docs: list[dict[str, Any]], required: list[bool]) -> list[object]:
    """What parse_evidence_batch answers, in the same terms."""
    parsed = parse_evidence_batch(docs, now=NOW, source_required=required)
    return [list(p.details) if isinstance(p, EvidenceInvalid) else p for p in parsed]


@pytest.mark.parametrize("how", HOWS)
def test_a_refused_item_among_valid_ones_gets_its_own_errors_and_the_others_their_events(how: str) -> None:
    docs = [processed(0), spoiled(1, how), processed(2)]
    required = [False, how == "no source", False]
    answers = together(docs, required)
    assert answers == [alone(d, r) for d, r in zip(docs, required, strict=True)]
    assert isinstance(answers[1], list) and answers[1]  # refused, with reasons
    assert not isinstance(answers[0], list) and not isinstance(answers[2], list)


def test_a_batch_of_only_refusals_and_one_of_only_valid_items() -> None:
    bad = [spoiled(i, how) for i, how in enumerate(HOWS)]
    required = [True] * len(bad)
    assert together(bad, required) == [alone(d, True) for d in bad]
    good = [processed(i) for i in range(5)]
    assert together(good, [False] * 5) == [alone(d, False) for d in good]
    assert together([], []) == []


def test_an_unknown_type_names_the_given_type_of_its_own_item() -> None:
    docs = [processed(0), {**processed(1), "type": "x.first"}, {**processed(2), "type": "x.second"}]
    answers = together(docs, [False] * 3)
    assert "'x.first'" in answers[1][0].message and "'x.second'" in answers[2][0].message  # type: ignore[index]


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_evidence_batch([processed(0)], now=datetime(2025, 6, 1), source_required=[False])
