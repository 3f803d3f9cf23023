"""Award parameters from the versioned rule file (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class AwardRules:
    """Everything the award rules depend on besides the records, under one version."""

    version: str
    cash_multiple: Mapping[str, float]
    lao_dong_tien_tien_share: float
    blocking_forms: frozenset[str]
    excellent_max_share: float
    cstdcs_quota_share: float
    flag_min_band: str
    quorum_present: float
    vote_thresholds: Mapping[str, float]
    late_input_until: str  # MM-DD of the year after
    base_salary_vnd: int = 2_340_000
    excellent_max_share_outstanding: float = 0.25
    outstanding_unit_rating: str = "excellent"
    registration_required: bool = False
    flag_requires_no_heavy_discipline: bool = True
    rating_deadline: str = "12-15"  # MM-DD of the year itself
    dossier_deadline: str = "12-10"  # MM-DD of the year itself
    grievance_revoke_years_back: int = 1

    def vote_threshold(self, title: str) -> float:
        """Share of all council members needed to approve title."""
        return self.vote_thresholds.get(title, self.vote_thresholds["default"])


def deadline(year: int, month_day: str) -> date:
    """The day month_day ("MM-DD") of year."""
    month, day = (int(x) for x in month_day.split("-"))
    return date(year, month, day)


def build_award_rules(doc: Mapping[str, Any]) -> AwardRules:
    """Validate and build; ValueError names what is missing."""
    try:
        council = dict(doc["council"])
        calendar = doc["calendar"]
        rules = AwardRules(
            version=str(doc["version"]),
            cash_multiple={k: float(v) for k, v in doc["cash_multiple"].items()},
            lao_dong_tien_tien_share=float(doc["collective"]["lao_dong_tien_tien_share"]),
            blocking_forms=frozenset(doc["collective"]["blocking_forms"]),
            excellent_max_share=float(doc["excellence"]["max_share_of_good"]),
            cstdcs_quota_share=float(doc["quota"]["chien_si_thi_dua_co_so_share"]),
            flag_min_band=str(doc["flag"]["min_band"]),
            quorum_present=float(council.pop("quorum_present")),
            vote_thresholds={k: float(v) for k, v in council.items()},
            late_input_until=str(calendar["late_input_until"]),
            base_salary_vnd=int(doc["base_salary_vnd"]),
            excellent_max_share_outstanding=float(doc["excellence"].get("max_share_of_good_outstanding_unit", 0.25)),
            outstanding_unit_rating=str(doc["excellence"].get("outstanding_unit_rating", "excellent")),
            registration_required=bool(doc.get("registration", {}).get("required", False)),
            flag_requires_no_heavy_discipline=bool(doc["flag"].get("no_heavy_discipline", True)),
            rating_deadline=str(calendar.get("rating_deadline", "12-15")),
            dossier_deadline=str(calendar.get("dossier_deadline", "12-10")),
            grievance_revoke_years_back=int(doc.get("grievance", {}).get("revoke_years_back", 1)),
        )
        for month_day in (rules.late_input_until, rules.rating_deadline, rules.dossier_deadline):
            deadline(2024, month_day)  # a leap year: any valid MM-DD parses
        return rules
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"award rule file incomplete or malformed: {exc!r}") from exc
