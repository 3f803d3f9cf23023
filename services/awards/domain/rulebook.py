"""Award parameters from the versioned rule file (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.awards.domain.money import MoneyRules, build_money

REORGANIZATION_KINDS = frozenset({"merge", "split", "rename", "dissolution"})
"""The kinds of unit.reorganized (schemas/payloads.py ReorganizationKind)."""


@dataclass(frozen=True)
class AwardRules:
    """Everything the award rules depend on besides the records, under one version."""

    version: str
    money: MoneyRules  # dated base salaries and cash multiples (domain/money.py)
    lao_dong_tien_tien_share: float
    blocking_forms: frozenset[str]
    excellent_max_share: float
    cstdcs_quota_share: float
    flag_min_band: str
    quorum_present: float
    vote_thresholds: Mapping[str, float]
    late_input_until: str  # MM-DD of the year after
    excellent_max_share_outstanding: float = 0.25
    outstanding_unit_rating: str = "excellent"
    registration_required: bool = False
    flag_requires_no_heavy_discipline: bool = True
    rating_deadline: str = "12-15"  # MM-DD of the year itself
    dossier_deadline: str = "12-10"  # MM-DD of the year itself
    grievance_revoke_years_back: int = 1
    # The law of 2026 for awards (docs/rules.md): Decree 335/2025 for công chức, Decree 152/2025 Art. 4.
    decree_335_from: date = date(2026, 1, 1)  # công chức ratings of years starting on or after it
    duty_related_default: bool = True  # discipline.recorded without duty_related (unconfirmed: conservative)
    excellent_max_share_outstanding_335: float = 0.0  # outstanding-agency exception from 2026 (unconfirmed: off)
    discipline_term_from: date = date(2025, 7, 1)  # achievements count from a discipline's term end (152 Art. 4)
    discipline_term_whole_year: bool = True  # a year counts only if wholly after the term's end
    case_holds_from: date = date(2025, 7, 1)  # every kind of case holds (152 Art. 4), for years ending after it
    absent_vote_in_writing: bool = True  # absent council members vote in writing (unconfirmed after 2023)
    # Unit lineage (issue 24): consecutive-year collective titles of a predecessor count for its successor
    # (not found in the texts, L: a local choice, default yes) through reorganizations of these kinds.
    carry_over_titles: bool = True
    carry_over_kinds: frozenset[str] = frozenset({"merge", "rename"})

    def vote_threshold(self, title: str) -> float:
        """Share of all council members needed to approve title."""
        return self.vote_thresholds.get(title, self.vote_thresholds["default"])


def deadline(year: int, month_day: str) -> date:
    """The day month_day ("MM-DD") of year."""
    month, day = (int(x) for x in month_day.split("-"))
    return date(year, month, day)


def _flag(value: Any) -> bool:
    """A rule-file boolean; anything else is an error (a typo must not silently flip a legal rule)."""
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def _kinds(value: Any) -> frozenset[str]:
    """carry_over_kinds: a list of reorganization kinds (merge, split, rename, dissolution)."""
    if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
        raise ValueError(f"[lineage] carry_over_kinds: expected a list of kinds, got {value!r}")
    unknown = sorted(set(value) - REORGANIZATION_KINDS)
    if unknown:
        allowed = sorted(REORGANIZATION_KINDS)
        raise ValueError(f"[lineage] carry_over_kinds: unknown kind(s) {unknown}, allowed {allowed}")
    return frozenset(value)


def build_award_rules(doc: Mapping[str, Any]) -> AwardRules:
    """Validate and build; ValueError names what is missing."""
    try:
        council = dict(doc["council"])
        written = council.pop("absent_vote_in_writing", True)
        law = doc.get("law_2026", {})
        lineage = doc.get("lineage", {})
        calendar = doc["calendar"]
        rules = AwardRules(
            version=str(doc["version"]),
            money=build_money(doc),
            lao_dong_tien_tien_share=float(doc["collective"]["lao_dong_tien_tien_share"]),
            blocking_forms=frozenset(doc["collective"]["blocking_forms"]),
            excellent_max_share=float(doc["excellence"]["max_share_of_good"]),
            cstdcs_quota_share=float(doc["quota"]["chien_si_thi_dua_co_so_share"]),
            flag_min_band=str(doc["flag"]["min_band"]),
            quorum_present=float(council.pop("quorum_present")),
            vote_thresholds={k: float(v) for k, v in council.items()},
            late_input_until=str(calendar["late_input_until"]),
            excellent_max_share_outstanding=float(doc["excellence"].get("max_share_of_good_outstanding_unit", 0.25)),
            outstanding_unit_rating=str(doc["excellence"].get("outstanding_unit_rating", "excellent")),
            registration_required=bool(doc.get("registration", {}).get("required", False)),
            flag_requires_no_heavy_discipline=bool(doc["flag"].get("no_heavy_discipline", True)),
            rating_deadline=str(calendar.get("rating_deadline", "12-15")),
            dossier_deadline=str(calendar.get("dossier_deadline", "12-10")),
            grievance_revoke_years_back=int(doc.get("grievance", {}).get("revoke_years_back", 1)),
            decree_335_from=date.fromisoformat(str(law.get("decree_335_from", "2026-01-01"))),
            duty_related_default=_flag(law.get("duty_related_default", True)),
            excellent_max_share_outstanding_335=float(law.get("max_share_of_good_outstanding_unit", 0.0)),
            discipline_term_from=date.fromisoformat(str(law.get("discipline_term_from", "2025-07-01"))),
            discipline_term_whole_year=_flag(law.get("discipline_term_whole_year", True)),
            case_holds_from=date.fromisoformat(str(law.get("case_holds_from", "2025-07-01"))),
            absent_vote_in_writing=_flag(written),
            carry_over_titles=_flag(lineage.get("carry_over_titles", True)),
            carry_over_kinds=_kinds(lineage.get("carry_over_kinds", ["merge", "rename"])),
        )
        for month_day in (rules.late_input_until, rules.rating_deadline, rules.dossier_deadline):
            deadline(2024, month_day)  # a leap year: any valid MM-DD parses
        return rules
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"award rule file incomplete or malformed: {exc!r}") from exc
