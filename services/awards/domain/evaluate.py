"""Evaluate every year-end title for a unit and its members: individual titles first, collectives on top."""

from __future__ import annotations

from services.awards.domain.records import UnitRecord
from services.awards.domain.rulebook import AwardRules
from services.awards.domain.titles import (
    Check,
    Verdict,
    bang_khen_ca_nhan,
    bang_khen_tap_the,
    chien_si_thi_dua_co_so,
    chien_si_thi_dua_tinh,
    co_thi_dua_tinh,
    excellence_within_cap,
    lao_dong_tien_tien,
    tap_the_lao_dong_tien_tien,
    tap_the_lao_dong_xuat_sac,
)

Decision = tuple[str, str, Verdict]  # subject kind, subject id, verdict


def _quota(candidates: list[tuple[str, Verdict]], members: int, share: float) -> list[tuple[str, Verdict]]:
    """Optional cap on CSTĐCS (off at 0): beyond it, the verdict says the quota was reached."""
    if share <= 0:
        return candidates
    allowed = int(members * share)
    capped = []
    for rank, (officer, verdict) in enumerate(sorted(candidates)):
        if verdict.met and rank >= allowed:
            verdict = Verdict(verdict.title, False, [*verdict.checks, Check(
                "quota", False, f"vượt chỉ tiêu {share:.0%} số thành viên")], verdict.evidence)
        capped.append((officer, verdict))
    return capped


def evaluate_unit(unit: UnitRecord, year: int, rules: AwardRules) -> list[Decision]:
    """Every title's verdict for the unit and each member, for one year."""
    decisions: list[Decision] = []
    cap = excellence_within_cap(unit, year, rules)
    lao_dong: set[str] = set()
    cstdcs_candidates: list[tuple[str, Verdict]] = []
    for member in unit.members:
        ldtt = lao_dong_tien_tien(member, year)
        decisions.append(("officer", member.officer_id, ldtt))
        if ldtt.met:
            lao_dong.add(member.officer_id)
        cstdcs = chien_si_thi_dua_co_so(member, year, excellence_ok=cap.met)
        if not cap.met and member.ratings.get(year) and member.ratings[year].value == "excellent":
            cstdcs.checks.append(cap)
        cstdcs_candidates.append((member.officer_id, cstdcs))
    cstdcs_met: set[str] = set()
    for officer, verdict in _quota(cstdcs_candidates, len(unit.members), rules.cstdcs_quota_share):
        decisions.append(("officer", officer, verdict))
        if verdict.met:
            cstdcs_met.add(officer)
    for member in unit.members:
        now = member.officer_id in cstdcs_met
        decisions.append(("officer", member.officer_id, chien_si_thi_dua_tinh(member, year, now)))
        decisions.append(("officer", member.officer_id, bang_khen_ca_nhan(member, year, now)))
    ttlxs = tap_the_lao_dong_xuat_sac(unit, year, lao_dong, cstdcs_met, rules)
    decisions.append(("unit", unit.unit_id, tap_the_lao_dong_tien_tien(unit, year, lao_dong, rules)))
    decisions.append(("unit", unit.unit_id, ttlxs))
    decisions.append(("unit", unit.unit_id, co_thi_dua_tinh(unit, year, rules)))
    decisions.append(("unit", unit.unit_id, bang_khen_tap_the(unit, year, ttlxs.met)))
    return decisions


def cash_multiple(kind: str, title: str, rules: AwardRules) -> float:
    """Cash reward as a multiple of the base salary (domain.md §5)."""
    if title == "bang_khen_chu_tich_tinh":
        title = f"{title}_{'collective' if kind == 'unit' else 'individual'}"
    return rules.cash_multiple.get(title, 0.0)


def council_decision(title: str, members_total: int, members_present: int, votes_for: int,
                     rules: AwardRules) -> tuple[str | None, str]:
    """(approved | rejected | None when the session cannot decide, reason): quorum first, then the share."""
    if members_total <= 0 or not 0 <= members_present <= members_total or not 0 <= votes_for <= members_present:
        return None, "số liệu biểu quyết không hợp lệ"
    if members_present < rules.quorum_present * members_total - 1e-9:
        return None, (f"không đủ túc số: {members_present}/{members_total} thành viên có mặt "
                      f"(cần ≥ {rules.quorum_present:.0%})")
    needed = rules.vote_threshold(title)
    share = votes_for / members_total
    if share >= needed - 1e-9:
        return "approved", f"{votes_for}/{members_total} thành viên đồng ý ({share:.0%} ≥ {needed:.0%})"
    return "rejected", f"{votes_for}/{members_total} thành viên đồng ý ({share:.0%} < {needed:.0%})"
