"""An officer's tasks per tracking period from the stored cases and facts (Decree 335/2025 Art. 14; pure).

A dossier belongs to the officer its latest procedure.processed (else procedure.received) names; a complaint to its
handler (the envelope's officer of complaint.resolved, else complaint.received). A task belongs to the period of its
finish; an unfinished one to the period of its due date once that has passed at as_of (assigned, not done, one
delay), and before that it is pending and not counted."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.scoring.domain import cases as c
from services.scoring.domain.calendar import CalendarYearMissing
from services.scoring.domain.contributions import complaint_deadline, complaint_on_time
from services.scoring.domain.rulebook import Rules
from services.scoring.domain.tracking import Task, period_bounds, period_of
from services.scoring.domain.working_time import dossier_due, dossier_on_time


@dataclass(frozen=True)
class StoredCase:
    """A case as stored: kind, unit, id and its raw merged state."""

    kind: str
    unit_id: str
    case_id: str
    state: c.State


@dataclass(frozen=True)
class FactRow:
    """A stored fact the tasks need: returned, cause or catalogue."""

    event: str
    kind: str
    unit_id: str
    officer_id: str | None
    at: datetime
    data: Mapping[str, Any]


def _record(state: c.State, slot: str) -> dict[str, Any]:
    found = c.effective(state, slot)
    return found[1] if found else {}


def handler(case: StoredCase) -> str | None:
    """Whose work the case is: a dossier's officer, a complaint's handler."""
    if case.kind == "dossier":
        return _record(case.state, "processed").get("officer_id") or _record(case.state, "received").get("officer_id")
    return _record(case.state, "resolved").get("handler_id") or _record(case.state, "received").get("handler_id")


class Facts:
    """The returns, objective causes and catalogue weights of the officer's units, indexed."""

    def __init__(self, facts: Iterable[FactRow]) -> None:
        self.returns: dict[tuple[str, str], list[FactRow]] = {}
        self.causes: dict[tuple[str, str, str, str], list[str]] = {}
        self.weights: dict[tuple[str, str], list[tuple[datetime, float]]] = {}
        for f in sorted(facts, key=lambda x: (x.at, x.event)):
            if f.kind == "returned":
                self.returns.setdefault((f.unit_id, str(f.data["dossier_code"])), []).append(f)
            elif f.kind == "cause":
                kind, key = ("complaint", "complaint_id") if f.data.get("complaint_id") else ("dossier", "dossier_code")
                self.causes.setdefault((kind, f.unit_id, str(f.data[key]), str(f.data["deduction"])), []).append(
                    f.event
                )
            elif f.kind == "catalogue":
                weight = float(f.data.get("weight") or 1.0)
                self.weights.setdefault((f.unit_id, str(f.data["procedure_code"])), []).append((f.at, weight))

    def weight(self, unit_id: str, procedure: str | None, before: datetime) -> float:
        """Converted units of one dossier of the procedure: the latest statement before the period's end, else 1."""
        stated = [w for at, w in self.weights.get((unit_id, procedure or ""), []) if at < before]
        return stated[-1] if stated else 1.0


def _dossier(case: StoredCase, officer_id: str, facts: Facts, as_of: datetime, rules: Rules) -> tuple[str, Task] | None:
    d = c.dossier_view(case.unit_id, case.case_id, case.state)
    if d.finished_at is not None:
        period, done = period_of(d.finished_at, rules.book.tracking), True
        late = d.due_at is not None and not dossier_on_time(d, rules.calendar)
    else:
        if d.due_at is None:
            return None
        due = dossier_due(d, rules.calendar)
        if due is None or due > as_of:
            return None  # pending: not yet the officer's delay
        period, done, late = period_of(due, rules.book.tracking), False, True
    processed = c.effective(case.state, "processed")
    procedure = _record(case.state, "processed").get("procedure_code") or _record(case.state, "received").get(
        "procedure_code"
    )
    returns = [
        f.event
        for f in facts.returns.get((case.unit_id, case.case_id), [])
        if (f.officer_id or officer_id) == officer_id
    ]
    about = case.state["slots"].get(c.COMPLAINTS_ABOUT, {})
    complaints = sorted(f"complaint:{key}" for key, v in about.items() if v.get("substantiated"))
    quality = tuple(returns + complaints)
    late_causes = tuple(facts.causes.get(("dossier", case.unit_id, case.case_id, "late"), []))
    quality_causes = tuple(facts.causes.get(("dossier", case.unit_id, case.case_id, "quality"), []))
    delays = 1 if late else 0
    events = tuple(d.event_keys) + quality + late_causes + quality_causes
    task = Task(
        key=f"dossier:{case.unit_id}:{case.case_id}",
        weight=facts.weight(case.unit_id, procedure, period_bounds(period)[1]),
        done=done,
        late=late,
        quality_failures=len(quality),
        excused_late=min(len(late_causes), delays),
        excused_quality=min(len(quality_causes), len(quality)),
        events=events,
        kind="dossier",
        late_event=processed[0] if late and processed else "",
        quality_events=quality,
        late_causes=late_causes,
        quality_causes=quality_causes,
    )
    return period, task


def _complaint(case: StoredCase, facts: Facts, as_of: datetime, rules: Rules) -> tuple[str, Task] | None:
    v = c.complaint_view(case.unit_id, case.case_id, case.state)
    if v.received_at is None:
        return None
    if v.resolved_at is not None:
        period, done = period_of(v.resolved_at, rules.book.tracking), True
        try:
            late = not complaint_on_time(v, rules.book, rules.calendar, as_of)
        except CalendarYearMissing:
            late = False  # no calendar for its clocks: not judged, as on the scorecards
    else:
        deadline = complaint_deadline(v, rules.book, rules.calendar)
        if deadline is None or deadline > as_of:
            return None
        period, done, late = period_of(deadline, rules.book.tracking), False, True
    resolved = c.effective(case.state, "resolved")
    late_causes = tuple(facts.causes.get(("complaint", case.unit_id, case.case_id, "late"), []))
    quality_causes = tuple(facts.causes.get(("complaint", case.unit_id, case.case_id, "quality"), []))
    task = Task(
        key=f"complaint:{case.unit_id}:{case.case_id}",
        weight=1.0,
        done=done,
        late=late,
        quality_failures=0,
        excused_late=min(len(late_causes), 1 if late else 0),
        excused_quality=0,
        events=tuple(v.event_keys) + late_causes,
        kind="complaint",
        late_event=resolved[0] if late and resolved else "",
        late_causes=late_causes,
        quality_causes=quality_causes,
    )
    return period, task


def days_left_to_save(period: str, now: datetime, rules: Rules, min_days: float) -> float | None:
    """Working days left in the open period at now when at least min_days remain (its task work can still be
    done, so a low score is worth telling now: issue 26, "while the month can still be saved"), else None."""
    start, end = period_bounds(period)
    if not start <= now < end:
        return None
    try:
        left = rules.calendar.working_days_between(now, end)
    except CalendarYearMissing:
        return None  # no calendar to count the days on: the closed period's alert still comes
    return round(left, 3) if left >= min_days else None


def tasks_by_period(
    officer_id: str, cases: Sequence[StoredCase], facts: Facts, as_of: datetime, rules: Rules
) -> dict[str, list[tuple[str, Task]]]:
    """{period: [(unit_id, task)]} of the officer's counted tasks at as_of (pending ones left out)."""
    found: dict[str, list[tuple[str, Task]]] = {}
    for case in cases:
        if handler(case) != officer_id:
            continue  # reassigned since: the latest events name someone else
        placed = (
            _dossier(case, officer_id, facts, as_of, rules)
            if case.kind == "dossier"
            else _complaint(case, facts, as_of, rules)
        )
        if placed is not None:
            found.setdefault(placed[0], []).append((case.unit_id, placed[1]))
    for listed in found.values():
        listed.sort(key=lambda item: item[1].key)
    return found
