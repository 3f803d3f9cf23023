"""Awards takes the officer's rating computed from the evidence under Decree 335/2025 (ratings.v1, issue 26) where HR
sent none: Art. 20-21 (the annual rating from the tracking periods) for a công chức from 2026; HR's rating wins where
both exist and the difference is shown; a duty-related discipline still forces "không hoàn thành" (Art. 20(c))."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import date, datetime

from services.awards.config import RULES
from services.awards.domain.caps import excellence_within_cap
from services.awards.domain.evaluate import evaluate_unit
from services.awards.domain.preview import preview_unit
from services.awards.domain.ratings import effective_rating, rating_basis, rating_reason
from services.awards.domain.records import Discipline, EvidenceRating, Fact, OfficerRecord, UnitRecord
from services.awards.domain.rulebook import build_award_rules
from services.awards.domain.titles import lao_dong_tien_tien
from services.awards.domain.verdicts import Verdict

RULES_ = build_award_rules(tomllib.loads(RULES.read_text(encoding="utf-8")))
T = "+07:00"


def computed(year: int, level: str, score: float = 82.5, n: int = 1, **kw: object) -> EvidenceRating:
    return EvidenceRating(year, level, f"ratings:r{n}-{year}", score, 12, rule_version="2026.3", **kw)  # type: ignore[arg-type]


def officer(
    n: int,
    year: int,
    evidence: str | None,
    hr: str | None = None,
    kind: str = "civil_servant",
    peer_group: str | None = None,
) -> OfficerRecord:
    o = OfficerRecord(f"CB-{n:02d}", "U1", name=f"Cán bộ {n:02d}", staff_kind=kind, peer_group=peer_group)
    if hr:
        o.ratings[year] = Fact(year, hr, f"hr:r{n}")
    if evidence:
        o.evidence_ratings[year] = computed(year, evidence, n=n)
    return o


def unit(members: list[OfficerRecord], year: int) -> UnitRecord:
    u = UnitRecord("U1", "K1", members=members)
    u.ratings[year] = Fact(year, "good", "hr:ru")
    return u


def verdicts(u: UnitRecord, year: int, title: str) -> dict[str, Verdict]:
    return {s: v for _, s, v in evaluate_unit(u, year, RULES_) if v.title == title}


def test_without_hr_rating_the_evidence_rating_decides_ldtt_decree_335_2025_art_20_21() -> None:
    o = officer(1, 2026, "good")
    assert rating_basis(o, 2026, RULES_) == "evidence_335"
    assert effective_rating(o, 2026, RULES_) == Fact(2026, "good", "ratings:r1-2026")
    v = lao_dong_tien_tien(o, 2026, RULES_)
    assert v.met and "ratings:r1-2026" in v.evidence
    reason = next(c.reason for c in v.checks if c.code == "rating_good_or_better")
    assert reason.startswith("xếp loại hoàn thành tốt nhiệm vụ theo minh chứng (Nghị định 335)")
    assert "82,5 điểm bình quân 12 kỳ" in reason and "chưa có xếp loại của HR năm 2026" in reason
    assert "NĐ 335/2025/NĐ-CP, Điều 20-21" in reason


def test_an_incomplete_evidence_rating_gives_no_ldtt_and_names_its_conditions_decree_335_2025_art_20() -> None:
    o = OfficerRecord("CB-01", "U1", staff_kind="civil_servant")
    why = ("không hoàn thành: điểm bình quân dưới 50",)
    o.evidence_ratings[2026] = computed(2026, "incomplete", 41.0, not_complete=why)
    v = lao_dong_tien_tien(o, 2026, RULES_)
    assert not v.met
    assert "không hoàn thành, 41 điểm bình quân 12 kỳ; không hoàn thành: điểm bình quân dưới 50" in v.checks[0].reason


def test_hr_rating_wins_and_the_difference_is_shown_decree_335_2025_art_20() -> None:
    o = officer(1, 2026, "excellent", hr="good")
    assert rating_basis(o, 2026, RULES_) == "hr"
    assert effective_rating(o, 2026, RULES_) == Fact(2026, "good", "hr:r1")
    reason = rating_reason(o, 2026, RULES_)
    assert reason.startswith("xếp loại hoàn thành tốt nhiệm vụ (HR: hoàn thành tốt; ")
    assert "theo minh chứng (Nghị định 335): hoàn thành xuất sắc, 82,5 điểm" in reason
    assert "xếp loại của HR được dùng" in reason
    # Both ratings are in the evidence of the title; only HR's counts for CSTĐCS (HR said good, not excellent).
    u = unit([o], 2026)
    assert set(verdicts(u, 2026, "lao_dong_tien_tien")["CB-01"].evidence) == {"hr:r1", "ratings:r1-2026"}
    assert not verdicts(u, 2026, "chien_si_thi_dua_co_so")["CB-01"].met


def test_the_same_level_from_both_is_said_once_decree_335_2025() -> None:
    o = officer(1, 2026, "good", hr="good")
    assert rating_reason(o, 2026, RULES_) == "xếp loại hoàn thành tốt nhiệm vụ"


def test_evidence_rating_counts_only_for_cong_chuc_from_2026_decree_335_2025() -> None:
    vien_chuc = officer(1, 2026, "good", kind="public_employee")
    assert rating_basis(vien_chuc, 2026, RULES_) is None and effective_rating(vien_chuc, 2026, RULES_) is None
    before = officer(2, 2025, "good")
    assert effective_rating(before, 2025, RULES_) is None
    later = replace(RULES_, decree_335_from=date(2027, 1, 1))
    assert effective_rating(officer(3, 2026, "good"), 2026, later) is None
    assert rating_reason(vien_chuc, 2026, RULES_) == "chưa có xếp loại năm 2026"


def test_duty_related_discipline_overrides_the_evidence_rating_decree_335_2025_art_20_c() -> None:
    o = officer(1, 2026, "excellent")
    o.disciplines.append(
        Discipline(2026, "reprimand", "hr:kl1", datetime.fromisoformat(f"2026-05-04T09:00:00{T}"), duty_related=True)
    )
    assert rating_basis(o, 2026, RULES_) == "discipline"
    assert effective_rating(o, 2026, RULES_) == Fact(2026, "incomplete", "hr:kl1")
    reason = rating_reason(o, 2026, RULES_)
    assert reason.startswith("xếp loại báo cáo: hoàn thành xuất sắc nhiệm vụ theo minh chứng (Nghị định 335)")
    assert "xếp loại dùng để xét: không hoàn thành nhiệm vụ do bị kỷ luật trong năm 2026" in reason


def test_evidence_ratings_count_in_the_excellence_cap_per_peer_group_decree_335_2025_art_20_5() -> None:
    # Group A: 2 excellent by the evidence, 5 good (1 allowed); the unit: 2 excellent, 10 good (2 allowed).
    members = [officer(k, 2026, "excellent" if k < 2 else "good", peer_group="A" if k < 7 else "B") for k in range(12)]
    cap = excellence_within_cap(unit(members, 2026), 2026, RULES_)
    assert not cap.met
    assert "nhóm A: có 2 cá nhân hoàn thành xuất sắc, tỷ lệ cho phép tối đa 1" in cap.reason
    assert "đơn vị: có 2 cá nhân hoàn thành xuất sắc, tỷ lệ cho phép tối đa 2" in cap.reason


def test_preview_shows_which_rating_decided_and_counts_evidence_rated_members_decree_335_2025() -> None:
    members = [officer(1, 2026, "good"), officer(2, 2026, "excellent", hr="good"), officer(3, 2026, None)]
    part = preview_unit(unit(members, 2026), 2026, RULES_, date(2026, 12, 20), officers_visible=True)
    ldtt = {n["subject_id"]: n for n in part["nominations"] if n["title"] == "lao_dong_tien_tien"}
    assert ldtt["CB-01"]["rating_basis"] == "evidence_335" and ldtt["CB-02"]["rating_basis"] == "hr"
    assert "CB-03" not in ldtt
    assert part["missing"]["unrated_count"] == 1 and part["missing"]["rated_by_evidence_count"] == 1
    assert part["missing"]["unrated_members"] == [{"officer_id": "CB-03", "name": "Cán bộ 03"}]
    unit_titles = [n for n in part["nominations"] if n["subject_kind"] == "unit"]
    assert all(n["rating_basis"] is None for n in unit_titles)
