"""The criteria of each title (Luật Thi đua, Khen thưởng 2022; NĐ 98/2023), as named pure functions.

Each returns a Verdict: met or not, every criterion with its reason in Vietnamese, and the evidence behind it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from services.awards.domain.records import OfficerRecord, UnitRecord
from services.awards.domain.rulebook import AwardRules

GOOD_OR_BETTER = ("good", "excellent")
LEVEL_VI = {"excellent": "hoàn thành xuất sắc", "good": "hoàn thành tốt", "complete": "hoàn thành",
            "incomplete": "không hoàn thành"}
BAND_ORDER = ["Tốt", "Khá", "Trung bình", "Yếu"]


@dataclass(frozen=True)
class Check:
    """One criterion: its code, met or not, and why."""

    code: str
    met: bool
    reason: str


@dataclass
class Verdict:
    """A title's decision for one subject and year."""

    title: str
    met: bool
    checks: list[Check] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)


def _verdict(title: str, checks: list[Check], evidence: list[str]) -> Verdict:
    return Verdict(title, all(c.met for c in checks), checks, sorted(set(evidence)))


def not_blocked(record: OfficerRecord | UnitRecord, year: int) -> list[Check]:
    """Blocks before nomination: discipline in the counted year, a pending grievance (khiếu nại, tố cáo)."""
    checks = []
    if isinstance(record, OfficerRecord):
        found = [d for d in record.disciplines if d.year == year]
        checks.append(Check("no_discipline", not found, "không bị kỷ luật trong năm" if not found else
                            f"bị kỷ luật ({', '.join(d.value for d in found)}) trong năm {year}"))
    checks.append(Check("no_open_grievance", not record.open_grievances,
                        "không có khiếu nại, tố cáo đang giải quyết" if not record.open_grievances
                        else "đang có khiếu nại, tố cáo chưa giải quyết xong"))
    return checks


def excellence_within_cap(unit: UnitRecord, year: int, rules: AwardRules) -> Check:
    """Excellent ratings may not exceed the cap share of the unit's good-or-better ratings."""
    levels = [m.ratings[year].value for m in unit.members if year in m.ratings]
    good = sum(1 for lv in levels if lv in GOOD_OR_BETTER)
    excellent = sum(1 for lv in levels if lv == "excellent")
    ok = excellent <= rules.excellent_max_share * good
    return Check("excellence_ratio", ok, f"{excellent}/{good} hoàn thành xuất sắc trên số từ hoàn thành tốt trở lên "
                 f"({'trong' if ok else 'vượt'} giới hạn {rules.excellent_max_share:.0%})")


def lao_dong_tien_tien(o: OfficerRecord, year: int) -> Verdict:
    """Lao động tiên tiến: rated good or better, not blocked."""
    rating = o.ratings.get(year)
    ok = rating is not None and rating.value in GOOD_OR_BETTER
    checks = [Check("rating_good_or_better", ok, f"xếp loại {LEVEL_VI.get(rating.value, rating.value)}" if rating
                    else f"chưa có xếp loại năm {year}"), *not_blocked(o, year)]
    return _verdict("lao_dong_tien_tien", checks, [rating.event] if rating else [])


def chien_si_thi_dua_co_so(o: OfficerRecord, year: int, excellence_ok: bool = True) -> Verdict:
    """Chiến sĩ thi đua cơ sở: Lao động tiên tiến and an excellent rating or a recognised initiative."""
    base = lao_dong_tien_tien(o, year)
    rating = o.ratings.get(year)
    excellent = rating is not None and rating.value == "excellent" and excellence_ok
    initiatives = [i for i in o.initiatives if i.year == year]
    ok = excellent or bool(initiatives)
    reason = ("hoàn thành xuất sắc nhiệm vụ" if excellent else
              f"có sáng kiến được công nhận ({len(initiatives)})" if initiatives else
              "không có xếp loại xuất sắc (trong tỷ lệ) hoặc sáng kiến được công nhận")
    return _verdict("chien_si_thi_dua_co_so", [*base.checks, Check("excellent_or_initiative", ok, reason)],
                    base.evidence + [i.event for i in initiatives])


def consecutive(years_with: set[int], year: int, count: int) -> bool:
    """True when each of the `count` years ending at `year` is in years_with."""
    return all(y in years_with for y in range(year - count + 1, year + 1))


def chien_si_thi_dua_tinh(o: OfficerRecord, year: int, cstdcs_now: bool) -> Verdict:
    """Chiến sĩ thi đua cấp tỉnh: three consecutive CSTĐCS titles and a province-scope initiative."""
    years = {y for y in o.titles if o.has_title(y, "chien_si_thi_dua_co_so")} | ({year} if cstdcs_now else set())
    streak = consecutive(years, year, 3)
    province = [i for i in o.initiatives if i.value in ("province", "national") and year - 2 <= i.year <= year]
    checks = [Check("three_consecutive_cstdcs", streak, f"Chiến sĩ thi đua cơ sở các năm {sorted(years)}"
                    + (" (đủ 3 năm liên tục)" if streak else " (chưa đủ 3 năm liên tục)")),
              Check("province_initiative", bool(province), "có sáng kiến cấp tỉnh" if province
                    else "chưa có sáng kiến phạm vi cấp tỉnh trong 3 năm"), *not_blocked(o, year)]
    evidence = [o.titles[y]["chien_si_thi_dua_co_so"] for y in years if o.has_title(y, "chien_si_thi_dua_co_so")]
    return _verdict("chien_si_thi_dua_tinh", checks, evidence + [i.event for i in province])


def bang_khen_ca_nhan(o: OfficerRecord, year: int, cstdcs_now: bool) -> Verdict:
    """Bằng khen of the chairman (individual): 2 consecutive CSTĐCS, or 2 consecutive excellent years
    with 2 initiatives."""
    cstdcs = {y for y in o.titles if o.has_title(y, "chien_si_thi_dua_co_so")} | ({year} if cstdcs_now else set())
    excellent = {y for y, f in o.ratings.items() if f.value == "excellent"}
    initiatives = [i for i in o.initiatives if year - 1 <= i.year <= year]
    by_titles = consecutive(cstdcs, year, 2)
    by_ratings = consecutive(excellent, year, 2) and len(initiatives) >= 2
    reason = ("2 năm liên tục Chiến sĩ thi đua cơ sở" if by_titles else
              "2 năm liên tục hoàn thành xuất sắc và 2 sáng kiến" if by_ratings else
              "chưa đủ 2 năm liên tục Chiến sĩ thi đua cơ sở, hoặc 2 năm xuất sắc với 2 sáng kiến")
    evidence = [o.ratings[y].event for y in (year - 1, year) if y in o.ratings]
    return _verdict("bang_khen_chu_tich_tinh", [Check("two_year_record", by_titles or by_ratings, reason),
                                                 *not_blocked(o, year)], evidence + [i.event for i in initiatives])


def _members_share(unit: UnitRecord, passed: set[str]) -> tuple[float, int, int]:
    total = len(unit.members)
    count = sum(1 for m in unit.members if m.officer_id in passed)
    return (count / total if total else 0.0), count, total


def tap_the_lao_dong_tien_tien(unit: UnitRecord, year: int, lao_dong: set[str], rules: AwardRules) -> Verdict:
    """Tập thể lao động tiên tiến: unit good or better, ≥ 70% members LĐTT, nobody disciplined at warning+."""
    rating = unit.ratings.get(year)
    share, count, total = _members_share(unit, lao_dong)
    heavy = [(m.officer_id, d) for m in unit.members for d in m.disciplines
             if d.year == year and d.value in rules.blocking_forms]
    checks = [
        Check("unit_good_or_better", rating is not None and rating.value in GOOD_OR_BETTER,
              f"tập thể xếp loại {LEVEL_VI.get(rating.value, rating.value)}" if rating else "chưa có xếp loại tập thể"),
        Check("members_lao_dong_tien_tien", share >= rules.lao_dong_tien_tien_share - 1e-9,
              f"{count}/{total} thành viên Lao động tiên tiến ({share:.0%},"
              f" cần ≥ {rules.lao_dong_tien_tien_share:.0%})"),
        Check("no_heavy_discipline", not heavy, "không có cá nhân bị kỷ luật từ cảnh cáo trở lên"
              if not heavy else f"{len(heavy)} cá nhân bị kỷ luật từ cảnh cáo trở lên"),
        Check("no_open_grievance", not unit.open_grievances, "không có khiếu nại, tố cáo đang giải quyết"
              if not unit.open_grievances else "đang có khiếu nại, tố cáo"),
    ]
    return _verdict("tap_the_lao_dong_tien_tien", checks,
                    ([rating.event] if rating else []) + [d.event for _, d in heavy])


def tap_the_lao_dong_xuat_sac(unit: UnitRecord, year: int, lao_dong: set[str], cstdcs: set[str],
                              rules: AwardRules) -> Verdict:
    """Tập thể lao động xuất sắc: unit excellent, all members at least complete, ≥ 70% LĐTT, ≥ 1 CSTĐCS."""
    rating = unit.ratings.get(year)
    share, count, total = _members_share(unit, lao_dong)
    below = [m.officer_id for m in unit.members if year not in m.ratings or m.ratings[year].value == "incomplete"]
    champions = [m.officer_id for m in unit.members if m.officer_id in cstdcs]
    checks = [
        Check("unit_excellent", rating is not None and rating.value == "excellent",
              f"tập thể xếp loại {LEVEL_VI.get(rating.value, rating.value)}" if rating else "chưa có xếp loại tập thể"),
        Check("all_members_complete", total > 0 and not below,
              "100% thành viên hoàn thành nhiệm vụ trở lên" if not below
              else f"{len(below)} thành viên chưa đạt hoàn thành nhiệm vụ hoặc chưa xếp loại"),
        Check("members_lao_dong_tien_tien", share >= rules.lao_dong_tien_tien_share - 1e-9,
              f"{count}/{total} thành viên Lao động tiên tiến ({share:.0%})"),
        Check("has_cstdcs", bool(champions), f"{len(champions)} Chiến sĩ thi đua cơ sở"),
        Check("no_open_grievance", not unit.open_grievances, "không có khiếu nại, tố cáo đang giải quyết"
              if not unit.open_grievances else "đang có khiếu nại, tố cáo"),
    ]
    return _verdict("tap_the_lao_dong_xuat_sac", checks, [rating.event] if rating else [])


def co_thi_dua_tinh(unit: UnitRecord, year: int, rules: AwardRules) -> Verdict:
    """Cờ thi đua of the province: leader of its cluster at close, targets exceeded (band at least min_band)."""
    standing = unit.standing.get(year)
    rank, band = (standing[0], standing[1]) if standing else (None, "")
    leads = rank == 1
    band_ok = band in BAND_ORDER and BAND_ORDER.index(band) <= BAND_ORDER.index(rules.flag_min_band)
    checks = [Check("cluster_leader", leads, f"xếp thứ {rank} trong cụm, khối thi đua" if rank else "chưa có xếp hạng"),
              Check("targets_exceeded", band_ok, f"xếp loại {band or 'chưa có'} (cần từ {rules.flag_min_band})"),
              Check("no_open_grievance", not unit.open_grievances, "không có khiếu nại, tố cáo đang giải quyết"
                    if not unit.open_grievances else "đang có khiếu nại, tố cáo")]
    return _verdict("co_thi_dua_tinh", checks, [standing[2]] if standing else [])


def bang_khen_tap_the(unit: UnitRecord, year: int, ttldxs_now: bool) -> Verdict:
    """Bằng khen of the chairman (collective): 2 consecutive excellent years, or Tập thể LĐXS both years."""
    excellent = {y for y, f in unit.ratings.items() if f.value == "excellent"}
    xuat_sac = {y for y in unit.titles if unit.has_title(y, "tap_the_lao_dong_xuat_sac")} | (
        {year} if ttldxs_now else set())
    ok = consecutive(excellent, year, 2) or consecutive(xuat_sac, year, 2)
    checks = [Check("two_excellent_years", ok, "2 năm liên tục hoàn thành xuất sắc" if ok
                    else "chưa đủ 2 năm liên tục hoàn thành xuất sắc"),
              Check("no_open_grievance", not unit.open_grievances, "không có khiếu nại, tố cáo đang giải quyết"
                    if not unit.open_grievances else "đang có khiếu nại, tố cáo")]
    return _verdict("bang_khen_chu_tich_tinh", checks, [unit.ratings[y].event for y in (year - 1, year)
                                                         if y in unit.ratings])
