"""Notify's consumer use case with a fake store: load once, decide in the domain, save once per batch."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from schemas import topics
from schemas.outputs import Alert, StandingChanged
from services.notify.config import Settings
from services.notify.handlers import consume
from tests.unit.fakes.notify_store import FakeNotifyStore

AT = datetime(2025, 3, 14, 2, 30, tzinfo=UTC)
SETTINGS = Settings()  # damping 1 hour, escalation: 3 conditions of a kind within 24 hours


def _overdue(dossier: str, at: datetime = AT, unit: str = "H40.01", kind: str = "dossier_overdue") -> Alert:
    return Alert(
        alert_id=f"a-{dossier}",
        condition_key=f"overdue:{dossier}",
        kind=kind,
        priority="high",
        unit_id=unit,
        occurred_at=at,
        period="2025-03",
        subject_id=dossier,
        title=f"Hồ sơ {dossier} quá hạn",
    )


def _run(store: FakeNotifyStore, topic: str, events: list[consume.Event]) -> consume.Outcome:
    return asyncio.run(consume.handle(store, topic, events, settings=SETTINGS))


def _store() -> FakeNotifyStore:
    store = FakeNotifyStore()
    store.unit("H40", "UBND tỉnh")
    store.unit("H40.01", "Phường Lộc Hạ", "H40")
    store.channels["H40.01"] = [("webhook", "https://hooks.example/h4001"), ("email", "vanthu@h4001.example")]
    return store


def test_an_alert_is_told_once_with_its_pushes_and_a_duplicate_does_nothing() -> None:
    store = _store()
    first = _run(store, topics.ALERTS, [_overdue("D1"), _overdue("D1")])  # the same message twice in one batch
    assert (first.notified, first.pushed, first.damped) == (1, 2, 0)
    assert [n["title"] for n in store.notifications] == ["Hồ sơ D1 quá hạn"]
    again = _run(store, topics.ALERTS, [_overdue("D1")])  # redelivered after a restart: the inbox knows it
    assert (again.notified, again.damped) == (0, 0)
    assert len(store.notifications) == 1 and len(store.deliveries) == 2
    assert (store.loads, store.saves) == (2, 2)  # one load and one save per batch, whatever its size


def test_a_repeat_within_the_damping_is_counted_not_told_and_after_it_is_told_again() -> None:
    store = _store()
    repeat = _overdue("D1", AT + timedelta(minutes=20)).model_copy(update={"alert_id": "a-D1-again"})
    later = _overdue("D1", AT + timedelta(hours=2)).model_copy(update={"alert_id": "a-D1-later"})
    outcome = _run(store, topics.ALERTS, [_overdue("D1"), repeat, later])
    assert (outcome.notified, outcome.damped) == (2, 1)
    row = store.conditions[("H40.01", "overdue:D1")]
    assert (row.seen, row.damped, row.condition.occurrences) == (3, 1, 2)
    assert row.condition.notified_at == AT + timedelta(hours=2)
    assert [n["occurrence"] for n in store.notifications] == [1, 2]


def test_overdue_dossiers_piling_up_escalate_to_the_parent_once_a_window() -> None:
    store = _store()
    first = _run(store, topics.ALERTS, [_overdue("D1"), _overdue("D2", AT + timedelta(minutes=1))])
    assert first.notified == 2 and not any(n["unit_id"] == "H40" for n in store.notifications)
    # The third in a later batch counts the two before it, from the store.
    third = _run(store, topics.ALERTS, [_overdue("D3", AT + timedelta(minutes=2))])
    assert third.notified == 2
    escalation = [n for n in store.notifications if n["unit_id"] == "H40"]
    assert [(n["kind"], n["condition_key"]) for n in escalation] == [
        ("escalation", "escalation:dossier_overdue:H40.01")
    ]
    # A fourth within the window is damped at the parent; an overdue complaint is counted apart.
    fourth = _run(
        store, topics.ALERTS, [_overdue("D4", AT + timedelta(minutes=3)), _overdue("P1", kind="complaint_overdue")]
    )
    assert (fourth.notified, fourth.damped) == (2, 1)
    assert len([n for n in store.notifications if n["unit_id"] == "H40"]) == 1


def test_a_rise_in_the_cluster_waits_for_the_digest() -> None:
    store = _store()
    rise = StandingChanged.model_validate(
        {
            "event_id": "s-1",
            "occurred_at": AT,
            "period": "2025-03",
            "subject_kind": "unit",
            "subject_id": "H40.01",
            "unit_id": "H40.01",
            "cluster_id": "K-SO",
            "score": 87.5,
            "band": "Tốt",
            "rank_in_cluster": 1,
            "previous_rank_in_cluster": 3,
            "rule_version": "2025.1",
        }
    )
    outcome = _run(store, topics.STANDINGS_CHANGED, [rise])
    assert (outcome.notified, outcome.digested) == (0, 1)
    assert store.digest_items == [{"unit_id": "H40.01", "occurrence": 1, "kind": "rank_changed"}]


def test_a_batch_that_fails_leaves_nothing_behind_not_even_its_inbox_claim() -> None:
    store = _store()
    store.fail_on_save = True
    with pytest.raises(RuntimeError):
        _run(store, topics.ALERTS, [_overdue("D1")])
    assert store.inbox == set() and store.conditions == {} and store.notifications == []
    store.fail_on_save = False
    assert _run(store, topics.ALERTS, [_overdue("D1")]).notified == 1  # the retry applies it, once
