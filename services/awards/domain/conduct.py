"""Conduct criteria of every title (pure): open cases that hold a title (Decree 152/2025 Art. 4), disciplines that
block it (Decree 90/2020, 48/2023; Decree 335/2025 from 2026) and the words for them."""

from __future__ import annotations

from datetime import date

from services.awards.domain.records import Discipline, OfficerRecord, OpenCase, UnitRecord
from services.awards.domain.rulebook import AwardRules
from services.awards.domain.verdicts import (
    CASE_VI,
    DECREE_152_SOURCE,
    DECREE_335_SOURCE,
    DISCIPLINE_SOURCE,
    FORM_VI,
    OLD_HOLD_KINDS,
    Check,
    day_vn,
    year_ends_on_or_after,
    year_start,
)


def case_words(case: OpenCase) -> str:
    """What an open case is, in Vietnamese, with its case id and event."""
    kind = CASE_VI.get(case.kind or "", "khiếu nại, tố cáo")
    return f"{kind} (vụ việc {case.case_id}, {case.event})" if case.case_id else f"{kind} ({case.event})"


def holding_cases(record: OfficerRecord | UnitRecord, year: int, rules: AwardRules) -> list[OpenCase]:
    """The open cases that hold the subject's nominations of year: every kind for years ending on or after the
    rule file's case_holds_from (Decree 152/2025 Art. 4), complaints and denunciations before (Law 06/2022)."""
    if year_ends_on_or_after(year, rules.case_holds_from):
        return list(record.open_grievances)
    return [c for c in record.open_grievances if c.kind in OLD_HOLD_KINDS]


def grievance_check(record: OfficerRecord | UnitRecord, year: int, rules: AwardRules) -> Check:
    """An open case holds the nomination (Decree 152/2025 Art. 4; Law 06/2022, chương VII); it does not fail it."""
    cases = holding_cases(record, year, rules)
    if not cases:
        return Check("no_open_grievance", True, "không có khiếu nại, tố cáo hay vụ việc đang xem xét", "hold")
    source = DECREE_152_SOURCE if year_ends_on_or_after(year, rules.case_holds_from) else "Luật 06/2022, chương VII"
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
        counted = f"vi phạm năm {d.year}, quyết định kỷ luật ngày {day_vn(d.decided_at)}"
    elif d.decided_at is not None:
        counted = f"không có ngày vi phạm: tính năm {d.year} theo quyết định kỷ luật ngày {day_vn(d.decided_at)}"
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
    if not year_ends_on_or_after(year, rules.discipline_term_from):
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
        f"{FORM_VI.get(d.value, d.value)} ({d.event}) theo quyết định ngày {day_vn(d.decided_at)}, "
        f"thời hạn đến {day_vn(d.effective_until)}"
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
