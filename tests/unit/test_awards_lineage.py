"""Unit lineage in the awards (issue 24): titles carried over to a successor (local choice, law-2026 §4 L: not found
in the texts), no collective title for a unit that ended or was dissolved (Circular 15/2025/TT-BNV), a successor's
members for the year of a merger."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import date, datetime

import pytest

from schemas.lineage import Reorganization
from schemas.vietnam import VN_TZ
from services.awards.config import RULES
from services.awards.domain.evaluate import evaluate_unit
from services.awards.domain.lineage import lineage_view, only_ended, touched_by
from services.awards.domain.memberships import Membership, members_for
from services.awards.domain.preview import preview_unit
from services.awards.domain.records import Fact, Forebear, OfficerRecord, UnitRecord
from services.awards.domain.rulebook import build_award_rules
from services.awards.domain.verdicts import Verdict

DOC = tomllib.loads(RULES.read_text(encoding="utf-8"))
RULES_ = build_award_rules(DOC)
Y = 2025
JULY = datetime(2025, 7, 1, tzinfo=VN_TZ)
LDXS = "tap_the_lao_dong_xuat_sac"
KHEN = "bang_khen_chu_tich_tinh"
COLLECTIVE = ("tap_the_lao_dong_tien_tien", LDXS, "co_thi_dua_tinh", KHEN)


def change(kind: str, before: tuple[str, ...], after: tuple[str, ...], at: datetime = JULY) -> Reorganization:
    return Reorganization(f"src:{kind}-{'-'.join(before)}", kind, before, after, at, "NQ 1674/NQ-UBTVQH15")


def staff(unit_id: str) -> list[OfficerRecord]:
    """Six members rated good for Y, one with a recognised initiative (Chiến sĩ thi đua cơ sở)."""
    members = []
    for n in range(6):
        o = OfficerRecord(f"{unit_id}-O{n}", unit_id, name=f"Cán bộ {n}")
        o.ratings[Y] = Fact(Y, "good", f"src:{unit_id}-r{n}")
        if n == 0:
            o.initiatives.append(Fact(Y, "unit", f"src:{unit_id}-i"))
        members.append(o)
    return members


def successor(changes: list[Reorganization], titled: dict[str, int]) -> UnitRecord:
    """N, meeting Tập thể LĐXS for Y (not rated excellent the year before), with predecessors holding Tập thể LĐXS
    in the years given."""
    n = UnitRecord("N", "K1", name="Phường N", members=staff("N"), changes=changes)
    n.ratings[Y] = Fact(Y, "excellent", "src:N-rating")
    names = {"A": "Phường A", "B": "Phường B", "C": "Xã C"}
    n.unit_names = {"N": "Phường N", **names}
    n.forebears = {u: Forebear(u, names[u]) for u in ("A", "B", "C")}
    for unit, year in titled.items():
        n.forebears[unit].titles[year] = {LDXS: f"src:title-{unit}-{year}"}
    return n


def verdict(u: UnitRecord, title: str, rules: object = RULES_, on: date | None = None) -> Verdict:
    [found] = [v for kind, _, v in evaluate_unit(u, Y, rules, on) if kind == "unit" and v.title == title]  # type: ignore[arg-type]
    return found


def test_a_predecessors_tap_the_ldxs_carries_over_to_its_successor_named_local_choice_law_2026_s4_l() -> None:
    n = successor([change("merge", ("A", "B"), ("N",))], {"A": 2024})
    assert verdict(n, LDXS).met
    khen = verdict(n, KHEN)
    assert khen.met
    [streak] = [c for c in khen.checks if c.code == "two_excellent_years"]
    assert "2024: Tập thể lao động xuất sắc của đơn vị tiền thân Phường A (hợp nhất vào đơn vị từ 01/07/2025" in (
        streak.reason
    )
    assert "src:title-A-2024" in khen.evidence


def test_carry_over_off_in_the_rule_file_breaks_the_streak_local_choice_law_2026_s4_l() -> None:
    off = build_award_rules({**DOC, "lineage": {"carry_over_titles": False}})
    n = successor([change("merge", ("A", "B"), ("N",))], {"A": 2024})
    assert not verdict(n, KHEN, off).met
    assert verdict(n, KHEN).met  # the default: carried over


def test_carry_over_follows_the_kinds_of_the_rule_file_local_choice_law_2026_s4_l() -> None:
    renamed = successor([change("rename", ("A",), ("N",))], {"A": 2024})
    assert verdict(renamed, KHEN).met  # rename is in the default kinds
    merge_only = build_award_rules({**DOC, "lineage": {"carry_over_kinds": ["merge"]}})
    assert not verdict(renamed, KHEN, merge_only).met
    split = successor([change("split", ("A",), ("N", "C"))], {"A": 2024})
    assert not verdict(split, KHEN).met  # split is not in the default kinds
    with_split = build_award_rules({**DOC, "lineage": {"carry_over_kinds": ["merge", "split"]}})
    assert verdict(split, KHEN, with_split).met


def test_carry_over_kinds_are_validated_local_choice_law_2026_s4_l() -> None:
    assert RULES_.carry_over_titles is True and RULES_.carry_over_kinds == {"merge", "rename"}
    with pytest.raises(ValueError, match="unknown kind"):
        build_award_rules({**DOC, "lineage": {"carry_over_kinds": ["merge", "absorb"]}})
    with pytest.raises(ValueError, match="true or false"):
        build_award_rules({**DOC, "lineage": {"carry_over_titles": "yes"}})


def test_any_of_several_predecessors_holding_the_title_carries_local_choice_law_2026_s4_l() -> None:
    n = successor([change("merge", ("A", "B", "C"), ("N",))], {"B": 2024, "C": 2024})
    khen = verdict(n, KHEN)
    assert khen.met
    [streak] = [c for c in khen.checks if c.code == "two_excellent_years"]
    assert "Phường B" in streak.reason and "Xã C" in streak.reason and "Phường A" not in streak.reason
    assert {"src:title-B-2024", "src:title-C-2024"} <= set(khen.evidence)
    nothing = successor([change("merge", ("A", "B", "C"), ("N",))], {"B": 2023})
    assert not verdict(nothing, KHEN).met  # 2023 is not the year before


def test_a_title_of_the_year_of_the_change_does_not_carry_local_choice_law_2026_s4_l() -> None:
    # The change is on 1/7/2025: only years wholly before it carry (A's 2025 would be the successor's own year).
    n = successor([change("merge", ("A",), ("N",), datetime(2024, 7, 1, tzinfo=VN_TZ))], {"A": 2024})
    assert not verdict(n, KHEN).met


def test_a_unit_merged_in_the_year_gets_no_collective_title_for_it_circular_15_2025_tt_bnv() -> None:
    a = UnitRecord("A", "K1", name="Phường A", members=staff("A"), changes=[change("merge", ("A", "B"), ("N",))])
    a.unit_names = {"N": "Phường N"}
    a.ratings[Y] = Fact(Y, "excellent", "src:A-rating")
    for title in COLLECTIVE:
        v = verdict(a, title)
        [check] = [c for c in v.checks if c.code == "unit_exists"]
        assert not v.met and not check.met
        assert check.reason.startswith("đã hợp nhất, sáp nhập vào Phường N từ 01/07/2025")
        assert "thành tích năm 2025 tính cho đơn vị kế thừa" in check.reason
    # Its officers are judged as ever (they are where they are registered at the year's end).
    assert any(kind == "officer" and v.met for kind, _, v in evaluate_unit(a, Y, RULES_))
    # The year before the change it still existed: its 2024 is its own.
    a.ratings[2024] = Fact(2024, "excellent", "src:A-2024")
    for m in a.members:
        m.ratings[2024] = Fact(2024, "good", "x")
        m.initiatives.append(Fact(2024, "unit", "src:i24"))
    earlier = [v for kind, _, v in evaluate_unit(a, 2024, RULES_) if kind == "unit" and v.title == LDXS]
    assert earlier[0].met


def test_a_dissolved_unit_is_never_nominated_once_dissolved_circular_15_2025_tt_bnv() -> None:
    d = UnitRecord("D", "K1", name="Cơ quan D", members=staff("D"))
    d.changes = [change("dissolution", ("D",), (), datetime(2025, 10, 1, tzinfo=VN_TZ))]
    d.ratings[Y] = Fact(Y, "excellent", "src:D-rating")
    v = verdict(d, LDXS)
    [check] = [c for c in v.checks if c.code == "unit_exists"]
    assert not v.met and "Thông tư 15/2025/TT-BNV" in check.reason and "giải thể từ 01/10/2025" in check.reason
    assert only_ended(v.checks)  # nothing else fails: an approved title decided before would stand
    # A year that ended before the dissolution, evaluated once dissolved: none either; evaluated before: its own.
    for m in d.members:
        m.ratings[2024] = Fact(2024, "good", "x")
        m.initiatives.append(Fact(2024, "unit", "src:i24"))
    d.ratings[2024] = Fact(2024, "excellent", "src:D-2024")

    def ldxs_2024(on: date) -> Verdict:
        return next(v for kind, _, v in evaluate_unit(d, 2024, RULES_, on) if kind == "unit" and v.title == LDXS)

    assert ldxs_2024(date(2025, 3, 1)).met
    assert not ldxs_2024(date(2025, 10, 1)).met


def test_the_preview_shows_lineage_carried_titles_and_the_refusing_check_circular_15_2025_tt_bnv() -> None:
    merge = change("merge", ("A", "B"), ("N",))
    n = successor([merge], {"A": 2024})
    part = preview_unit(n, Y, RULES_, date(2025, 12, 20), officers_visible=False)
    lineage = part["lineage"]
    assert [(p["unit_id"], p["kind"], p["name"]) for p in lineage["predecessors"]] == [
        ("A", "merge", "Phường A"),
        ("B", "merge", "Phường B"),
    ]
    assert lineage["predecessors"][0]["effective_at"].startswith("2025-07-01T00:00:00+07:00")
    assert lineage["carried_titles"] == [
        {"year": 2024, "title": LDXS, "unit_id": "A", "name": "Phường A", "evidence_id": "src:title-A-2024"}
    ]
    assert lineage["successors"] == [] and lineage["unit_exists"] is None
    assert any(x["title"] == KHEN for x in part["nominations"])
    a = UnitRecord("A", "K1", name="Phường A", changes=[merge], unit_names={"N": "Phường N"})
    view = lineage_view(a, Y, RULES_, date(2025, 12, 20))
    assert view is not None and view["successors"][0]["unit_id"] == "N"
    assert view["unit_exists"]["met"] is False and "Phường N" in view["unit_exists"]["reason"]
    assert lineage_view(UnitRecord("Z"), Y, RULES_, None) is None  # no lineage: nothing shown


def test_a_successors_members_include_officers_still_under_a_folded_predecessor_local_choice_law_2026_s4_l() -> None:
    merge = change("merge", ("A", "B"), ("N",))
    start = datetime(2020, 1, 1, tzinfo=VN_TZ)
    timelines = {
        "O1": [Membership(start, "e1", "A")],
        "O2": [Membership(start, "e2", "B")],
        "O3": [Membership(start, "e3", "N")],
        "O4": [Membership(start, "e4", "A"), Membership(datetime(2025, 3, 1, tzinfo=VN_TZ), "e5", "X")],
    }
    assert set(members_for(timelines, "N", Y, [merge])) == {"O1", "O2", "O3"}  # O4 left for X before the year's end
    assert set(members_for(timelines, "N", 2024, [merge])) == {"O3"}  # before the change: their own units
    assert set(members_for(timelines, "A", 2024, [merge])) == {"O1", "O4"}  # O4 moved in 2025
    assert members_for(timelines, "A", Y, [merge]) == {}  # A's people count in N for the year of the change
    dissolved = change("dissolution", ("A",), ())
    assert set(members_for(timelines, "A", Y, [dissolved])) == {"O1"}  # a dissolved unit's people stay where they are


def test_a_reorganization_touches_every_unit_named_from_its_year_circular_15_2025_tt_bnv() -> None:
    assert touched_by(change("merge", ("A", "B"), ("N",))) == {("A", 2025), ("B", 2025), ("N", 2025)}
    assert touched_by(change("dissolution", ("D",), ())) == {("D", None)}  # none once dissolved: every year
    assert replace(RULES_, carry_over_titles=False).carry_over_titles is False
