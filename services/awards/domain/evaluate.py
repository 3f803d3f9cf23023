"""Evaluate every year-end title for a unit and its members: individual titles first, collectives on top."""

from __future__ import annotations

from datetime import date

from services.awards.domain.caps import excellence_within_cap, member_caps, registered_check
from services.awards.domain.collective_titles import (
    bang_khen_tap_the,
    co_thi_dua_tinh,
    tap_the_lao_dong_tien_tien,
    tap_the_lao_dong_xuat_sac,
)
from services.awards.domain.conduct import not_blocked
from services.awards.domain.lineage import carried_titles, ended_check
from services.awards.domain.money import cash_table_on
from services.awards.domain.ratings import effective_rating
from services.awards.domain.records import OfficerRecord, UnitRecord
from services.awards.domain.registry import REGISTERED, TitleSpec, title_money
from services.awards.domain.rulebook import AwardRules, deadline
from services.awards.domain.titles import (
    bang_khen_ca_nhan,
    chien_si_thi_dua_co_so,
    chien_si_thi_dua_tinh,
    lao_dong_tien_tien,
)
from services.awards.domain.verdicts import LEVEL_RANK, Check, Verdict, verdict_of, with_check

Decision = tuple[str, str, Verdict]  # subject kind, subject id, verdict
QUOTA_ORDER = "điểm thi đua cao hơn, xếp loại cao hơn, họ tên, mã cán bộ"


def quota_rank(o: OfficerRecord, year: int, rules: AwardRules) -> tuple[int, float, int, str, str]:
    """Order of qualifying members under the CSTĐCS quota: evidence score (highest first, none last), effective
    rating level, name, id."""
    score = o.scores.get(year)
    rating = effective_rating(o, year, rules)
    return (
        0 if score is not None else 1,
        -(score or 0.0),
        LEVEL_RANK.get(rating.value, 9) if rating else 9,
        o.name.casefold(),
        o.officer_id,
    )


def _quota(
    candidates: list[tuple[OfficerRecord, Verdict]], members: int, share: float, year: int, rules: AwardRules
) -> list[tuple[OfficerRecord, Verdict]]:
    """Optional cap on CSTĐCS (off at 0): a share of the unit's members, given to qualifying members by rank."""
    if share <= 0:
        return candidates
    allowed = int(members * share + 1e-9)
    ranked = sorted((o for o, v in candidates if v.met), key=lambda o: quota_rank(o, year, rules))
    inside = {o.officer_id for o in ranked[:allowed]}
    capped = []
    for officer, verdict in candidates:
        if verdict.met:
            ok = officer.officer_id in inside
            places = f"{share:.0%} số thành viên ({allowed}/{members}"
            reason = f"trong chỉ tiêu {places})" if ok else f"ngoài chỉ tiêu {places}; thứ tự xét: {QUOTA_ORDER})"
            verdict = with_check(verdict, Check("quota", ok, reason))
        capped.append((officer, verdict))
    return capped


def _gate(verdict: Verdict, record: OfficerRecord | UnitRecord, year: int, rules: AwardRules) -> Verdict:
    """With registration required, the subject must have registered the title for the year."""
    if not rules.registration_required:
        return verdict
    return with_check(verdict, registered_check(record.registered, year, verdict.title))


def _review(verdict: Verdict) -> tuple[Check, ...]:
    return tuple(c for c in verdict.checks if c.effect == "review" and not c.met) if verdict.met else ()


def evaluate_unit(unit: UnitRecord, year: int, rules: AwardRules, on: date | None = None) -> list[Decision]:
    """Every title's verdict for the unit and each member, for one year (evaluated on `on`: a dissolved unit gets
    no collective title once dissolved)."""
    decisions: list[Decision] = []
    cap = excellence_within_cap(unit, year, rules)
    # Each member's excellence relies on the unit's cap and, from Decree 335/2025, the member's peer group's.
    now_caps, before_caps = member_caps(unit, year, rules), member_caps(unit, year - 1, rules)
    lao_dong: set[str] = set()
    cstdcs_candidates: list[tuple[OfficerRecord, Verdict]] = []
    for member in unit.members:
        ldtt = _gate(lao_dong_tien_tien(member, year, rules), member, year, rules)
        decisions.append(("officer", member.officer_id, ldtt))
        if ldtt.met:
            lao_dong.add(member.officer_id)
        verdict = chien_si_thi_dua_co_so(member, year, rules, now_caps[member.officer_id])
        cstdcs_candidates.append((member, _gate(verdict, member, year, rules)))
    cstdcs_met: set[str] = set()
    review: dict[str, tuple[Check, ...]] = {}
    for officer, verdict in _quota(cstdcs_candidates, len(unit.members), rules.cstdcs_quota_share, year, rules):
        decisions.append(("officer", officer.officer_id, verdict))
        if verdict.met:
            cstdcs_met.add(officer.officer_id)
            review[officer.officer_id] = _review(verdict)
    for member in unit.members:
        now, why = member.officer_id in cstdcs_met, review.get(member.officer_id, ())
        caps = {year: now_caps[member.officer_id], year - 1: before_caps[member.officer_id]}
        tinh = chien_si_thi_dua_tinh(member, year, rules, now, why)
        decisions.append(("officer", member.officer_id, _gate(tinh, member, year, rules)))
        khen = bang_khen_ca_nhan(member, year, rules, now, why, caps)
        decisions.append(("officer", member.officer_id, _gate(khen, member, year, rules)))
    on_review = {o for o, checks in review.items() if checks}
    ttlxs = _gate(tap_the_lao_dong_xuat_sac(unit, year, lao_dong, cstdcs_met, rules, on_review, cap), unit, year, rules)
    carried = {
        y: [(c.words(), c.ref) for c in found]
        for y, found in carried_titles(unit, "tap_the_lao_dong_xuat_sac", rules).items()
    }
    khen = bang_khen_tap_the(unit, year, ttlxs.met, rules, _review(ttlxs), carried)
    collective = [
        _gate(tap_the_lao_dong_tien_tien(unit, year, lao_dong, rules), unit, year, rules),
        ttlxs,
        _gate(co_thi_dua_tinh(unit, year, rules), unit, year, rules),
        _gate(khen, unit, year, rules),
    ]
    extra = _registered(unit, year, rules)
    decisions += [d for d in extra if d[0] == "officer"]
    collective += [v for kind, _, v in extra if kind == "unit"]
    # A unit that ended gets no collective title (issue 24; Circular 15/2025/TT-BNV for a dissolved one); its
    # members are judged where they are registered at the year's end.
    ended = ended_check(unit, year, on)
    decisions += [("unit", unit.unit_id, v if ended is None else with_check(v, ended)) for v in collective]
    return decisions


def _registered(unit: UnitRecord, year: int, rules: AwardRules) -> list[Decision]:
    """The titles added by registration (domain/registry.py): each subject's criteria and the conduct ones, the
    registration gate, and for an individual title the cap on the share of members (best-ranked first)."""
    decisions: list[Decision] = []
    for spec in REGISTERED.values():
        if spec.subject == "unit":
            decisions.append(("unit", unit.unit_id, _gate(_spec_verdict(spec, unit, year, rules), unit, year, rules)))
            continue
        found = [(m, _gate(_spec_verdict(spec, m, year, rules), m, year, rules)) for m in unit.members]
        capped = _quota(found, len(unit.members), spec.quota_share, year, rules)
        decisions += [("officer", o.officer_id, v) for o, v in capped]
    return decisions


def _spec_verdict(spec: TitleSpec, record: OfficerRecord | UnitRecord, year: int, rules: AwardRules) -> Verdict:
    """A registered title's verdict: its own criteria, then the conduct every title requires."""
    checks = [criterion(record, year, rules) for criterion in spec.criteria] + not_blocked(record, year, rules)
    return verdict_of(spec.code, checks, spec.evidence(record, year, rules))


def cash_multiple(kind: str, title: str, rules: AwardRules, on: date) -> float:
    """Cash reward as a multiple of the base salary for a decision on a date (docs/rules.md, "Money")."""
    return title_money(rules, kind, title, on).multiple


def cash_table(rules: AwardRules, on: date) -> dict[str, dict[str, float | int]]:
    """Every cash multiple in force on a date (Giấy khen included) with its amount in VND, rounded up."""
    table: dict[str, dict[str, float | int]] = cash_table_on(rules.money, on)["cash_multiples"]
    return table


def close_refusal(year: int, today: date, rules: AwardRules) -> str | None:
    """Why a year may not be closed yet (before the rating deadline, docs/rules.md, "Titles and awards"), or None."""
    due = deadline(year, rules.rating_deadline)
    if today >= due:
        return None
    return (
        f"chưa hết hạn đánh giá, xếp loại năm {year} ({due:%d/%m/%Y}); the annual rating deadline "
        f"{due.isoformat()} has not passed: close with force=true to close anyway"
    )


def council_decision(
    title: str, members_total: int, members_present: int, votes_for: int, rules: AwardRules
) -> tuple[str | None, str]:
    """(approved | rejected | None when the session cannot decide, reason): quorum first (those present), then the
    share of all members. Votes beyond those present are absent members' written votes, counted only where the rule
    file allows them ([council] absent_vote_in_writing; Decree 91/2017, unconfirmed after 2023)."""
    most = members_total if rules.absent_vote_in_writing else members_present
    if members_total <= 0 or not 0 <= members_present <= members_total or not 0 <= votes_for <= most:
        return None, "số liệu biểu quyết không hợp lệ" + (
            "" if votes_for <= members_total else f": {votes_for} phiếu đồng ý nhiều hơn {members_total} thành viên"
        )
    if members_present < rules.quorum_present * members_total - 1e-9:
        return None, (
            f"không đủ túc số: {members_present}/{members_total} thành viên có mặt (cần ≥ {rules.quorum_present:.0%})"
        )
    needed = rules.vote_threshold(title)
    share = votes_for / members_total
    written = max(0, votes_for - members_present)
    how = f", trong đó {written} phiếu bằng văn bản của thành viên vắng mặt" if written else ""
    if share >= needed - 1e-9:
        return "approved", f"{votes_for}/{members_total} thành viên đồng ý{how} ({share:.0%} ≥ {needed:.0%})"
    return "rejected", f"{votes_for}/{members_total} thành viên đồng ý{how} ({share:.0%} < {needed:.0%})"
