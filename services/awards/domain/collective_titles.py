"""The collective titles (pure): Tập thể lao động tiên tiến, Tập thể lao động xuất sắc, Cờ thi đua cấp tỉnh and
the chairman's collective Bằng khen, each a named function returning a Verdict."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from schemas.labels import BANDS
from services.awards.domain.conduct import grievance_check
from services.awards.domain.ratings import discipline_events, effective_rating
from services.awards.domain.records import OfficerRecord, UnitRecord
from services.awards.domain.rulebook import AwardRules
from services.awards.domain.titles import approved_years, consecutive
from services.awards.domain.verdicts import GOOD_OR_BETTER, LEVEL_VI, Check, Verdict, verdict_of


@dataclass(frozen=True)
class Share:
    """A share of a unit's rated members: members not rated for the year are left out, and counted."""

    count: int
    rated: int
    unrated: int

    @property
    def value(self) -> float:
        """count / rated (0 without rated members)."""
        return self.count / self.rated if self.rated else 0.0

    def words(self) -> str:
        """What was left out, for people ("" when nobody)."""
        return f"; {self.unrated} thành viên chưa được đánh giá, không tính" if self.unrated else ""


def rated_members(unit: UnitRecord, year: int, rules: AwardRules) -> list[OfficerRecord]:
    """Members with an (effective) rating for year: those not rated (e.g. under 6 months' work, Decree 90/2020)
    are left out of the collective shares."""
    return [m for m in unit.members if effective_rating(m, year, rules) is not None]


def _members_share(unit: UnitRecord, passed: set[str], year: int, rules: AwardRules) -> Share:
    rated = rated_members(unit, year, rules)
    count = sum(1 for m in rated if m.officer_id in passed)
    return Share(count, len(rated), len(unit.members) - len(rated))


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
    """Tập thể lao động tiên tiến: unit good or better, ≥ 70% of rated members LĐTT, nobody disciplined at
    warning+."""
    rating = unit.ratings.get(year)
    share = _members_share(unit, lao_dong, year, rules)
    gate, heavy = heavy_discipline(unit, year, rules)
    checks = [
        Check(
            "unit_good_or_better",
            rating is not None and rating.value in GOOD_OR_BETTER,
            _unit_rating_reason(unit, year),
        ),
        Check(
            "members_lao_dong_tien_tien",
            share.value >= rules.lao_dong_tien_tien_share - 1e-9,
            f"{share.count}/{share.rated} thành viên Lao động tiên tiến ({share.value:.0%}, cần ≥ "
            f"{rules.lao_dong_tien_tien_share:.0%}){share.words()}",
        ),
        gate,
        grievance_check(unit, year, rules),
    ]
    return verdict_of("tap_the_lao_dong_tien_tien", checks, ([rating.event] if rating else []) + heavy)


def tap_the_lao_dong_xuat_sac(
    unit: UnitRecord,
    year: int,
    lao_dong: set[str],
    cstdcs: set[str],
    rules: AwardRules,
    cstdcs_review: set[str] | None = None,
    cap: Check | None = None,
) -> Verdict:
    """Tập thể lao động xuất sắc: unit excellent, all rated members at least complete (effective ratings), ≥ 70%
    LĐTT, ≥ 1 CSTĐCS, nobody disciplined at warning+; only CSTĐCS under review sends it to review too."""
    rating = unit.ratings.get(year)
    share = _members_share(unit, lao_dong, year, rules)
    rated = rated_members(unit, year, rules)
    below = [m for m in rated if (r := effective_rating(m, year, rules)) is not None and r.value == "incomplete"]
    champions = [m.officer_id for m in unit.members if m.officer_id in cstdcs]
    gate, heavy = heavy_discipline(unit, year, rules)
    checks = [
        Check("unit_excellent", rating is not None and rating.value == "excellent", _unit_rating_reason(unit, year)),
        Check(
            "all_members_complete",
            bool(rated) and not below,
            ("100% thành viên hoàn thành nhiệm vụ trở lên" if rated else "không có thành viên được đánh giá")
            + share.words()
            if not below
            else f"{len(below)} thành viên chưa đạt hoàn thành nhiệm vụ (kể cả do bị kỷ luật trong năm)"
            + share.words(),
        ),
        Check(
            "members_lao_dong_tien_tien",
            share.value >= rules.lao_dong_tien_tien_share - 1e-9,
            f"{share.count}/{share.rated} thành viên Lao động tiên tiến ({share.value:.0%}){share.words()}",
        ),
        Check("has_cstdcs", bool(champions), f"{len(champions)} Chiến sĩ thi đua cơ sở"),
        gate,
        grievance_check(unit, year, rules),
    ]
    if champions and cstdcs_review is not None and cap is not None and set(champions) <= cstdcs_review:
        checks.append(cap)
    voided = [d for m in below for d in discipline_events(m, year, rules)]
    evidence = ([rating.event] if rating else []) + heavy + voided
    return verdict_of("tap_the_lao_dong_xuat_sac", checks, evidence)


def co_thi_dua_tinh(unit: UnitRecord, year: int, rules: AwardRules) -> Verdict:
    """Cờ thi đua of the province: leader of its cluster at close, targets exceeded (band at least min_band),
    and (a rule-file setting, on by default) nobody disciplined at warning+; units tied at the head of the cluster
    go to the council marked as a tie (the flag is one per cluster)."""
    standing = unit.standing.get(year)
    rank, band = (standing[0], standing[1]) if standing else (None, "")
    leads = rank == 1
    band_ok = band in BANDS and BANDS.index(band) <= BANDS.index(rules.flag_min_band)
    checks = [
        Check("cluster_leader", leads, f"xếp thứ {rank} trong cụm, khối thi đua" if rank else "chưa có xếp hạng"),
        Check("targets_exceeded", band_ok, f"xếp loại {band or 'chưa có'} (cần từ {rules.flag_min_band})"),
    ]
    tied = sorted(set(unit.cluster_leaders.get(year, [])) | {unit.unit_id})
    if leads and len(tied) > 1:
        checks.append(
            Check(
                "cluster_tie",
                False,
                f"đồng hạng nhất cụm, khối thi đua năm {year}: {', '.join(tied)}: Hội đồng xem xét, "
                "chọn đơn vị dẫn đầu",
                "review",
            )
        )
    heavy: list[str] = []
    if rules.flag_requires_no_heavy_discipline:
        gate, heavy = heavy_discipline(unit, year, rules)
        checks.append(gate)
    checks.append(grievance_check(unit, year, rules))
    return verdict_of("co_thi_dua_tinh", checks, ([standing[2]] if standing else []) + heavy)


def bang_khen_tap_the(
    unit: UnitRecord,
    year: int,
    ttldxs_now: bool,
    rules: AwardRules,
    ttldxs_review: tuple[Check, ...] = (),
    carried: Mapping[int, list[tuple[str, str]]] | None = None,
) -> Verdict:
    """Bằng khen of the chairman (collective): 2 consecutive excellent years, or Tập thể LĐXS both years
    (earlier year approved; a predecessor's approved title of a year before the change counts when `carried`
    gives it: {year: [(words naming the predecessor, its title's evidence)]}, issue 24)."""
    excellent = {y for y, f in unit.ratings.items() if f.value == "excellent"}
    xuat_sac = approved_years(unit, "tap_the_lao_dong_xuat_sac") | ({year} if ttldxs_now else set())
    inherited = {y: c for y, c in (carried or {}).items() if y not in xuat_sac and c}
    by_ratings = consecutive(excellent, year, 2)
    ok = by_ratings or consecutive(xuat_sac | set(inherited), year, 2)
    used = [c for y in range(year - 1, year + 1) for c in inherited.get(y, [])] if ok and not by_ratings else []
    reason = "2 năm liên tục hoàn thành xuất sắc" if ok else "chưa đủ 2 năm liên tục hoàn thành xuất sắc"
    if used:
        reason += ", tính cả " + "; ".join(words for words, _ in used)
    checks = [Check("two_excellent_years", ok, reason), grievance_check(unit, year, rules)]
    if ok and not by_ratings:
        checks += list(ttldxs_review)
    evidence = [unit.ratings[y].event for y in (year - 1, year) if y in unit.ratings] + [ref for _, ref in used]
    return verdict_of("bang_khen_chu_tich_tinh", checks, evidence)
