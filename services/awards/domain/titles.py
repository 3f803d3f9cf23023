"""The criteria of each title (Luật Thi đua, Khen thưởng 2022; NĐ 98/2023, NĐ 152/2025; NĐ 335/2025 for công chức
from 2026), as named pure functions.

Each returns a Verdict: met or not, every criterion with its reason in Vietnamese, and the evidence behind it.
A criterion either blocks the title, sends it to the council for review (over the excellence cap, a tie at the
head of a cluster), or holds it (an open case: complaint, denunciation, discipline under consideration, inspection,
press report).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from schemas.labels import BANDS, CRITERIA_TITLE_NAMES
from schemas.vietnam import VN_TZ
from services.awards.domain.records import Discipline, EvidenceRating, Fact, OfficerRecord, OpenCase, UnitRecord
from services.awards.domain.rulebook import AwardRules

GOOD_OR_BETTER = ("good", "excellent")
LEVEL_VI = {
    "excellent": "hoàn thành xuất sắc nhiệm vụ",
    "good": "hoàn thành tốt nhiệm vụ",
    "complete": "hoàn thành nhiệm vụ",
    "incomplete": "không hoàn thành nhiệm vụ",
}
LEVEL_SHORT = {
    "excellent": "hoàn thành xuất sắc",
    "good": "hoàn thành tốt",
    "complete": "hoàn thành",
    "incomplete": "không hoàn thành",
}
LEVEL_RANK = {"excellent": 0, "good": 1, "complete": 2, "incomplete": 3}
FORM_VI = {
    "reprimand": "khiển trách",
    "warning": "cảnh cáo",
    "demotion": "hạ bậc lương, giáng chức",
    "removal": "cách chức",
    "dismissal": "buộc thôi việc",
}
CASE_VI = {
    "complaint": "khiếu nại",
    "denunciation": "tố cáo",
    "discipline_review": "đang xem xét kỷ luật",
    "inspection": "đang thanh tra, kiểm tra",
    "press_report": "báo chí phản ánh tham nhũng đang xác minh",
}
OLD_HOLD_KINDS = (None, "complaint", "denunciation")  # what held before Decree 152/2025 (Law 06/2022 ch. VII)
DISCIPLINE_SOURCE = "NĐ 90/2020/NĐ-CP, sửa đổi bởi NĐ 48/2023/NĐ-CP"
DECREE_335_SOURCE = "NĐ 335/2025/NĐ-CP, Điều 20"
DECREE_152_SOURCE = "NĐ 152/2025/NĐ-CP, Điều 4"
CAP_SOURCE = "Quy định 366-QĐ/TW năm 2025, Điều 11; NĐ 48/2023/NĐ-CP"
CAP_SOURCE_335 = "NĐ 335/2025/NĐ-CP, Điều 20 khoản 5"
EVIDENCE_RATING_WORDS = "theo minh chứng (Nghị định 335)"
EVIDENCE_RATING_SOURCE = "NĐ 335/2025/NĐ-CP, Điều 20-21"
Effect = Literal["block", "review", "hold"]
RatingBasis = Literal["discipline", "hr", "evidence_335"]


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
        """Met, but the council must look first (over the excellence cap, tied at the head of the cluster)."""
        return any(c.effect == "review" and not c.met for c in self.checks)

    @property
    def held(self) -> bool:
        """An open case (complaint, denunciation, discipline review, inspection, press report) holds it."""
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


def year_start(year: int) -> datetime:
    """The first instant of a year, Vietnam time (a counted period is the calendar year)."""
    return datetime(year, 1, 1, tzinfo=VN_TZ)


def _year_ends_on_or_after(year: int, day: date) -> bool:
    """True when the year's period (1/1-31/12) ends on or after day: a rule in force from day applies to it."""
    return date(year, 12, 31) >= day


def _day(at: datetime) -> str:
    return f"{at.astimezone(VN_TZ):%d/%m/%Y}"


def case_words(case: OpenCase) -> str:
    """What an open case is, in Vietnamese, with its case id and event."""
    kind = CASE_VI.get(case.kind or "", "khiếu nại, tố cáo")
    return f"{kind} (vụ việc {case.case_id}, {case.event})" if case.case_id else f"{kind} ({case.event})"


def holding_cases(record: OfficerRecord | UnitRecord, year: int, rules: AwardRules) -> list[OpenCase]:
    """The open cases that hold the subject's nominations of year: every kind for years ending on or after the
    rule file's case_holds_from (Decree 152/2025 Art. 4), complaints and denunciations before (Law 06/2022)."""
    if _year_ends_on_or_after(year, rules.case_holds_from):
        return list(record.open_grievances)
    return [c for c in record.open_grievances if c.kind in OLD_HOLD_KINDS]


def grievance_check(record: OfficerRecord | UnitRecord, year: int, rules: AwardRules) -> Check:
    """An open case holds the nomination (Decree 152/2025 Art. 4; Law 06/2022, chương VII); it does not fail it."""
    cases = holding_cases(record, year, rules)
    if not cases:
        return Check("no_open_grievance", True, "không có khiếu nại, tố cáo hay vụ việc đang xem xét", "hold")
    source = DECREE_152_SOURCE if _year_ends_on_or_after(year, rules.case_holds_from) else "Luật 06/2022, chương VII"
    return Check(
        "no_open_grievance",
        False,
        "đang có "
        + "; ".join(case_words(c) for c in sorted(cases, key=lambda c: c.event))
        + f" chưa giải quyết xong: tạm dừng xét ({source})",
        "hold",
    )


def under_decree_335(o: OfficerRecord, year: int, rules: AwardRules) -> bool:
    """A công chức's rating of a year starting on or after the rule file's decree_335_from (Decree 335/2025)."""
    return o.staff_kind == "civil_servant" and date(year, 1, 1) >= rules.decree_335_from


def rating_source(o: OfficerRecord, year: int, rules: AwardRules) -> str:
    """The decree that says which discipline forces "không hoàn thành" for this officer and year."""
    return DECREE_335_SOURCE if under_decree_335(o, year, rules) else DISCIPLINE_SOURCE


def duty_related(d: Discipline, rules: AwardRules) -> bool:
    """The discipline's tie to public duty, the rule file's default when the decision does not say."""
    return rules.duty_related_default if d.duty_related is None else d.duty_related


def discipline_words(d: Discipline, rules: AwardRules | None = None) -> str:
    """A discipline in words: form, event and which year it counts against and why (violation or decision)."""
    form = FORM_VI.get(d.value, d.value)
    if d.violation_at is not None and d.decided_at is not None:
        counted = f"vi phạm năm {d.year}, quyết định kỷ luật ngày {_day(d.decided_at)}"
    elif d.decided_at is not None:
        counted = f"không có ngày vi phạm: tính năm {d.year} theo quyết định kỷ luật ngày {_day(d.decided_at)}"
    else:
        counted = f"năm {d.year}"
    duty = ""
    if rules is not None:
        said = d.duty_related is not None
        duty = "; " + ("" if duty_related(d, rules) else "không ") + "liên quan đến thực thi công vụ"
        duty += "" if said else " (mặc định của quy tắc)"
    return f"{form}, {d.event}; {counted}{duty}"


def forcing_disciplines(o: OfficerRecord, year: int, rules: AwardRules) -> list[Discipline]:
    """The disciplines counted in year that force "không hoàn thành nhiệm vụ": any (Decree 90/2020 as amended by
    Decree 48/2023), or for a công chức from Decree 335/2025 only those tied to public duty (Art. 20(c); every form
    of the contract is khiển trách or above)."""
    found = [d for d in o.disciplines if d.year == year]
    if under_decree_335(o, year, rules):
        return [d for d in found if duty_related(d, rules)]
    return found


def term_checks(o: OfficerRecord, year: int, rules: AwardRules) -> tuple[list[Check], list[str]]:
    """Decree 152/2025 Art. 4: after a discipline, achievements count only from the end of its term. A year counts
    only if its whole period is after effective_until (or, with discipline_term_whole_year off, if the term ends
    before the year's end); for years ending on or after discipline_term_from."""
    if not _year_ends_on_or_after(year, rules.discipline_term_from):
        return [], []
    start, end = year_start(year), year_start(year + 1)
    running = [
        d
        for d in o.disciplines
        if d.effective_until is not None
        and d.decided_at is not None
        and d.decided_at < end
        and (d.effective_until > start if rules.discipline_term_whole_year else d.effective_until >= end)
    ]
    if not running:
        return [], []
    terms = "; ".join(
        f"{FORM_VI.get(d.value, d.value)} ({d.event}) theo quyết định ngày {_day(d.decided_at)}, "
        f"thời hạn đến {_day(d.effective_until)}"
        for d in sorted(running, key=lambda d: d.event)
        if d.decided_at is not None and d.effective_until is not None
    )
    reason = (
        f"đang trong thời hạn kỷ luật trong năm {year}: {terms}; thành tích chỉ được tính từ khi hết thời hạn "
        f"kỷ luật ({DECREE_152_SOURCE})"
    )
    return [Check("discipline_term", False, reason)], [d.event for d in running]


def not_blocked(record: OfficerRecord | UnitRecord, year: int, rules: AwardRules) -> list[Check]:
    """Blocks before nomination: discipline in the counted year, a discipline's term still running (Decree
    152/2025); an open case holds."""
    checks = []
    if isinstance(record, OfficerRecord):
        found = forcing_disciplines(record, year, rules)
        spared = [d for d in record.disciplines if d.year == year and d not in found]
        source = rating_source(record, year, rules)
        if found:
            reason = f"bị kỷ luật ({'; '.join(discipline_words(d, rules) for d in found)}) trong năm {year} ({source})"
        elif spared:
            reason = (
                f"kỷ luật trong năm không liên quan đến thực thi công vụ ("
                f"{'; '.join(discipline_words(d, rules) for d in spared)}): không tính ({source})"
            )
        else:
            reason = "không bị kỷ luật trong năm"
        checks.append(Check("no_discipline", not found, reason))
        checks += term_checks(record, year, rules)[0]
    checks.append(grievance_check(record, year, rules))
    return checks


def evidence_rating(o: OfficerRecord, year: int, rules: AwardRules) -> EvidenceRating | None:
    """The rating scoring computed from the evidence (ratings.v1), where it may count: a công chức's, of a year
    under Decree 335/2025 (Art. 20-21: the annual score is built from the tracking periods)."""
    return o.evidence_ratings.get(year) if under_decree_335(o, year, rules) else None


def rating_basis(o: OfficerRecord, year: int, rules: AwardRules) -> RatingBasis | None:
    """Which rating decides for awards: a forcing discipline, else HR's evaluation.recorded, else the Decree 335
    evidence rating; None when there is none."""
    if forcing_disciplines(o, year, rules):
        return "discipline"
    if year in o.ratings:
        return "hr"
    return "evidence_335" if evidence_rating(o, year, rules) is not None else None


def effective_rating(o: OfficerRecord, year: int, rules: AwardRules) -> Fact | None:
    """The rating that counts for awards: a forcing discipline in the counted year makes it "incomplete" (any
    discipline: NĐ 90/2020 as amended by NĐ 48/2023; a công chức from 2026: NĐ 335/2025 Art. 20(c)), whatever the
    HR evaluation said; otherwise HR's rating, and where HR sent none the Decree 335 evidence rating (issue 26)."""
    found = sorted(d.event for d in forcing_disciplines(o, year, rules))
    if found:
        return Fact(year, "incomplete", found[0])
    if year in o.ratings:
        return o.ratings[year]
    computed = evidence_rating(o, year, rules)
    return Fact(year, computed.value, computed.event) if computed is not None else None


def _points(score: float) -> str:
    """A score as Vietnamese write it (decimal comma, at most two decimals)."""
    return f"{score:.2f}".rstrip("0").rstrip(".").replace(".", ",")


def evidence_words(r: EvidenceRating) -> str:
    """The evidence rating in words: level, score, periods and the "not complete" conditions found."""
    why = f"; {'; '.join(r.not_complete)}" if r.not_complete else ""
    return f"{LEVEL_SHORT.get(r.value, r.value)}, {_points(r.score)} điểm bình quân {r.periods} kỳ{why}"


def _said(o: OfficerRecord, year: int, rules: AwardRules) -> str:
    """The rating as received, before any discipline: HR's (with the evidence rating beside it when both exist and
    differ), else the evidence rating, else that there is none."""
    reported, computed = o.ratings.get(year), evidence_rating(o, year, rules)
    if reported is None:
        if computed is None:
            return f"chưa có xếp loại năm {year}"
        return (
            f"xếp loại {LEVEL_VI.get(computed.value, computed.value)} {EVIDENCE_RATING_WORDS}: "
            f"{evidence_words(computed)}; chưa có xếp loại của HR năm {year} ({EVIDENCE_RATING_SOURCE})"
        )
    said = f"xếp loại {LEVEL_VI.get(reported.value, reported.value)}"
    if computed is not None and computed.value != reported.value:
        said += (
            f" (HR: {LEVEL_SHORT.get(reported.value, reported.value)}; {EVIDENCE_RATING_WORDS}: "
            f"{evidence_words(computed)}; xếp loại của HR được dùng)"
        )
    return said


def rating_reason(o: OfficerRecord, year: int, rules: AwardRules) -> str:
    """Both the reported and the effective rating, in words, naming the decree that applied (and, from Decree
    335/2025, the evidence rating: deciding where HR sent none, shown beside HR's where they differ)."""
    said = _said(o, year, rules)
    if rating_basis(o, year, rules) != "discipline":
        return said
    events = "; ".join(discipline_words(d, rules) for d in forcing_disciplines(o, year, rules))
    return (
        f"xếp loại báo cáo: {said.removeprefix('xếp loại ')}; xếp loại dùng để xét: "
        f"{LEVEL_VI['incomplete']} do bị kỷ luật trong năm {year} ({events}; {rating_source(o, year, rules)})"
    )


def rating_events(o: OfficerRecord, year: int, rules: AwardRules) -> list[str]:
    """The rating evidence of year: HR's event and the Decree 335 evidence rating's, where they count."""
    reported, computed = o.ratings.get(year), evidence_rating(o, year, rules)
    return [f.event for f in (reported, computed) if f is not None]


def _discipline_events(o: OfficerRecord, year: int, rules: AwardRules) -> list[str]:
    return [d.event for d in forcing_disciplines(o, year, rules)] + term_checks(o, year, rules)[1]


@dataclass(frozen=True)
class ExcellenceCap:
    """The excellence cap of a unit (or one peer group in it) and year: counts on effective ratings and the number
    allowed."""

    excellent: int
    good: int
    share: float
    outstanding: bool
    group: str | None = None

    @property
    def allowed(self) -> int:
        """The most excellent ratings the cap allows (rounded down)."""
        return int(self.share * self.good + 1e-9)

    @property
    def within(self) -> bool:
        """True when the excellent ratings do not exceed the cap."""
        return self.excellent <= self.allowed


def _decree_335_year(year: int, rules: AwardRules) -> bool:
    return date(year, 1, 1) >= rules.decree_335_from


def _cap_share(unit: UnitRecord, year: int, rules: AwardRules) -> tuple[float, bool]:
    own = unit.ratings.get(year)
    outstanding = own is not None and own.value == rules.outstanding_unit_rating
    if _decree_335_year(year, rules):  # the exception's figure is unconfirmed: a setting, 0 = off
        extra = rules.excellent_max_share_outstanding_335
        return (extra, True) if outstanding and extra > 0 else (rules.excellent_max_share, False)
    return (rules.excellent_max_share_outstanding if outstanding else rules.excellent_max_share), outstanding


def _count(members: list[OfficerRecord], year: int, rules: AwardRules) -> tuple[int, int]:
    levels = [r.value for m in members if (r := effective_rating(m, year, rules)) is not None]
    return sum(1 for lv in levels if lv == "excellent"), sum(1 for lv in levels if lv == "good")


def excellence_cap(unit: UnitRecord, year: int, rules: AwardRules) -> ExcellenceCap:
    """Excellent ≤ 20 % of those rated GOOD (25 % in an outstanding unit up to 2025; from Decree 335/2025 the
    exception is a setting, off by default), on effective ratings, for the whole unit."""
    share, outstanding = _cap_share(unit, year, rules)
    return ExcellenceCap(*_count(unit.members, year, rules), share, outstanding)


def group_caps(unit: UnitRecord, year: int, rules: AwardRules) -> dict[str, ExcellenceCap]:
    """From Decree 335/2025 (Art. 20(5)) the cap also holds within each peer group; none before."""
    if not _decree_335_year(year, rules):
        return {}
    share, outstanding = _cap_share(unit, year, rules)
    groups = sorted({m.peer_group for m in unit.members if m.peer_group})
    return {
        g: ExcellenceCap(*_count([m for m in unit.members if m.peer_group == g], year, rules), share, outstanding, g)
        for g in groups
    }


def _cap_words(cap: ExcellenceCap) -> str:
    where = f"nhóm {cap.group}" if cap.group else ("đơn vị tiêu biểu" if cap.outstanding else "đơn vị")
    return (
        f"{where}: có {cap.excellent} cá nhân hoàn thành xuất sắc, tỷ lệ cho phép tối đa {cap.allowed}"
        f" ({cap.share:.0%} của {cap.good} cá nhân hoàn thành tốt)"
    )


def _cap_check(year: int, caps: list[ExcellenceCap], rules: AwardRules) -> Check:
    within = all(c.within for c in caps)
    source = CAP_SOURCE_335 if _decree_335_year(year, rules) else CAP_SOURCE
    return Check(
        "excellence_cap",
        within,
        f"năm {year}, {'; '.join(_cap_words(c) for c in caps)} ({source})" + ("" if within else ": Hội đồng xem xét"),
        "review",
    )


def excellence_within_cap(unit: UnitRecord, year: int, rules: AwardRules) -> Check:
    """The cap as a review criterion for the unit as a whole (and, from 2026, every peer group in it)."""
    return _cap_check(year, [excellence_cap(unit, year, rules), *group_caps(unit, year, rules).values()], rules)


def member_caps(unit: UnitRecord, year: int, rules: AwardRules) -> dict[str, Check]:
    """The cap each member's excellence relies on: the unit's and, from 2026, the member's peer group's (Decree
    335/2025 Art. 20(5)); over either, the council decides (with both counts)."""
    whole, groups = excellence_cap(unit, year, rules), group_caps(unit, year, rules)
    by_group = {g: _cap_check(year, [whole, c], rules) for g, c in groups.items()}
    alone = _cap_check(year, [whole], rules)
    return {m.officer_id: by_group.get(m.peer_group or "", alone) for m in unit.members}


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


def lao_dong_tien_tien(o: OfficerRecord, year: int, rules: AwardRules) -> Verdict:
    """Lao động tiên tiến: effective rating good or better, not blocked."""
    rating = effective_rating(o, year, rules)
    ok = rating is not None and rating.value in GOOD_OR_BETTER
    checks = [Check("rating_good_or_better", ok, rating_reason(o, year, rules)), *not_blocked(o, year, rules)]
    return _verdict("lao_dong_tien_tien", checks, rating_events(o, year, rules) + _discipline_events(o, year, rules))


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
    return _verdict(
        "chien_si_thi_dua_co_so", checks, base.evidence + [i.event for i in initiatives] + [r.event for r in research]
    )


def consecutive(years_with: set[int], year: int, count: int) -> bool:
    """True when each of the `count` years ending at `year` is in years_with."""
    return all(y in years_with for y in range(year - count + 1, year + 1))


def _approved_years(o: OfficerRecord | UnitRecord, title: str) -> set[int]:
    return {y for y in o.titles if o.has_title(y, title)}


def chien_si_thi_dua_tinh(
    o: OfficerRecord, year: int, rules: AwardRules, cstdcs_now: bool, cstdcs_review: tuple[Check, ...] = ()
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
        *not_blocked(o, year, rules),
    ]
    if streak and cstdcs_now:
        checks += list(cstdcs_review)
    evidence = [o.titles[y]["chien_si_thi_dua_co_so"] for y in years if o.has_title(y, "chien_si_thi_dua_co_so")]
    return _verdict("chien_si_thi_dua_tinh", checks, evidence + [i.event for i in province])


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
    cstdcs = _approved_years(o, "chien_si_thi_dua_co_so") | ({year} if cstdcs_now else set())
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
    return _verdict(
        "bang_khen_chu_tich_tinh",
        [Check("two_year_record", by_titles or by_ratings, reason), *review, *not_blocked(o, year, rules)],
        evidence + [i.event for i in initiatives],
    )


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
    voided = [d for m in below for d in _discipline_events(m, year, rules)]
    evidence = ([rating.event] if rating else []) + heavy + voided
    return _verdict("tap_the_lao_dong_xuat_sac", checks, evidence)


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
    return _verdict("co_thi_dua_tinh", checks, ([standing[2]] if standing else []) + heavy)


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
    xuat_sac = _approved_years(unit, "tap_the_lao_dong_xuat_sac") | ({year} if ttldxs_now else set())
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
    return _verdict("bang_khen_chu_tich_tinh", checks, evidence)
