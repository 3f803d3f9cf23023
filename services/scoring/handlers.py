"""Use case of the scoring service: apply a batch of accepted evidence in one transaction."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg
from prometheus_client import Counter

from schemas import topics
from schemas.evidence import EvidenceEvent
from schemas.outputs import Alert
from services.scoring import standings
from services.scoring.adapters import postgres as pg
from services.scoring.domain import cases as c
from services.scoring.domain.alerts import complaint_conditions, dossier_conditions, new_conditions
from services.scoring.domain.contributions import (
    CounterKey,
    accumulate,
    complaint_contribution,
    complaint_deadline,
    difference,
    dossier_contribution,
    next_complaint_tick,
    next_dossier_tick,
)
from services.scoring.domain.evidence import CaseEvent, Fact, OfficerEntry, Retraction, UnitEntry, meaning
from services.scoring.domain.periods import periods_of
from services.scoring.rules import Rules
from thidua.runtime.outbox import Message, enqueue
from thidua.runtime.parking import describe, is_transient

log = logging.getLogger(__name__)
QUARANTINED = Counter("thidua_scoring_quarantined_total", "Cases or subjects the rules could not judge, set aside "
                      "so the clock and the rescorer go on", ["where"])
CaseId = tuple[str, str, str]  # kind, unit_id, case_id


@dataclass
class Affected:
    """Subjects and periods whose scores must be recomputed after a batch."""

    units: set[tuple[str, str]] = field(default_factory=set)  # (unit_id, period)
    officers: set[tuple[str, str, str]] = field(default_factory=set)  # (officer_id, unit_id, period)

    def add_counters(self, keys: Sequence[CounterKey]) -> None:
        for kind, subject, unit, period, _ in keys:
            if kind == "unit":
                self.units.add((unit, period))
            else:
                self.officers.add((subject, unit, period))

    def add_fact(self, unit: str, officer: str | None, at: datetime) -> None:
        for p in periods_of(at):
            self.units.add((unit, p.label))
            if officer:
                self.officers.add((officer, unit, p.label))


def case_view(kind: str, unit: str, case_id: str, state: c.State) -> c.Dossier | c.Complaint:
    return c.dossier_view(unit, case_id, state) if kind == "dossier" else c.complaint_view(unit, case_id, state)


def contribution(view: c.Dossier | c.Complaint, as_of: datetime, rules: Rules) -> dict[CounterKey, tuple[float, float]]:
    """The counters one case feeds, judged at as_of."""
    if isinstance(view, c.Dossier):
        return dossier_contribution(view, as_of, rules.book, rules.calendar)
    return complaint_contribution(view, as_of, rules.book, rules.calendar)


def next_tick(view: c.Dossier | c.Complaint, as_of: datetime, rules: Rules) -> datetime | None:
    if isinstance(view, c.Dossier):
        return next_dossier_tick(view, as_of, rules.book, rules.calendar)
    return next_complaint_tick(view, as_of, rules.book, rules.calendar)


def _span(view: c.Dossier | c.Complaint) -> tuple[datetime | None, datetime | None]:
    if isinstance(view, c.Dossier):
        return view.received_at or view.finished_at, view.finished_at
    return view.received_at or view.resolved_at, view.resolved_at


async def apply_batch(conn: asyncpg.Connection, events: Sequence[tuple[EvidenceEvent, int | None]], *,
                      rules: Rules, now: datetime, accepted_at: datetime | None = None) -> Affected:
    """Apply a batch of typed evidence (with its ledger sequence): inbox, cases, facts, directory and counters,
    and queue the subjects to rescore, in one transaction. accepted_at is the oldest acceptance time in the
    batch (for the freshness figure)."""
    async with conn.transaction():
        affected = await _apply(conn, list(events), rules=rules, now=now)
        await mark(conn, affected, accepted_at or now)
        # Delivered at commit: wakes a rescorer running in another process at once.
        await conn.execute("SELECT pg_notify('scoring_dirty', '')")
    return affected


async def mark(conn: asyncpg.Connection, affected: Affected, accepted_at: datetime) -> None:
    """Queue the affected subjects for the rescorer."""
    rows = [("unit", u, u, p) for u, p in affected.units] + [("officer", o, u, p) for o, u, p in affected.officers]
    await pg.mark_dirty(conn, rows, accepted_at)


async def rescore_dirty(conn: asyncpg.Connection, *, rules: Rules, now: datetime, units: int = 20000,
                        officers: int = 500) -> list[tuple[str, datetime]]:
    """Recompute queued units, then some queued officers, each in one transaction; return (kind, waited since).

    Units go first and the officers' share of a pass is small: the public standings should not wait behind
    thousands of officers; callers loop until nothing is returned."""
    waited = await _rescore_kind(conn, "unit", rules=rules, now=now, limit=units)
    return waited + await _rescore_kind(conn, "officer", rules=rules, now=now, limit=officers)


async def _rescore_kind(conn: asyncpg.Connection, kind: str, *, rules: Rules, now: datetime, limit: int
                        ) -> list[tuple[str, datetime]]:
    try:
        return await _rescore_some(conn, kind, rules=rules, now=now, limit=limit)
    except Exception as exc:
        if is_transient(exc):
            raise
        log.warning("scoring: rescoring %d %s(s) failed (%s); isolating the subject at fault", limit, kind, exc)
    # The pass rolled back: one subject per transaction, and a subject that cannot be scored leaves the queue.
    waited: list[tuple[str, datetime]] = []
    for _ in range(limit):
        try:
            done = await _rescore_some(conn, kind, rules=rules, now=now, limit=1)
        except Exception as exc:
            if is_transient(exc):
                raise
            row = await conn.fetchrow("DELETE FROM dirty WHERE (subject_kind, subject_id, period) IN (SELECT"
                                      " subject_kind, subject_id, period FROM dirty WHERE subject_kind = $1"
                                      " ORDER BY accepted_at, subject_id, period LIMIT 1) RETURNING *", kind)
            QUARANTINED.labels("rescore").inc()
            log.error("scoring: %s %s cannot be scored for %s; left as it was: %s", kind,
                      row and row["subject_id"], row and row["period"], describe(exc))
            continue
        if not done:
            break
        waited += done
    return waited


async def _rescore_some(conn: asyncpg.Connection, kind: str, *, rules: Rules, now: datetime, limit: int
                        ) -> list[tuple[str, datetime]]:
    async with conn.transaction():
        rows = await pg.take_dirty(conn, kind, limit)
        if not rows:
            return []
        affected = Affected()
        for r in rows:
            if r["subject_kind"] == "unit":
                affected.units.add((r["subject_id"], r["period"]))
            else:
                affected.officers.add((r["subject_id"], r["unit_id"], r["period"]))
        await standings.rescore(conn, affected, rules=rules, now=now)
        return [(kind, r["accepted_at"]) for r in rows]


async def _apply(conn: asyncpg.Connection, events: list[tuple[EvidenceEvent, int | None]], *, rules: Rules,
                 now: datetime) -> Affected:
    seen: dict[tuple[str, str], tuple[EvidenceEvent, int | None]] = {}
    for event, seq in events:
        seen.setdefault((event.source or "", event.event_id), (event, seq))
    meanings = {key: meaning(event) for key, (event, _) in seen.items()}
    rows = []
    for key, (event, seq) in seen.items():
        m = meanings[key]
        target = m.case_key if isinstance(m, CaseEvent) else "fact" if isinstance(m, Fact) else None
        rows.append((key[0], key[1], event.type, event.unit_id, target, seq))
    fresh = await pg.claim(conn, rows)
    if not fresh:
        return Affected()
    early = await pg.early_retracted(conn, [k for k in fresh if not isinstance(meanings[k], Retraction)])
    # Retractions: find what each target touched; remember the ones whose target has not arrived yet.
    retractions = {k: meanings[k] for k in fresh if isinstance(meanings[k], Retraction)}
    wanted = {(k[0], m.target_event_id) for k, m in retractions.items() if isinstance(m, Retraction)}
    touched = await pg.targets(conn, wanted)
    await pg.remember_early_retractions(conn, [
        (k[0], m.target_event_id, k[1]) for k, m in retractions.items()
        if isinstance(m, Retraction) and (k[0], m.target_event_id) not in touched])
    affected = Affected()
    case_events: dict[CaseId, list[tuple[str, CaseEvent]]] = {}
    case_retractions: dict[CaseId, list[str]] = {}
    for k in fresh:
        m = meanings[k]
        if isinstance(m, CaseEvent):
            case_events.setdefault((m.kind, m.unit_id, m.case_id), []).append((f"{k[0]}:{k[1]}", m))
            if k in early:
                case_retractions.setdefault((m.kind, m.unit_id, m.case_id), []).append(f"{k[0]}:{k[1]}")
    fact_retractions = []
    for (source, target_id), target in touched.items():
        if target and target != "fact":
            kind, unit, case_id = target.split("|", 2)
            case_retractions.setdefault((kind, unit, case_id), []).append(f"{source}:{target_id}")
        elif target == "fact":
            fact_retractions.append((source, target_id))
    await _apply_cases(conn, case_events, case_retractions, affected, rules=rules, now=now)
    facts = [(k[0], k[1], m, k in early) for k in sorted(fresh) if isinstance(m := meanings[k], Fact)]
    await pg.insert_facts(conn, facts)
    for _, _, fact, _ in facts:
        affected.add_fact(fact.unit_id, fact.officer_id, fact.at)
    for r in await pg.retract_facts(conn, fact_retractions):
        affected.add_fact(r["unit_id"], r["officer_id"], r["at"])
    units = [m for k in fresh if isinstance(m := meanings[k], UnitEntry)]
    officers = [m for k in fresh if isinstance(m := meanings[k], OfficerEntry)]
    await pg.upsert_units(conn, units)
    await pg.upsert_officers(conn, officers)
    # A directory change moves cluster ranks and officer counts of every period the unit is scored in.
    changed_units = sorted({u.unit_id for u in units} | {o.unit_id for o in officers})
    affected.units.update(await pg.periods_scored(conn, changed_units))
    return affected


async def _apply_cases(conn: asyncpg.Connection, events: dict[CaseId, list[tuple[str, CaseEvent]]],
                       retractions: dict[CaseId, list[str]], affected: Affected, *, rules: Rules,
                       now: datetime) -> None:
    """Merge events into their cases and add (new − old contribution) to the counters; a complaint about a
    dossier then hands its verdict to that dossier's case (a second pass over those dossiers only)."""
    derived = await _apply_case_pass(conn, events, retractions, affected, rules=rules, now=now)
    if derived:
        await _apply_case_pass(conn, derived, {}, affected, rules=rules, now=now)


async def _apply_case_pass(conn: asyncpg.Connection, events: dict[CaseId, list[tuple[str, CaseEvent]]],
                           retractions: dict[CaseId, list[str]], affected: Affected, *, rules: Rules,
                           now: datetime) -> dict[CaseId, list[tuple[str, CaseEvent]]]:
    ids = set(events) | set(retractions)
    stored = await pg.lock_cases(conn, ids)
    deltas: dict[CounterKey, list[float]] = {}
    rows = []
    alerts: list[Message] = []
    derived: dict[CaseId, list[tuple[str, CaseEvent]]] = {}
    for case in sorted(ids):
        kind, unit, case_id = case
        state, old_as_of = stored.get(case, (c.empty(), now))
        old_view = case_view(kind, unit, case_id, state) if case in stored else None
        old = contribution(old_view, old_as_of, rules) if old_view is not None else {}
        for key, event in events.get(case, []):
            state = c.merge(state, event.slot, key, event.record)
        for key in retractions.get(case, []):
            state = c.retract(state, key)
        view = case_view(kind, unit, case_id, state)
        accumulate(deltas, difference(contribution(view, now, rules), old))
        if isinstance(view, c.Dossier):
            before = old_view if isinstance(old_view, c.Dossier) else c.dossier_view(unit, case_id, c.empty())
            alerts += _dossier_alerts(before, old_as_of, view, rules, now)
        else:
            was = old_view if isinstance(old_view, c.Complaint) else None
            alerts += _complaint_alerts(was, old_as_of, view, rules, now)
            _hand_verdict(was, view, derived)
        opened, closed = _span(view)
        rows.append((kind, unit, case_id, json.dumps(state), opened, closed, now, next_tick(view, now, rules)))
    await pg.save_cases(conn, rows)
    await pg.add_counters(conn, deltas)
    await enqueue(conn, alerts)
    affected.add_counters(list(deltas))
    return derived


def _hand_verdict(old: c.Complaint | None, new: c.Complaint, derived: dict[CaseId, list[tuple[str, CaseEvent]]]
                  ) -> None:
    """Tell the dossier a complaint is about whether it was substantiated (and the old dossier, if it moved)."""
    before = {old.dossier_code: old.substantiated and old.resolved_at is not None} if old and old.dossier_code else {}
    after = {new.dossier_code: new.substantiated and new.resolved_at is not None} if new.dossier_code else {}
    key = f"complaint|{new.unit_id}|{new.complaint_id}"
    for code in sorted(set(before) | set(after)):
        verdict = after.get(code, False)
        if verdict != before.get(code, False):
            record = {"substantiated": verdict, "occurred_at": None}
            derived.setdefault(("dossier", new.unit_id, code), []).append(
                (key, CaseEvent("dossier", new.unit_id, code, c.COMPLAINTS_ABOUT, record)))


_TITLES = {"dossier_due_soon": "Hồ sơ {code} sắp đến hạn giải quyết (còn 1 ngày làm việc)",
           "dossier_overdue": "Hồ sơ {code} đã quá hạn giải quyết"}


def _dossier_alerts(old: c.Dossier, old_as_of: datetime, new: c.Dossier, rules: Rules, now: datetime
                    ) -> list[Message]:
    """alerts.v1 messages for conditions the dossier entered since it was last judged."""
    before = dossier_conditions(old, old_as_of, rules.calendar) if old.due_at else {}
    out: list[Message] = []
    for kind, since in new_conditions(before, dossier_conditions(new, now, rules.calendar), now).items():
        key = f"{kind}:{new.unit_id}:{new.code}"
        alert = Alert(alert_id=key, condition_key=key, kind=kind,
                      priority="high" if kind == "dossier_overdue" else "normal", unit_id=new.unit_id,
                      occurred_at=now, subject_id=new.code, title=_TITLES[kind].format(code=new.code),
                      data={"dossier_code": new.code, "due_at": new.due_at.isoformat() if new.due_at else None,
                            "since": since.isoformat()}, rule_version=rules.version)
        out.append((topics.ALERTS, new.unit_id, alert.model_dump_json(exclude_none=True).encode(), {}))
    return out


def _complaint_alerts(old: c.Complaint | None, old_as_of: datetime, new: c.Complaint, rules: Rules, now: datetime
                     ) -> list[Message]:
    """alerts.v1 complaint_overdue when a complaint passed its answer clock since it was last judged."""
    book, cal = rules.book, rules.calendar
    before = complaint_conditions(old, old_as_of, complaint_deadline(old, book, cal)) if old is not None else {}
    out: list[Message] = []
    for kind, since in new_conditions(before, complaint_conditions(new, now, complaint_deadline(new, book, cal)),
                                      now).items():
        key = f"{kind}:{new.unit_id}:{new.complaint_id}"
        alert = Alert(alert_id=key, condition_key=key, kind="complaint_overdue", priority="high", unit_id=new.unit_id,
                      occurred_at=now, subject_id=new.complaint_id,
                      title=f"Phản ánh, kiến nghị {new.complaint_id} đã quá hạn giải quyết"[:500],
                      data={"complaint_id": new.complaint_id, "due_at": since.isoformat(), "since": since.isoformat()},
                      rule_version=rules.version)
        out.append((topics.ALERTS, new.unit_id, alert.model_dump_json(exclude_none=True).encode(), {}))
    return out


async def tick(conn: asyncpg.Connection, *, rules: Rules, now: datetime, limit: int = 5000) -> int:
    """Advance the clock for open cases whose next tick has come (overdue, a period ended); return how many.

    A case the rules cannot judge never blocks the clock: it is taken off it (next_tick NULL), logged with
    its error and counted; every other case goes on."""
    try:
        return await _tick(conn, rules=rules, now=now, limit=limit)
    except Exception as exc:
        if is_transient(exc):
            raise
        log.warning("scoring: clock pass failed (%s); isolating the case at fault", exc)
    rows = await conn.fetch("SELECT kind, unit_id, case_id FROM cases WHERE next_tick <= $1 ORDER BY next_tick"
                            " LIMIT $2", now, limit)
    for r in rows:
        case = (r["kind"], r["unit_id"], r["case_id"])
        try:
            async with conn.transaction():
                affected = Affected()
                await _apply_cases(conn, {}, {case: []}, affected, rules=rules, now=now)
                await mark(conn, affected, now)
        except Exception as exc:
            if is_transient(exc):
                raise
            await conn.execute("UPDATE cases SET next_tick = NULL WHERE kind = $1 AND unit_id = $2 AND case_id = $3",
                               *case)
            QUARANTINED.labels("clock").inc()
            log.error("scoring: case %s cannot be judged by the clock; taken off it: %s", case, describe(exc))
    return len(rows)


async def _tick(conn: asyncpg.Connection, *, rules: Rules, now: datetime, limit: int) -> int:
    async with conn.transaction():
        rows = await conn.fetch(
            "SELECT kind, unit_id, case_id FROM cases WHERE next_tick <= $1 ORDER BY next_tick LIMIT $2"
            " FOR UPDATE SKIP LOCKED", now, limit)
        if not rows:
            return 0
        affected = Affected()
        await _apply_cases(conn, {}, {(r["kind"], r["unit_id"], r["case_id"]): [] for r in rows}, affected,
                           rules=rules, now=now)
        await mark(conn, affected, now)
        return len(rows)
