"""Officers' tracking under Decree 335/2025/NĐ-CP: hand-computed cases, each naming the decree's article."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from services.scoring.adapters.rulefiles import load_rules, read_rules_file
from services.scoring.config import RULES
from services.scoring.domain.rulebook import RulebookInvalid, rules_from
from services.scoring.domain.tracking import (
    NO_GENERAL,
    UNSEEN_CONDITIONS,
    Sheet,
    Task,
    TrackingRules,
    is_civil_servant,
    leave_only,
    period_bounds,
    period_of,
    period_sheet,
    periods_of,
    task_part,
)
from services.scoring.domain.tracking_year import YearRating, apply_cap, year_rating

R = TrackingRules()
QUARTER = replace(R, period_kind="quarter")


def _task(key: str, weight: float = 1.0, **kw: Any) -> Task:
    base: dict[str, Any] = dict(done=True, late=False, quality_failures=0, excused_late=0, excused_quality=0)
    return Task(key, weight, **(base | kw))


def _clean(n: int, prefix: str = "HS") -> list[Task]:
    return [_task(f"{prefix}-{i}") for i in range(n)]


def _sheet(period: str, total: float | None, general: float | None = 30.0) -> Sheet:
    """A sheet with a given total (the task part does not matter to the year)."""
    part = task_part(_clean(1), R)
    return Sheet(period, part, {} if general is not None else None, general, total, False)


# --------------------------------------------------------------------------------------- Art. 14: the task part


def test_march_case_of_the_issue_art_14() -> None:
    """Art. 14: 40 dossiers, all done; 3 late (one delay excused by a confirmed objective cause), 1 returned for
    error. a = 40/40 = 100; b = (40 − 0.25)/40 = 99.375; c = (40 − 2 × 0.25)/40 = 98.75;
    points = mean(100, 99.375, 98.75) × 0.7 = 99.375 × 0.7 = 69.5625."""
    tasks = _clean(36)
    tasks += [_task(f"LATE-{i}", late=True, late_event=f"ev-late-{i}") for i in range(2)]
    tasks.append(_task("LATE-X", late=True, excused_late=1, late_event="ev-late-x", late_causes=("ev-cause",)))
    tasks.append(_task("RET-1", quality_failures=1, quality_events=("ev-returned",)))
    part = task_part(tasks, R)
    assert (part.assigned, part.done, part.at_quality, part.on_time) == (40, 40, 39.75, 39.5)
    assert (part.a, part.b, part.c, part.points) == (100, 99.375, 98.75, 69.5625)
    by_key = {d.key: d for d in part.deductions}
    assert len(part.deductions) == 4
    assert (
        by_key["RET-1"].kind == "quality" and by_key["RET-1"].event == "ev-returned" and by_key["RET-1"].units == 0.25
    )
    assert by_key["LATE-X"].excused and by_key["LATE-X"].cause_event == "ev-cause" and by_key["LATE-X"].units == 0
    assert not by_key["LATE-0"].excused and by_key["LATE-0"].event == "ev-late-0"


def test_each_failed_review_takes_25_percent_of_the_items_quality_points_art_14() -> None:
    """Art. 14(b): two failed reviews of a 2-unit dossier take 2 × 25 % of its 2 units: b = (1 + 2)/4 = 75;
    a = c = 100; points = (100 + 75 + 100)/3 × 0.7 = 64.1667."""
    part = task_part([_task("A", 2.0, quality_failures=2), _task("B", 2.0)], R)
    assert (part.a, part.b, part.c, part.points) == (100, 75, 100, 64.1667)
    assert [d.units for d in part.deductions] == [0.5, 0.5]


def test_deductions_never_go_below_nothing_art_14() -> None:
    """Art. 14(b): five failed reviews of one item: 1 − 5 × 0.25 < 0, the item earns 0 (not minus): b = 1/2 = 50."""
    part = task_part([_task("A", quality_failures=5), _task("B")], R)
    assert part.b == 50


def test_each_delay_takes_25_percent_of_the_items_progress_points_art_14() -> None:
    """Art. 14(c): one late dossier of 4: c = (3 + 0.75)/4 = 93.75; a = b = 100; points = 293.75/3 × 0.7 = 68.5417."""
    part = task_part([_task("L", late=True), *_clean(3)], R)
    assert (part.a, part.b, part.c, part.points) == (100, 100, 93.75, 68.5417)
    assert [(d.kind, d.key, d.excused) for d in part.deductions] == [("late", "L", False)]


def test_an_objective_cause_cancels_one_quality_deduction_art_14() -> None:
    """Art. 14: two failed reviews, one excused by the competent level: one deduction left: b = (0.75 + 1)/2."""
    part = task_part([_task("A", quality_failures=2, excused_quality=1, quality_causes=("ev-c",)), _task("B")], R)
    assert part.b == 87.5
    assert [(d.excused, d.cause_event) for d in part.deductions] == [(True, "ev-c"), (False, None)]


def test_work_not_done_earns_nothing_and_is_not_deducted_again_art_14() -> None:
    """Art. 14(a): a dossier past its due date and not done is assigned but earns 0 in a, b and c: a = b = c = 50,
    points = 35."""
    part = task_part([_task("OPEN", done=False, late=True), _task("B")], R)
    assert (part.assigned, part.done, part.a, part.b, part.c, part.points) == (2, 1, 50, 50, 50, 35)
    assert part.deductions == []


def test_converted_units_weigh_the_shares_art_14() -> None:
    """Art. 14 (sản phẩm quy đổi): a 3-unit dossier not done beside a 1-unit one done: a = 1/4 = 25."""
    part = task_part([_task("BIG", 3.0, done=False), _task("SMALL", 1.0)], R)
    assert (part.assigned, part.a) == (4, 25)


def test_nothing_assigned_gives_no_task_result_art_14() -> None:
    """Art. 14: no assigned work in the evidence: no shares, no points, no total (not a zero)."""
    sheet = period_sheet("2026-03", [], {"pham_chat": 9}, R)
    assert sheet.task.points is None and sheet.total is None and not sheet.below_complete


def test_the_formula_is_the_rule_files_art_14() -> None:
    """Art. 14 (formula UNCONFIRMED, rule file): weights a:b:c = 2:1:1 of 100, 50, 100: (200 + 50 + 100)/4 × 0.7."""
    part = task_part([_task("A", quality_failures=2)], replace(R, share_weights=(2.0, 1.0, 1.0)))
    assert part.points == 61.25


# ------------------------------------------------------------------------------ Art. 12-13: general criteria, total


def test_general_points_are_the_managers_and_capped_art_12_13() -> None:
    """Art. 12-13: 9 + 10 (12 asked, capped at 10 and flagged) + 8 = 27; an unknown code is flagged, not counted;
    total = 70 + 27 = 97."""
    sheet = period_sheet("2026-03", _clean(5), {"pham_chat": 9, "nang_luc": 12, "doi_moi": 8, "xyz": 5}, R)
    assert sheet.general is not None
    assert (
        sheet.general_points == 27 and sheet.general["capped"] == ["nang_luc"] and sheet.general["unknown"] == ["xyz"]
    )
    assert sheet.total == 97 and sheet.note is None and not sheet.below_complete


def test_without_assessment_the_total_says_so_art_12_16() -> None:
    """Art. 12-16: no officer.assessed: total = task points alone, "chưa có điểm tiêu chí chung"; below "complete"
    only when even 30 general points cannot reach 50 (task points < 20)."""
    sheet = period_sheet("2026-03", _clean(4), None, R)
    assert (sheet.total, sheet.general, sheet.general_points, sheet.note) == (70, None, None, NO_GENERAL)
    assert not sheet.below_complete
    low = period_sheet("2026-03", [_task("A"), *[_task(f"N{i}", done=False) for i in range(3)]], None, R)
    assert low.task.points == 17.5 and low.below_complete  # 25 % × 0.7 = 17.5; 17.5 + 30 < 50


def test_below_complete_with_assessment_art_20() -> None:
    """Art. 20(1)(a): 35 task points + 10 general = 45 < 50."""
    sheet = period_sheet("2026-03", [_task("A"), _task("B", done=False)], {"pham_chat": 10}, R)
    assert sheet.total == 45 and sheet.below_complete


def test_sheet_json_is_the_contracts_shape_art_14() -> None:
    """Art. 14: the sheet as the API shows it."""
    doc = period_sheet("2026-03", [_task("L", late=True, late_event="e1")], {"pham_chat": 5}, R).as_json()
    assert doc["tasks"] == {"assigned": 1, "done": 1, "at_quality": 1, "on_time": 0.75}
    assert doc["shares"] == {"a": 100, "b": 100, "c": 75}
    assert doc["deductions"] == [{"kind": "late", "key": "L", "event": "e1", "excused": False, "cause_event": None}]
    assert doc["task_points"] == 64.1667
    assert doc["general_points"] == 5 and doc["total"] == 69.1667 and doc["general"]["max"]["doi_moi"] == 10


# ---------------------------------------------------------------------------------------------- periods (Art. 14)


def test_periods_month_or_quarter_in_vietnam_time_art_14() -> None:
    """Art. 14 (monthly or quarterly): 17:30 UTC on 31 March is 00:30 on 1 April in Vietnam."""
    assert periods_of(2026, R)[0] == "2026-01" and len(periods_of(2026, R)) == 12
    assert periods_of(2026, QUARTER) == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    moment = datetime(2026, 3, 31, 17, 30, tzinfo=UTC)
    assert period_of(moment, R) == "2026-04" and period_of(moment, QUARTER) == "2026-Q2"
    assert period_of(datetime(2026, 3, 31, 16, 59, tzinfo=UTC), R) == "2026-03"
    start, end = period_bounds("2026-Q4")
    assert (start.date(), end.date()) == (date(2026, 10, 1), date(2027, 1, 1))
    assert period_bounds("2026-12")[1].date() == date(2027, 1, 1)


def test_quarter_weighs_by_units_where_months_weigh_each_month_art_14_21() -> None:
    """Art. 14, 21: Jan 10 clean, Feb 10 with 4 late, Mar 20 clean, 30 general points each period.
    Monthly: Jan 100, Feb 70 × (100 + 100 + 90)/300 + 30 = 97.6667, Mar 100 → year (100 + 97.6667 + 100)/3 = 99.2222.
    Quarterly: c = (40 − 1)/40 = 97.5 → 0.7 × 297.5/3 = 69.4167 + 30 = 99.4167."""
    jan, feb, mar = _clean(10, "J"), [*_clean(6, "F"), *[_task(f"FL{i}", late=True) for i in range(4)]], _clean(20, "M")
    full = {"pham_chat": 10, "nang_luc": 10, "doi_moi": 10}
    months = [period_sheet(p, t, full, R) for p, t in (("2026-01", jan), ("2026-02", feb), ("2026-03", mar))]
    assert [s.total for s in months] == [100, 97.6667, 100]
    assert year_rating(2026, months, set(), [], R).score == 99.2222
    quarter = period_sheet("2026-Q1", jan + feb + mar, full, QUARTER)
    assert quarter.total == 99.4167
    assert year_rating(2026, [quarter], set(), [], QUARTER).score == 99.4167


# ---------------------------------------------------------------------------------------------- the year (Art. 20-21)


def test_levels_art_20() -> None:
    """Art. 20: ≥ 90 excellent, 70–<90 good, 50–<70 complete, else incomplete."""
    assert [R.level(s) for s in (90, 89.99, 70, 69.99, 50, 49.99)] == [
        "excellent",
        "good",
        "good",
        "complete",
        "complete",
        "incomplete",
    ]


def test_year_is_the_mean_of_the_periods_worked_and_leave_is_excluded_art_21() -> None:
    """Art. 21: March wholly on leave (its sheet excluded); totals 80, 90, 100 of the others → 90, excellent."""
    sheets = [_sheet("2026-01", 80), _sheet("2026-02", 90), _sheet("2026-03", 10), _sheet("2026-04", 100)]
    rating = year_rating(2026, sheets, {"2026-03"}, [], R)
    assert (rating.score, rating.level, rating.periods) == (90, "excellent", ["2026-01", "2026-02", "2026-04"])
    assert rating.not_complete == [] and rating.unseen == UNSEEN_CONDITIONS


def test_leave_covering_a_whole_period_art_21() -> None:
    """Art. 21: a period wholly on leave is excluded; partly on leave, it counts (time actually worked)."""
    assert leave_only("2026-03", [(date(2026, 3, 1), date(2026, 3, 31))])
    assert leave_only("2026-03", [(date(2026, 3, 16), date(2026, 4, 10)), (date(2026, 2, 20), date(2026, 3, 15))])
    assert not leave_only("2026-03", [(date(2026, 3, 2), date(2026, 3, 31))])
    assert not leave_only("2026-03", [(date(2026, 3, 1), date(2026, 3, 10)), (date(2026, 3, 12), date(2026, 3, 31))])
    assert leave_only("2026-Q1", [(date(2026, 1, 1), date(2026, 3, 31))])
    assert not leave_only("2026-Q1", [])


def test_transfer_averages_the_periods_of_both_units_art_21() -> None:
    """Art. 21 (transfer): Jan–Jun 80 in the old unit, Jul–Dec 100 in the new one → 90; June split between the two
    units (80 and 100) counts once, as 90: (5 × 80 + 90 + 6 × 100)/12 = 90.8333."""
    old = [_sheet(f"2026-{m:02d}", 80) for m in range(1, 7)]
    new = [_sheet(f"2026-{m:02d}", 100) for m in range(7, 13)]
    assert year_rating(2026, old + new, set(), [], R).score == 90
    split = [*old, _sheet("2026-06", 100), *new]
    rating = year_rating(2026, split, set(), [], R)
    assert rating.score == 90.8333 and len(rating.periods) == 12


def test_other_years_and_sheets_without_total_do_not_count_art_21() -> None:
    """Art. 21: a 2025 sheet and a month without assigned work are not periods of 2026's score."""
    rating = year_rating(2026, [_sheet("2025-12", 10), _sheet("2026-01", None), _sheet("2026-02", 75)], set(), [], R)
    assert (rating.score, rating.level, rating.periods) == (75, "good", ["2026-02"])
    assert year_rating(2026, [], set(), [], R).score is None


def test_not_complete_below_50_art_20_1_a() -> None:
    """Art. 20(1)(a): a year's score of 45 is not complete, with the reason."""
    rating = year_rating(2026, [_sheet("2026-01", 40), _sheet("2026-02", 50)], set(), [], R)
    assert rating.level == "incomplete" and rating.not_complete[0].startswith("Điều 20 khoản 1 điểm a")


def test_not_complete_for_duty_related_discipline_art_20_1_c() -> None:
    """Art. 20(1)(c): a reprimand (khiển trách) tied to public duty makes 95 not complete; one not tied to duty and
    a form outside the rule file's list do not."""
    sheets = [_sheet("2026-01", 95)]
    rating = year_rating(2026, sheets, set(), [("reprimand", True, "ev-kl")], R)
    assert rating.level == "incomplete" and rating.score == 95
    assert len(rating.not_complete) == 1 and "ev-kl" in rating.not_complete[0] and "điểm c" in rating.not_complete[0]
    assert year_rating(2026, sheets, set(), [("reprimand", False, "ev-kl")], R).level == "excellent"
    narrow = replace(R, discipline_forms=frozenset({"warning"}))
    assert year_rating(2026, sheets, set(), [("reprimand", True, "ev-kl")], narrow).level == "excellent"


def test_conditions_not_in_the_evidence_are_said_art_20_1_b_d() -> None:
    """Art. 20(1)(b), (d): not in our evidence: the rating lists them as not checked."""
    rating = year_rating(2026, [_sheet("2026-01", 95)], set(), [], R)
    assert any("điểm b" in u for u in rating.unseen) and any("điểm d" in u for u in rating.unseen)
    assert rating.as_json()["unseen"] == list(UNSEEN_CONDITIONS)


def test_partial_when_general_points_are_missing_art_12_21() -> None:
    """Art. 12, 21: a counted period without the manager's points makes the year partial."""
    assert year_rating(2026, [_sheet("2026-01", 70, None)], set(), [], R).partial


# ------------------------------------------------------------------------------------------------- the cap, Art. 20(5)


def _rating(score: float) -> YearRating:
    return YearRating(2026, score, R.level(score), ["2026-01"], [])


def test_cap_within_the_unit_art_20_5() -> None:
    """Art. 20(5): 3 excellent (95, 92, 91) and 7 good: 20 % of the 10 rated good or better = 2; the 91 becomes
    good with the reason. Counting only those rated good (7): 1 allowed; 92 and 91 become good."""
    ratings = {"A": _rating(95), "B": _rating(92), "C": _rating(91)} | {f"G{i}": _rating(80) for i in range(7)}
    capped = apply_cap(ratings, {}, R)
    assert [capped[o].level for o in ("A", "B", "C")] == ["excellent", "excellent", "good"]
    assert capped["C"].capped is not None and "Điều 20 khoản 5" in capped["C"].capped
    assert capped["A"].capped is None and capped["C"].as_json()["capped"] is True
    strict = apply_cap(ratings, {}, replace(R, cap_base="good"))
    assert [strict[o].level for o in ("A", "B", "C")] == ["excellent", "good", "good"]


def test_cap_within_each_peer_group_art_20_5() -> None:
    """Art. 20(5): the unit allows 3 of 15 (all three excellent kept by it); the peer group mot_cua (5 officers,
    2 excellent: 5 × 20 % = 1) keeps only its best, B (93); its 91 becomes good though the unit's cap keeps it."""
    ratings = {"A": _rating(95), "B": _rating(93), "C": _rating(91)} | {f"G{i}": _rating(80) for i in range(12)}
    assert all(r.level == "excellent" for o, r in apply_cap(ratings, {}, R).items() if o in "ABC")
    groups: dict[str, str | None] = {"B": "mot_cua", "C": "mot_cua", "G0": "mot_cua", "G1": "mot_cua", "G2": "mot_cua"}
    capped = apply_cap(ratings, groups | {"A": None}, R)
    assert [capped[o].level for o in ("A", "B", "C")] == ["excellent", "excellent", "good"]
    assert capped["C"].capped is not None and "mot_cua" in capped["C"].capped


def test_cap_of_a_small_unit_allows_none_art_20_5() -> None:
    """Art. 20(5): 4 officers rated good or better: 20 % × 4 = 0.8 → no excellent; ties broken by officer id."""
    ratings = {"A": _rating(95), "B": _rating(95), "C": _rating(80), "D": _rating(60), "E": _rating(75)}
    capped = apply_cap(ratings, {}, R)
    assert {o: r.level for o, r in capped.items()} == {
        "A": "good",
        "B": "good",
        "C": "good",
        "D": "complete",
        "E": "good",
    }


# ------------------------------------------------------------------------------------------ the rule file, scope


def test_shipped_rule_file_tracking_art_14_20() -> None:
    """Art. 14, 20: the shipped rule file: monthly from 2026-01-01, 70 + 3 × 10, 90/70/50, 20 %, unconfirmed marks."""
    t = load_rules(RULES).book.tracking
    assert (t.effective_from, t.period_kind, t.task_max, t.general_max) == (date(2026, 1, 1), "month", 70, 30)
    assert (t.excellent, t.good, t.complete, t.cap_share) == (90, 70, 50, 0.2)
    assert [c.code for c in t.general] == ["pham_chat", "nang_luc", "doi_moi"]
    assert not t.formula_confirmed and not t.general_confirmed
    assert t.applies(2026) and not t.applies(2025)


def test_rule_file_without_tracking_and_with_a_bad_one_art_14() -> None:
    """Art. 14: rule files before 2026.3 have no [tracking] (the defaults); a bad period kind is refused."""
    doc = read_rules_file(RULES)
    assert rules_from({k: v for k, v in doc.items() if k != "tracking"}).book.tracking == TrackingRules()
    quarterly = rules_from(doc | {"tracking": doc["tracking"] | {"period": "quarter"}})
    assert quarterly.book.tracking.period_kind == "quarter"
    with pytest.raises(RulebookInvalid, match=r"tracking\.period"):
        rules_from(doc | {"tracking": doc["tracking"] | {"period": "week"}})
    with pytest.raises(RulebookInvalid, match="thresholds"):
        rules_from(doc | {"tracking": doc["tracking"] | {"good": 95}})


def test_only_civil_servants_are_rated_decree_335_art_1() -> None:
    """Decree 335 (scope): công chức by staff_kind, else by category."""
    assert is_civil_servant("civil_servant", "public_employee")
    assert not is_civil_servant("public_employee", "civil_servant")
    assert is_civil_servant(None, "civil_servant") and not is_civil_servant(None, "cadre")
