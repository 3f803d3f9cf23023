"""Award rules at their edges (docs/rules.md, "Titles and awards"), without I/O."""

from __future__ import annotations

import tomllib
from dataclasses import replace

import pytest

from services.awards.config import RULES
from services.awards.domain.caps import excellence_within_cap
from services.awards.domain.collective_titles import (
    co_thi_dua_tinh,
    tap_the_lao_dong_tien_tien,
    tap_the_lao_dong_xuat_sac,
)
from services.awards.domain.evaluate import council_decision, evaluate_unit
from services.awards.domain.records import Discipline, Fact, OfficerRecord, OpenCase, UnitRecord
from services.awards.domain.rulebook import build_award_rules
from services.awards.domain.titles import (
    bang_khen_ca_nhan,
    chien_si_thi_dua_co_so,
    chien_si_thi_dua_tinh,
    lao_dong_tien_tien,
)

RULES_ = build_award_rules(tomllib.loads(RULES.read_text(encoding="utf-8")))
Y = 2025


def officer(n: int, level: str | None = "good", **kw: object) -> OfficerRecord:
    o = OfficerRecord(f"CB-{n}", "U1")
    if level:
        o.ratings[Y] = Fact(Y, level, f"src:r{n}")
    for k, v in kw.items():
        setattr(o, k, v)
    return o


def unit(members: list[OfficerRecord], level: str = "good") -> UnitRecord:
    u = UnitRecord("U1", "K1", members=members)
    u.ratings[Y] = Fact(Y, level, "src:ru")
    return u


def test_lao_dong_tien_tien_needs_good_or_better_and_no_discipline() -> None:
    assert lao_dong_tien_tien(officer(1, "good"), Y, RULES_).met
    assert lao_dong_tien_tien(officer(1, "excellent"), Y, RULES_).met
    assert not lao_dong_tien_tien(officer(1, "complete"), Y, RULES_).met
    assert not lao_dong_tien_tien(officer(1, None), Y, RULES_).met
    disciplined = officer(1, "good", disciplines=[Discipline(Y, "reprimand", "src:d")])
    verdict = lao_dong_tien_tien(disciplined, Y, RULES_)
    # Decree 90/2020 as amended by Decree 48/2023: the discipline also makes the effective rating "incomplete".
    assert not verdict.met and [c.code for c in verdict.checks if not c.met] == [
        "rating_good_or_better",
        "no_discipline",
    ]
    # Discipline in another year does not block this one.
    assert lao_dong_tien_tien(officer(1, "good", disciplines=[Discipline(Y - 1, "warning", "src:d")]), Y, RULES_).met


def test_an_open_grievance_holds_rather_than_blocks_law_06_2022_chapter_vii() -> None:
    verdict = lao_dong_tien_tien(officer(1, "good", open_grievances=[OpenCase("src:g")]), Y, RULES_)
    assert verdict.met and verdict.held and verdict.status == "on_hold"


def test_cstdcs_by_excellence_or_by_initiative() -> None:
    assert chien_si_thi_dua_co_so(officer(1, "excellent"), Y, RULES_).met
    assert chien_si_thi_dua_co_so(officer(1, "good", initiatives=[Fact(Y, "unit", "src:i")]), Y, RULES_).met
    assert not chien_si_thi_dua_co_so(officer(1, "good"), Y, RULES_).met
    over = excellence_within_cap(unit([officer(1, "excellent")]), Y, RULES_)  # 1 excellent, 0 good: over the cap
    relying = chien_si_thi_dua_co_so(officer(1, "excellent"), Y, RULES_, over)
    assert relying.met and relying.status == "needs_review"


def _with_cstdcs_titles(years: list[int]) -> OfficerRecord:
    o = officer(1, "excellent", initiatives=[Fact(Y, "province", "src:i")])
    o.titles = {y: {"chien_si_thi_dua_co_so": f"src:t{y}"} for y in years}
    return o


def test_provincial_champion_needs_three_consecutive_years_not_three_with_a_gap() -> None:
    assert chien_si_thi_dua_tinh(_with_cstdcs_titles([Y - 2, Y - 1]), Y, RULES_, cstdcs_now=True).met
    gap = chien_si_thi_dua_tinh(_with_cstdcs_titles([Y - 3, Y - 1]), Y, RULES_, cstdcs_now=True)
    assert not gap.met and "three_consecutive_cstdcs" in [c.code for c in gap.checks if not c.met]
    assert not chien_si_thi_dua_tinh(_with_cstdcs_titles([Y - 2, Y - 1]), Y, RULES_, cstdcs_now=False).met
    no_province = _with_cstdcs_titles([Y - 2, Y - 1])
    no_province.initiatives = [Fact(Y, "unit", "src:i")]
    assert not chien_si_thi_dua_tinh(no_province, Y, RULES_, cstdcs_now=True).met


def test_chairmans_certificate_for_an_individual() -> None:
    assert bang_khen_ca_nhan(_with_cstdcs_titles([Y - 1]), Y, RULES_, cstdcs_now=True).met
    assert not bang_khen_ca_nhan(_with_cstdcs_titles([Y - 2]), Y, RULES_, cstdcs_now=True).met
    o = officer(1, "excellent", initiatives=[Fact(Y, "unit", "src:a"), Fact(Y - 1, "unit", "src:b")])
    o.ratings[Y - 1] = Fact(Y - 1, "excellent", "src:r0")
    assert bang_khen_ca_nhan(o, Y, RULES_, cstdcs_now=False).met  # two excellent years and two initiatives
    o.initiatives = o.initiatives[:1]
    assert not bang_khen_ca_nhan(o, Y, RULES_, cstdcs_now=False).met


def test_exactly_seventy_percent_lao_dong_tien_tien_is_enough_and_sixty_nine_is_not() -> None:
    members = [officer(n) for n in range(10)]
    u = unit(members)
    assert tap_the_lao_dong_tien_tien(u, Y, {f"CB-{n}" for n in range(7)}, RULES_).met  # 7/10 = 70%
    assert not tap_the_lao_dong_tien_tien(u, Y, {f"CB-{n}" for n in range(6)}, RULES_).met  # 60%
    big = unit([officer(n) for n in range(100)])
    assert not tap_the_lao_dong_tien_tien(big, Y, {f"CB-{n}" for n in range(69)}, RULES_).met  # 69%


def test_a_reprimand_does_not_block_the_collective_title_but_a_warning_does() -> None:
    members = [officer(n) for n in range(10)]
    passed = {f"CB-{n}" for n in range(1, 10)}
    members[0].disciplines = [Discipline(Y, "reprimand", "src:d")]
    assert tap_the_lao_dong_tien_tien(unit(members), Y, passed, RULES_).met
    members[0].disciplines = [Discipline(Y, "warning", "src:d")]
    verdict = tap_the_lao_dong_tien_tien(unit(members), Y, passed, RULES_)
    assert not verdict.met and "src:d" in verdict.evidence


def test_excellent_collective_needs_everyone_complete_and_a_cstdcs() -> None:
    members = [officer(n) for n in range(10)]
    everyone = {m.officer_id for m in members}
    assert tap_the_lao_dong_xuat_sac(unit(members, "excellent"), Y, everyone, {"CB-0"}, RULES_).met
    assert not tap_the_lao_dong_xuat_sac(unit(members, "excellent"), Y, everyone, set(), RULES_).met
    assert not tap_the_lao_dong_xuat_sac(unit(members, "good"), Y, everyone, {"CB-0"}, RULES_).met
    members[3].ratings[Y] = Fact(Y, "incomplete", "src:x")
    assert not tap_the_lao_dong_xuat_sac(unit(members, "excellent"), Y, everyone, {"CB-0"}, RULES_).met


def test_excellence_cap_is_twenty_percent_of_good_quy_dinh_366_art_11_decree_48_2023() -> None:
    six = [officer(n, "excellent" if n == 0 else "good") for n in range(6)]  # 1 excellent, 5 good: 20%, at the cap
    assert excellence_within_cap(unit(six), Y, RULES_).met
    five = [officer(n, "excellent" if n == 0 else "good") for n in range(5)]  # 1 excellent, 4 good: 25%, over
    assert not excellence_within_cap(unit(five), Y, RULES_).met
    # Over the cap, the council decides: the CSTĐCS by excellence is produced for review, not denied.
    decisions = evaluate_unit(unit(five), Y, RULES_)
    cstdcs = [v for kind, s, v in decisions if v.title == "chien_si_thi_dua_co_so" and s == "CB-0"]
    assert cstdcs and cstdcs[0].met and cstdcs[0].status == "needs_review"


def test_the_flag_goes_to_the_cluster_leader_with_targets_exceeded() -> None:
    u = unit([officer(1)])
    u.standing[Y] = (1, "Tốt", "standings:e1")
    assert co_thi_dua_tinh(u, Y, RULES_).met
    u.standing[Y] = (2, "Tốt", "standings:e1")
    assert not co_thi_dua_tinh(u, Y, RULES_).met
    u.standing[Y] = (1, "Khá", "standings:e1")
    assert not co_thi_dua_tinh(u, Y, RULES_).met


@pytest.mark.parametrize(
    ("title", "votes_for", "decision"),
    [
        ("chien_si_thi_dua_co_so", 80, "approved"),
        ("chien_si_thi_dua_co_so", 79, "rejected"),
        ("co_thi_dua_tinh", 80, "approved"),
        ("co_thi_dua_tinh", 79, "rejected"),
        ("chien_si_thi_dua_tinh", 90, "approved"),
        ("chien_si_thi_dua_tinh", 89, "rejected"),
    ],
)
def test_vote_thresholds_are_shares_of_all_members(title: str, votes_for: int, decision: str) -> None:
    assert council_decision(title, 100, 95, votes_for, RULES_)[0] == decision


def test_a_session_without_quorum_decides_nothing() -> None:
    decision, reason = council_decision("chien_si_thi_dua_co_so", 10, 7, 7, RULES_)  # 70% present < 80%
    assert decision is None and "túc số" in reason
    assert council_decision("chien_si_thi_dua_co_so", 10, 8, 8, RULES_)[0] == "approved"  # 80% present
    # More votes than present: absent members' written votes, counted only where the rule file allows them
    # ([council] absent_vote_in_writing, Decree 91/2017; default allowed).
    assert (
        council_decision("chien_si_thi_dua_co_so", 10, 8, 9, replace(RULES_, absent_vote_in_writing=False))[0] is None
    )
    assert council_decision("chien_si_thi_dua_co_so", 10, 8, 9, RULES_)[0] == "approved"


def test_quota_off_by_default_and_caps_when_set() -> None:
    members = [officer(n, "good", initiatives=[Fact(Y, "unit", f"src:i{n}")]) for n in range(10)]
    met = [s for _, s, v in evaluate_unit(unit(members), Y, RULES_) if v.title == "chien_si_thi_dua_co_so" and v.met]
    assert len(met) == 10
    from dataclasses import replace

    capped = replace(RULES_, cstdcs_quota_share=0.15)
    met = [s for _, s, v in evaluate_unit(unit(members), Y, capped) if v.title == "chien_si_thi_dua_co_so" and v.met]
    assert len(met) == 1
