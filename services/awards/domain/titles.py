"""The criteria of each title (Luật Thi đua, Khen thưởng 2022; NĐ 98/2023), as named pure functions.

Each returns a Verdict: met or not, every criterion with its reason in Vietnamese, and the evidence behind it.
A criterion either blocks the title, sends it to the council for review (over the excellence cap), or holds it
(an open complaint or denunciation).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from schemas.labels import BANDS, CRITERIA_TITLE_NAMES
from services.awards.domain.records import Fact, OfficerRecord, UnitRecord
from services.awards.domain.rulebook import AwardRules

GOOD_OR_BETTER = ("good", "excellent")
LEVEL_VI = {
    "excellent": "hoàn thành xuất sắc nhiệm vụ",
    "good": "hoàn thành tốt nhiệm vụ",
    "complete": "hoàn thành nhiệm vụ",
    "incomplete": "không hoàn thành nhiệm vụ",
}
LEVEL_RANK = {"excellent": 0, "good": 1, "complete": 2, "incomplete": 3}
DISCIPLINE_SOURCE = "NĐ 90/2020/NĐ-CP, sửa đổi bởi NĐ 48/2023/NĐ-CP"
CAP_SOURCE = "Quy định 366-QĐ/TW năm 2025, Điều 11; NĐ 48/2023/NĐ-CP"
Effect = Literal["block", "review", "hold"]


@dataclass(frozen=True)
class Check:
    """One criterion: its code, met or not, why, and what failing it does (block, review or hold)."""

    code: str
    met: bool
    reason: str
    effect: Effect = "block"


@dataclass
class Verdict:
    """A title's decision for one subject and year."""

    title: str
    met: bool
    checks: list[Check] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)

    @property
    def review(self) -> bool:
        """Met, but relies on an excellent rating over the cap: the council decides."""
        return any(c.effect == "review" and not c.met for c in self.checks)

    @property
    def held(self) -> bool:
        """An open complaint or denunciation holds it until closed."""
        return any(c.effect == "hold" and not c.met for c in self.checks)

    @property
    def status(self) -> str:
        """The status a new nomination for this verdict starts in."""
        return "on_hold" if self.held else "needs_review" if self.review else "proposed"


def _verdict(title: str, checks: list[Check], evidence: list[str]) -> Verdict:
    return Verdict(title, all(c.met or c.effect != "block" for c in checks), checks, sorted(set(evidence)))


def with_check(verdict: Verdict, check: Check, evidence: list[str] | None = None) -> Verdict:
    """The verdict with one more criterion."""
    return _verdict(verdict.title, [*verdict.checks, check], verdict.evidence + (evidence or []))


def grievance_check(record: OfficerRecord | UnitRecord) -> Check:
    """An open complaint or denunciation holds the nomination (Luật 06/2022, chương VII); it does not fail it."""
    if not record.open_grievances:
        return Check("no_open_grievance", True, "không có khiếu nại, tố cáo đang giải quyết", "hold")
    return Check(
        "no_open_grievance",
        False,
        "đang có khiếu nại, tố cáo chưa giải quyết xong ("
        + ", ".join(sorted(record.open_grievances))
        + "): tạm dừng xét",
        "hold",
    )


def not_blocked(record: OfficerRecord | UnitRecord, year: int) -> list[Check]:
    """Blocks before nomination: discipline in the counted year; a pending grievance holds."""
    checks = []
    if isinstance(record, OfficerRecord):
        found = [d for d in record.disciplines if d.year == year]
        checks.append(
            Check(
                "no_discipline",
                not found,
                "không bị kỷ luật trong năm"
                if not found
                else f"bị kỷ luật ({', '.join(d.value for d in found)}) trong năm {year}",
            )
        )
    checks.append(grievance_check(record))
    return checks


def effective_rating(o: OfficerRecord, year: int) -> Fact | None:
    """The rating that counts for awards: any discipline decided in the year makes it "incomplete"
    (NĐ 90/2020 as amended by NĐ 48/2023), whatever the HR evaluation said."""
    found = sorted(d.event for d in o.disciplines if d.year == year)
    if found:
        return Fact(year, "incomplete", found[0])
    return o.ratings.get(year)


def rating_reason(o: OfficerRecord, year: int) -> str:
    """Both the reported and the effective rating, in words."""
    reported, effective = o.ratings.get(year), effective_rating(o, year)
    said = f"xếp loại {LEVEL_VI.get(reported.value, reported.value)}" if reported else f"chưa có xếp loại năm {year}"
    if effective is None or effective == reported:
        return said
    events = ", ".join(sorted(d.event for d in o.disciplines if d.year == year))
    return (
        f"xếp loại báo cáo: {said.removeprefix('xếp loại ')}; xếp loại dùng để xét: "
        f"{LEVEL_VI['incomplete']} do bị kỷ luật trong năm {year} ({events}; {DISCIPLINE_SOURCE})"
    )


def _discipline_events(o: OfficerRecord, year: int) -> list[str]:
    return [d.event for d in o.disciplines if d.year == year]


@dataclass(frozen=True)
class ExcellenceCap:
    """The excellence cap of a unit and year: counts on effective ratings and the number allowed."""

    excellent: int
    good: int
    share: float
    outstanding: bool

    @property
    def allowed(self) -> int:
        """The most excellent ratings the cap allows (rounded down)."""
        return int(self.share * self.good + 1e-9)

    @property
    def within(self) -> bool:
        """True when the excellent ratings do not exceed the cap."""
        return self.excellent <= self.allowed


def excellence_cap(unit: UnitRecord, year: int, rules: AwardRules) -> ExcellenceCap:
    """Excellent ≤ 20 % of those rated GOOD (25 % in an outstanding unit), on effective ratings."""
    levels = [r.value for m in unit.members if (r := effective_rating(m, year)) is not None]
    own = unit.ratings.get(year)
    outstanding = own is not None and own.value == rules.outstanding_unit_rating
    return ExcellenceCap(
        sum(1 for lv in levels if lv == "excellent"),
        sum(1 for lv in levels if lv == "good"),
        rules.excellent_max_share_outstanding if outstanding else rules.excellent_max_share,
        outstanding,
    )


def excellence_within_cap(unit: UnitRecord, year: int, rules: AwardRules) -> Check:
    """The cap as a review criterion: over it, the council decides who keeps "excellent"."""
    cap = excellence_cap(unit, year, rules)
    kind = "đơn vị tiêu biểu" if cap.outstanding else "đơn vị"
    return Check(
        "excellence_cap",
        cap.within,
        f"năm {year} có {cap.excellent} cá nhân hoàn thành xuất sắc, tỷ lệ cho phép tối đa {cap.allowed}"
        f" ({cap.share:.0%} của {cap.good} cá nhân hoàn thành tốt, {kind}; {CAP_SOURCE})"
        + ("" if cap.within else ": Hội đồng xem xét"),
        "review",
    )


def registered_check(registered: Mapping[int, set[str]], year: int, title: str) -> Check:
    """Đăng ký thi đua: did the subject register this title for the year?"""
    name = CRITERIA_TITLE_NAMES.get(title, title)
    ok = title in registered.get(year, set())
    return Check(
        "registered",
        ok,
        f"đã đăng ký thi đua danh hiệu {name} năm {year}"
        if ok
        else f"chưa đăng ký thi đua danh hiệu {name} năm {year}",
    )


def lao_dong_tien_tien(o: OfficerRecord, year: int) -> Verdict:
    """Lao động tiên tiến: effective rating good or better, not blocked."""
    rating = effective_rating(o, year)
    ok = rating is not None and rating.value in GOOD_OR_BETTER
    reported = o.ratings.get(year)
    checks = [Check("rating_good_or_better", ok, rating_reason(o, year)), *not_blocked(o, year)]
    return _verdict("lao_dong_tien_tien", checks, ([reported.event] if reported else []) + _discipline_events(o, year))


def chien_si_thi_dua_co_so(o: OfficerRecord, year: int, cap: Check | None = None) -> Verdict:
    """Chiến sĩ thi đua cơ sở: Lao động tiên tiến and an excellent rating, a recognised initiative or an accepted
    research project; relying on an excellent rating over the cap sends it to review."""
    base = lao_dong_tien_tien(o, year)
    rating = effective_rating(o, year)
    excellent = rating is not None and rating.value == "excellent"
    initiatives = [i for i in o.initiatives if i.year == year]
    research = [r for r in o.research if r.year == year]
    routes = (
        ([LEVEL_VI["excellent"]] if excellent else [])
        + ([f"có sáng kiến được công nhận ({len(initiatives)})"] if initiatives else [])
        + ([f"có đề tài nghiên cứu khoa học được nghiệm thu ({len(research)})"] if research else [])
    )
    checks = [
        *base.checks,
        Check(
            "excellent_or_initiative",
            bool(routes),
            "; ".join(routes)
            if routes
            else "không hoàn thành xuất sắc, không có sáng kiến hay đề tài khoa học được công nhận",
        ),
    ]
    if excellent and not initiatives and not research and cap is not None and not cap.met:
        checks.append(cap)
    return _verdict(
        "chien_si_thi_dua_co_so", checks, base.evidence + [i.event for i in initiatives] + [r.event for r in research]
    )


def consecutive(years_with: set[int], year: int, count: int) -> bool:
    """True when each of the `count` years ending at `year` is in years_with."""
    return all(y in years_with for y in range(year - count + 1, year + 1))


def _approved_years(o: OfficerRecord | UnitRecord, title: str) -> set[int]:
    return {y for y in o.titles if o.has_title(y, title)}


def chien_si_thi_dua_tinh(
    o: OfficerRecord, year: int, cstdcs_now: bool, cstdcs_review: tuple[Check, ...] = ()
) -> Verdict:
    """Chiến sĩ thi đua cấp tỉnh: three consecutive CSTĐCS titles (earlier ones approved) and a province-scope
    initiative."""
    years = _approved_years(o, "chien_si_thi_dua_co_so") | ({year} if cstdcs_now else set())
    streak = consecutive(years, year, 3)
    province = [i for i in o.initiatives if i.value in ("province", "national") and year - 2 <= i.year <= year]
    checks = [
        Check(
            "three_consecutive_cstdcs",
            streak,
            f"Chiến sĩ thi đua cơ sở (đã được công nhận) các năm "
            f"{sorted(years)}" + (" (đủ 3 năm liên tục)" if streak else " (chưa đủ 3 năm liên tục)"),
        ),
        Check(
            "province_initiative",
            bool(province),
            "có sáng kiến cấp tỉnh" if province else "chưa có sáng kiến phạm vi cấp tỉnh trong 3 năm",
        ),
        *not_blocked(o, year),
    ]
    if streak and cstdcs_now:
        checks += list(cstdcs_review)
    evidence = [o.titles[y]["chien_si_thi_dua_co_so"] for y in years if o.has_title(y, "chien_si_thi_dua_co_so")]
    return _verdict("chien_si_thi_dua_tinh", checks, evidence + [i.event for i in province])


def bang_khen_ca_nhan(
    o: OfficerRecord,
    year: int,
    cstdcs_now: bool,
    cstdcs_review: tuple[Check, ...] = (),
    caps: Mapping[int, Check] | None = None,
) -> Verdict:
    """Bằng khen of the chairman (individual): 2 consecutive CSTĐCS (approved), or 2 consecutive excellent
    (effective) years with 2 initiatives; a route relying on excellence over the cap goes to review."""
    cstdcs = _approved_years(o, "chien_si_thi_dua_co_so") | ({year} if cstdcs_now else set())
    excellent = {y for y in (year - 1, year) if (r := effective_rating(o, y)) is not None and r.value == "excellent"}
    initiatives = [i for i in o.initiatives if year - 1 <= i.year <= year]
    by_titles = consecutive(cstdcs, year, 2)
    by_ratings = consecutive(excellent, year, 2) and len(initiatives) >= 2
    titles_review = list(cstdcs_review) if by_titles and cstdcs_now else []
    ratings_review = [c for y in (year - 1, year) if (c := (caps or {}).get(y)) is not None and not c.met]
    reason = (
        "2 năm liên tục Chiến sĩ thi đua cơ sở"
        if by_titles
        else "2 năm liên tục hoàn thành xuất sắc và 2 sáng kiến"
        if by_ratings
        else "chưa đủ 2 năm liên tục Chiến sĩ thi đua cơ sở, hoặc 2 năm xuất sắc với 2 sáng kiến"
    )
    review: list[Check] = []
    if not ((by_titles and not titles_review) or (by_ratings and not ratings_review)):
        review = titles_review if by_titles else ratings_review if by_ratings else []
    evidence = [o.ratings[y].event for y in (year - 1, year) if y in o.ratings]
    return _verdict(
        "bang_khen_chu_tich_tinh",
        [Check("two_year_record", by_titles or by_ratings, reason), *review, *not_blocked(o, year)],
        evidence + [i.event for i in initiatives],
    )


def _members_share(unit: UnitRecord, passed: set[str]) -> tuple[float, int, int]:
    total = len(unit.members)
    count = sum(1 for m in unit.members if m.officer_id in passed)
    return (count / total if total else 0.0), count, total


def heavy_discipline(unit: UnitRecord, year: int, rules: AwardRules) -> tuple[Check, list[str]]:
    """Nobody in the unit disciplined at warning or above in the year, and the decisions that say otherwise."""
    heavy = [d.event for m in unit.members for d in m.disciplines if d.year == year and d.value in rules.blocking_forms]
    return Check(
        "no_heavy_discipline",
        not heavy,
        "không có cá nhân bị kỷ luật từ cảnh cáo trở lên"
        if not heavy
        else f"{len(heavy)} cá nhân bị kỷ luật từ cảnh cáo trở lên trong năm {year}",
    ), heavy


def _unit_rating_reason(unit: UnitRecord, year: int) -> str:
    rating = unit.ratings.get(year)
    return f"tập thể xếp loại {LEVEL_VI.get(rating.value, rating.value)}" if rating else "chưa có xếp loại tập thể"


def tap_the_lao_dong_tien_tien(unit: UnitRecord, year: int, lao_dong: set[str], rules: AwardRules) -> Verdict:
    """Tập thể lao động tiên tiến: unit good or better, ≥ 70% members LĐTT, nobody disciplined at warning+."""
    rating = unit.ratings.get(year)
    share, count, total = _members_share(unit, lao_dong)
    gate, heavy = heavy_discipline(unit, year, rules)
    checks = [
        Check(
            "unit_good_or_better",
            rating is not None and rating.value in GOOD_OR_BETTER,
            _unit_rating_reason(unit, year),
        ),
        Check(
            "members_lao_dong_tien_tien",
            share >= rules.lao_dong_tien_tien_share - 1e-9,
            f"{count}/{total} thành viên Lao động tiên tiến ({share:.0%}, cần ≥ {rules.lao_dong_tien_tien_share:.0%})",
        ),
        gate,
        grievance_check(unit),
    ]
    return _verdict("tap_the_lao_dong_tien_tien", checks, ([rating.event] if rating else []) + heavy)


def tap_the_lao_dong_xuat_sac(
    unit: UnitRecord,
    year: int,
    lao_dong: set[str],
    cstdcs: set[str],
    rules: AwardRules,
    cstdcs_review: set[str] | None = None,
    cap: Check | None = None,
) -> Verdict:
    """Tập thể lao động xuất sắc: unit excellent, all members at least complete (effective ratings), ≥ 70% LĐTT,
    ≥ 1 CSTĐCS, nobody disciplined at warning+; only CSTĐCS under review sends it to review too."""
    rating = unit.ratings.get(year)
    share, count, total = _members_share(unit, lao_dong)
    below = [m for m in unit.members if (r := effective_rating(m, year)) is None or r.value == "incomplete"]
    champions = [m.officer_id for m in unit.members if m.officer_id in cstdcs]
    gate, heavy = heavy_discipline(unit, year, rules)
    checks = [
        Check("unit_excellent", rating is not None and rating.value == "excellent", _unit_rating_reason(unit, year)),
        Check(
            "all_members_complete",
            total > 0 and not below,
            "100% thành viên hoàn thành nhiệm vụ trở lên"
            if not below
            else f"{len(below)} thành viên chưa đạt hoàn thành nhiệm vụ (kể cả do bị kỷ luật trong năm) "
            "hoặc chưa xếp loại",
        ),
        Check(
            "members_lao_dong_tien_tien",
            share >= rules.lao_dong_tien_tien_share - 1e-9,
            f"{count}/{total} thành viên Lao động tiên tiến ({share:.0%})",
        ),
        Check("has_cstdcs", bool(champions), f"{len(champions)} Chiến sĩ thi đua cơ sở"),
        gate,
        grievance_check(unit),
    ]
    if champions and cstdcs_review is not None and cap is not None and set(champions) <= cstdcs_review:
        checks.append(cap)
    evidence = ([rating.event] if rating else []) + heavy + [d for m in below for d in _discipline_events(m, year)]
    return _verdict("tap_the_lao_dong_xuat_sac", checks, evidence)


def co_thi_dua_tinh(unit: UnitRecord, year: int, rules: AwardRules) -> Verdict:
    """Cờ thi đua of the province: leader of its cluster at close, targets exceeded (band at least min_band),
    and (a rule-file setting, on by default) nobody disciplined at warning+."""
    standing = unit.standing.get(year)
    rank, band = (standing[0], standing[1]) if standing else (None, "")
    leads = rank == 1
    band_ok = band in BANDS and BANDS.index(band) <= BANDS.index(rules.flag_min_band)
    checks = [
        Check("cluster_leader", leads, f"xếp thứ {rank} trong cụm, khối thi đua" if rank else "chưa có xếp hạng"),
        Check("targets_exceeded", band_ok, f"xếp loại {band or 'chưa có'} (cần từ {rules.flag_min_band})"),
    ]
    heavy: list[str] = []
    if rules.flag_requires_no_heavy_discipline:
        gate, heavy = heavy_discipline(unit, year, rules)
        checks.append(gate)
    checks.append(grievance_check(unit))
    return _verdict("co_thi_dua_tinh", checks, ([standing[2]] if standing else []) + heavy)


def bang_khen_tap_the(unit: UnitRecord, year: int, ttldxs_now: bool, ttldxs_review: tuple[Check, ...] = ()) -> Verdict:
    """Bằng khen of the chairman (collective): 2 consecutive excellent years, or Tập thể LĐXS both years
    (earlier year approved)."""
    excellent = {y for y, f in unit.ratings.items() if f.value == "excellent"}
    xuat_sac = _approved_years(unit, "tap_the_lao_dong_xuat_sac") | ({year} if ttldxs_now else set())
    by_ratings = consecutive(excellent, year, 2)
    ok = by_ratings or consecutive(xuat_sac, year, 2)
    checks = [
        Check(
            "two_excellent_years",
            ok,
            "2 năm liên tục hoàn thành xuất sắc" if ok else "chưa đủ 2 năm liên tục hoàn thành xuất sắc",
        ),
        grievance_check(unit),
    ]
    if ok and not by_ratings:
        checks += list(ttldxs_review)
    return _verdict(
        "bang_khen_chu_tich_tinh", checks, [unit.ratings[y].event for y in (year - 1, year) if y in unit.ratings]
    )
