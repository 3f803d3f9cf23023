"""Officers belong to a unit: who may speak of an officer, and what moves one (pure rules, no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from schemas.errors import FieldError
from schemas.evidence import EvidenceEvent, parse_evidence
from services.evidence.domain.officers import Home, HomeChange, apply_change, check_officers, is_transfer
from services.evidence.domain.principal import SourceScope
from tests.unit.test_contract import envelope

NOW = datetime(2026, 6, 1, tzinfo=UTC)
UNIT_A, UNIT_B = "H40.12.05", "H40.12.06"
ONLY_A = SourceScope("motcua-a", frozenset({UNIT_A}))
BOTH = SourceScope("tccb-ab", frozenset({UNIT_A, UNIT_B}))
PROVINCE = SourceScope("tccb", frozenset({"*"}))
HOMES = {
    "CB-B1": Home(UNIT_B, datetime(2025, 1, 2, tzinfo=UTC)),
    "CB-A1": Home(UNIT_A, datetime(2025, 1, 2, tzinfo=UTC)),
}


def event(kind: str, officer: str | None = "CB-B1", **overrides: Any) -> EvidenceEvent:
    body = envelope(kind, unit_id=UNIT_A, source=None, **overrides)
    if officer is not None:
        body["officer_id"] = officer
    return parse_evidence(body, now=NOW, source_required=False)


@pytest.mark.parametrize(
    "kind", ["officer.registered", "discipline.recorded", "title.awarded", "evaluation.recorded", "training.completed"]
)
def test_a_source_may_not_name_an_officer_of_a_unit_it_does_not_cover(kind: str) -> None:
    refused = check_officers(ONLY_A, HOMES, event(kind))
    assert isinstance(refused, FieldError) and refused.field == "officer_id"
    assert f"belongs to unit '{UNIT_B}'" in refused.message and "'motcua-a'" in refused.message


def test_officers_named_inside_a_complaint_or_an_inspection_finding_are_checked_too() -> None:
    complaint = event("complaint.received", officer=None)
    complaint = complaint.model_copy(update={"payload": complaint.payload.model_copy(update={"officer_id": "CB-B1"})})
    refused = check_officers(ONLY_A, HOMES, complaint)
    assert isinstance(refused, FieldError) and refused.field == "payload.officer_id"
    body = envelope("inspection.recorded", unit_id=UNIT_A, source=None)
    body["payload"]["findings"] = [
        {"code": "dress_code", "officer_id": "CB-A1"},
        {"code": "smoking", "officer_id": "CB-B1"},
    ]
    refused = check_officers(ONLY_A, HOMES, parse_evidence(body, now=NOW, source_required=False))
    assert isinstance(refused, FieldError) and refused.field == "payload.findings.1.officer_id"


def test_the_unit_own_officers_and_officers_not_registered_yet_may_be_named() -> None:
    assert check_officers(ONLY_A, HOMES, event("discipline.recorded", officer="CB-A1")) is None
    assert check_officers(ONLY_A, HOMES, event("discipline.recorded", officer="CB-NEW")) is None
    assert check_officers(PROVINCE, HOMES, event("discipline.recorded")) is None


def test_the_first_registration_sets_the_home() -> None:
    change = check_officers(ONLY_A, HOMES, event("officer.registered", officer="CB-NEW"))
    assert isinstance(change, HomeChange) and (change.unit_id, change.previous) == (UNIT_A, None)
    assert not is_transfer(change)


@pytest.mark.parametrize("scope", [BOTH, PROVINCE])
def test_a_registration_under_another_unit_is_a_transfer_from_a_source_covering_both(scope: SourceScope) -> None:
    change = check_officers(scope, HOMES, event("officer.registered"))
    assert isinstance(change, HomeChange) and is_transfer(change)
    assert (change.previous, change.unit_id, change.at) == (
        UNIT_B,
        UNIT_A,
        datetime.fromisoformat(envelope()["occurred_at"]),
    )
    homes = dict(HOMES)
    apply_change(homes, change)
    assert homes["CB-B1"].unit_id == UNIT_A
    assert check_officers(ONLY_A, homes, event("discipline.recorded")) is None  # now A's officer


def test_a_transfer_takes_its_date_from_transferred_at() -> None:
    registered = event("officer.registered")
    moved = registered.payload.model_copy(update={"transferred_at": datetime(2025, 7, 1, tzinfo=UTC)})
    change = check_officers(PROVINCE, HOMES, registered.model_copy(update={"payload": moved}))
    assert isinstance(change, HomeChange) and change.at == datetime(2025, 7, 1, tzinfo=UTC)


def test_a_registration_dated_before_the_latest_one_moves_nothing() -> None:
    homes = {"CB-B1": Home(UNIT_B, datetime(2026, 1, 2, tzinfo=UTC))}
    assert check_officers(PROVINCE, homes, event("officer.registered")) is None  # occurred in 2025


def test_a_later_restatement_at_home_keeps_the_unit_and_moves_the_date() -> None:
    change = check_officers(ONLY_A, HOMES, event("officer.registered", officer="CB-A1"))
    assert isinstance(change, HomeChange) and change.previous == change.unit_id == UNIT_A
    assert not is_transfer(change)
