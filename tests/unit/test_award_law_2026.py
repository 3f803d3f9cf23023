"""The law of 2026 for awards at its edges (docs/rules.md, "The law of 2026 for awards"): discipline facts (Decree
152/2025 Art. 4), Decree 335/2025 for công chức, holds per Decree 152/2025, ties, unrated members, written votes."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import datetime

import pytest

from services.awards.config import RULES
from services.awards.domain.caps import excellence_within_cap, member_caps
from services.awards.domain.collective_titles import (
    co_thi_dua_tinh,
    tap_the_lao_dong_tien_tien,
    tap_the_lao_dong_xuat_sac,
)
from services.awards.domain.evaluate import council_decision, evaluate_unit
from services.awards.domain.ratings import effective_rating
from services.awards.domain.records import Discipline, Fact, OfficerRecord, OpenCase, UnitRecord
from services.awards.domain.rulebook import build_award_rules
from services.awards.domain.titles import lao_dong_tien_tien
from services.awards.domain.verdicts import Verdict

DOC = tomllib.loads(RULES.read_text(encoding="utf-8"))
RULES_ = build_award_rules(DOC)
T = "+07:00"


def at(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp + ("" if "+" in stamp[10:] else T))


def officer(n: int, year: int, level: str | None = "good", kind: str = "civil_servant", **kw: object) -> OfficerRecord:
    o = OfficerRecord(f"CB-{n:02d}", "U1", name=f"Cán bộ {n:02d}", staff_kind=kind)
    if level:
        o.ratings[year] = Fact(year, level, f"src:r{n}")
    for k, v in kw.items():
        setattr(o, k, v)
    return o


def unit(members: list[OfficerRecord], year: int, level: str = "good") -> UnitRecord:
    u = UnitRecord("U1", "K1", members=members)
    u.ratings[year] = Fact(year, level, "src:ru")
    return u


def verdicts(u: UnitRecord, year: int, title: str, rules: object = RULES_) -> dict[str, Verdict]:
    return {s: v for _, s, v in evaluate_unit(u, year, rules) if v.title == title}  # type: ignore[arg-type]


def reprimand(
    decided: str,
    violation: str | None = None,
    duty: bool | None = None,
    until: str | None = None,
    form: str = "reprimand",
) -> Discipline:
    year = at(violation or decided).year
    return Discipline(
        year, form, "hr:d1", at(decided), at(violation) if violation else None, duty, at(until) if until else None
    )


# --- 3. Discipline carries its facts (the violation's year; Decree 152/2025 Art. 4) --------------------------------


def test_rule_file_settings_of_the_law_of_2026_decree_335_2025_decree_152_2025() -> None:
    r = RULES_
    assert (r.decree_335_from.isoformat(), r.duty_related_default, r.excellent_max_share_outstanding_335) == (
        "2026-01-01",
        True,
        0.0,
    )
    assert (r.discipline_term_from.isoformat(), r.discipline_term_whole_year, r.case_holds_from.isoformat()) == (
        "2025-07-01",
        True,
        "2025-07-01",
    )
    assert r.absent_vote_in_writing
    assert "absent_vote_in_writing" not in r.vote_thresholds  # a setting, not a threshold
    with pytest.raises(ValueError):
        build_award_rules({**DOC, "law_2026": {**DOC["law_2026"], "duty_related_default": "yes"}})
    assert not build_award_rules({**DOC, "law_2026": {"duty_related_default": False}}).duty_related_default


def test_discipline_counts_in_the_violation_year_and_the_reason_says_so_decree_152_2025() -> None:
    o = officer(1, 2025, "excellent", kind="public_employee")
    o.disciplines = [reprimand("2026-01-10T09:00:00", violation="2025-11-20T09:00:00")]
    assert effective_rating(o, 2025, RULES_) == Fact(2025, "incomplete", "hr:d1")
    v = lao_dong_tien_tien(o, 2025, RULES_)
    no_discipline = next(c for c in v.checks if c.code == "no_discipline")
    assert not v.met and "vi phạm năm 2025, quyết định kỷ luật ngày 10/01/2026" in no_discipline.reason
    o.ratings[2026] = Fact(2026, "good", "src:r26")
    assert lao_dong_tien_tien(o, 2026, RULES_).met  # decided in 2026, but it counts against 2025


def test_discipline_without_violation_date_counts_in_the_decision_year_and_says_so_decree_90_2020() -> None:
    o = officer(1, 2025, "good", kind="public_employee", disciplines=[reprimand("2025-03-01T09:00:00")])
    reason = next(c.reason for c in lao_dong_tien_tien(o, 2025, RULES_).checks if c.code == "no_discipline")
    assert "không có ngày vi phạm: tính năm 2025 theo quyết định kỷ luật ngày 01/03/2025" in reason


@pytest.mark.parametrize(
    ("until", "counts_2026"),
    [
        ("2026-06-30T09:00:00", False),  # the term ends inside 2026: 2026 is not wholly after it
        ("2026-01-01T00:00:01", False),  # ends one second into 2026: just outside
        ("2026-01-01T00:00:00", True),  # ends exactly when 2026 starts (Vietnam time): at the edge, 2026 counts
        ("2025-12-31T23:59:59", True),  # ends one second before: just inside
        ("2025-10-01T09:00:00", True),  # ended in 2025
    ],
)
def test_achievements_count_from_the_end_of_the_discipline_term_decree_152_2025_art_4(
    until: str, counts_2026: bool
) -> None:
    o = officer(1, 2026, "good", kind="public_employee")
    o.disciplines = [reprimand("2025-04-01T09:00:00", until=until)]
    v = lao_dong_tien_tien(o, 2026, RULES_)
    assert v.met is counts_2026
    if not counts_2026:
        term = next(c for c in v.checks if c.code == "discipline_term")
        assert "thời hạn đến" in term.reason and "NĐ 152/2025/NĐ-CP, Điều 4" in term.reason and "hr:d1" in v.evidence


def test_discipline_term_year_reading_is_a_setting_decree_152_2025_art_4() -> None:
    o = officer(1, 2026, "good", kind="public_employee")
    o.disciplines = [reprimand("2025-04-01T09:00:00", until="2026-06-30T09:00:00")]
    lenient = replace(RULES_, discipline_term_whole_year=False)
    assert not lao_dong_tien_tien(o, 2026, RULES_).met and lao_dong_tien_tien(o, 2026, lenient).met
    o.disciplines = [reprimand("2025-04-01T09:00:00", until="2027-01-01T00:00:00")]  # covers the year's end
    assert not lao_dong_tien_tien(o, 2026, lenient).met


@pytest.mark.parametrize(("year", "applies"), [(2024, False), (2025, True)])
def test_discipline_term_applies_to_years_ending_after_1_july_2025_decree_152_2025_art_4(
    year: int, applies: bool
) -> None:
    o = officer(1, year, "good", kind="public_employee")
    o.disciplines = [reprimand(f"{year - 1}-06-01T09:00:00", until=f"{year}-06-30T09:00:00")]
    assert lao_dong_tien_tien(o, year, RULES_).met is not applies


# --- 4. Decree 335/2025 for công chức from 2026 ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "year", "duty", "incomplete"),
    [
        ("civil_servant", 2026, False, False),  # công chức, not duty-related: Art. 20(c) does not force it
        ("civil_servant", 2026, True, True),  # duty-related: forced
        ("civil_servant", 2026, None, True),  # unsaid: the rule file's default (true)
        ("civil_servant", 2025, False, True),  # 2025: Decree 90/2020 + 48/2023, any discipline
        ("public_employee", 2026, False, True),  # viên chức: the old decrees
        ("other", 2026, False, True),
    ],
)
def test_only_duty_related_discipline_forces_incomplete_for_cong_chuc_decree_335_2025_art_20(
    kind: str, year: int, duty: bool | None, incomplete: bool
) -> None:
    o = officer(1, year, "good", kind=kind)
    o.disciplines = [reprimand(f"{year}-05-01T09:00:00", duty=duty)]
    rating = effective_rating(o, year, RULES_)
    assert rating is not None and (rating.value == "incomplete") is incomplete
    v = lao_dong_tien_tien(o, year, RULES_)
    assert v.met is not incomplete
    reasons = " ".join(c.reason for c in v.checks)
    assert ("NĐ 335/2025" in reasons) is (kind == "civil_servant" and year >= 2026)
    if incomplete:
        assert ("48/2023" in reasons) is not (kind == "civil_servant" and year >= 2026)


def test_duty_related_default_is_a_setting_decree_335_2025_art_20() -> None:
    o = officer(1, 2026, "good", disciplines=[reprimand("2026-05-01T09:00:00")])
    assert not lao_dong_tien_tien(o, 2026, RULES_).met
    assert lao_dong_tien_tien(o, 2026, replace(RULES_, duty_related_default=False)).met


def test_decree_335_start_is_a_setting_decree_335_2025() -> None:
    o = officer(1, 2026, "good", disciplines=[reprimand("2026-05-01T09:00:00", duty=False)])
    assert lao_dong_tien_tien(o, 2026, RULES_).met
    later = build_award_rules({**DOC, "law_2026": {**DOC["law_2026"], "decree_335_from": "2027-01-01"}})
    assert not lao_dong_tien_tien(o, 2026, later).met


def mixed(year: int, groups: dict[str, tuple[int, int]]) -> list[OfficerRecord]:
    """Members by peer group: (excellent, good) per group."""
    members, n = [], 0
    for group, (excellent, good) in groups.items():
        for k in range(excellent + good):
            members.append(officer(n, year, "excellent" if k < excellent else "good", peer_group=group))
            n += 1
    return members


@pytest.mark.parametrize(
    ("groups", "within"),
    [
        ({"A": (1, 5), "B": (0, 5)}, True),  # unit 1/10 good (cap 2), group A 1/5 (cap 1): inside both
        ({"A": (2, 5), "B": (0, 5)}, False),  # unit 2/10 (at the cap) but group A 2/5 (cap 1): over the group's
        ({"A": (1, 4), "B": (1, 4)}, False),  # unit 2/8 (cap 1): over the unit's; each group 1/4 (cap 0): over
        ({"A": (1, 5), "B": (1, 5)}, True),  # unit 2/10 (cap 2), each group 1/5 (cap 1): at both caps
    ],
)
def test_excellence_cap_per_unit_and_per_peer_group_decree_335_2025_art_20_5(
    groups: dict[str, tuple[int, int]], within: bool
) -> None:
    u = unit(mixed(2026, groups), 2026)
    assert excellence_within_cap(u, 2026, RULES_).met is within
    v = verdicts(u, 2026, "chien_si_thi_dua_co_so")
    statuses = {v[m.officer_id].status for m in u.members if m.ratings[2026].value == "excellent"}
    assert statuses == ({"proposed"} if within else {"needs_review"})


def test_over_the_peer_group_cap_needs_review_with_both_counts_decree_335_2025_art_20_5() -> None:
    u = unit(mixed(2026, {"A": (2, 5), "B": (0, 5)}), 2026)
    caps = member_caps(u, 2026, RULES_)
    v = verdicts(u, 2026, "chien_si_thi_dua_co_so")["CB-00"]
    assert v.met and v.status == "needs_review"
    cap = next(c for c in v.checks if c.code == "excellence_cap")
    assert "đơn vị: có 2 cá nhân hoàn thành xuất sắc, tỷ lệ cho phép tối đa 2" in cap.reason
    assert "nhóm A: có 2 cá nhân hoàn thành xuất sắc, tỷ lệ cho phép tối đa 1" in cap.reason
    assert "NĐ 335/2025" in cap.reason and cap == caps["CB-00"]
    assert caps["CB-07"].met  # group B is inside its cap and so is the unit


@pytest.mark.parametrize(("year", "share"), [(2025, 0.25), (2026, 0.20)])
def test_outstanding_unit_exception_off_from_2026_decree_335_2025_art_20_5(year: int, share: float) -> None:
    u = unit([officer(n, year, "excellent" if n == 0 else "good") for n in range(5)], year, "excellent")  # 1 of 4
    assert excellence_within_cap(u, year, RULES_).met is (share == 0.25)
    on = replace(RULES_, excellent_max_share_outstanding_335=0.25)
    assert excellence_within_cap(u, year, on).met


# --- 5. Holds per Decree 152/2025 Art. 4 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("complaint", "khiếu nại"),
        ("denunciation", "tố cáo"),
        ("discipline_review", "đang xem xét kỷ luật"),
        ("inspection", "đang thanh tra, kiểm tra"),
        ("press_report", "báo chí phản ánh tham nhũng đang xác minh"),
        (None, "khiếu nại, tố cáo"),
    ],
)
def test_every_open_case_holds_and_names_its_kind_decree_152_2025_art_4(kind: str | None, words: str) -> None:
    case = OpenCase("hr:c1-opened", kind, "c1")
    v = lao_dong_tien_tien(officer(1, 2025, open_grievances=[case]), 2025, RULES_)
    hold = next(c for c in v.checks if c.code == "no_open_grievance")
    assert v.met and v.status == "on_hold" and not hold.met
    assert f"{words} (vụ việc c1, hr:c1-opened)" in hold.reason and "NĐ 152/2025/NĐ-CP, Điều 4" in hold.reason
    u = unit([officer(n, 2025) for n in range(3)], 2025)
    u.open_grievances = [case]
    assert tap_the_lao_dong_tien_tien(u, 2025, {"CB-00", "CB-01", "CB-02"}, RULES_).status == "on_hold"


@pytest.mark.parametrize(("kind", "held"), [("inspection", False), ("complaint", True)])
def test_before_decree_152_only_complaints_and_denunciations_hold_law_06_2022(kind: str, held: bool) -> None:
    o = officer(1, 2024, open_grievances=[OpenCase("hr:c1", kind, "c1")])
    assert lao_dong_tien_tien(o, 2024, RULES_).held is held


# --- 8. The edges ---------------------------------------------------------------------------------------------------


def flag_unit(uid: str, leaders: list[str]) -> UnitRecord:
    u = UnitRecord(uid, "K1", members=[])
    u.standing[2026] = (1, "Tốt", f"standings:{uid}")
    u.cluster_leaders[2026] = leaders
    return u


@pytest.mark.parametrize(
    ("leaders", "status"), [(["U1"], "proposed"), (["U1", "U2"], "needs_review"), ([], "proposed")]
)
def test_units_tied_at_rank_1_go_to_the_council_as_a_tie_law_06_2022(leaders: list[str], status: str) -> None:
    v = co_thi_dua_tinh(flag_unit("U1", leaders), 2026, RULES_)
    assert v.met and v.status == status
    if status == "needs_review":
        tie = next(c for c in v.checks if c.code == "cluster_tie")
        assert "đồng hạng nhất" in tie.reason and "U1, U2" in tie.reason
    second = flag_unit("U3", ["U1", "U2"])
    second.standing[2026] = (3, "Tốt", "standings:U3")
    assert not co_thi_dua_tinh(second, 2026, RULES_).met  # rank 3: not a leader, no tie


@pytest.mark.parametrize(
    ("ldtt", "others", "unrated", "met"),
    [
        (7, 3, 0, True),  # 7/10 = 70 %: at the share
        (7, 3, 5, True),  # 7/10 of the rated; 5 unrated left out (counted, they would make it 7/15)
        (6, 3, 1, False),  # 6/9 = 66.7 %: just outside, the unrated one changes nothing
        (3, 0, 7, True),  # 3/3 rated
    ],
)
def test_unrated_members_are_left_out_of_the_70_percent_share_decree_90_2020_law_06_2022(
    ldtt: int, others: int, unrated: int, met: bool
) -> None:
    """Unrated members (no rating for the year, e.g. under 6 months' work) count in neither side of the share."""
    rated = [officer(n, 2025, "good" if n < ldtt else "complete") for n in range(ldtt + others)]
    members = rated + [officer(50 + n, 2025, None) for n in range(unrated)]
    u = unit(members, 2025)
    passed = {m.officer_id for m in members if lao_dong_tien_tien(m, 2025, RULES_).met}
    assert len(passed) == ldtt
    v = tap_the_lao_dong_tien_tien(u, 2025, passed, RULES_)
    share = next(c for c in v.checks if c.code == "members_lao_dong_tien_tien")
    assert share.met is met
    assert (f"{unrated} thành viên chưa được đánh giá, không tính" in share.reason) is bool(unrated)


def test_unrated_members_do_not_block_everyone_complete_of_tap_the_ldxs_law_06_2022() -> None:
    members = [officer(n, 2025, "excellent" if n == 0 else "good") for n in range(7)] + [officer(9, 2025, None)]
    u = unit(members, 2025, "excellent")
    everyone = {m.officer_id for m in members[:7]}
    v = tap_the_lao_dong_xuat_sac(u, 2025, everyone, {"CB-00"}, RULES_)
    complete = next(c for c in v.checks if c.code == "all_members_complete")
    assert v.met and complete.met and "1 thành viên chưa được đánh giá, không tính" in complete.reason
    members[1].ratings[2025] = Fact(2025, "incomplete", "src:x")  # a rated member below complete still blocks
    assert not tap_the_lao_dong_xuat_sac(u, 2025, everyone, {"CB-00"}, RULES_).met


@pytest.mark.parametrize(
    ("present", "votes", "written", "decision"),
    [
        (9, 10, True, "approved"),  # 9 present, one written vote: 10/10 valid (the case)
        (9, 10, False, None),  # written votes not allowed: more votes than present is invalid
        (10, 11, True, None),  # never more votes than members
        (7, 9, True, None),  # quorum counts those present: 70 % < 80 %
        (8, 9, True, "approved"),  # 80 % present, 9/10 ≥ 80 %
    ],
)
def test_written_votes_of_absent_members_decree_91_2017_unconfirmed_for_2025(
    present: int, votes: int, written: bool, decision: str | None
) -> None:
    rules = replace(RULES_, absent_vote_in_writing=written)
    got, reason = council_decision("chien_si_thi_dua_co_so", 10, present, votes, rules)
    assert got == decision
    if decision and votes > present:
        assert f"{votes - present} phiếu bằng văn bản" in reason
