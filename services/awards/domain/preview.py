"""The year-end preview (pure): what each unit's year would give if it closed today, and what is still missing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from services.awards.domain.evaluate import evaluate_unit
from services.awards.domain.lifecycle import PENDING, failed_reasons, nomination_id
from services.awards.domain.lineage import lineage_view
from services.awards.domain.ratings import evidence_rating, rating_basis
from services.awards.domain.records import UnitRecord
from services.awards.domain.registry import title_money
from services.awards.domain.rulebook import AwardRules, deadline


def deadlines(year: int, rules: AwardRules, today: date) -> dict[str, Any]:
    """The rating and dossier deadlines of the year (rule file, [calendar]) and the days left to each (0 once past)."""
    rating, dossier = deadline(year, rules.rating_deadline), deadline(year, rules.dossier_deadline)
    return {
        "rating_deadline": rating.isoformat(),
        "rating_days_left": max(0, (rating - today).days),
        "dossier_deadline": dossier.isoformat(),
        "dossier_days_left": max(0, (dossier - today).days),
    }


def preview_unit(
    unit: UnitRecord, year: int, rules: AwardRules, today: date, *, officers_visible: bool
) -> dict[str, Any]:
    """The unit's provisional nominations (as a close today would create them, nothing stored) with the amount
    estimated at today's tables, and what is missing: ratings not received, open holds, votes to come.

    Without officers_visible (policy: a unit's figures are public, named officers are not) only counts and the
    unit's own titles are shown, without criteria or evidence (they may name officers)."""
    nominations: list[dict[str, Any]] = []
    holds: list[dict[str, Any]] = []
    members = {m.officer_id: m for m in unit.members}
    for kind, subject, verdict in evaluate_unit(unit, year, rules, today):
        if not verdict.met:
            continue
        money = title_money(rules, kind, verdict.title, today)
        nominations.append(
            {
                "id": nomination_id(verdict.title, year, kind, subject),
                "provisional": True,
                "title": verdict.title,
                "year": year,
                "subject_kind": kind,
                "subject_id": subject,
                "unit_id": unit.unit_id,
                "status": verdict.status,
                "criteria": [{"code": c.code, "met": c.met, "reason": c.reason[:500]} for c in verdict.checks],
                "evidence_ids": verdict.evidence,
                "cash_multiple": money.multiple,
                "cash_vnd": money.cash_vnd,
                "base_salary_vnd": money.base_salary_vnd,
                "cash_source": money.source,
                "cash_estimate": True,
                # issue 26: which rating decided an officer's title (hr, evidence_335 or discipline; None: a unit's)
                "rating_basis": rating_basis(members[subject], year, rules) if kind == "officer" else None,
            }
        )
        if verdict.held:
            reason = failed_reasons(verdict, "hold")
            holds.append({"subject_kind": kind, "subject_id": subject, "title": verdict.title, "reason": reason})
    # Rated: by HR, or (a công chức from Decree 335/2025) by the evidence rating scoring computed.
    unrated = [m for m in unit.members if year not in m.ratings and evidence_rating(m, year, rules) is None]
    by_evidence = [m for m in unit.members if rating_basis(m, year, rules) == "evidence_335"]
    cases = [("unit", unit.unit_id, c) for c in unit.open_grievances]
    cases += [("officer", m.officer_id, c) for m in unit.members for c in m.open_grievances]
    open_cases = [
        {"subject_kind": kind, "subject_id": subject, "kind": c.kind, "case_id": c.case_id}
        for kind, subject, c in cases
        if officers_visible or kind == "unit"
    ]
    votes = [n["id"] for n in nominations if n["status"] in PENDING]
    unit_votes = [n["id"] for n in nominations if n["status"] in PENDING and n["subject_kind"] == "unit"]
    shown = nominations if officers_visible else [_public(n) for n in nominations if n["subject_kind"] == "unit"]
    return {
        "unit_id": unit.unit_id,
        "name": unit.name or unit.unit_id,
        "cluster_id": unit.cluster_id,
        "officers_visible": officers_visible,
        "members": len(unit.members),
        # issue 24: predecessors and successors (kind, date), titles carried over, the check of an ended unit.
        "lineage": lineage_view(unit, year, rules, today),
        "nominations": shown,
        "nomination_count": len(nominations),
        "officer_nomination_count": sum(1 for n in nominations if n["subject_kind"] == "officer"),
        "cash_estimate_vnd": sum(n["cash_vnd"] for n in nominations),
        "missing": {
            "unit_rating": year not in unit.ratings,
            "unrated_count": len(unrated),
            "rated_by_evidence_count": len(by_evidence),
            "unrated_members": [{"officer_id": m.officer_id, "name": m.name} for m in unrated]
            if officers_visible
            else None,
            "open_case_count": len(cases),  # open cases (Decree 152/2025 Art. 4) that hold their subject's titles
            "open_cases": open_cases,
            "hold_count": len(holds),
            "holds": holds if officers_visible else [h for h in holds if h["subject_kind"] == "unit"],
            "votes_to_come": len(votes),
            # By the subject's kind, never by the id's text: an officer id may itself contain ":unit:".
            "vote_ids": votes if officers_visible else unit_votes,
        },
    }


def _public(nomination: dict[str, Any]) -> dict[str, Any]:
    """A unit's own provisional title without what may name its officers (criteria reasons, evidence)."""
    hidden = {"criteria", "evidence_ids"}
    return {**{k: v for k, v in nomination.items() if k not in hidden}, "criteria": None, "evidence_ids": None}


def assemble(year: int, rules: AwardRules, today: date, units: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The whole preview: the deadlines, the province's totals and every unit's part, marked provisional."""
    return {
        "period": str(year),
        "closed": False,
        "provisional": True,
        "as_of": today.isoformat(),
        "rule_version": rules.version,
        **deadlines(year, rules, today),
        "totals": {
            "units": len(units),
            "nominations": sum(u["nomination_count"] for u in units),
            "cash_estimate_vnd": sum(u["cash_estimate_vnd"] for u in units),
            "unrated_members": sum(u["missing"]["unrated_count"] for u in units),
            "units_without_rating": sum(1 for u in units if u["missing"]["unit_rating"]),
            "holds": sum(u["missing"]["hold_count"] for u in units),
            "votes_to_come": sum(u["missing"]["votes_to_come"] for u in units),
        },
        "units": list(units),
    }


def closed(year: int, closed_at: str) -> dict[str, Any]:
    """The answer for a year already closed: no preview, the nominations are the result."""
    return {
        "period": str(year),
        "closed": True,
        "provisional": False,
        "closed_at": closed_at,
        "message": f"năm {year} đã kết thúc xét khen thưởng: xem danh sách đề nghị (the year is closed)",
        "nominations": f"/v1/nominations?period={year}",
        "units": [],
    }
