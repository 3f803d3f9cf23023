"""The criteria of each title (Luật Thi đua, Khen thưởng 2022; NĐ 98/2023, NĐ 152/2025; NĐ 335/2025 for công chức
from 2026), as named pure functions: the individual titles here, the collective ones in
collective_titles.py.

Each returns a Verdict: met or not, every criterion with its reason in Vietnamese, and the evidence behind it.
A criterion either blocks the title, sends it to the council for review (over the excellence cap, a tie at the
head of a cluster), or holds it (an open case: complaint, denunciation, discipline under consideration, inspection,
press report).
"""

from __future__ import annotations

from collections.abc import Mapping

from services.awards.domain.conduct import not_blocked
from services.awards.domain.ratings import discipline_events, effective_rating, rating_events, rating_reason
from services.awards.domain.records import OfficerRecord, UnitRecord
from services.awards.domain.rulebook import AwardRules
from services.awards.domain.verdicts import GOOD_OR_BETTER, LEVEL_VI, Check, Verdict, verdict_of


def lao_dong_tien_tien(o: OfficerRecord, year: int, rules: AwardRules) -> Verdict:
    """Lao động tiên tiến: effective rating good or better, not blocked."""
    rating = effective_rating(o, year, rules)
    ok = rating is not None and rating.value in GOOD_OR_BETTER
    checks = [Check("rating_good_or_better", ok, rating_reason(o, year, rules)), *not_blocked(o, year, rules)]
    return verdict_of("lao_dong_tien_tien", checks, rating_events(o, year, rules) + discipline_events(o, year, rules))


def chien_si_thi_dua_co_so(o: OfficerRecord, year: int, rules: AwardRules, cap: Check | None = None) -> Verdict:
    """Chiến sĩ thi đua cơ sở: Lao động tiên tiến and an excellent rating, a recognised initiative or an accepted
    research project; relying on an excellent rating over the cap sends it to review."""
    base = lao_dong_tien_tien(o, year, rules)
    rating = effective_rating(o, year, rules)
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
    return verdict_of(
        "chien_si_thi_dua_co_so", checks, base.evidence + [i.event for i in initiatives] + [r.event for r in research]
    )


def consecutive(years_with: set[int], year: int, count: int) -> bool:
    """True when each of the `count` years ending at `year` is in years_with."""
    return all(y in years_with for y in range(year - count + 1, year + 1))


def approved_years(o: OfficerRecord | UnitRecord, title: str) -> set[int]:
    return {y for y in o.titles if o.has_title(y, title)}


def chien_si_thi_dua_tinh(
    o: OfficerRecord, year: int, rules: AwardRules, cstdcs_now: bool, cstdcs_review: tuple[Check, ...] = ()
) -> Verdict:
    """Chiến sĩ thi đua cấp tỉnh: three consecutive CSTĐCS titles (earlier ones approved) and a province-scope
    initiative."""
    years = approved_years(o, "chien_si_thi_dua_co_so") | ({year} if cstdcs_now else set())
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
        *not_blocked(o, year, rules),
    ]
    if streak and cstdcs_now:
        checks += list(cstdcs_review)
    evidence = [o.titles[y]["chien_si_thi_dua_co_so"] for y in years if o.has_title(y, "chien_si_thi_dua_co_so")]
    return verdict_of("chien_si_thi_dua_tinh", checks, evidence + [i.event for i in province])


def bang_khen_ca_nhan(
    o: OfficerRecord,
    year: int,
    rules: AwardRules,
    cstdcs_now: bool,
    cstdcs_review: tuple[Check, ...] = (),
    caps: Mapping[int, Check] | None = None,
) -> Verdict:
    """Bằng khen of the chairman (individual): 2 consecutive CSTĐCS (approved), or 2 consecutive excellent
    (effective) years with 2 initiatives; a route relying on excellence over the cap goes to review."""
    cstdcs = approved_years(o, "chien_si_thi_dua_co_so") | ({year} if cstdcs_now else set())
    excellent = {
        y for y in (year - 1, year) if (r := effective_rating(o, y, rules)) is not None and r.value == "excellent"
    }
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
    evidence = [e for y in (year - 1, year) for e in rating_events(o, y, rules)]
    return verdict_of(
        "bang_khen_chu_tich_tinh",
        [Check("two_year_record", by_titles or by_ratings, reason), *review, *not_blocked(o, year, rules)],
        evidence + [i.event for i in initiatives],
    )
