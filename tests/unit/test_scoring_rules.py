"""Pure scoring rules with hand-computed expectations: indicator points, dossier and complaint timeliness, periods,
order independence of cases, the unit and officer scorecards, rulebook validation and the working-day calendar."""

from __future__ import annotations

import copy
import itertools
import tomllib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from schemas.labels import scoring_alert_title
from schemas.vietnam import VN_TZ
from services.scoring.adapters.rulefiles import load_rules
from services.scoring.domain.calendar import WorkingCalendar, load_calendar
from services.scoring.domain.cases import (
    Dossier,
    complaint_view,
    dossier_view,
    effective,
    empty,
    merge,
    retract,
)
from services.scoring.domain.contributions import Tally, complaint_contribution, difference, dossier_contribution
from services.scoring.domain.officer_scorecard import OfficerInputs, officer_scorecard
from services.scoring.domain.periods import STAGE, parse_period, period_ends_between, periods_of
from services.scoring.domain.rulebook import Rulebook, RulebookInvalid, build_rulebook
from services.scoring.domain.scorecard import CultureInputs, Evidence, evidence_behind, unit_scorecard
from tests.integration.scoring_support import rulebook_with_an_indicator

RULES_DIR = Path(__file__).resolve().parents[2] / "services" / "scoring" / "rules"
U = "U1"
T = "+07:00"


# ---------------------------------------------------------------------------------------------- fixtures, helpers


@pytest.fixture(scope="module")
def rule_doc() -> dict[str, Any]:
    return tomllib.loads((RULES_DIR / "rulebook.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def rules(rule_doc: dict[str, Any]) -> Rulebook:
    return build_rulebook(rule_doc)


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return load_calendar(RULES_DIR / "calendar")


def vn(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN_TZ)


def received(
    code: str = "HS-1",
    at: str = f"2025-03-10T09:00:00{T}",
    due: str = f"2025-03-20T17:00:00{T}",
    channel: str = "online",
    fee: bool = True,
    occurred: str | None = None,
) -> dict[str, Any]:
    return {
        "dossier_code": code,
        "procedure_code": "TTHC-1",
        "channel": channel,
        "received_at": at,
        "due_at": due,
        "fee_required": fee,
        "occurred_at": occurred or at,
        "officer_id": None,
    }


def processed(
    finished: str,
    code: str = "HS-1",
    at: str = f"2025-03-10T09:00:00{T}",
    due: str = f"2025-03-20T17:00:00{T}",
    channel: str = "online",
    fee: bool = True,
    status: str = "resolved",
    supplement_requests: int = 0,
    supplement_days: float = 0,
    paid_online: bool = True,
    digitized: bool = True,
    e_result: bool = True,
    data_reused: bool = True,
    officer: str | None = "CB-1",
    occurred: str | None = None,
) -> dict[str, Any]:
    return {
        "dossier_code": code,
        "procedure_code": "TTHC-1",
        "channel": channel,
        "received_at": at,
        "due_at": due,
        "finished_at": finished,
        "status": status,
        "supplement_requests": supplement_requests,
        "supplement_days": supplement_days,
        "fee_required": fee,
        "paid_online": paid_online,
        "digitized": digitized,
        "e_result": e_result,
        "data_reused": data_reused,
        "occurred_at": occurred or finished,
        "officer_id": officer,
    }


def dossier(*events: tuple[str, str, dict[str, Any]]) -> Dossier:
    """The dossier view of (slot, key, record) events merged in the given order."""
    state = empty()
    for slot, key, record in events:
        state = merge(state, slot, key, record)
    return dossier_view(U, "HS-1", state)


def cells(tally: Tally, counter: str, kind: str = "unit", subject: str = U) -> dict[str, tuple[float, float]]:
    """period -> (num, den) of one counter of one subject."""
    return {p: v for (k, s, _u, p, c), v in tally.items() if k == kind and s == subject and c == counter}


def all_of(value: tuple[float, float], *labels: str) -> dict[str, tuple[float, float]]:
    return dict.fromkeys(labels, value)


_RB = build_rulebook(tomllib.loads((RULES_DIR / "rulebook.toml").read_text(encoding="utf-8")))
_CAL = load_calendar(RULES_DIR / "calendar")
# The shipped rule file's stages containing 2025: the office-culture movement's, and the 2025–2030 movement with its
# first phase.
STAGES_2025 = (STAGE, "2025-2027", "2025-2030")
MARCH = ("2025-03", "2025-Q1", "2025", *STAGES_2025)
APRIL = ("2025-04", "2025-Q2", "2025", *STAGES_2025)
AS_OF = vn(2025, 6, 1)


# ---------------------------------------------------------------------------------------------- 1. indicator points


def test_indicator_points_at_threshold_edges(rules: Rulebook) -> None:
    online = rules.indicators["online_submission"]  # threshold 0.5, max 8
    assert (online.threshold, online.max_points) == (0.5, 8.0)
    assert online.points(0.5) == 8.0  # at the threshold: full points
    assert online.points(1.0) == 8.0  # above: still the max, never more
    assert online.points(0.25) == pytest.approx(4.0)  # 0.25 × 8 ÷ 0.5 = 4
    assert online.points(0.49) == pytest.approx(7.84)  # 0.49 × 8 ÷ 0.5 = 7.84
    assert online.points(0.0) == 0.0
    on_time = rules.indicators["on_time"]  # threshold 1.0, max 20
    assert on_time.points(0.99) == pytest.approx(19.8)  # 0.99 × 20 ÷ 1 = 19.8
    satisfaction = rules.indicators["dossier_satisfaction"]  # threshold 0.9, max 6
    assert satisfaction.points(0.9) == 6.0
    assert satisfaction.points(0.45) == pytest.approx(3.0)  # 0.45 × 6 ÷ 0.9 = 3


def test_indicator_without_denominator_is_left_out_of_the_scale(rules: Rulebook) -> None:
    none = CultureInputs(officers=10, trained_officers=10, weighted_findings=0, inspections=0, disciplined=0)
    # Only on_time (20/20 → 20 of 20), online_submission (1/4 = 0.25 → 0.25 × 8 ÷ 0.5 = 4 of 8) and dossier
    # satisfaction (20/20 → 6 of 6) have evidence: index = 100 × (20 + 4 + 6) ÷ (20 + 8 + 6) = 88.24.
    counters = {"on_time": (20, 20), "online_submission": (1, 4), "dossier_ok": (20, 20)}
    card = unit_scorecard(U, "2025", counters, none, rules)
    by_code = {i.code: i for i in card.indicators}
    assert by_code["online_submission"].points == pytest.approx(4.0)
    assert by_code["online_submission"].rate == pytest.approx(0.25)
    for code in (
        "online_payment",
        "digitised",
        "data_reuse",
        "pakn_on_time",
        "pakn_satisfaction",
        "procedures_published",
        "result_publication",
        "publicity_other",
        "online_service_coverage",
    ):
        assert by_code[code].points is None and by_code[code].rate is None, code
    assert card.service_index == 88.24
    assert card.groups["online"] == {"max": 22.0, "points": pytest.approx(4.0), "scored_max": 8.0}
    assert card.groups["digitisation"]["points"] is None
    # Every indicator left out is listed, and the rescaling is said in words (34 of 100 points).
    assert {m["code"] for m in card.missing} == {code for code, i in by_code.items() if i.points is None}
    assert any("34/100" in note for note in card.notes)
    # A zero rate with a denominator does count: online_submission 0/4 → 0 points, index 100 × 26 ÷ 34 = 76.47.
    zero = unit_scorecard(U, "2025", {**counters, "online_submission": (0, 4)}, none, rules)
    assert zero.service_index == 76.47


# ---------------------------------------------------------------------------------------------- 2. dossier on time


def _on_time(**kw: Any) -> dict[str, tuple[float, float]]:
    d = dossier(("processed", "s:p1", processed(**kw)))
    return cells(dossier_contribution(d, AS_OF, _RB, _CAL), "on_time")


def test_dossier_finished_before_due_is_on_time() -> None:
    assert _on_time(finished=f"2025-03-18T10:00:00{T}") == all_of((1.0, 1.0), *MARCH)


def test_supplement_waiting_time_is_subtracted_in_working_days_decision_766() -> None:
    """Decision 766/QĐ-TTg: finished − waiting ≤ due, supplement_days in working days (Labour Code 2019 art. 112)."""
    # Due Thu 20/3 17:00; finished Tue 25/3 17:00: 5 calendar days, 3 working days late (Thu 7 h, Fri, Mon, Tue 17 h).
    late = f"2025-03-25T17:00:00{T}"
    assert _on_time(finished=late, supplement_days=4, supplement_requests=1) == all_of((1.0, 1.0), *MARCH)
    # Exactly 3 working days of waiting: at the limit, still on time (≤).
    assert _on_time(finished=late, supplement_days=3, supplement_requests=1) == all_of((1.0, 1.0), *MARCH)
    # Just under 3 working days (the old reading, 5 calendar days, would have excused it): late.
    assert _on_time(finished=late, supplement_days=2.99, supplement_requests=1) == all_of((0.0, 1.0), *MARCH)
    # Finished on Saturday 22/3 17:00: the weekend is no working time, so 1.29 working days late (Thu 7 h + Fri).
    weekend = f"2025-03-22T17:00:00{T}"
    assert _on_time(finished=weekend, supplement_days=1.3, supplement_requests=1) == all_of((1.0, 1.0), *MARCH)
    assert _on_time(finished=weekend, supplement_days=1.25, supplement_requests=1) == all_of((0.0, 1.0), *MARCH)


def test_more_than_one_supplement_request_is_late() -> None:
    assert _on_time(finished=f"2025-03-18T10:00:00{T}", supplement_requests=1) == all_of((1.0, 1.0), *MARCH)
    assert _on_time(finished=f"2025-03-18T10:00:00{T}", supplement_requests=2) == all_of((0.0, 1.0), *MARCH)


def test_withdrawn_dossier_is_not_judged() -> None:
    d = dossier(("processed", "s:p1", processed(finished=f"2025-03-25T10:00:00{T}", status="withdrawn")))
    tally = dossier_contribution(d, AS_OF, _RB, _CAL)
    for counter in ("on_time", "dossier_ok", "digitised", "data_reuse", "online_payment"):
        assert cells(tally, counter) == {}, counter
    assert cells(tally, "on_time", "officer", "CB-1") == {}
    # Its submission still happened: counted in the received month.
    assert cells(tally, "online_submission") == all_of((1.0, 1.0), *MARCH)


def test_on_time_thanks_to_supplement_is_not_late_in_the_month_it_outlived() -> None:
    # Due Fri 28/3 17:00, finished Wed 2/4 10:00 after 7 days waiting for the citizen (one request):
    # 2/4 10:00 − 7 d = 26/3 10:00 ≤ 28/3 17:00 → on time. At the end of March (1/4 00:00) the time not spent waiting
    # was at most 1/4 − (7 d − (2/4 10:00 − 1/4 00:00)) = 26/3 10:00 ≤ due: it was never overdue, so March and Q1 must
    # not count it as late; April, Q2, 2025 and the stage count it on time.
    got = _on_time(
        at=f"2025-03-20T09:00:00{T}",
        due=f"2025-03-28T17:00:00{T}",
        finished=f"2025-04-02T10:00:00{T}",
        supplement_days=7,
        supplement_requests=1,
    )
    assert got == all_of((1.0, 1.0), *APRIL)


def test_officer_on_time_follows_the_processing_officer() -> None:
    d = dossier(("processed", "s:p1", processed(finished=f"2025-03-25T10:00:00{T}", officer="CB-9")))
    assert cells(dossier_contribution(d, AS_OF, _RB, _CAL), "on_time", "officer", "CB-9") == all_of((0.0, 1.0), *MARCH)


# ---------------------------------------------------------------------------------------------- 3. open and overdue


def test_open_overdue_dossier_is_late_in_every_period_it_outlived_and_the_current_one() -> None:
    d = dossier(("received", "s:r1", received()))  # received 10/3, due 20/3, never processed
    tally = dossier_contribution(d, vn(2025, 5, 5, 12), _RB, _CAL)
    # Ended while open and overdue: 2025-03 and 2025-Q1 (1/4), 2025-04 (1/5). Current: 2025-05, Q2, 2025, stage.
    assert cells(tally, "on_time") == all_of(
        (0.0, 1.0), "2025-03", "2025-Q1", "2025-04", "2025-05", "2025-Q2", "2025", *STAGES_2025
    )
    # Before its due it is not judged at all (nor at the very due moment).
    assert cells(dossier_contribution(d, vn(2025, 3, 15), _RB, _CAL), "on_time") == {}
    assert cells(dossier_contribution(d, vn(2025, 3, 20, 17), _RB, _CAL), "on_time") == {}
    # Just after the due, still in March: late in March only (no period has ended yet).
    assert cells(dossier_contribution(d, vn(2025, 3, 21), _RB, _CAL), "on_time") == all_of((0.0, 1.0), *MARCH)


def test_open_dossier_processed_late_later_keeps_earlier_months_late() -> None:
    open_d = dossier(("received", "s:r1", received()))
    before = dossier_contribution(open_d, vn(2025, 5, 5, 12), _RB, _CAL)
    done = dossier(
        ("received", "s:r1", received()), ("processed", "s:p1", processed(finished=f"2025-05-10T10:00:00{T}"))
    )
    after = dossier_contribution(done, vn(2025, 5, 20), _RB, _CAL)
    assert cells(after, "on_time") == all_of(
        (0.0, 1.0), "2025-03", "2025-Q1", "2025-04", "2025-05", "2025-Q2", "2025", *STAGES_2025
    )
    # The incremental delta changes no on_time cell (late stays late, counted once) but adds the finish counters.
    delta = difference(after, before)
    assert cells(delta, "on_time") == {}
    assert cells(delta, "dossier_ok") == all_of((0.0, 1.0), "2025-05", "2025-Q2", "2025", *STAGES_2025)
    assert cells(delta, "on_time", "officer", "CB-1") == all_of((0.0, 1.0), "2025-05", "2025-Q2", "2025", *STAGES_2025)
    # And difference(x, x) is empty.
    assert difference(after, after) == {}


def test_late_dossier_across_the_year_counts_each_period_once() -> None:
    # Due 20/12/2024, finished 10/2/2025: outlived 2024-12, 2024-Q4, 2024, 2025-01;
    # finished in 2025-02, 2025-Q1, 2025 and the stage.
    d = dossier(
        (
            "processed",
            "s:p1",
            processed(at=f"2024-12-10T09:00:00{T}", due=f"2024-12-20T17:00:00{T}", finished=f"2025-02-10T10:00:00{T}"),
        )
    )
    assert cells(dossier_contribution(d, AS_OF, _RB, _CAL), "on_time") == all_of(
        (0.0, 1.0), "2024-12", "2024-Q4", "2024", "2025-01", "2025-02", "2025-Q1", "2025", *STAGES_2025
    )


# ---------------------------------------------------------------------------------------------- 4. group 3 and 4


def test_online_submission_is_attributed_to_the_received_month() -> None:
    d = dossier(
        (
            "processed",
            "s:p1",
            processed(at=f"2025-03-28T09:00:00{T}", due=f"2025-04-15T17:00:00{T}", finished=f"2025-04-10T10:00:00{T}"),
        )
    )
    tally = dossier_contribution(d, AS_OF, _RB, _CAL)
    assert cells(tally, "online_submission") == all_of((1.0, 1.0), *MARCH)
    assert cells(tally, "on_time") == all_of((1.0, 1.0), *APRIL)
    counter = dossier(("received", "s:r1", received(channel="counter")))
    assert cells(dossier_contribution(counter, vn(2025, 3, 11), _RB, _CAL), "online_submission") == all_of(
        (0.0, 1.0), *MARCH
    )
    # 20:00 UTC on 31/3 is 03:00 on 1/4 in Vietnam: the April dossier count.
    late_night = dossier(("received", "s:r1", received(at="2025-03-31T20:00:00Z", due="2025-04-10T10:00:00Z")))
    assert cells(dossier_contribution(late_night, vn(2025, 4, 2), _RB, _CAL), "online_submission") == all_of(
        (1.0, 1.0), *APRIL
    )


def test_online_payment_counts_only_fee_bearing_dossiers() -> None:
    finished = f"2025-03-18T10:00:00{T}"
    no_fee = dossier(("processed", "s:p1", processed(finished=finished, fee=False, paid_online=False)))
    assert cells(dossier_contribution(no_fee, AS_OF, _RB, _CAL), "online_payment") == {}
    paid = dossier(("processed", "s:p1", processed(finished=finished, fee=True, paid_online=True)))
    assert cells(dossier_contribution(paid, AS_OF, _RB, _CAL), "online_payment") == all_of((1.0, 1.0), *MARCH)
    unpaid = dossier(("processed", "s:p1", processed(finished=finished, fee=True, paid_online=False)))
    assert cells(dossier_contribution(unpaid, AS_OF, _RB, _CAL), "online_payment") == all_of((0.0, 1.0), *MARCH)


@pytest.mark.parametrize(
    ("digitized", "e_result", "num"), [(True, True, 1.0), (True, False, 0.0), (False, True, 0.0), (False, False, 0.0)]
)
def test_digitised_needs_digitised_input_and_electronic_result(digitized: bool, e_result: bool, num: float) -> None:
    d = dossier(
        ("processed", "s:p1", processed(finished=f"2025-03-18T10:00:00{T}", digitized=digitized, e_result=e_result))
    )
    assert cells(dossier_contribution(d, AS_OF, _RB, _CAL), "digitised") == all_of((num, 1.0), *MARCH)


def test_dossier_ok_excludes_late_or_unsatisfied() -> None:
    on_time = ("processed", "s:p1", processed(finished=f"2025-03-18T10:00:00{T}"))
    unhappy = (
        "rated",
        "s:q1",
        {"dossier_code": "HS-1", "satisfied": False, "occurred_at": f"2025-03-19T10:00:00{T}", "officer_id": None},
    )
    assert cells(dossier_contribution(dossier(on_time), AS_OF, _RB, _CAL), "dossier_ok") == all_of((1.0, 1.0), *MARCH)
    assert cells(dossier_contribution(dossier(on_time, unhappy), AS_OF, _RB, _CAL), "dossier_ok") == all_of(
        (0.0, 1.0), *MARCH
    )


# ---------------------------------------------------------------------------------------------- 5. complaints


def complaint(
    received_at: str,
    resolved_at: str | None = None,
    *,
    category: str = "procedure",
    outcome: str = "answered",
    substantiated: bool = False,
    officer: str | None = None,
    satisfied: bool | None = None,
    re_complained: bool = False,
    published: bool = True,
) -> Any:
    state = merge(
        empty(),
        "received",
        "s:c1",
        {
            "complaint_id": "PA-1",
            "category": category,
            "received_at": received_at,
            "officer_id": officer,
            "occurred_at": received_at,
        },
    )
    if resolved_at:
        state = merge(
            state,
            "resolved",
            "s:c2",
            {
                "complaint_id": "PA-1",
                "resolved_at": resolved_at,
                "outcome": outcome,
                "substantiated": substantiated,
                "occurred_at": resolved_at,
            },
        )
        if published and outcome == "answered":  # published at once: only the answer clock is under test
            state = merge(
                state,
                "published",
                "s:c4",
                {"complaint_id": "PA-1", "published_at": resolved_at, "occurred_at": resolved_at},
            )
    if satisfied is not None:
        state = merge(
            state,
            "feedback",
            "s:c3",
            {
                "complaint_id": "PA-1",
                "satisfied": satisfied,
                "re_complained": re_complained,
                "occurred_at": "2025-06-01T00:00:00+07:00",
            },
        )
    return complaint_view(U, "PA-1", state)


FEB = ("2025-02", "2025-Q1", "2025", *STAGES_2025)


def test_answer_within_15_working_days_across_tet_is_on_time(rules: Rulebook, cal: WorkingCalendar) -> None:
    # Received Fri 24/1 10:00. Break Sat 25/1 – Sun 2/2. Working days: 3–7/2 (5), 10–14/2 (10), 17–21/2 (15)
    # → the clock ends with Fri 21/2 (22/2 00:00). Answered Thu 20/2: 27 calendar days later, but on time.
    c = complaint(f"2025-01-24T10:00:00{T}", f"2025-02-20T15:00:00{T}")
    assert (c.resolved_at - c.received_at).days > 15
    tally = complaint_contribution(c, AS_OF, rules, cal)
    assert cells(tally, "pakn_on_time") == all_of((1.0, 1.0), *FEB)
    # Mon 24/2 is past the deadline: late, in February only (no period ended between 21/2 and 24/2).
    late = complaint(f"2025-01-24T10:00:00{T}", f"2025-02-24T09:00:00{T}")
    assert cells(complaint_contribution(late, AS_OF, rules, cal), "pakn_on_time") == all_of((0.0, 1.0), *FEB)


def test_rejection_after_three_working_days_is_late(rules: Rulebook, cal: WorkingCalendar) -> None:
    # Received Mon 10/3 09:00; reject limit 2 working days → Wed 12/3 09:00.
    late = complaint(f"2025-03-10T09:00:00{T}", f"2025-03-13T09:00:00{T}", outcome="rejected")
    assert cells(complaint_contribution(late, AS_OF, rules, cal), "pakn_on_time") == all_of((0.0, 1.0), *MARCH)
    ok = complaint(f"2025-03-10T09:00:00{T}", f"2025-03-12T08:00:00{T}", outcome="rejected")
    assert cells(complaint_contribution(ok, AS_OF, rules, cal), "pakn_on_time") == all_of((1.0, 1.0), *MARCH)
    # Answered (not rejected) after 3 working days is well within 15.
    answered = complaint(f"2025-03-10T09:00:00{T}", f"2025-03-13T09:00:00{T}")
    assert cells(complaint_contribution(answered, AS_OF, rules, cal), "pakn_on_time") == all_of((1.0, 1.0), *MARCH)


@pytest.mark.parametrize(
    ("satisfied", "re_complained", "num"),
    [(True, False, 1.0), (False, False, 0.0), (True, True, 0.0), (None, False, 1.0)],
)
def test_pakn_ok_excludes_unsatisfied_or_re_complained(
    rules: Rulebook, cal: WorkingCalendar, satisfied: bool | None, re_complained: bool, num: float
) -> None:
    c = complaint(
        f"2025-03-10T09:00:00{T}", f"2025-03-13T09:00:00{T}", satisfied=satisfied, re_complained=re_complained
    )
    tally = complaint_contribution(c, AS_OF, rules, cal)
    assert cells(tally, "pakn_on_time") == all_of((1.0, 1.0), *MARCH)
    assert cells(tally, "pakn_ok") == all_of((num, 1.0), *MARCH)


def test_pakn_ok_excludes_late_complaints(rules: Rulebook, cal: WorkingCalendar) -> None:
    c = complaint(f"2025-03-10T09:00:00{T}", f"2025-03-13T09:00:00{T}", outcome="rejected", satisfied=True)
    assert cells(complaint_contribution(c, AS_OF, rules, cal), "pakn_ok") == all_of((0.0, 1.0), *MARCH)


def test_substantiated_conduct_complaint_counts_for_unit_and_officer(rules: Rulebook, cal: WorkingCalendar) -> None:
    c = complaint(
        f"2025-03-10T09:00:00{T}", f"2025-03-13T09:00:00{T}", category="conduct", substantiated=True, officer="CB-7"
    )
    tally = complaint_contribution(c, AS_OF, rules, cal)
    assert cells(tally, "conduct_substantiated") == all_of((1.0, 1.0), *MARCH)
    assert cells(tally, "conduct_substantiated", "officer", "CB-7") == all_of((1.0, 1.0), *MARCH)
    unfounded = complaint(
        f"2025-03-10T09:00:00{T}", f"2025-03-13T09:00:00{T}", category="conduct", substantiated=False, officer="CB-7"
    )
    assert cells(complaint_contribution(unfounded, AS_OF, rules, cal), "conduct_substantiated") == {}


def test_open_complaint_is_late_after_its_working_day_deadline(rules: Rulebook, cal: WorkingCalendar) -> None:
    # Received Mon 10/3 09:00 + 15 working days: 11–14/3 (4), 17–21/3 (9), 24–28/3 (14), Mon 31/3 (15); the clock ends
    # with that working day (Decision 766, in working days): at 1/4 00:00, not at 31/3 09:00.
    c = complaint(f"2025-03-10T09:00:00{T}")
    assert cells(complaint_contribution(c, vn(2025, 3, 31, 23, 59), rules, cal), "pakn_on_time") == {}
    assert cells(complaint_contribution(c, vn(2025, 4, 1), rules, cal), "pakn_on_time") == {}
    # On 2/4 it is late in the current April periods; March and Q1 ended (1/4 00:00) before it was overdue.
    assert cells(complaint_contribution(c, vn(2025, 4, 2), rules, cal), "pakn_on_time") == all_of((0.0, 1.0), *APRIL)
    # Received 10/2 09:00: overdue from the end of 3/3 (15 working days), so late in March only once March ended.
    early = complaint(f"2025-02-10T09:00:00{T}")
    assert cells(complaint_contribution(early, vn(2025, 4, 2), rules, cal), "pakn_on_time") == all_of(
        (0.0, 1.0), "2025-03", "2025-Q1", *APRIL
    )


# ---------------------------------------------------------------------------------------------- 6. order independence


def _events() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        ("received", "s:r1", received()),
        ("processed", "s:p1", processed(finished=f"2025-03-18T10:00:00{T}")),
        ("processed", "s:p2", processed(finished=f"2025-03-25T10:00:00{T}")),  # a later correction
        (
            "rated",
            "s:q1",
            {"dossier_code": "HS-1", "satisfied": False, "occurred_at": f"2025-03-26T10:00:00{T}", "officer_id": None},
        ),
    ]


def test_merge_is_order_independent_and_idempotent() -> None:
    events = _events()
    states = []
    for order in itertools.permutations(events):
        state = empty()
        for slot, key, record in order:
            state = merge(state, slot, key, record)
        states.append(state)
    assert all(s == states[0] for s in states)
    views = {dossier_view(U, "HS-1", s) for s in states}
    assert len(views) == 1
    # Merging an event twice changes nothing.
    again = merge(states[0], *events[1])
    assert again == states[0]
    assert dossier_view(U, "HS-1", again) == dossier_view(U, "HS-1", states[0])


def test_retraction_commutes_with_merge() -> None:
    first = retract(merge(empty(), "processed", "s:p1", processed(finished=f"2025-03-18T10:00:00{T}")), "s:p1")
    second = merge(retract(empty(), "s:p1"), "processed", "s:p1", processed(finished=f"2025-03-18T10:00:00{T}"))
    assert first == second
    assert retract(first, "s:p1") == first  # retracting twice changes nothing
    assert effective(first, "processed") is None


def test_retracting_the_processed_event_reverts_the_dossier_to_open() -> None:
    state = merge(empty(), "received", "s:r1", received())
    state = merge(state, "processed", "s:p1", processed(finished=f"2025-03-18T10:00:00{T}"))
    assert dossier_view(U, "HS-1", state).finished_at == vn(2025, 3, 18, 10)
    reverted = dossier_view(U, "HS-1", retract(state, "s:p1"))
    assert reverted.finished_at is None and reverted.is_open and reverted.status is None
    assert reverted.event_keys == ("s:r1",)
    # Open again and overdue on 5/4: late in March, Q1 and the current April periods, no finish counters.
    tally = dossier_contribution(reverted, vn(2025, 4, 5), _RB, _CAL)
    assert cells(tally, "on_time") == all_of((0.0, 1.0), "2025-03", "2025-Q1", *APRIL)
    assert cells(tally, "dossier_ok") == {}


def test_the_latest_processed_event_wins_and_retracting_it_restores_the_earlier() -> None:
    state = empty()
    for slot, key, record in reversed(_events()[:3]):  # the later correction arrives first
        state = merge(state, slot, key, record)
    d = dossier_view(U, "HS-1", state)
    assert d.finished_at == vn(2025, 3, 25, 10)  # s:p2 occurred later: it counts (late, 25/3 > 20/3)
    assert cells(dossier_contribution(d, AS_OF, _RB, _CAL), "on_time") == all_of((0.0, 1.0), *MARCH)
    back = dossier_view(U, "HS-1", retract(state, "s:p2"))
    assert back.finished_at == vn(2025, 3, 18, 10)  # s:p1 counts again (on time)
    assert cells(dossier_contribution(back, AS_OF, _RB, _CAL), "on_time") == all_of((1.0, 1.0), *MARCH)


def test_latest_event_is_decided_by_instant_not_by_text() -> None:
    # 01:00 on 10/5 in Hanoi is 18:00 UTC on 9/5; the other event happened at 20:00 UTC on 9/5, two hours later,
    # although its text sorts first. The later instant must win whatever offset each source wrote.
    early = processed(finished=f"2025-03-18T10:00:00{T}", occurred="2025-05-10T01:00:00+07:00")
    late = processed(finished=f"2025-03-25T10:00:00{T}", occurred="2025-05-09T20:00:00Z")
    for order in ([("s:a", early), ("s:b", late)], [("s:b", late), ("s:a", early)]):
        state = empty()
        for key, record in order:
            state = merge(state, "processed", key, record)
        found = effective(state, "processed")
        assert found is not None and found[0] == "s:b"


# ---------------------------------------------------------------------------------------------- 7. unit scorecard


def test_unit_scorecard_by_hand(rules: Rulebook) -> None:
    counters = {
        "on_time": (18, 20),
        "online_submission": (5, 20),
        "online_payment": (8, 10),
        "digitised": (12, 20),
        "data_reuse": (0, 20),
        "dossier_ok": (19, 20),
        "pakn_on_time": (3, 4),
        "pakn_ok": (2, 4),
    }
    culture_in = CultureInputs(officers=50, trained_officers=30, weighted_findings=2, inspections=1, disciplined=0)
    card = unit_scorecard(U, "2025", counters, culture_in, rules)
    points = {i.code: i.points for i in card.indicators if i.points is not None}
    # on_time 0.9 → 0.9 × 20 ÷ 1 = 18; online_submission 0.25 → 0.25 × 8 ÷ 0.5 = 4; online_payment 0.8 → 8;
    # digitised 0.6 → 0.6 × 11 ÷ 0.8 = 8.25; data_reuse 0 → 0; dossier_satisfaction 19 ÷ 20 = 0.95 → 6;
    # pakn_on_time 0.75 → 4.5; pakn_satisfaction 0.5 → 0.5 × 6 ÷ 0.9 = 3.333…
    assert points == pytest.approx(
        {
            "on_time": 18,
            "online_submission": 4,
            "online_payment": 8,
            "digitised": 8.25,
            "data_reuse": 0,
            "dossier_satisfaction": 6,
            "pakn_on_time": 4.5,
            "pakn_satisfaction": 10 / 3,
        }
    )
    sat = next(i for i in card.indicators if i.code == "dossier_satisfaction")
    assert (sat.numerator, sat.denominator, sat.rate) == (19, 20, pytest.approx(0.95))
    # Sum 52.0833 over the 76 points with evidence (no catalogue, no publication evidence) → 68.53 (Trung bình).
    assert card.service_index == 68.53
    assert card.service_band == "Trung bình"
    # Culture: training 30/50 = 0.6 → 0.6 × 40 ÷ 0.8 = 30; conduct 0 → 20; findings 2 in 1 inspection per 50
    # officers = 4 per 100 → 30 × (1 − 4 ÷ 10) = 18; no discipline → 10. Total 78.
    assert [c.points for c in card.culture] == pytest.approx([30, 20, 18, 10])
    assert card.culture_index == 78
    # Score 0.7 × 68.53 + 0.3 × 78 = 47.971 + 23.4 = 71.371 → 71.37, Khá.
    assert card.score == 71.37
    assert card.band == "Khá"


def test_culture_penalties_and_discipline(rules: Rulebook) -> None:
    # 20 officers, 1 substantiated conduct complaint = 5 per 100 ≥ limit 2 → 0 (never negative);
    # findings 1 (weighted) in 1 inspection per 20 = 5 per 100 → 30 × (1 − 0.5) = 15; all trained → 40;
    # disciplined → 0.
    x = CultureInputs(officers=20, trained_officers=20, weighted_findings=1, inspections=1, disciplined=1)
    card = unit_scorecard(U, "2025", {"conduct_substantiated": (1, 1)}, x, rules)
    assert [c.points for c in card.culture] == pytest.approx([40, 0, 15, 0])
    assert card.culture_index == 55
    # conduct_substantiated alone gives no service evidence: no emulation score (chưa đủ dữ liệu).
    assert card.service_index is None and card.score is None and card.band is None
    assert card.status == "insufficient_data"


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (100, "Tốt"),
        (90, "Tốt"),
        (89.99, "Khá"),
        (70, "Khá"),
        (69.99, "Trung bình"),
        (50, "Trung bình"),
        (49.99, "Yếu"),
        (0, "Yếu"),
    ],
)
def test_bands(rules: Rulebook, score: float, band: str) -> None:
    assert rules.band(score) == band


# ---------------------------------------------------------------------------------------------- 8. officer score


def test_officer_score_by_hand(rules: Rulebook) -> None:
    # Quarter: target 40 × 0.25 = 10 h. On time 9/10 → 0.9 × 50 = 45; 5 h of 10 → 0.5 × 30 = 15;
    # one substantiated complaint → 20 − 10 = 10. Total 70 → Khá.
    x = OfficerInputs(on_time=(9, 10), training_hours=5, conduct_substantiated=1, disciplined=0, period_fraction=0.25)
    card = officer_scorecard("CB-1", "2025-Q1", x, rules)
    parts = {p.code: p for p in card.parts}
    assert parts["training_hours"].denominator == pytest.approx(10.0)
    assert [p.points for p in card.parts] == pytest.approx([45, 15, 10])
    assert (card.score, card.band) == (70, "Khá")
    # The same 5 h over a whole year (target 40) → 5 ÷ 40 × 30 = 3.75; total 45 + 3.75 + 10 = 58.75.
    year = officer_scorecard("CB-1", "2025", OfficerInputs((9, 10), 5, 1, 0, 1.0), rules)
    assert year.score == 58.75
    # 12 h in a quarter is above the 10 h target: the 30 points, no more.
    assert officer_scorecard("CB-1", "2025-Q1", OfficerInputs((9, 10), 12, 0, 0, 0.25), rules).score == 100 - 5


def test_officer_conduct_penalty_and_discipline_cap(rules: Rulebook) -> None:
    # Three substantiated complaints: 20 − 30 → 0, not negative. 50 + 30 + 0 = 80.
    assert officer_scorecard("CB-1", "2025", OfficerInputs((10, 10), 40, 3, 0, 1.0), rules).score == 80
    # Discipline caps 100 at 49 → Yếu.
    capped = officer_scorecard("CB-1", "2025", OfficerInputs((10, 10), 40, 0, 1, 1.0), rules)
    assert (capped.score, capped.band) == (49, "Yếu")
    # A score already under the cap stays: 0 + 0 + 20 = 20.
    assert officer_scorecard("CB-1", "2025", OfficerInputs((0, 10), 0, 0, 1, 1.0), rules).score == 20
    # No dossiers handled: the on-time part is missing; 0 h → 0 of 30, conduct 20 of 20 → 100 × 20 ÷ 50 = 40.
    assert officer_scorecard("CB-1", "2025", OfficerInputs((0, 0), 0, 0, 0, 1.0), rules).score == 40


# ---------------------------------------------------------------------------------------------- 9. rulebook validation


def test_shipped_rulebook_is_valid(rules: Rulebook) -> None:
    assert rules.version == "2026.3"
    assert (rules.answer_days, rules.reject_days) == (15, 2)
    assert (rules.service_weight, rules.culture_weight) == (0.7, 0.3)
    assert [b for b, _ in rules.bands] == ["Tốt", "Khá", "Trung bình", "Yếu"]


def test_indicator_maxima_must_add_up_to_the_group(rule_doc: dict[str, Any]) -> None:
    doc = copy.deepcopy(rule_doc)
    doc["index"]["indicators"]["online_submission"]["max"] = 9
    with pytest.raises(RulebookInvalid, match=r"group online: indicator maxima add up to 23(\.0)?, not 22"):
        build_rulebook(doc)


def test_threshold_of_zero_is_refused(rule_doc: dict[str, Any]) -> None:
    doc = copy.deepcopy(rule_doc)
    doc["index"]["indicators"]["digitised"]["threshold"] = 0
    with pytest.raises(RulebookInvalid, match=r"indicator digitised: threshold must be in \(0, 1\]"):
        build_rulebook(doc)


def test_weights_must_add_up_to_one(rule_doc: dict[str, Any]) -> None:
    doc = copy.deepcopy(rule_doc)
    doc["emulation"]["culture_weight"] = 0.4
    with pytest.raises(RulebookInvalid, match="emulation weights must add up to 1"):
        build_rulebook(doc)


def test_several_problems_are_reported_together_and_missing_keys_named(rule_doc: dict[str, Any]) -> None:
    doc = copy.deepcopy(rule_doc)
    doc["index"]["indicators"]["digitised"]["threshold"] = 0
    doc["emulation"]["service_weight"] = 0.6
    with pytest.raises(RulebookInvalid) as caught:
        build_rulebook(doc)
    assert "digitised" in str(caught.value) and "weights" in str(caught.value)
    doc = copy.deepcopy(rule_doc)
    del doc["complaints"]["answer_days"]
    with pytest.raises(RulebookInvalid, match="answer_days"):
        build_rulebook(doc)


# ---------------------------------------------------------------------------------------------- 10. holidays, periods


def test_holidays_and_swapped_saturday(cal: WorkingCalendar) -> None:
    assert not cal.is_working_day(date(2025, 1, 29))  # Tết
    assert not cal.is_working_day(date(2025, 9, 2))  # National Day
    assert not cal.is_working_day(date(2025, 5, 2))  # Friday swapped off
    assert cal.is_working_day(date(2025, 4, 26))  # Saturday made a working day
    assert cal.is_working_day(date(2025, 4, 29))


def test_add_working_days_over_30_4_and_1_5_2025(cal: WorkingCalendar) -> None:
    # Tue 29/4 09:00 + 1: 30/4, 1/5, 2/5 off, 3–4/5 weekend → Mon 5/5 09:00.
    assert cal.add_working_days(vn(2025, 4, 29, 9), 1) == vn(2025, 5, 5, 9)
    # Thu 24/4 + 2: Fri 25/4, Sat 26/4 (swapped in).
    assert cal.add_working_days(vn(2025, 4, 24, 9), 2) == vn(2025, 4, 26, 9)
    # 15 h left of 29/4 and 9 h of 5/5: one working day elapsed over the six calendar days.
    assert cal.working_days_between(vn(2025, 4, 29, 9), vn(2025, 5, 5, 9)) == pytest.approx(1.0)


def test_periods_are_in_vietnam_time() -> None:
    # 18:00 UTC on 31/3 is 01:00 on 1/4 in Hanoi.
    assert [p.label for p in periods_of(datetime(2025, 3, 31, 18, tzinfo=UTC), _RB.stages)] == list(APRIL)
    assert [p.label for p in periods_of(datetime(2025, 3, 31, 18, tzinfo=UTC))] == [*APRIL[:3], STAGE]  # no movement
    assert [p.label for p in periods_of(vn(2026, 1, 5))] == ["2026-01", "2026-Q1", "2026"]  # after the legacy stage
    q4 = parse_period("2024-Q4")
    assert (q4.start, q4.end) == (vn(2024, 10, 1), vn(2025, 1, 1))
    assert parse_period(STAGE).end == vn(2026, 1, 1)
    assert parse_period("2025-12").end == vn(2026, 1, 1)
    for bad in ("2025-13", "2025-Q5", "25", "2025-3"):
        with pytest.raises(ValueError, match="must be YYYY"):
            parse_period(bad)
    ended = [p.label for p in period_ends_between(vn(2025, 3, 20), vn(2025, 5, 1))]
    assert ended == ["2025-03", "2025-Q1", "2025-04"]  # an end exactly at `until` counts, (after, until]
    assert period_ends_between(vn(2025, 5, 1), vn(2025, 3, 1)) == ()


# ------------------------------------------------------------------------------------------ indicators are data


def test_an_indicator_is_added_by_the_rulebook_alone(tmp_path: Path) -> None:
    """One more indicator over an existing counter (pakn_on_time), written only in a copy of the rulebook: the rule-file
    adapter loads it, the scorecard scores it and rescales the index with it, the API's drill-down offers it."""
    rules = load_rules(rulebook_with_an_indicator(tmp_path))
    added = rules.book.indicators["complaints_on_time"]
    assert (added.group, added.source, added.max_points, added.threshold) == ("timeliness", "pakn_on_time", 5, 0.9)
    counters = {
        "on_time": (18, 20),
        "online_submission": (5, 20),
        "online_payment": (8, 10),
        "digitised": (12, 20),
        "data_reuse": (0, 20),
        "dossier_ok": (19, 20),
        "pakn_on_time": (3, 4),
        "pakn_ok": (2, 4),
    }
    culture_in = CultureInputs(officers=50, trained_officers=30, weighted_findings=2, inspections=1, disciplined=0)
    card = unit_scorecard(U, "2025", counters, culture_in, rules.book)
    shown = card.as_json()
    row = next(i for i in shown["indicators"] if i["code"] == "complaints_on_time")
    # 3 of 4 complaints on time: rate 0.75 under a 0.9 threshold → 0.75 × 5 ÷ 0.9 = 4.1667 of 5.
    assert (row["numerator"], row["denominator"], row["rate"], row["max_points"]) == (3, 4, 0.75, 5)
    assert row["points"] == pytest.approx(0.75 * 5 / 0.9) == added.points(0.75)
    assert shown["groups"]["timeliness"] == {"max": 25, "points": pytest.approx(18 + 0.75 * 5 / 0.9), "scored_max": 25}
    # The index of test_unit_scorecard_by_hand (52.0833 over 76) with the new one: 56.25 over 81 → 69.44.
    assert card.service_index == round(100 * (52.083333 + 0.75 * 5 / 0.9) / 81, 2) == 69.44
    assert "complaints_on_time" not in {m["code"] for m in shown["missing"]}
    assert evidence_behind(rules.book)["complaints_on_time"] == Evidence(counters=("pakn_on_time",))


def test_every_indicator_of_the_rulebook_names_a_counter_the_evidence_feeds(rules: Rulebook) -> None:
    """The drill-down offers every indicator with evidence, in the card's order, then the office-culture parts."""
    behind = evidence_behind(rules)
    assert list(behind) == [code for code, i in rules.indicators.items() if i.has_evidence] + [
        "training_share",
        "conduct_complaints",
        "inspection_findings",
        "discipline",
    ]
    assert behind["dossier_satisfaction"] == Evidence(counters=("dossier_ok",))
    assert behind["online_service_coverage"] == behind["procedures_published"] == Evidence(fact_kind="catalogue")
    assert "publicity_other" not in behind  # evidence = false: always missing, nothing to drill into


@pytest.mark.parametrize(
    ("kind", "fields", "title"),
    [
        ("dossier_due_soon", {"code": "HS-1"}, "Hồ sơ HS-1 sắp đến hạn giải quyết (còn 1 ngày làm việc)"),
        ("dossier_overdue", {"code": "HS-1"}, "Hồ sơ HS-1 đã quá hạn giải quyết"),
        ("complaint_overdue", {"code": "PA-1"}, "Phản ánh, kiến nghị PA-1 đã quá hạn giải quyết"),
        ("band_dropped", {"band": "Khá", "previous_band": "Tốt"}, "Xếp loại giảm từ Tốt xuống Khá"),
    ],
)
def test_scoring_alert_titles_from_the_shared_vocabulary_are_the_ones_always_raised(
    kind: str, fields: dict[str, str], title: str
) -> None:
    assert scoring_alert_title(kind, **fields) == title
