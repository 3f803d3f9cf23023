"""Time as the texts count it, at the edges (just inside, at, just outside): Decision 766/QĐ-TTg 2022 for the on-time
formula (finished − time waiting for the citizen ≤ due, more than one supplement request late) and the PAKN clocks in
working days; Labour Code 2019 art. 112 for the working days (Tết, 30/4–1/5 off). A working-day clock ends with its
last working day; the wait for the citizen is counted in working time and pauses an open dossier."""

from __future__ import annotations

import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from schemas.vietnam import VN_TZ
from services.scoring.domain.alerts import dossier_conditions, new_conditions
from services.scoring.domain.calendar import WorkingCalendar, load_calendar
from services.scoring.domain.cases import Complaint, Dossier, complaint_view, dossier_view, empty, merge
from services.scoring.domain.contributions import (
    Tally,
    complaint_contribution,
    difference,
    dossier_contribution,
    next_complaint_tick,
    next_dossier_tick,
)
from services.scoring.domain.rulebook import build_rulebook
from services.scoring.domain.working_time import dossier_due, working_deadline

RULES_DIR = Path(__file__).resolve().parents[2] / "services" / "scoring" / "rules"
RB = build_rulebook(tomllib.loads((RULES_DIR / "rulebook.toml").read_text(encoding="utf-8")))
CAL = load_calendar(RULES_DIR / "calendar")
U = "U1"
T = "+07:00"


def vn(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=VN_TZ)


def of(year: int, month: int) -> tuple[str, ...]:
    """The labels of every period containing the month."""
    labels = (f"{year}-{month:02d}", f"{year}-Q{(month - 1) // 3 + 1}", str(year))
    # The shipped rule file's movements: 2019–2025 (sơ kết 2019–2022) and 2025–2030 (phases 2025–2027, 2028–2030).
    spans = ((2019, 2022), (2019, 2025), (2025, 2027), (2025, 2030), (2028, 2030))
    return (*labels, *(f"{a}-{b}" for a, b in spans if a <= year <= b))


def cells(tally: Tally, counter: str) -> dict[str, tuple[float, float]]:
    return {p: v for (k, s, _u, p, c), v in tally.items() if k == "unit" and s == U and c == counter}


def _supplements(*pairs: tuple[str, str | None]) -> list[dict[str, str]]:
    return [{"requested_at": a, **({"supplied_at": b} if b else {})} for a, b in pairs]


def _received(received: str, due: str, supplements: list[dict[str, str]] | None, occurred: str) -> dict[str, Any]:
    record: dict[str, Any] = {
        "dossier_code": "HS-1",
        "procedure_code": "1",
        "channel": "online",
        "received_at": received,
        "due_at": due,
        "fee_required": False,
        "occurred_at": occurred,
        "officer_id": None,
    }
    if supplements is not None:
        record["supplements"] = supplements
    return record


def _processed(
    received: str,
    due: str,
    finished: str,
    supplements: list[dict[str, str]] | None = None,
    supplement_days: float = 0,
    supplement_requests: int = 0,
) -> dict[str, Any]:
    record: dict[str, Any] = {
        **_received(received, due, supplements, finished),
        "finished_at": finished,
        "status": "resolved",
        "supplement_requests": supplement_requests,
        "supplement_days": supplement_days,
        "paid_online": False,
        "digitized": True,
        "e_result": True,
        "data_reused": True,
    }
    return record


def dossier(*records: tuple[str, dict[str, Any]]) -> Dossier:
    state = empty()
    for n, (slot, record) in enumerate(records):
        state = merge(state, slot, f"s:{n}", record)
    return dossier_view(U, "HS-1", state)


def on_time(d: Dossier, as_of: datetime) -> dict[str, tuple[float, float]]:
    return cells(dossier_contribution(d, as_of, RB, CAL), "on_time")


# ------------------------------------------------------------------ 1. the wait in working days, across Tết 2026

# Received Tue 10/2/2026; the citizen asked on Wed 11/2 08:00 and supplied on Mon 23/2 08:00: 12 calendar days, but
# Tết (14–22/2) in between, so 3 working days (Wed 16 h, Thu, Fri, Mon 8 h). Due Mon 2/3 17:00, pushed by the 3
# working days waited before it: Thu 5/3 17:00.
TET_WAIT = _supplements((f"2026-02-11T08:00:00{T}", f"2026-02-23T08:00:00{T}"))
TET = (f"2026-02-10T09:00:00{T}", f"2026-03-02T17:00:00{T}")


@pytest.mark.parametrize(
    ("finished", "late"),
    [
        (f"2026-03-05T16:59:59{T}", False),  # just inside
        (f"2026-03-05T17:00:00{T}", False),  # at: 3 working days over due, 3 working days waited
        (f"2026-03-05T17:00:01{T}", True),  # just outside
        (f"2026-03-11T09:00:00{T}", True),  # 6.7 working days over due: within 12 calendar days, yet late
    ],
)
def test_decision_766_labour_code_art_112_supplement_wait_across_tet_2026_counts_in_working_days(
    finished: str, late: bool
) -> None:
    """Decision 766/QĐ-TTg: finished − waiting ≤ due, counted in working time (Labour Code 2019 art. 112 days off):
    the 12 calendar days the citizen took over Tết 2026 excuse 3 working days of overrun, not 12 calendar days."""
    d = dossier(("processed", _processed(*TET, finished, TET_WAIT, supplement_days=12, supplement_requests=1)))
    assert d.supplements is not None and d.supplement_requests == 1
    assert on_time(d, vn(2026, 6, 1)) == dict.fromkeys(of(2026, 3), (0.0 if late else 1.0, 1.0))


def test_decision_766_a_longer_working_day_wait_excuses_the_same_overrun() -> None:
    """Decision 766/QĐ-TTg: the same 6.7 working days over due is on time after a wait of 10 working days (asked
    11/2, supplied Wed 4/3 08:00), which ran past the due date and pushed it to Mon 16/3 17:00."""
    wait = _supplements((f"2026-02-11T08:00:00{T}", f"2026-03-04T08:00:00{T}"))
    d = dossier(("processed", _processed(*TET, f"2026-03-11T09:00:00{T}", wait)))
    assert CAL.working_days_between(vn(2026, 2, 11, 8), vn(2026, 3, 4, 8)) == pytest.approx(10)
    assert dossier_due(d, CAL, d.finished_at) == vn(2026, 3, 16, 17)
    assert on_time(d, vn(2026, 6, 1)) == dict.fromkeys(of(2026, 3), (1.0, 1.0))


@pytest.mark.parametrize(("days", "late"), [(3.5, False), (3.0, False), (2.99, True)])
def test_decision_766_supplement_days_are_working_days(days: float, late: bool) -> None:
    """Decision 766/QĐ-TTg, docs/contract.md: without the requests' dates, supplement_days is the wait in working
    days. Due Thu 20/3/2025 17:00, finished Tue 25/3 17:00: 5 calendar days but 3 working days over due."""
    d = dossier(
        (
            "processed",
            _processed(
                f"2025-03-10T09:00:00{T}",
                f"2025-03-20T17:00:00{T}",
                f"2025-03-25T17:00:00{T}",
                supplement_days=days,
                supplement_requests=1,
            ),
        )
    )
    assert on_time(d, vn(2025, 6, 1)) == dict.fromkeys(of(2025, 3), (0.0 if late else 1.0, 1.0))


@pytest.mark.parametrize(("requests", "late"), [(0, False), (1, False), (2, True)])
def test_decision_766_more_than_one_supplement_request_in_supplements_is_late(requests: int, late: bool) -> None:
    """Decision 766/QĐ-TTg: more than one supplement request makes the dossier late; with `supplements` the count is
    the number of requests listed (the supplement_requests field is then not used)."""
    pairs = [(f"2025-03-1{1 + k}T09:00:00{T}", f"2025-03-1{1 + k}T10:00:00{T}") for k in range(requests)]
    record = _processed(
        f"2025-03-10T09:00:00{T}",
        f"2025-03-20T17:00:00{T}",
        f"2025-03-18T10:00:00{T}",  # well before due
        _supplements(*pairs),
        supplement_requests=0,
    )
    d = dossier(("processed", record))
    assert d.supplement_requests == requests
    assert on_time(d, vn(2025, 6, 1)) == dict.fromkeys(of(2025, 3), (0.0 if late else 1.0, 1.0))


# ------------------------------------------------------------------ 2. an open dossier waiting is paused

# Received Mon 10/3/2025 09:00, due Thu 20/3 17:00; asked Wed 19/3 10:00 (31 working hours before due). Supplied Tue
# 6/5 10:00 (after 30/4–1/5): due pushed by those 31 h of working time to Wed 7/5 17:00.
OPEN = (f"2025-03-10T09:00:00{T}", f"2025-03-20T17:00:00{T}")
ASKED = f"2025-03-19T10:00:00{T}"
SUPPLIED = f"2025-05-06T10:00:00{T}"


def _waiting(supplied: str | None = None, occurred: str = ASKED) -> Dossier:
    return dossier(("received", _received(*OPEN, _supplements((ASKED, supplied)), occurred)))


def test_decision_766_open_dossier_waiting_for_the_citizen_is_not_late_at_period_ends() -> None:
    """Decision 766/QĐ-TTg: an open dossier with an open supplement request is paused: not late at the end of March,
    Q1 or April, no clock tick and no alert while it waits (its due date moves with the wait)."""
    d = _waiting()
    for as_of in (vn(2025, 3, 21), vn(2025, 4, 1), vn(2025, 5, 5, 12)):
        assert on_time(d, as_of) == {}
        assert next_dossier_tick(d, as_of, RB, CAL) is None
        assert dossier_conditions(d, as_of, CAL) == {}
    assert dossier_due(d, CAL) is None


@pytest.mark.parametrize(
    ("as_of", "late"), [(vn(2025, 5, 7, 16, 59), False), (vn(2025, 5, 7, 17), False), (vn(2025, 5, 7, 17, 1), True)]
)
def test_decision_766_supplied_dossier_is_overdue_only_after_its_pushed_due(as_of: datetime, late: bool) -> None:
    """Decision 766/QĐ-TTg: once supplied, the clock resumes: overdue only after due + the working time waited (Wed
    7/5 17:00), and then late in the May periods only, never in the periods that ended while it waited."""
    d = _waiting(SUPPLIED, SUPPLIED)
    assert dossier_due(d, CAL) == vn(2025, 5, 7, 17)
    assert on_time(d, as_of) == (dict.fromkeys(of(2025, 5), (0.0, 1.0)) if late else {})
    conditions = dossier_conditions(d, as_of, CAL)
    if late or as_of == vn(2025, 5, 7, 17):
        assert conditions == {"dossier_overdue": vn(2025, 5, 7, 17)}
    else:
        assert conditions == {"dossier_due_soon": vn(2025, 5, 6, 17)}  # one working day before the pushed due


@pytest.mark.parametrize(
    ("received", "due", "as_of"),
    [
        (vn(2025, 3, 17, 9), vn(2025, 3, 17, 11), vn(2025, 3, 17, 9, 30)),  # a Monday's quick procedure
        (vn(2025, 3, 16, 10), vn(2025, 3, 17, 10), vn(2025, 3, 16, 10, 5)),  # online on a Sunday, due on Monday
    ],
)
def test_a_dossier_is_due_soon_from_its_receipt_at_the_earliest(
    received: datetime, due: datetime, as_of: datetime
) -> None:
    """The working day before a Monday due date is the Friday before it: dated then, the condition of a dossier
    received on the Monday (or over the weekend) looked days old, older than the alerts' horizon, and no "due
    soon" alert was ever sent. It begins at the receipt."""
    d = dossier(("received", _received(received.isoformat(), due.isoformat(), None, received.isoformat())))
    assert CAL.next_working_day_before(due) == vn(2025, 3, 14, due.hour)  # the Friday before
    assert dossier_conditions(d, as_of, CAL) == {"dossier_due_soon": received}
    assert new_conditions({}, dossier_conditions(d, as_of, CAL), as_of) == {"dossier_due_soon": received}


def test_decision_766_the_clock_ticks_again_once_supplied() -> None:
    """Decision 766/QĐ-TTg: supplied, the dossier's next ticks are "due soon" and its pushed due, then the months."""
    d = _waiting(SUPPLIED, SUPPLIED)
    assert next_dossier_tick(d, vn(2025, 5, 6, 12), RB, CAL) == vn(2025, 5, 6, 17)
    assert next_dossier_tick(d, vn(2025, 5, 6, 18), RB, CAL) == vn(2025, 5, 7, 17)
    assert next_dossier_tick(d, vn(2025, 5, 7, 18), RB, CAL) == vn(2025, 6, 1)


@pytest.mark.parametrize(
    ("finished", "late"),
    [(f"2025-05-07T16:59:00{T}", False), (f"2025-05-07T17:00:00{T}", False), (f"2025-05-07T17:01:00{T}", True)],
)
def test_decision_766_supplied_late_then_finished_at_the_pushed_due(finished: str, late: bool) -> None:
    """Decision 766/QĐ-TTg: supplied after two months, finished just inside, at or just outside the pushed due; never
    late in March or April (it was waiting at their ends), so nothing counted then is taken back."""
    before = dossier_contribution(_waiting(), vn(2025, 5, 5), RB, CAL)
    done = dossier(
        ("received", _received(*OPEN, _supplements((ASKED, None)), ASKED)),
        ("processed", _processed(*OPEN, finished, _supplements((ASKED, SUPPLIED)))),
    )
    after = dossier_contribution(done, vn(2025, 6, 1), RB, CAL)
    assert cells(after, "on_time") == dict.fromkeys(of(2025, 5), (0.0 if late else 1.0, 1.0))
    assert not any(p in cells(difference(after, before), "on_time") for p in ("2025-03", "2025-04", "2025-Q1"))


def test_decision_766_a_request_made_once_overdue_does_not_pause_the_dossier() -> None:
    """Decision 766/QĐ-TTg: asking the citizen after the due date has passed does not make a late dossier on time:
    asked Fri 21/3 10:00 (17 working hours late), it is late at the end of March while it waits."""
    d = dossier(("received", _received(*OPEN, _supplements((f"2025-03-21T10:00:00{T}", None)), ASKED)))
    assert dossier_due(d, CAL) == vn(2025, 3, 20, 17)
    assert on_time(d, vn(2025, 4, 2)) == dict.fromkeys((*of(2025, 3), "2025-04", "2025-Q2"), (0.0, 1.0))


def test_decision_766_the_latest_event_carrying_supplements_counts() -> None:
    """Decision 766/QĐ-TTg: the requests are those of the processed event when it lists them, else of the received."""
    received = ("received", _received(*OPEN, _supplements((ASKED, None)), ASKED))
    bare = ("processed", _processed(*OPEN, f"2025-03-21T10:00:00{T}"))
    assert dossier(received, bare).supplements == ((vn(2025, 3, 19, 10), None),)
    listed = ("processed", _processed(*OPEN, f"2025-03-21T10:00:00{T}", _supplements((ASKED, SUPPLIED))))
    assert dossier(received, listed).supplements == ((vn(2025, 3, 19, 10), vn(2025, 5, 6, 10)),)
    # An unanswered request at the finish waits until the finish: 21/3 10:00 is 17 working hours over due, all waited.
    assert on_time(dossier(received, bare), vn(2025, 6, 1)) == dict.fromkeys(of(2025, 3), (1.0, 1.0))


def test_labour_code_art_112_without_a_calendar_for_its_days_the_wait_counts_in_calendar_time() -> None:
    """Labour Code 2019 art. 112: where no calendar can say which days are worked, the dossier is still judged (its
    wait in calendar time, as before), never left unjudged nor counted against weekends only."""
    cal = WorkingCalendar(frozenset(), frozenset(), frozenset({2030}))
    d = dossier(("received", _received(*OPEN, _supplements((ASKED, f"2025-03-21T10:00:00{T}")), ASKED)))
    assert dossier_due(d, cal) == vn(2025, 3, 22, 17)


# ------------------------------------------------------------------ 3. working-day clocks end with the day


def _complaint(received: str, resolved: str | None = None, outcome: str = "answered") -> Complaint:
    state = merge(
        empty(),
        "received",
        "s:c",
        {"complaint_id": "PA-1", "category": "procedure", "received_at": received, "occurred_at": received},
    )
    if resolved:
        state = merge(
            state,
            "resolved",
            "s:s",
            {
                "complaint_id": "PA-1",
                "resolved_at": resolved,
                "outcome": outcome,
                "substantiated": False,
                "occurred_at": resolved,
            },
        )
        state = merge(
            state, "published", "s:p", {"complaint_id": "PA-1", "published_at": resolved, "occurred_at": resolved}
        )
    return complaint_view(U, "PA-1", state)


@pytest.mark.parametrize(
    ("answered", "late"),
    [
        (f"2025-03-31T15:00:00{T}", False),  # 15:00 on the 15th working day, after the receipt's 10:00
        (f"2025-04-01T00:00:00{T}", False),  # the end of the 15th working day (Mon 31/3)
        (f"2025-04-01T00:00:01{T}", True),  # the next day
    ],
)
def test_decision_766_pakn_answered_on_its_15th_working_day_after_the_receipts_hour_is_on_time(
    answered: str, late: bool
) -> None:
    """Decision 766/QĐ-TTg (PAKN clocks, 15 working days): a complaint received Mon 10/3/2025 10:00 and answered 15:00
    on its 15th working day is on time; the clock ends with that working day, not at 10:00."""
    c = _complaint(f"2025-03-10T10:00:00{T}", answered)
    got = cells(complaint_contribution(c, vn(2025, 6, 1), RB, CAL), "pakn_on_time")
    month = 3 if answered.startswith("2025-03") else 4
    assert got == dict.fromkeys(of(2025, month), (0.0 if late else 1.0, 1.0))


def test_decision_766_open_pakn_ticks_at_the_end_of_its_15th_working_day() -> None:
    """Decision 766/QĐ-TTg: an open complaint's clock tick (and complaint_overdue) is the end of its 15th working
    day; a receipt on Saturday counts from Monday (Labour Code 2019 art. 112: weekends are not working days)."""
    c = _complaint(f"2025-03-10T10:00:00{T}")
    assert next_complaint_tick(c, vn(2025, 3, 31, 12), RB, CAL) == vn(2025, 4, 1)
    saturday = _complaint(f"2025-03-08T10:00:00{T}")
    assert next_complaint_tick(saturday, vn(2025, 3, 9), RB, CAL) == vn(2025, 4, 1)  # as if received Mon 10/3


@pytest.mark.parametrize(
    ("start", "days", "end"),
    [
        (vn(2025, 4, 29, 16), 1, vn(2025, 5, 6)),  # Tue 29/4 + 1: Mon 5/5 (30/4–2/5 off); ends at 6/5 00:00
        (vn(2026, 2, 13, 10), 2, vn(2026, 2, 25)),  # Fri 13/2/2026 + 2 over Tết 14–22/2: Tue 24/2
        (vn(2026, 2, 13, 23, 59), 0, vn(2026, 2, 14)),  # 0 working days: the end of that working day
    ],
)
def test_labour_code_art_112_working_day_deadlines_end_with_the_day(start: datetime, days: int, end: datetime) -> None:
    """Labour Code 2019 art. 112 (days off) and Decision 766 (clocks in working days): a deadline of N working days is
    the end of the N-th working day, local time, whatever the starting hour."""
    assert working_deadline(CAL, start, days) == end
    assert working_deadline(CAL, start.astimezone(VN_TZ).replace(hour=0), days) == end


@pytest.mark.parametrize(
    ("published", "on_time"),
    [(f"2026-02-23T17:00:00{T}", 1.0), (f"2026-02-24T00:00:00{T}", 1.0), (f"2026-02-24T00:00:01{T}", 0.0)],
)
def test_decision_766_result_published_within_result_days_ends_with_the_day_across_tet_2026(
    published: str, on_time: float
) -> None:
    """Decision 766/QĐ-TTg, group 1: a result finished Fri 13/2/2026 10:00 is due on the portal by the end of its next
    working day, Mon 23/2 after Tết (Labour Code 2019 art. 112); result_days = 1."""
    assert RB.result_days == 1
    record = _processed(f"2026-02-10T09:00:00{T}", f"2026-02-13T17:00:00{T}", f"2026-02-13T10:00:00{T}")
    d = dossier(
        ("processed", record),
        ("published", {"dossier_code": "HS-1", "published_at": published, "occurred_at": published}),
    )
    got = cells(dossier_contribution(d, vn(2026, 6, 1), RB, CAL), "result_publication")
    assert got == dict.fromkeys(of(2026, 2), (on_time, 1.0))
