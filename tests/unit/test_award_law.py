"""Law-faithful award rules at their edges (just inside, at, just outside each limit), each named by its source."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import date, datetime

import pytest

from services.awards.config import RULES
from services.awards.domain.caps import excellence_cap, excellence_within_cap
from services.awards.domain.collective_titles import (
    co_thi_dua_tinh,
    tap_the_lao_dong_tien_tien,
    tap_the_lao_dong_xuat_sac,
)
from services.awards.domain.evaluate import cash_table, close_refusal, evaluate_unit, quota_rank
from services.awards.domain.lifecycle import vn_year
from services.awards.domain.ratings import effective_rating
from services.awards.domain.records import Discipline, Fact, OfficerRecord, OpenCase, UnitRecord
from services.awards.domain.rulebook import build_award_rules
from services.awards.domain.titles import (
    bang_khen_ca_nhan,
    chien_si_thi_dua_co_so,
    chien_si_thi_dua_tinh,
    lao_dong_tien_tien,
)
from services.awards.domain.verdicts import Verdict

DOC = tomllib.loads(RULES.read_text(encoding="utf-8"))
RULES_ = build_award_rules(DOC)
Y = 2025


def officer(n: int, level: str | None = "good", **kw: object) -> OfficerRecord:
    o = OfficerRecord(f"CB-{n:02d}", "U1", name=f"Cán bộ {n:02d}")
    if level:
        o.ratings[Y] = Fact(Y, level, f"src:r{n}")
    for k, v in kw.items():
        setattr(o, k, v)
    return o


def unit(members: list[OfficerRecord], level: str = "good") -> UnitRecord:
    u = UnitRecord("U1", "K1", members=members)
    u.ratings[Y] = Fact(Y, level, "src:ru")
    return u


def verdicts(u: UnitRecord, title: str, rules: object = RULES_) -> dict[str, Verdict]:
    return {s: v for _, s, v in evaluate_unit(u, Y, rules) if v.title == title}  # type: ignore[arg-type]


def mix(excellent: int, good: int) -> list[OfficerRecord]:
    return [officer(n, "excellent" if n < excellent else "good") for n in range(excellent + good)]


# --- 8. Registration (đăng ký thi đua, Luật Thi đua, Khen thưởng 06/2022/QH15) -----------------------------------


def test_registration_off_by_default_changes_nothing_law_06_2022() -> None:
    assert not RULES_.registration_required
    for v in verdicts(unit(mix(0, 5)), "lao_dong_tien_tien").values():
        assert v.met and "registered" not in [c.code for c in v.checks]


@pytest.mark.parametrize(
    ("registered", "met"),
    [
        ({Y: {"lao_dong_tien_tien"}}, True),  # registered that title for the year
        ({Y: {"lao_dong_tien_tien", "chien_si_thi_dua_co_so"}}, True),  # and more
        ({Y: {"chien_si_thi_dua_co_so"}}, False),  # another title only
        ({Y - 1: {"lao_dong_tien_tien"}}, False),  # the year before only
        ({}, False),  # not registered at all
    ],
)
def test_registration_required_restricts_titles_law_06_2022(registered: dict[int, set[str]], met: bool) -> None:
    rules = replace(RULES_, registration_required=True)
    o = officer(1, registered=registered)
    v = verdicts(unit([o]), "lao_dong_tien_tien", rules)["CB-01"]
    check = next(c for c in v.checks if c.code == "registered")
    assert v.met is met and check.met is met
    assert ("đã đăng ký" if met else "chưa đăng ký") in check.reason and "Lao động tiên tiến" in check.reason


def test_registration_required_applies_to_unit_titles_law_06_2022() -> None:
    rules = replace(RULES_, registration_required=True)
    members = [officer(n, registered={Y: {"lao_dong_tien_tien"}}) for n in range(3)]
    u = unit(members)
    assert not verdicts(u, "tap_the_lao_dong_tien_tien", rules)["U1"].met
    u.registered = {Y: {"tap_the_lao_dong_tien_tien"}}
    assert verdicts(u, "tap_the_lao_dong_tien_tien", rules)["U1"].met


def test_registration_setting_read_from_rule_file_law_06_2022() -> None:
    doc = {**DOC, "registration": {"required": True}}
    assert build_award_rules(doc).registration_required
    assert not build_award_rules({k: v for k, v in DOC.items() if k != "registration"}).registration_required


# --- 9. Discipline voids the rating (Decree 90/2020 as amended by Decree 48/2023) -------------------------------


@pytest.mark.parametrize(
    ("discipline_year", "effective"), [(Y - 1, "excellent"), (Y, "incomplete"), (Y + 1, "excellent")]
)
def test_discipline_in_the_year_makes_rating_incomplete_decree_90_2020_amended_by_decree_48_2023(
    discipline_year: int, effective: str
) -> None:
    o = officer(1, "excellent", disciplines=[Discipline(discipline_year, "reprimand", "hr:disc")])
    rating = effective_rating(o, Y, RULES_)
    assert rating is not None and rating.value == effective


def test_disciplined_officer_criterion_shows_reported_and_effective_rating_decree_90_2020_decree_48_2023() -> None:
    o = officer(1, "excellent", disciplines=[Discipline(Y, "reprimand", "hr:disc")])
    v = lao_dong_tien_tien(o, Y, RULES_)
    check = next(c for c in v.checks if c.code == "rating_good_or_better")
    assert not v.met and not check.met
    assert "hoàn thành xuất sắc" in check.reason and "không hoàn thành nhiệm vụ" in check.reason
    assert "48/2023" in check.reason and "hr:disc" in v.evidence
    assert not chien_si_thi_dua_co_so(o, Y, RULES_).met  # no longer excellent either


def test_disciplined_without_hr_rating_is_still_incomplete_decree_90_2020_decree_48_2023() -> None:
    rating = effective_rating(officer(1, None, disciplines=[Discipline(Y, "warning", "hr:d")]), Y, RULES_)
    assert rating is not None and rating.value == "incomplete"


@pytest.mark.parametrize(
    ("stamp", "year"),
    [
        ("2025-12-31T23:59:59+07:00", 2025),
        ("2026-01-01T00:00:00+07:00", 2026),
        ("2025-12-31T16:59:59+00:00", 2025),
        ("2025-12-31T17:00:00+00:00", 2026),
    ],
)
def test_discipline_year_is_the_vietnam_calendar_year_decree_90_2020(stamp: str, year: int) -> None:
    assert vn_year(datetime.fromisoformat(stamp)) == year


# --- 10. Excellence cap (Quy định 366-QĐ/TW 2025 Art. 11; Decree 48/2023) ---------------------------------------


@pytest.mark.parametrize(
    ("excellent", "good", "within"),
    [
        (1, 10, True),  # 10 % of good: inside
        (1, 5, True),  # 20 % of good: at the limit
        (2, 10, True),  # 20 % of good: at the limit
        (1, 4, False),  # 25 % of good: just outside (the old good+excellent denominator allowed it)
        (3, 14, False),  # 21.4 %: just outside
    ],
)
def test_excellence_cap_20_percent_of_good_quy_dinh_366_art_11_decree_48_2023(
    excellent: int, good: int, within: bool
) -> None:
    cap = excellence_cap(unit(mix(excellent, good)), Y, RULES_)
    assert (cap.excellent, cap.good, cap.within) == (excellent, good, within)


@pytest.mark.parametrize(
    ("excellent", "good", "within"), [(1, 5, True), (1, 4, True), (2, 8, True), (2, 7, False), (1, 3, False)]
)
def test_excellence_cap_25_percent_for_outstanding_units_quy_dinh_366_art_11(
    excellent: int, good: int, within: bool
) -> None:
    cap = excellence_cap(unit(mix(excellent, good), "excellent"), Y, RULES_)
    assert cap.outstanding and cap.share == 0.25 and cap.within is within


def test_excellence_cap_shares_are_rule_file_settings_quy_dinh_366_art_11() -> None:
    doc = {**DOC, "excellence": {"max_share_of_good": 0.5, "max_share_of_good_outstanding_unit": 0.6}}
    rules = build_award_rules(doc)
    assert (rules.excellent_max_share, rules.excellent_max_share_outstanding) == (0.5, 0.6)
    assert excellence_cap(unit(mix(2, 4)), Y, rules).within  # 50 % of good: at the limit


def test_excellence_cap_counts_effective_ratings_decree_90_2020_decree_48_2023() -> None:
    members = mix(2, 5)  # 2 excellent of 5 good: over 20 %
    assert not excellence_cap(unit(members), Y, RULES_).within
    members[0].disciplines = [Discipline(Y, "reprimand", "hr:d")]  # now incomplete: 1 excellent of 5 good
    assert excellence_cap(unit(members), Y, RULES_).within


def test_over_the_cap_cstdcs_by_excellence_needs_review_with_count_and_cap_quy_dinh_366_art_11() -> None:
    v = verdicts(unit(mix(2, 5)), "chien_si_thi_dua_co_so")
    for officer_id in ("CB-00", "CB-01"):
        assert v[officer_id].met and v[officer_id].status == "needs_review"
        cap = next(c for c in v[officer_id].checks if c.code == "excellence_cap")
        assert "có 2 cá nhân hoàn thành xuất sắc, tỷ lệ cho phép tối đa 1" in cap.reason
    assert not v["CB-02"].met  # good, no initiative: no CSTĐCS at all


def test_at_the_cap_cstdcs_by_excellence_is_proposed_quy_dinh_366_art_11_decree_48_2023() -> None:
    v = verdicts(unit(mix(1, 5)), "chien_si_thi_dua_co_so")["CB-00"]
    assert v.met and v.status == "proposed"


def test_over_the_cap_an_initiative_route_does_not_rely_on_excellence_quy_dinh_366_art_11() -> None:
    members = mix(2, 5)
    members[0].initiatives = [Fact(Y, "unit", "src:i")]
    v = verdicts(unit(members), "chien_si_thi_dua_co_so")
    assert v["CB-00"].status == "proposed" and v["CB-01"].status == "needs_review"


def test_over_the_cap_bang_khen_by_excellent_years_needs_review_quy_dinh_366_art_11_decree_48_2023() -> None:
    o = officer(0, "excellent", initiatives=[Fact(Y, "unit", "src:a"), Fact(Y - 1, "unit", "src:b")])
    o.ratings[Y - 1] = Fact(Y - 1, "excellent", "src:r0")
    over = excellence_within_cap(unit([o]), Y, RULES_)  # 1 excellent, 0 good
    within = excellence_within_cap(unit([o, *mix(0, 5)]), Y, RULES_)
    assert bang_khen_ca_nhan(o, Y, RULES_, False, caps={Y: within, Y - 1: within}).status == "proposed"
    assert bang_khen_ca_nhan(o, Y, RULES_, False, caps={Y: over, Y - 1: within}).status == "needs_review"


def test_over_the_cap_cstd_tinh_relying_on_cstdcs_under_review_needs_review_quy_dinh_366_art_11() -> None:
    members = mix(2, 5)
    members[0].titles = {Y - 2: {"chien_si_thi_dua_co_so": "n1"}, Y - 1: {"chien_si_thi_dua_co_so": "n2"}}
    members[0].initiatives = [Fact(Y - 1, "province", "src:p")]
    v = verdicts(unit(members), "chien_si_thi_dua_tinh")["CB-00"]
    assert v.met and v.status == "needs_review"


# --- 11. CSTĐCS: research route and the quota (Law 06/2022; Decree 98/2023) -------------------------------------


@pytest.mark.parametrize(("research_year", "met"), [(Y - 1, False), (Y, True), (Y + 1, False)])
def test_cstdcs_by_accepted_research_project_in_the_year_law_06_2022_decree_98_2023(
    research_year: int, met: bool
) -> None:
    v = chien_si_thi_dua_co_so(officer(1, "good", research=[Fact(research_year, "unit", "src:rs")]), Y, RULES_)
    assert v.met is met
    if met:
        assert "src:rs" in v.evidence and "đề tài nghiên cứu khoa học" in v.checks[-1].reason


def test_cstdcs_quota_8_qualifying_20_percent_awards_2_decree_98_2023() -> None:
    members = [officer(n, "good", initiatives=[Fact(Y, "unit", f"src:i{n}")] if n >= 2 else []) for n in range(10)]
    met = sorted(
        s
        for s, v in verdicts(unit(members), "chien_si_thi_dua_co_so", replace(RULES_, cstdcs_quota_share=0.2)).items()
        if v.met
    )
    assert met == ["CB-02", "CB-03"]  # 8 qualify (CB-02..CB-09), 2 places; ranked by name then id


@pytest.mark.parametrize(("qualifying", "awarded"), [(1, 1), (2, 2), (3, 2)])
def test_cstdcs_quota_edges_share_of_members_decree_98_2023(qualifying: int, awarded: int) -> None:
    members = [
        officer(n, "good", initiatives=[Fact(Y, "unit", f"src:i{n}")] if n < qualifying else []) for n in range(10)
    ]
    v = verdicts(unit(members), "chien_si_thi_dua_co_so", replace(RULES_, cstdcs_quota_share=0.2))
    assert sum(1 for x in v.values() if x.met) == awarded
    outside = [x for x in v.values() if any(c.code == "quota" and not c.met for c in x.checks)]
    assert len(outside) == qualifying - awarded


def test_cstdcs_quota_order_score_then_rating_then_name_then_id_decree_98_2023() -> None:
    a = officer(1, "good", scores={Y: 80.0})
    b = officer(2, "excellent", scores={Y: 80.0})
    c = officer(3, "excellent")  # no score: after those with one
    d = officer(4, "good", scores={Y: 95.0})
    e = officer(5, "good", scores={Y: 80.0}, name="An")  # same score and level as a: name first
    assert sorted([a, b, c, d, e], key=lambda o: quota_rank(o, Y, RULES_)) == [d, b, e, a, c]


# --- 12. Streaks count approved titles only (Law 06/2022; Decree 98/2023) ---------------------------------------


def test_cstd_tinh_needs_three_consecutive_approved_cstdcs_law_06_2022() -> None:
    o = officer(1, "excellent", initiatives=[Fact(Y, "province", "src:i")])
    o.titles = {Y - 2: {"chien_si_thi_dua_co_so": "n1"}, Y - 1: {"chien_si_thi_dua_co_so": "n2"}}
    assert chien_si_thi_dua_tinh(o, Y, RULES_, cstdcs_now=True).met  # at: 3 in a row
    del o.titles[Y - 2]  # one revoked: 2 in a row
    assert not chien_si_thi_dua_tinh(o, Y, RULES_, cstdcs_now=True).met
    assert bang_khen_ca_nhan(o, Y, RULES_, cstdcs_now=True).met  # Bằng khen: 2 in a row, at
    del o.titles[Y - 1]
    assert not bang_khen_ca_nhan(o, Y, RULES_, cstdcs_now=True).met  # just outside


# --- 13. Collective titles (Law 06/2022 Art. 27-28; Decree 98/2023) ---------------------------------------------


@pytest.mark.parametrize(
    ("form", "met"), [(None, True), ("reprimand", False), ("warning", False), ("dismissal", False)]
)
def test_tap_the_ldxs_needs_everyone_complete_on_effective_ratings_law_06_2022_decree_90_2020(
    form: str | None, met: bool
) -> None:
    members = [officer(n) for n in range(10)]
    if form:
        members[3].disciplines = [Discipline(Y, form, "hr:d")]
    everyone = {m.officer_id for m in members}
    v = tap_the_lao_dong_xuat_sac(unit(members, "excellent"), Y, everyone, {"CB-00"}, RULES_)
    assert v.met is met
    assert next(c for c in v.checks if c.code == "all_members_complete").met is (form is None)


@pytest.mark.parametrize(("form", "gate"), [("reprimand", True), ("warning", False), ("demotion", False)])
def test_tap_the_ldxs_and_flag_gate_no_warning_or_above_law_06_2022_decree_98_2023(form: str, gate: bool) -> None:
    members = [officer(n) for n in range(10)]
    members[3].disciplines = [Discipline(Y, form, "hr:d")]
    u = unit(members, "excellent")
    u.standing[Y] = (1, "Tốt", "standings:e")
    ttlxs = tap_the_lao_dong_xuat_sac(u, Y, set(), set(), RULES_)
    assert next(c for c in ttlxs.checks if c.code == "no_heavy_discipline").met is gate
    assert co_thi_dua_tinh(u, Y, RULES_).met is gate
    assert tap_the_lao_dong_tien_tien(u, Y, {m.officer_id for m in members}, RULES_).met is gate
    assert co_thi_dua_tinh(u, Y, replace(RULES_, flag_requires_no_heavy_discipline=False)).met  # setting off


def test_flag_discipline_gate_is_a_rule_file_setting_on_by_default_decree_98_2023() -> None:
    assert RULES_.flag_requires_no_heavy_discipline
    doc = {**DOC, "flag": {"min_band": "Tốt", "no_heavy_discipline": False}}
    assert not build_award_rules(doc).flag_requires_no_heavy_discipline


# --- 14. Holds (Law 06/2022 ch. VII) ------------------------------------------------------------------------------


def test_open_grievance_holds_officer_and_unit_titles_law_06_2022_chapter_vii() -> None:
    o = officer(1, "excellent", open_grievances=[OpenCase("hr:g1")])
    assert (
        lao_dong_tien_tien(o, Y, RULES_).status == "on_hold"
        and chien_si_thi_dua_co_so(o, Y, RULES_).status == "on_hold"
    )
    u = unit([officer(n) for n in range(3)])
    u.open_grievances = [OpenCase("hr:g2")]
    v = tap_the_lao_dong_tien_tien(u, Y, {"CB-00", "CB-01", "CB-02"}, RULES_)
    assert v.met and v.status == "on_hold" and "hr:g2" in next(c.reason for c in v.checks if not c.met)
    assert lao_dong_tien_tien(officer(1), Y, RULES_).status == "proposed"


# --- 15. Money and deadlines (Decree 73/2024 base salary; Decree 98/2023 cash; Decree 90/2020 calendar) ---------


def test_cash_uses_base_salary_of_rule_file_and_lists_giay_khen_tap_the_decree_98_2023() -> None:
    # A decision of June 2025: Decree 98/2023's table, base 2,340,000 (Decree 73/2024), rounded up to 10,000 (Art. 53).
    on = date(2025, 6, 30)
    table = cash_table(RULES_, on)
    assert RULES_.money.base_on(on).vnd == 2_340_000
    assert table["giay_khen_tap_the"] == {"multiple": 0.6, "vnd": 1_410_000}  # 1,404,000 rounded up
    assert table["co_thi_dua_tinh"]["vnd"] == 18_720_000
    assert table["bang_khen_chu_tich_tinh_individual"]["multiple"] == 1.0


@pytest.mark.parametrize(
    ("today", "refused"),
    [(date(Y, 12, 14), True), (date(Y, 12, 15), False), (date(Y, 12, 16), False), (date(Y + 1, 1, 5), False)],
)
def test_close_refused_before_the_rating_deadline_decree_90_2020(today: date, refused: bool) -> None:
    reason = close_refusal(Y, today, RULES_)
    assert (reason is not None) is refused
    if reason:
        assert "15/12/2025" in reason and "force=true" in reason


def test_deadlines_are_rule_file_settings_decree_90_2020() -> None:
    assert (RULES_.rating_deadline, RULES_.dossier_deadline) == ("12-15", "12-10")
    rules = build_award_rules({**DOC, "calendar": {**DOC["calendar"], "rating_deadline": "12-01"}})
    assert close_refusal(Y, date(Y, 12, 1), rules) is None
    with pytest.raises(ValueError):
        build_award_rules({**DOC, "calendar": {**DOC["calendar"], "dossier_deadline": "13-40"}})
    with pytest.raises(ValueError):
        build_award_rules({k: v for k, v in DOC.items() if k != "base_salary"})
