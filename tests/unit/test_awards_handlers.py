"""The awards use cases on the in-memory store (tests/unit/fakes/awards_store.py), without Kafka or PostgreSQL: an
event counts once, a close creates the nominations met once, a retraction or a late discipline in a closed year
undoes what it gave, a vote decides and fixes the amount, a failing batch leaves nothing, signals only on change."""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, date, datetime
from typing import Any

import pytest

from schemas import topics
from schemas.evidence import EVIDENCE_ADAPTER, EvidenceEvent
from schemas.outputs import StandingChanged
from services.awards.config import RULES
from services.awards.domain.rulebook import build_award_rules
from services.awards.handlers.close import close_year
from services.awards.handlers.evidence import apply_evidence
from services.awards.handlers.preview import preview_year
from services.awards.handlers.standings import apply_standings
from services.awards.handlers.vote import VoteRefused, vote
from services.awards.store import AwardsStore
from tests.unit.fakes.awards_store import FakeAwardsStore

RULES_ = build_award_rules(tomllib.loads(RULES.read_text(encoding="utf-8")))
T = "+07:00"
NOW = datetime(2026, 1, 10, tzinfo=UTC)  # after the 2025 rating deadline, before late input ends
U = "F.U1"
LDTT = f"lao_dong_tien_tien:2025:officer:{U}-O2"


def event(n: str, kind: str, payload: dict[str, Any], officer: str | None = None, at: str = "") -> EvidenceEvent:
    """An accepted evidence event of unit U from the HR source."""
    body: dict[str, Any] = {
        "event_id": n,
        "type": kind,
        "schema_version": 1,
        "unit_id": U,
        "source": "hr",
        "occurred_at": at or f"2025-12-01T09:00:00{T}",
        "payload": payload,
    }
    if officer:
        body["officer_id"] = officer
    return EVIDENCE_ADAPTER.validate_python(body)


def staff() -> list[EvidenceEvent]:
    """Unit U rated good for 2025, six officers: O1 excellent, the others good."""
    events = [
        event("reg", "unit.registered", {"name": "Sở Tư pháp", "level": "department", "cluster_id": "K1"}),
        event("u-2025", "evaluation.recorded", {"year": 2025, "level": "good"}),
    ]
    for k in range(1, 7):
        o = f"{U}-O{k}"
        events += [
            event(f"{o}-reg", "officer.registered", {"full_name": f"Cán bộ {k}", "category": "civil_servant"}, o),
            event(f"{o}-2025", "evaluation.recorded", {"year": 2025, "level": "excellent" if k == 1 else "good"}, o),
        ]
    return events


def retraction(target: str) -> EvidenceEvent:
    return event(f"x-{target}", "evidence.retracted", {"target_event_id": target, "reason": "nhầm"})


def changes(store: FakeAwardsStore, topic: str = topics.NOMINATIONS) -> list[dict[str, Any]]:
    """The messages queued on topic, decoded."""
    return [json.loads(value) for t, _, value, _ in store.t.outbox if t == topic]


async def approve(store: FakeAwardsStore, nid: str, actor: str, day: date | None = None) -> Any:
    """The council approves nid: 14 of 15 members for, all present."""
    kw = {"members_total": 15, "members_present": 15, "votes_for": 14}
    return await vote(store, nid, **kw, rules=RULES_, now=NOW, actor=actor, decision_date=day)


async def closed_2025() -> FakeAwardsStore:
    """The staff recorded and 2025 closed."""
    store = FakeAwardsStore()
    await apply_evidence(store, staff(), rules=RULES_, now=NOW)
    await close_year(store, 2025, rules=RULES_, now=NOW, actor="council:token#1")
    return store


async def test_the_same_event_counts_once_in_a_batch_and_across_batches() -> None:
    store = FakeAwardsStore()
    title = event("t1", "title.awarded", {"title": "chien_si_thi_dua_co_so", "year": 2024, "decision_no": "1/QĐ"}, "O")
    await apply_evidence(store, [title, title], rules=RULES_, now=NOW)
    await apply_evidence(store, [title], rules=RULES_, now=NOW)
    assert [t["ref"] for t in store.t.titles] == ["hr:t1"] and store.t.inbox == {"hr:t1"}


async def test_a_close_creates_the_nominations_met_once() -> None:
    store = await closed_2025()
    created = {m["nomination_id"] for m in changes(store) if m["change"] == "created"}
    assert LDTT in created and store.t.nominations[LDTT]["status"] == "proposed"
    assert created == set(store.t.nominations)  # one message per nomination created
    before = len(store.t.outbox)
    assert await close_year(store, 2025, rules=RULES_, now=NOW, actor="council:token#1") == []
    assert len(store.t.outbox) == before  # closing twice creates and says nothing new


async def test_a_retraction_in_a_closed_year_revokes_what_it_gave() -> None:
    store = await closed_2025()
    await apply_evidence(store, [retraction(f"{U}-O2-2025")], rules=RULES_, now=NOW)
    assert store.t.nominations[LDTT]["status"] == "revoked"
    revoked = [m for m in changes(store) if m["change"] == "revoked"]
    assert [m["nomination_id"] for m in revoked] == [LDTT]
    assert store.t.audit[-1]["to_status"] == "revoked" and store.t.audit[-1]["actor"] == "evidence"


async def test_a_late_discipline_in_a_closed_year_revokes_an_approved_title_and_its_money() -> None:
    store = await closed_2025()
    decided = await approve(store, LDTT, "council:token#1")
    assert decided["status"] == "approved" and decided["cash_vnd"] > 0
    assert any(t["ref"] == LDTT for t in store.t.titles)  # an approved title counts
    found = {"decision_no": "1/QĐ-KL", "form": "reprimand", "decided_at": f"2025-11-01T09:00:00{T}", "reason": "x"}
    late = event("d1", "discipline.recorded", found, f"{U}-O2")
    await apply_evidence(store, [late], rules=RULES_, now=NOW)
    row = store.t.nominations[LDTT]
    assert row["status"] == "revoked" and row["recover_vnd"] == decided["cash_vnd"]
    assert not any(t["ref"] == LDTT for t in store.t.titles)  # the title stops counting


async def test_a_vote_decides_and_fixes_the_amount_on_the_decision_date() -> None:
    store = await closed_2025()
    row = await approve(store, LDTT, "council:token#7", date(2026, 1, 5))
    assert (row["status"], row["decision_date"]) == ("approved", date(2026, 1, 5))
    decided = [m for m in changes(store) if m["change"] == "decided"]
    assert [m["status"] for m in decided] == ["approved"]
    assert store.t.audit[-1]["actor"] == "council:token#7"


async def test_a_session_without_quorum_is_audited_and_decides_nothing() -> None:
    store = await closed_2025()
    with pytest.raises(VoteRefused):
        await vote(store, LDTT, members_total=15, members_present=3, votes_for=3, rules=RULES_, now=NOW, actor="c")
    assert store.t.nominations[LDTT]["status"] == "proposed"
    assert store.t.audit[-1]["reason"].startswith("phiên họp không quyết định")  # the audit row is kept


async def test_a_batch_that_fails_leaves_nothing_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    store = FakeAwardsStore()

    async def broken(*args: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(store, "add_title", broken)
    title = event("t1", "title.awarded", {"title": "chien_si_thi_dua_co_so", "year": 2024, "decision_no": "1/QĐ"}, "O")
    unit = event("reg", "unit.registered", {"name": "A", "level": "department", "cluster_id": "K1"})
    with pytest.raises(RuntimeError):
        await apply_evidence(store, [unit, title], rules=RULES_, now=NOW)
    assert store.t.inbox == set() and store.t.units == {}  # the claim and the unit went with the failure


async def test_an_award_signal_is_sent_when_the_state_changes_only() -> None:
    store = FakeAwardsStore()

    def standing(n: str, rank: int) -> StandingChanged:
        at, band = f"2025-10-01T09:00:00{T}", RULES_.flag_min_band
        body: dict[str, Any] = {"event_id": n, "occurred_at": at, "period": "2025", "subject_kind": "unit"}
        body |= {
            "subject_id": U,
            "unit_id": U,
            "cluster_id": "K1",
            "score": 95.0,
            "band": band,
            "rank_in_cluster": rank,
        }
        return StandingChanged.model_validate({**body, "rule_version": "r1"})

    await apply_standings(store, [standing("s1", 1)], rules=RULES_, now=NOW)
    await apply_standings(store, [standing("s2", 1)], rules=RULES_, now=NOW)  # still on track: nothing new
    await apply_standings(store, [standing("s3", 2)], rules=RULES_, now=NOW)
    flags = [m["kind"] for m in changes(store, topics.ALERTS) if m["subject_id"] == "co_thi_dua_tinh"]
    assert flags == ["award_on_track", "award_at_risk"]


async def test_the_preview_of_an_open_year_shows_the_provisional_nominations() -> None:
    store: AwardsStore = FakeAwardsStore()
    await apply_evidence(store, staff(), rules=RULES_, now=NOW)
    body = await preview_year(store, 2025, rules=RULES_, today=date(2025, 12, 20), officers_visible=lambda _: True)
    assert body is not None and body["closed"] is False
    assert LDTT in {n["id"] for n in body["units"][0]["nominations"]}
    assert (
        await preview_year(store, 2025, rules=RULES_, today=date(2025, 12, 20), officers_visible=bool, unit_id="?")
        is None
    )
