"""Scoring rules at the edges the legal texts draw, each test naming its source (Decision 766/QĐ-TTg 2022 for the
service index and the PAKN clocks, docs/rules.md, "The movement's collective score" for the office-culture index,
Labour Code 2019 art. 112 for the working-day calendar). Values just inside, at and just outside each limit."""

from __future__ import annotations

import tomllib
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from schemas.vietnam import VN_TZ
from services.scoring.adapters.rulefiles import read_rules_file
from services.scoring.domain.alerts import complaint_conditions
from services.scoring.domain.calendar import CalendarYearMissing, Provisional, WorkingCalendar, load_calendar
from services.scoring.domain.cases import (
    COMPLAINTS_ABOUT,
    Complaint,
    Dossier,
    complaint_view,
    dossier_view,
    empty,
    merge,
)
from services.scoring.domain.contributions import (
    Tally,
    complaint_contribution,
    complaint_deadline,
    dossier_contribution,
    next_complaint_tick,
    next_dossier_tick,
)
from services.scoring.domain.judging import hand_verdict
from services.scoring.domain.officer_scorecard import OfficerInputs, officer_scorecard
from services.scoring.domain.periods import STAGE
from services.scoring.domain.rulebook import RulebookInvalid, build_rulebook, rules_from
from services.scoring.domain.scorecard import CultureInputs, unit_scorecard

RULES_DIR = Path(__file__).resolve().parents[2] / "services" / "scoring" / "rules"
RB = build_rulebook(tomllib.loads((RULES_DIR / "rulebook.toml").read_text(encoding="utf-8")))
CAL = load_calendar(RULES_DIR / "calendar")
U = "U1"
T = "+07:00"
STAGES_2025 = (STAGE, "2025-2027", "2025-2030")  # the shipped rule file's stages containing 2025
MARCH = ("2025-03", "2025-Q1", "2025", *STAGES_2025)
AS_OF = datetime(2025, 6, 1, tzinfo=VN_TZ)
STAFF = CultureInputs(officers=20, trained_officers=20, weighted_findings=0, inspections=1, disciplined=0)


def vn(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN_TZ)


def cells(tally: Tally, counter: str) -> dict[str, tuple[float, float]]:
    return {p: v for (k, s, _u, p, c), v in tally.items() if k == "unit" and s == U and c == counter}


def full_service(dossiers: float) -> dict[str, tuple[float, float]]:
    """Counters of a unit whose every finished dossier was on time and satisfied."""
    return {"on_time": (dossiers, dossiers), "dossier_ok": (dossiers, dossiers), "digitised": (dossiers, dossiers)}


# ------------------------------------------------------------------ 1. a unit with no service evidence must not lead


@pytest.mark.parametrize(("dossiers", "scored"), [(19, False), (20, True), (21, True)])
def test_decision_766_service_index_needs_min_dossiers_at_the_edge(dossiers: int, scored: bool) -> None:
    """Decision 766/QĐ-TTg: the service index is computed from dossiers; below min_dossiers (20) the unit gets no
    emulation score, is listed as "chưa đủ dữ liệu" with the count, and is not ranked."""
    card = unit_scorecard(U, "2025", full_service(dossiers), STAFF, RB)
    assert RB.min_dossiers == 20
    assert (card.score is not None) is scored
    assert (card.service_index is not None) is scored
    assert card.as_json()["status_label"] == ("Chưa đủ dữ liệu" if not scored else card.band)
    assert card.evidence["dossiers_finished"] == dossiers
    if not scored:
        assert card.band is None and card.status == "insufficient_data"
        assert any(f"{dossiers} hồ sơ" in note and "20" in note for note in card.notes)


def test_decision_766_a_unit_with_no_dossiers_never_gets_the_culture_index_as_its_score() -> None:
    """Decision 766/QĐ-TTg and docs/rules.md, "The movement's collective score": culture is 30 % of the emulation
    score, never all of it; a unit with a perfect culture record and no dossiers is not scored (it used to get 100,
    "Tốt", and could take the flag)."""
    perfect = CultureInputs(officers=10, trained_officers=10, weighted_findings=0, inspections=2, disciplined=0)
    card = unit_scorecard(U, "2025", {}, perfect, RB)
    assert card.culture_index == 100
    assert card.score is None and card.band is None


# ------------------------------------------------------------------ 2. office-culture penalties normalised honestly


def test_domain_3_without_headcount_per_100_officer_penalties_are_missing_never_full_points() -> None:
    """docs/rules.md, "The movement's collective score": conduct complaints and inspection findings are per 100
    officers; with 0 registered officers (50 complaints, 500 weighted findings) those parts are missing, never full
    points."""
    x = CultureInputs(officers=0, trained_officers=0, weighted_findings=500, inspections=3, disciplined=0)
    card = unit_scorecard(U, "2025", {**full_service(30), "conduct_substantiated": (50, 50)}, x, RB)
    parts = {p.code: p for p in card.culture}
    assert parts["conduct_complaints"].points is None
    assert parts["inspection_findings"].points is None
    assert parts["training_share"].points is None
    # Only discipline (10 of 100) has evidence: below the 50 % coverage, the culture index is missing, said so.
    assert card.culture_index is None
    assert any("văn hóa công sở chưa tính" in note for note in card.notes)
    assert card.score == card.service_index  # scored on the service index alone, with the words saying it


@pytest.mark.parametrize(
    ("findings", "inspections", "points"),
    [(1.0, 1, 15.0), (2.0, 2, 15.0), (2.0, 1, 0.0), (1.99, 1, pytest.approx(0.15))],
)
def test_domain_3_inspection_findings_are_per_inspection_and_per_100_officers(
    findings: float, inspections: int, points: Any
) -> None:
    """docs/rules.md, "The movement's collective score": findings per inspection per 100 officers; limit 10 zeroes
    the part (20 officers: 2 weighted findings in one inspection = 10 per 100, at the limit → 0; 1.99 just inside →
    30 × 0.005 = 0.15)."""
    x = CultureInputs(
        officers=20, trained_officers=20, weighted_findings=findings, inspections=inspections, disciplined=0
    )
    part = next(
        p for p in unit_scorecard(U, "2025", full_service(20), x, RB).culture if p.code == "inspection_findings"
    )
    assert part.points == points


def test_domain_3_no_inspection_means_no_inspection_score() -> None:
    """docs/rules.md, "The movement's collective score": a unit never inspected has no findings evidence: the part
    is missing, not 30 of 30."""
    x = CultureInputs(officers=20, trained_officers=16, weighted_findings=0, inspections=0, disciplined=0)
    card = unit_scorecard(U, "2025", full_service(20), x, RB)
    part = next(p for p in card.culture if p.code == "inspection_findings")
    assert part.points is None
    # training 16/20 = 0.8 → 40, conduct 20, discipline 10: 70 of the 70 points covered → 100, with the words.
    assert card.culture_index == 100
    assert any("70/100" in note for note in card.notes)


@pytest.mark.parametrize(("complaints", "points"), [(0.39, pytest.approx(0.5)), (0.4, 0.0), (0.41, 0.0)])
def test_domain_3_conduct_complaints_limit_2_per_100_officers(complaints: float, points: Any) -> None:
    """docs/rules.md, "The movement's collective score": substantiated conduct complaints per 100 officers; 2 per 100
    zeroes the part (20 officers: 0.4 complaints = 2 per 100 at the limit)."""
    card = unit_scorecard(U, "2025", {**full_service(20), "conduct_substantiated": (complaints, complaints)}, STAFF, RB)
    assert next(p for p in card.culture if p.code == "conduct_complaints").points == points


# ------------------------------------------------------------------ 3. an officer's missing indicators


def test_domain_4_officer_without_dossiers_has_no_on_time_points_and_is_not_ranked_above_99_percent() -> None:
    """docs/rules.md, "Individuals": the officer's evidence-based score; no dossiers = the on-time part is missing (it
    used to be the full 50), the score is over the parts with evidence and the covered share is shown."""
    none = officer_scorecard("CB-1", "2025", OfficerInputs((0, 0), 40, 0, 0, 1.0), RB)
    busy = officer_scorecard("CB-2", "2025", OfficerInputs((99, 100), 40, 0, 0, 1.0), RB)
    assert none.parts[0].points is None and none.weight_covered == 0.5
    assert any("thiếu: Hồ sơ giải quyết đúng hạn" in note for note in none.notes)
    assert busy.weight_covered == 1.0 and busy.score == 99.5
    # Listed, not ranked: only full coverage is ranked (rulebook officer.min_ranked_coverage).
    assert none.weight_covered < RB.officer.min_ranked_coverage <= busy.weight_covered


@pytest.mark.parametrize(("on_time", "score"), [((1, 1), 100.0), ((0, 1), 50.0)])
def test_domain_4_one_dossier_is_enough_evidence_for_the_on_time_part(
    on_time: tuple[float, float], score: float
) -> None:
    """docs/rules.md, "Individuals": with a single handled dossier the on-time part counts (50 points) over the full
    weight."""
    card = officer_scorecard("CB-1", "2025", OfficerInputs(on_time, 40, 0, 0, 1.0), RB)
    assert (card.score, card.weight_covered) == (score, 1.0)


# ------------------------------------------------------------------ 4. dossier satisfaction: the dossier's own outcome


def _dossier(
    *,
    finished: str = f"2025-03-18T10:00:00{T}",
    satisfied: bool | None = None,
    complaints: dict[str, bool] | None = None,
) -> Dossier:
    state = merge(
        empty(),
        "processed",
        "s:p",
        {
            "dossier_code": "HS-1",
            "procedure_code": "1",
            "channel": "online",
            "received_at": f"2025-03-10T09:00:00{T}",
            "due_at": f"2025-03-20T17:00:00{T}",
            "finished_at": finished,
            "status": "resolved",
            "supplement_requests": 0,
            "supplement_days": 0,
            "fee_required": False,
            "paid_online": False,
            "digitized": True,
            "e_result": True,
            "data_reused": True,
            "occurred_at": finished,
            "officer_id": None,
        },
    )
    if satisfied is not None:
        state = merge(state, "rated", "s:r", {"dossier_code": "HS-1", "satisfied": satisfied, "occurred_at": finished})
    for key, substantiated in (complaints or {}).items():
        state = merge(state, COMPLAINTS_ABOUT, key, {"substantiated": substantiated, "occurred_at": None})
    return dossier_view(U, "HS-1", state)


@pytest.mark.parametrize(
    ("kw", "ok"),
    [
        ({}, 1.0),  # not rated counts as satisfied
        ({"satisfied": True}, 1.0),
        ({"satisfied": False}, 0.0),
        ({"complaints": {"complaint|U1|PA-1": False}}, 1.0),  # a complaint about it, not substantiated
        ({"complaints": {"complaint|U1|PA-1": True}}, 0.0),  # substantiated: that dossier is not satisfied
        ({"finished": f"2025-03-21T10:00:00{T}"}, 0.0),  # late
    ],
)
def test_decision_766_dossier_satisfaction_counts_the_dossiers_own_outcome(kw: dict[str, Any], ok: float) -> None:
    """Decision 766/QĐ-TTg: (dossiers − rated unsatisfied − with a substantiated PAKN about them − overdue) ÷
    dossiers, per dossier, in the dossier's own period (no unit-wide subtraction, no clamping)."""
    tally = dossier_contribution(_dossier(**kw), AS_OF, RB, CAL)
    assert cells(tally, "dossier_ok") == dict.fromkeys(MARCH, (ok, 1.0))


def _complaint(
    *,
    received: str = f"2025-03-10T09:00:00{T}",
    resolved: str | None = None,
    dossier: str | None = None,
    substantiated: bool = False,
    outcome: str = "answered",
    published: str | None = None,
    supplement: str | None = None,
    satisfied: bool | None = None,
) -> Complaint:
    state = merge(
        empty(),
        "received",
        "s:c",
        {
            "complaint_id": "PA-1",
            "category": "procedure",
            "received_at": received,
            "officer_id": None,
            "occurred_at": received,
            "dossier_code": dossier,
        },
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
                "substantiated": substantiated,
                "occurred_at": resolved,
            },
        )
    if published:
        state = merge(
            state, "published", "s:p", {"complaint_id": "PA-1", "published_at": published, "occurred_at": published}
        )
    if supplement:
        state = merge(
            state, "supplement", "s:x", {"complaint_id": "PA-1", "requested_at": supplement, "occurred_at": supplement}
        )
    if satisfied is not None:
        state = merge(
            state,
            "feedback",
            "s:f",
            {"complaint_id": "PA-1", "satisfied": satisfied, "re_complained": False, "occurred_at": resolved},
        )
    return complaint_view(U, "PA-1", state)


def test_decision_766_a_substantiated_complaint_hands_its_verdict_to_that_dossier_only() -> None:
    """Decision 766/QĐ-TTg: "with a PAKN about them" is per dossier: the complaint's verdict goes to the dossier it
    names (and is taken back when the complaint stops naming it)."""
    derived: dict[Any, Any] = {}
    open_one = _complaint(dossier="HS-1")
    hand_verdict(None, open_one, derived)
    assert derived == {}  # received, not yet substantiated: nothing to tell
    founded = _complaint(dossier="HS-1", resolved=f"2025-03-12T09:00:00{T}", substantiated=True)
    hand_verdict(open_one, founded, derived)
    [(key, event)] = derived[("dossier", U, "HS-1")]
    assert key == "complaint|U1|PA-1" and event.record["substantiated"] is True
    derived = {}
    hand_verdict(founded, open_one, derived)  # the resolution retracted
    assert derived[("dossier", U, "HS-1")][0][1].record["substantiated"] is False


# ------------------------------------------------------------------ 5. PAKN clocks and satisfaction


@pytest.mark.parametrize(
    ("requested", "on_time"),
    [
        (f"2025-03-14T09:00:00{T}", 1.0),  # Mon 10/3 09:00 + 4 working days
        (f"2025-03-17T16:00:00{T}", 1.0),  # on the 5th working day, after the receipt's clock time: inside
        (f"2025-03-18T00:00:00{T}", 1.0),  # the end of the 5th working day (Mon 17/3): at the limit
        (f"2025-03-18T00:00:01{T}", 0.0),  # just after
    ],
)
def test_decision_766_pakn_first_supplement_request_within_5_working_days(requested: str, on_time: float) -> None:
    """Decision 766/QĐ-TTg (PAKN clocks): the first request for a supplement within 5 working days, ending with the
    5th working day."""
    c = _complaint(resolved=f"2025-03-20T09:00:00{T}", published=f"2025-03-20T10:00:00{T}", supplement=requested)
    assert cells(complaint_contribution(c, AS_OF, RB, CAL), "pakn_on_time") == dict.fromkeys(MARCH, (on_time, 1.0))


@pytest.mark.parametrize(
    ("published", "on_time"),
    [
        (f"2025-03-21T16:00:00{T}", 1.0),  # answered Wed 19/3 09:00; Fri 21/3 16:00 is inside the 2nd working day
        (f"2025-03-22T00:00:00{T}", 1.0),  # the end of Fri 21/3: at the limit
        (f"2025-03-22T00:00:01{T}", 0.0),  # just after
        (None, 0.0),  # never published, the clock long past (judged on 1/6)
    ],
)
def test_decision_766_pakn_answer_published_within_2_working_days(published: str | None, on_time: float) -> None:
    """Decision 766/QĐ-TTg (PAKN clocks): the answer is published within 2 working days of it, ending with the 2nd
    working day (not at the answer's clock time)."""
    c = _complaint(resolved=f"2025-03-19T09:00:00{T}", published=published, satisfied=True)
    tally = complaint_contribution(c, AS_OF, RB, CAL)
    assert cells(tally, "pakn_on_time") == dict.fromkeys(MARCH, (on_time, 1.0))
    assert cells(tally, "pakn_ok") == dict.fromkeys(MARCH, (on_time, 1.0))  # handled late = not satisfied


def test_decision_766_pakn_publication_still_due_is_judged_at_its_deadline() -> None:
    """Decision 766/QĐ-TTg: before the publication clock runs out the complaint is judged on the clocks that have
    run (answered in time: on time); the next tick is that deadline, when an unpublished answer becomes late."""
    c = _complaint(resolved=f"2025-03-19T09:00:00{T}")
    march = dict.fromkeys(MARCH, (1.0, 1.0))
    assert cells(complaint_contribution(c, vn(2025, 3, 20), RB, CAL), "pakn_on_time") == march
    assert next_complaint_tick(c, vn(2025, 3, 20), RB, CAL) == vn(2025, 3, 22)  # the end of Fri 21/3
    assert cells(complaint_contribution(c, vn(2025, 3, 21, 23, 59), RB, CAL), "pakn_on_time") == march
    assert cells(complaint_contribution(c, vn(2025, 3, 22), RB, CAL), "pakn_on_time") == march  # at the deadline
    assert cells(complaint_contribution(c, vn(2025, 3, 22, 0, 1), RB, CAL), "pakn_on_time") == dict.fromkeys(
        MARCH, (0.0, 1.0)
    )


def test_decision_766_rejection_within_2_working_days_needs_no_publication() -> None:
    """Decision 766/QĐ-TTg: reject ≤ 2 working days (Mon 10/3 09:00 → the end of Wed 12/3), nothing to publish."""
    inside = _complaint(resolved=f"2025-03-12T16:00:00{T}", outcome="rejected")
    at = _complaint(resolved=f"2025-03-13T00:00:00{T}", outcome="rejected")
    late = _complaint(resolved=f"2025-03-13T00:00:01{T}", outcome="rejected")
    for on_time, c in ((1.0, inside), (1.0, at), (0.0, late)):
        assert cells(complaint_contribution(c, AS_OF, RB, CAL), "pakn_on_time") == dict.fromkeys(MARCH, (on_time, 1.0))


def test_decision_766_pakn_satisfaction_denominator_includes_open_overdue_complaints() -> None:
    """Decision 766/QĐ-TTg: PAKN satisfaction = (total − unsatisfied − complained again − handled late) ÷ total;
    a complaint open and overdue at a period's end is in the total as not satisfied."""
    c = _complaint()  # Mon 10/3 09:00 + 15 working days → the end of Mon 31/3 (1/4 00:00)
    assert cells(complaint_contribution(c, vn(2025, 4, 1), RB, CAL), "pakn_ok") == {}  # at the deadline
    after = complaint_contribution(c, vn(2025, 4, 2), RB, CAL)
    assert cells(after, "pakn_ok") == dict.fromkeys(("2025-04", "2025-Q2", "2025", *STAGES_2025), (0.0, 1.0))


# ------------------------------------------------------------------ 6. indicators our evidence can carry


@pytest.mark.parametrize(("online", "points"), [(79, pytest.approx(79 / 100 * 6 / 0.8)), (80, 6.0), (81, 6.0)])
def test_decision_766_online_service_coverage_threshold_80_percent(online: int, points: Any) -> None:
    """Decision 766/QĐ-TTg, group 3: share of the unit's procedures offered online, full points at 80 %."""
    x = CultureInputs(
        officers=20,
        trained_officers=20,
        weighted_findings=0,
        inspections=1,
        disciplined=0,
        procedures=100,
        procedures_online=online,
        procedures_published=100,
    )
    card = unit_scorecard(U, "2025", full_service(20), x, RB)
    part = next(i for i in card.indicators if i.code == "online_service_coverage")
    assert (part.group, part.points) == ("online", points)


@pytest.mark.parametrize(
    ("published", "on_time"),
    [
        (f"2025-03-19T16:00:00{T}", 1.0),  # finished Tue 18/3 10:00 + 1 working day: inside Wed 19/3
        (f"2025-03-20T00:00:00{T}", 1.0),  # the end of Wed 19/3: at the limit
        (f"2025-03-20T00:00:01{T}", 0.0),
        (None, 0.0),  # never published, judged on 1/6
    ],
)
def test_decision_766_results_published_on_time_group_1(published: str | None, on_time: float) -> None:
    """Decision 766/QĐ-TTg, group 1 (công khai, minh bạch): results published on time (4 points); the result_days
    clock ends with its last working day."""
    d = _dossier()
    if published:
        d = dossier_view(
            U,
            "HS-1",
            merge(
                _state_of(d),
                "published",
                "s:pub",
                {"dossier_code": "HS-1", "published_at": published, "occurred_at": published},
            ),
        )
    assert cells(dossier_contribution(d, AS_OF, RB, CAL), "result_publication") == dict.fromkeys(MARCH, (on_time, 1.0))
    assert RB.indicators["result_publication"].max_points == 4


def _state_of(d: Dossier) -> dict[str, Any]:
    state = merge(
        empty(),
        "processed",
        "s:p",
        {
            "dossier_code": "HS-1",
            "procedure_code": "1",
            "channel": "online",
            "received_at": f"2025-03-10T09:00:00{T}",
            "due_at": f"2025-03-20T17:00:00{T}",
            "finished_at": d.finished_at.isoformat() if d.finished_at else None,
            "status": "resolved",
            "supplement_requests": 0,
            "supplement_days": 0,
            "fee_required": False,
            "paid_online": False,
            "digitized": True,
            "e_result": True,
            "data_reused": True,
            "occurred_at": d.finished_at.isoformat() if d.finished_at else None,
            "officer_id": None,
        },
    )
    return state


def test_decision_766_unpublished_result_becomes_late_at_its_deadline_by_tick() -> None:
    """Decision 766/QĐ-TTg, group 1: the clock alone turns an unpublished result late: the case's next tick."""
    d = _dossier()
    assert next_dossier_tick(d, vn(2025, 3, 18, 12), RB, CAL) == vn(2025, 3, 20)  # the end of Wed 19/3
    assert cells(dossier_contribution(d, vn(2025, 3, 19, 23, 59), RB, CAL), "result_publication") == {}
    assert cells(dossier_contribution(d, vn(2025, 3, 20, 0, 1), RB, CAL), "result_publication") == dict.fromkeys(
        MARCH, (0.0, 1.0)
    )


def test_decision_766_every_indicator_without_evidence_is_listed_with_the_rescaling_in_words() -> None:
    """Decision 766/QĐ-TTg: the index is 100 points over 5 groups; what our evidence cannot carry is listed, never
    silently dropped, and the rescaling is stated."""
    card = unit_scorecard(U, "2025", full_service(20), STAFF, RB)
    missing = {m["code"]: m for m in card.missing}
    assert "publicity_other" in missing and "chưa có loại dữ liệu" in missing["publicity_other"]["reason"]
    assert "online_service_coverage" in missing  # no catalogue evidence in this period
    assert {i.code for i in card.indicators if i.points is None} == set(missing)
    scored = sum(i.max_points for i in card.indicators if i.points is not None)
    assert any(f"{scored:g}/100" in note and "quy đổi về thang 100" in note for note in card.notes)
    assert sum(g for _, g in RB.groups.values()) == 100 and "publicity" in RB.groups


# ------------------------------------------------------------------ 7. a year without a calendar file is an error


def test_labour_code_art_112_a_year_outside_the_calendar_bounds_is_an_error_not_weekends_only() -> None:
    """Labour Code 2019 art. 112: a year with neither an official file nor a provisional calendar (outside the
    rulebook's bounds, or no provisional rules at all) raises, naming the year, instead of counting weekends only."""
    cal = WorkingCalendar(frozenset(), frozenset(), frozenset({2025}))
    assert cal.is_working_day(date(2025, 12, 31))
    with pytest.raises(CalendarYearMissing, match="2026"):
        cal.is_working_day(date(2026, 1, 5))
    with pytest.raises(CalendarYearMissing, match="2026"):
        cal.add_working_days(vn(2025, 12, 30, 9), 3)
    bounded = WorkingCalendar(frozenset(), frozenset(), frozenset({2025}), Provisional(2000, 2025))
    with pytest.raises(CalendarYearMissing, match="2026"):
        bounded.is_working_day(date(2026, 1, 5))
    assert not bounded.is_provisional(2026) and not bounded.is_provisional(2025)


def test_labour_code_art_112_a_year_without_its_file_loads_a_provisional_calendar(tmp_path: Path) -> None:
    """Labour Code 2019 art. 112: a rule file whose calendar lacks a year loads; the year is computed
    (provisional), never weekends only and never a load error; a bad [working_days] setting is refused."""
    (tmp_path / "calendar").mkdir()
    for year in range(2019, 2026):  # 2026 missing
        (tmp_path / "calendar" / f"{year}.toml").write_text(f"year = {year}\n", encoding="utf-8")
    text = (RULES_DIR / "rulebook.toml").read_text(encoding="utf-8")
    (tmp_path / "rulebook.toml").write_text(text, encoding="utf-8")
    rules = rules_from(read_rules_file(tmp_path / "rulebook.toml"))
    assert rules.calendar.is_provisional(2026) and not rules.calendar.is_provisional(2025)
    assert not rules.calendar.is_working_day(date(2026, 2, 17))  # Tết, computed
    assert not rules.calendar.is_working_day(date(2026, 9, 2))
    with pytest.raises(CalendarYearMissing, match="2100"):
        rules.calendar.is_working_day(date(2100, 1, 4))
    (tmp_path / "rulebook.toml").write_text(text.replace("last_year = 2099", "last_year = 1800"))
    with pytest.raises(RulebookInvalid, match="last_year"):
        read_rules_file(tmp_path / "rulebook.toml")


def test_labour_code_art_112_a_complaint_in_a_year_without_calendar_is_not_judged() -> None:
    """Labour Code 2019 art. 112: a complaint whose clock runs into a year without any calendar (outside the
    provisional bounds) is counted as not judged (and said so on the scorecard), never judged against weekends
    only, and never stops the consumer."""
    cal = WorkingCalendar(frozenset(), frozenset(), frozenset({2025}))
    c = _complaint(received=f"2025-12-29T09:00:00{T}")
    tally = complaint_contribution(c, vn(2026, 2, 1), RB, cal)
    assert cells(tally, "pakn_on_time") == {}
    assert cells(tally, "pakn_unjudged")["2025-12"] == (1.0, 1.0)
    assert complaint_deadline(c, RB, cal) is None
    card = unit_scorecard(U, "2025", {**full_service(20), "pakn_unjudged": (1.0, 1.0)}, STAFF, RB)
    assert any("thiếu lịch ngày làm việc" in note for note in card.notes)


def test_labour_code_art_112_shipped_calendar_official_to_2026_provisional_after() -> None:
    """Labour Code 2019 art. 112: the shipped files cover 2019–2026; 2027 (no government schedule yet) is
    provisional, and so is every later year up to the rulebook's bound."""
    doc = read_rules_file(RULES_DIR / "rulebook.toml")
    assert set(doc["calendar"]["years"]) == set(range(2019, 2027))
    cal = rules_from(doc).calendar
    assert cal.provisional_years(range(2019, 2030)) == [2027, 2028, 2029]
    assert cal.is_working_day(date(2099, 1, 5)) and not cal.is_working_day(date(2099, 1, 1))


# ------------------------------------------------------------------ 16. complaint_overdue


@pytest.mark.parametrize(
    ("as_of", "overdue"), [(vn(2025, 3, 31, 23, 59), False), (vn(2025, 4, 1), True), (vn(2025, 4, 1, 0, 1), True)]
)
def test_decision_766_complaint_overdue_at_the_15_working_day_answer_clock(as_of: datetime, overdue: bool) -> None:
    """Decision 766/QĐ-TTg: a complaint unanswered after 15 working days (ending with the 15th, Mon 31/3) is overdue
    (alert complaint_overdue)."""
    c = _complaint()
    conditions = complaint_conditions(c, as_of, complaint_deadline(c, RB, CAL))
    assert conditions == ({"complaint_overdue": vn(2025, 4, 1)} if overdue else {})
    answered = _complaint(resolved=f"2025-03-20T09:00:00{T}")
    assert complaint_conditions(answered, as_of, complaint_deadline(answered, RB, CAL)) == {}


def test_a_discipline_counts_in_its_violation_s_period_decree_152_2025_law_06_2022() -> None:
    """The law counts a violation inside the period of achievement: a 2025 violation decided in January 2026 is a
    2025 fact for the culture index and the officer score; without violation_at the decision's date counts."""
    from schemas.evidence import EVIDENCE_ADAPTER
    from services.scoring.domain.evidence import Fact, meaning

    def discipline(**extra: Any) -> Fact:
        body = {
            "event_id": "kl-1",
            "type": "discipline.recorded",
            "schema_version": 1,
            "occurred_at": f"2026-01-12T09:00:00{T}",
            "unit_id": "H40.10",
            "officer_id": "CB-1",
            "source": "noivu",
            "payload": {
                "decision_no": "3/QĐ-KL",
                "form": "reprimand",
                "decided_at": f"2026-01-12T09:00:00{T}",
                "reason": "Vi phạm quy trình một cửa",
                **extra,
            },
        }
        fact = meaning(EVIDENCE_ADAPTER.validate_python(body))
        assert isinstance(fact, Fact) and fact.kind == "discipline"
        return fact

    assert discipline(violation_at=f"2025-12-31T23:59:00{T}").at == vn(2025, 12, 31, 23, 59)
    assert discipline(violation_at=f"2026-01-01T00:00:00{T}").at == vn(2026, 1, 1)
    assert discipline().at == vn(2026, 1, 12, 9)
