"""Judging a case under the rules: its view, the counters it feeds, when the clock next matters; and what a
batch touched (the subjects and periods to rescore)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from services.scoring.domain import cases as c
from services.scoring.domain.contributions import (
    CounterKey,
    Tally,
    complaint_contribution,
    dossier_contribution,
    next_complaint_tick,
    next_dossier_tick,
)
from services.scoring.domain.evidence import CaseEvent
from services.scoring.domain.periods import Stages, periods_of
from services.scoring.domain.rulebook import Rules

View = c.Dossier | c.Complaint
CaseId = tuple[str, str, str]  # kind, unit_id, case_id


def case_view(kind: str, unit: str, case_id: str, state: c.State) -> View:
    """What counts of a stored case, as a dossier or a complaint."""
    return c.dossier_view(unit, case_id, state) if kind == "dossier" else c.complaint_view(unit, case_id, state)


def contribution(view: View, as_of: datetime, rules: Rules) -> Tally:
    """The counters one case feeds, judged at as_of."""
    if isinstance(view, c.Dossier):
        return dossier_contribution(view, as_of, rules.book, rules.calendar)
    return complaint_contribution(view, as_of, rules.book, rules.calendar)


def next_tick(view: View, as_of: datetime, rules: Rules) -> datetime | None:
    """The next moment the clock alone changes what the case feeds or raises."""
    if isinstance(view, c.Dossier):
        return next_dossier_tick(view, as_of, rules.book, rules.calendar)
    return next_complaint_tick(view, as_of, rules.book, rules.calendar)


def span(view: View) -> tuple[datetime | None, datetime | None]:
    """When the case opened and closed, as far as its events say (what a period's rebuild selects by)."""
    if isinstance(view, c.Dossier):
        return view.received_at or view.finished_at, view.finished_at
    return view.received_at or view.resolved_at, view.resolved_at


@dataclass
class Affected:
    """Subjects and periods whose scores must be recomputed after a batch."""

    units: set[tuple[str, str]] = field(default_factory=set)  # (unit_id, period)
    officers: set[tuple[str, str, str]] = field(default_factory=set)  # (officer_id, unit_id, period)

    def add_counters(self, keys: Sequence[CounterKey]) -> None:
        """The subjects whose counters moved."""
        for kind, subject, unit, period, _ in keys:
            if kind == "unit":
                self.units.add((unit, period))
            else:
                self.officers.add((subject, unit, period))

    def add_fact(self, unit: str, officer: str | None, at: datetime, stages: Stages) -> None:
        """The unit (and officer) of a fact, in every period containing it (the rulebook's stages among them)."""
        for p in periods_of(at, stages):
            self.units.add((unit, p.label))
            if officer:
                self.officers.add((officer, unit, p.label))


def hand_verdict(old: c.Complaint | None, new: c.Complaint, derived: dict[CaseId, list[tuple[str, CaseEvent]]]) -> None:
    """Tell the dossier a complaint is about whether it was substantiated (and the old dossier, if it moved)."""
    before = {old.dossier_code: old.substantiated and old.resolved_at is not None} if old and old.dossier_code else {}
    after = {new.dossier_code: new.substantiated and new.resolved_at is not None} if new.dossier_code else {}
    key = f"complaint|{new.unit_id}|{new.complaint_id}"
    for code in sorted(set(before) | set(after)):
        verdict = after.get(code, False)
        if verdict != before.get(code, False):
            record = {"substantiated": verdict, "occurred_at": None}
            derived.setdefault(("dossier", new.unit_id, code), []).append(
                (key, CaseEvent("dossier", new.unit_id, code, c.COMPLAINTS_ABOUT, record))
            )
