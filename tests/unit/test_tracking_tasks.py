"""An officer's tasks per period from the stored cases (Decree 335/2025 Art. 14, our reading in docs/rules.md): whose
case, which period, pending, delays, returns, substantiated complaints, objective causes and converted units."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from schemas.evidence import EVIDENCE_ADAPTER
from services.scoring.adapters.rulefiles import load_rules
from services.scoring.config import RULES
from services.scoring.domain import cases as c
from services.scoring.domain.evidence import CaseEvent, meaning
from services.scoring.domain.tracking_tasks import FactRow, Facts, StoredCase, handler, tasks_by_period

RULES_NOW = load_rules(RULES)
T = "+07:00"
APRIL = datetime.fromisoformat(f"2026-04-10T00:00:00{T}")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text + T)


def dossier(
    code: str, officer: str | None, *, due: str, finished: str | None = None, slot_officer: str = "processed"
) -> StoredCase:
    base: dict[str, Any] = {
        "dossier_code": code,
        "procedure_code": "1.001",
        "channel": "online",
        "received_at": f"2026-03-02T08:00:00{T}",
        "due_at": f"{due}{T}",
        "fee_required": False,
    }
    state = c.merge(
        c.empty(),
        "received",
        "s:r",
        base
        | {"occurred_at": f"2026-03-02T08:00:00{T}", "officer_id": officer if slot_officer == "received" else None},
    )
    if finished is not None:
        record = base | {
            "finished_at": f"{finished}{T}",
            "status": "resolved",
            "occurred_at": f"{finished}{T}",
            "officer_id": officer,
        }
        state = c.merge(state, "processed", "s:p", record)
    return StoredCase("dossier", "U1", code, state)


def fact(
    kind: str, data: dict[str, Any], officer: str | None = None, when: str = "2026-03-20T09:00:00", n: str = "1"
) -> FactRow:
    return FactRow(f"s:{kind}{n}", kind, "U1", officer, at(when), data)


def test_art_14_a_finished_dossier_counts_in_its_finish_month_late_when_after_due() -> None:
    cases = [
        dossier("A", "O", due="2026-03-10T17:00:00", finished="2026-03-12T10:00:00"),
        dossier("B", "O", due="2026-03-31T17:00:00", finished="2026-04-01T09:00:00"),
    ]
    found = tasks_by_period("O", cases, Facts([]), APRIL, RULES_NOW)
    [(_, a)] = found["2026-03"]
    [(_, b)] = found["2026-04"]
    assert a.done and a.late and a.key == "dossier:U1:A" and a.late_event == "s:p"
    assert b.done and b.late  # finished 1 April, after its due on 31 March: April's task, one delay


def test_art_14_an_unfinished_dossier_is_pending_until_due_then_assigned_not_done_in_its_due_month() -> None:
    open_case = dossier("C", "O", due="2026-03-25T17:00:00", slot_officer="received")
    assert tasks_by_period("O", [open_case], Facts([]), at("2026-03-20T00:00:00"), RULES_NOW) == {}
    [(_, task)] = tasks_by_period("O", [open_case], Facts([]), APRIL, RULES_NOW)["2026-03"]
    assert not task.done and task.late and task.weight == 1.0


def test_a_reassigned_dossier_leaves_the_first_officers_sheet() -> None:
    case = dossier("D", "O2", due="2026-03-25T17:00:00", finished="2026-03-20T10:00:00")
    assert handler(case) == "O2"
    assert tasks_by_period("O", [case], Facts([]), APRIL, RULES_NOW) == {}


def test_art_14_returns_complaints_and_objective_causes_and_the_catalogue_weight() -> None:
    case = dossier("E", "O", due="2026-03-10T17:00:00", finished="2026-03-12T10:00:00")
    case = StoredCase(
        case.kind,
        case.unit_id,
        case.case_id,
        c.merge(
            case.state, c.COMPLAINTS_ABOUT, "PA1", {"substantiated": True, "occurred_at": f"2026-03-20T00:00:00{T}"}
        ),
    )
    facts = Facts(
        [
            fact("returned", {"dossier_code": "E", "returned_at": "x"}, "O", n="1"),
            fact("returned", {"dossier_code": "E", "returned_at": "x"}, "OTHER", n="2"),  # another officer's review
            fact("cause", {"deduction": "late", "dossier_code": "E", "confirmed_by": "x", "reason": "y"}, n="3"),
            fact("catalogue", {"procedure_code": "1.001", "weight": 2.5}, when="2026-01-01T00:00:00", n="4"),
            fact("catalogue", {"procedure_code": "1.001", "weight": 4.0}, when="2026-05-01T00:00:00", n="5"),
        ]
    )
    [(_, task)] = tasks_by_period("O", [case], facts, APRIL, RULES_NOW)["2026-03"]
    assert task.quality_failures == 2 and task.quality_events == ("s:returned1", "complaint:PA1")
    assert task.excused_late == 1 and task.late_causes == ("s:cause3",) and task.excused_quality == 0
    assert task.weight == 2.5  # the statement before the period's end; May's does not reach back


def test_a_complaints_handler_is_the_envelope_officer_not_the_officer_complained_about() -> None:
    body = {
        "event_id": "pa-1",
        "type": "complaint.received",
        "schema_version": 1,
        "occurred_at": f"2026-03-02T08:00:00{T}",
        "unit_id": "U1",
        "officer_id": "H",
        "payload": {
            "complaint_id": "PA1",
            "received_at": f"2026-03-02T08:00:00{T}",
            "category": "conduct",
            "officer_id": "X",
        },
    }
    event = EVIDENCE_ADAPTER.validate_python(body)
    m = meaning(event)
    assert isinstance(m, CaseEvent) and m.record["handler_id"] == "H" and m.record["officer_id"] == "X"
    state = c.merge(c.empty(), "received", "s:pa-1", m.record)
    assert handler(StoredCase("complaint", "U1", "PA1", state)) == "H"
