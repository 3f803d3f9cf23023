"""An in-memory AwardsStore (services/awards/store.py) for the awards use cases' unit tests: dictionaries instead of
tables, the same answers for what the handlers ask (a unit's year, nominations, the inbox and outbox); a unit of
work that fails leaves nothing behind, as a PostgreSQL transaction would."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from schemas.lineage import Reorganization, ceased
from schemas.outputs import OfficerRating, StandingChanged
from services.awards.domain.lineage import touched_by
from services.awards.domain.memberships import Membership, folded_into_successor, members_for, year_start, year_units
from services.awards.domain.money import Money, recover_vnd
from services.awards.domain.records import (
    CaseEvent,
    Discipline,
    EvidenceRating,
    Fact,
    OfficerRecord,
    OpenCase,
    StatusChange,
    UnitRecord,
)
from services.awards.store import Row
from thidua.runtime.outbox import Message

Touched = list[tuple[str, int | None]]


@dataclass
class Tables:
    """Everything kept, by the key PostgreSQL would use."""

    units: dict[str, dict[str, Any]] = field(default_factory=dict)
    officers: dict[str, dict[str, Any]] = field(default_factory=dict)
    memberships: dict[str, tuple[str, Membership]] = field(default_factory=dict)  # event -> (officer, membership)
    rating_history: list[dict[str, Any]] = field(default_factory=list)  # in arrival order
    titles: list[dict[str, Any]] = field(default_factory=list)
    facts: dict[str, dict[str, tuple[Any, ...]]] = field(
        default_factory=lambda: {"initiatives": {}, "research": {}, "registrations": {}}
    )
    disciplines: dict[str, tuple[str, str, Discipline]] = field(default_factory=dict)
    grievances: dict[str, dict[str, Any]] = field(default_factory=dict)
    officer_scores: dict[tuple[str, int], tuple[float, str, str]] = field(default_factory=dict)
    evidence_ratings: dict[tuple[str, int], OfficerRating] = field(default_factory=dict)
    reorganizations: dict[str, Reorganization] = field(default_factory=dict)
    standings: dict[tuple[str, int], StandingChanged] = field(default_factory=dict)
    closed: dict[int, dict[str, Any]] = field(default_factory=dict)
    nominations: dict[str, dict[str, Any]] = field(default_factory=dict)
    audit: list[dict[str, Any]] = field(default_factory=list)
    signals: dict[tuple[str, int, str], str] = field(default_factory=dict)
    inbox: set[str] = field(default_factory=set)
    outbox: list[Message] = field(default_factory=list)


def evidence_rating(r: OfficerRating) -> EvidenceRating:
    """A ratings.v1 record as a member's evidence rating (keyed as the inbox keys it)."""
    key = f"ratings:{r.event_id}"
    return EvidenceRating(r.year, r.level, key, r.score, r.periods, tuple(r.not_complete), r.rule_version)


class FakeAwardsStore:
    """AwardsStore in memory; `t` holds the tables (tests read them), `transactions` counts the units of work."""

    def __init__(self) -> None:
        self.t = Tables()
        self.transactions = 0

    @asynccontextmanager
    async def transaction(self, *, readonly: bool = False) -> AsyncIterator[None]:
        """All or nothing: the tables are restored when the body fails."""
        self.transactions += 1
        saved = copy.deepcopy(self.t)
        try:
            yield
        except BaseException:
            self.t = saved
            raise

    async def claim(self, keys: Sequence[str]) -> set[str]:
        """The keys not seen before, now recorded."""
        fresh = {k for k in keys if k not in self.t.inbox}
        self.t.inbox |= fresh
        return fresh

    async def enqueue(self, messages: Sequence[Message]) -> None:
        """Kept in order, as the outbox would publish them."""
        self.t.outbox += list(messages)

    # --- facts ------------------------------------------------------------------------------------------------------

    async def upsert_unit(self, unit_id: str, name: str, cluster: str | None, parent: str | None, at: datetime) -> None:
        """The unit's latest registration (an older one is ignored)."""
        known = self.t.units.get(unit_id)
        if known is None or known["at"] <= at:
            self.t.units[unit_id] = {"name": name, "cluster_id": cluster, "parent_id": parent, "at": at}

    async def upsert_officer(self, officer_id: str, name: str, joined: Membership) -> None:
        """The officer's latest registration (an older one is ignored)."""
        known = self.t.officers.get(officer_id)
        if known is None or known["at"] <= joined.at:
            self.t.officers[officer_id] = {"name": name, "unit_id": joined.unit_id, "at": joined.at}

    async def add_membership(self, m: Membership, officer_id: str) -> None:
        """Keep a registration (a repeated one changes nothing)."""
        self.t.memberships.setdefault(m.event, (officer_id, m))

    async def timeline(self, officer_id: str) -> list[Membership]:
        """The officer's registrations by date, then event."""
        return sorted((m for o, m in self.t.memberships.values() if o == officer_id), key=lambda m: (m.at, m.event))

    async def upsert_rating(
        self, kind: str, subject: str, unit: str, year: int, level: str, event: str, at: datetime
    ) -> None:
        """A rating decision in the history (a repeat is ignored); the latest arrived counts."""
        if all(r["event"] != event for r in self.t.rating_history):
            row = {"kind": kind, "subject": subject, "unit": unit, "year": year, "level": level, "event": event}
            self.t.rating_history.append(row)

    async def add_title(self, kind: str, subject: str, unit: str, year: int, title: str, ref: str) -> None:
        """A title held (once per subject, unit, year and title)."""
        row = {"kind": kind, "subject": subject, "unit": unit, "year": year, "title": title}
        if not any({k: t[k] for k in row} == row for t in self.t.titles):
            self.t.titles.append({**row, "ref": ref})

    async def add_row(self, table: str, values: tuple[Any, ...]) -> None:
        """An initiative or research: (event, officer, unit, year, scope); a repeat is ignored."""
        self.t.facts[table].setdefault(values[0], values)

    async def add_discipline(self, officer: str, unit: str, d: Discipline) -> None:
        """A discipline under its counted year; a repeat is ignored."""
        self.t.disciplines.setdefault(d.event, (officer, unit, d))

    async def set_grievance(self, case: CaseEvent) -> Row | None:
        """The latest event of a case decides; the row when this event is the latest."""
        known = self.t.grievances.get(case.key)
        if known is not None and known["occurred_at"] > case.at:
            return None
        row = {
            "unit_id": case.unit_id,
            "officer_id": case.officer_id,
            "is_open": case.is_open,
            "substantiated": case.substantiated,
            "event": case.event,
            "occurred_at": case.at,
            "opened_event": case.event if case.is_open else (known or {}).get("opened_event"),
            "opened_at": case.at if case.is_open else (known or {}).get("opened_at"),
            "kind": case.kind or (known or {}).get("kind"),
            "case_key": case.key,
        }
        self.t.grievances[case.key] = row
        return dict(row)

    async def add_registration(
        self, event: str, kind: str, subject: str, unit: str, year: int, titles: list[str]
    ) -> None:
        """An emulation registration; a repeat is ignored."""
        self.t.facts["registrations"].setdefault(event, (event, kind, subject, unit, year, titles))

    async def set_officer_score(
        self, officer: str, unit: str, year: int, score: float, event: str, at: datetime
    ) -> None:
        """The officer's latest evidence-based score of the year."""
        self.t.officer_scores[(officer, year)] = (score, event, unit)

    async def set_evidence_rating(self, r: OfficerRating, key: str) -> set[tuple[str, int | None]]:
        """The latest evidence rating of an officer and year; the (unit, year) it changes."""
        known = self.t.evidence_ratings.get((r.officer_id, r.year))
        if known is not None and (known.occurred_at, f"ratings:{known.event_id}") >= (r.occurred_at, key):
            return set()
        self.t.evidence_ratings[(r.officer_id, r.year)] = r
        return {(r.unit_id, r.year)} | ({(known.unit_id, r.year)} if known is not None else set())

    async def remove_title(self, ref: str) -> None:
        """A revoked nomination's title no longer counts."""
        self.t.titles = [t for t in self.t.titles if t["ref"] != ref]

    async def forget_event(self, event: str) -> Touched:
        """A retraction: what the event recorded is removed; the (unit, year) it touched."""
        touched: Touched = []
        for r in [r for r in self.t.rating_history if r["event"] == event]:
            self.t.rating_history.remove(r)
            touched.append((r["unit"], r["year"]))
        for table in self.t.facts.values():
            if (row := table.pop(event, None)) is not None:
                touched.append((row[-3], row[-2]))
        if (found := self.t.disciplines.pop(event, None)) is not None:
            touched.append((found[1], found[2].year))
        touched += [(t["unit"], t["year"]) for t in self.t.titles if t["ref"] == event]
        await self.remove_title(event)
        for key, g in list(self.t.grievances.items()):
            if g["event"] == event and not g["is_open"] and g["opened_event"] not in (None, event):
                g.update(is_open=True, substantiated=None, event=g["opened_event"], occurred_at=g["opened_at"])
                touched.append((g["unit_id"], None))
            elif g["event"] == event:
                del self.t.grievances[key]
                touched.append((g["unit_id"], None))
        if (change := self.t.reorganizations.pop(event, None)) is not None:
            touched += sorted(touched_by(change), key=str)
        return touched

    async def add_reorganization(self, change: Reorganization, unit_id: str) -> None:
        """Keep a reorganization (a repeated one changes nothing)."""
        self.t.reorganizations.setdefault(change.event, change)

    async def set_standing(self, d: StandingChanged, year: int) -> None:
        """The unit's latest year standing."""
        self.t.standings[(d.unit_id, year)] = d

    # --- a unit's year ----------------------------------------------------------------------------------------------

    async def reorganizations(self) -> list[Reorganization]:
        """Every reorganization, by date then event."""
        return sorted(self.t.reorganizations.values(), key=lambda c: (c.at, c.event))

    def _ratings(self) -> dict[tuple[str, str, str | None, int], dict[str, Any]]:
        """The latest arrived rating per subject and year (per unit for an officer)."""
        current: dict[tuple[str, str, str | None, int], dict[str, Any]] = {}
        for r in self.t.rating_history:
            current[(r["kind"], r["subject"], r["unit"] if r["kind"] == "officer" else None, r["year"])] = r
        return current

    async def load_unit(self, unit_id: str, year: int) -> UnitRecord:
        """The unit and its members for year with every year of their records."""
        known = self.t.units.get(unit_id, {})
        unit = UnitRecord(unit_id, known.get("cluster_id"), known.get("name", unit_id))
        unit.changes = await self.reorganizations()
        units = set(year_units(unit_id, year, unit.changes) | {unit_id})
        ever = {o for o, m in self.t.memberships.values() if m.unit_id in units}
        timelines = {o: await self.timeline(o) for o in sorted(ever)}
        belong = members_for(timelines, unit_id, year, unit.changes)
        members = {
            o: OfficerRecord(
                o, unit_id, self.t.officers.get(o, {}).get("name", ""), staff_kind=m.staff_kind, peer_group=m.peer_group
            )
            for o, m in belong.items()
        }
        unit.members = list(members.values())
        self._fill(unit, members, units, year)
        return unit

    def _fill(self, unit: UnitRecord, members: dict[str, OfficerRecord], units: set[str], year: int) -> None:
        """The records of the unit and its members, as the PostgreSQL store reads them."""

        def holder(kind: str, subject: str, unit_of_row: str) -> OfficerRecord | UnitRecord | None:
            if kind == "unit":
                return unit if subject == unit.unit_id else None
            return members.get(subject) if unit_of_row in units else None

        for r in self._ratings().values():
            if (target := holder(r["kind"], r["subject"], r["unit"])) is not None:
                target.ratings[r["year"]] = Fact(r["year"], r["level"], r["event"])
        undecided = {n for n, row in self.t.nominations.items() if row["status"] != "approved"}
        for t in self.t.titles:
            if t["ref"] not in undecided and (target := holder(t["kind"], t["subject"], t["unit"])) is not None:
                target.titles.setdefault(t["year"], {})[t["title"]] = t["ref"]
        for table in ("initiatives", "research"):
            for event, officer, unit_of_row, y, scope in self.t.facts[table].values():
                if officer in members and unit_of_row in units:
                    record = members[officer]
                    (record.initiatives if table == "initiatives" else record.research).append(Fact(y, scope, event))
        for _, kind, subject, unit_of_row, y, titles in self.t.facts["registrations"].values():
            if (target := holder(kind, subject, unit_of_row)) is not None:
                target.registered.setdefault(y, set()).update(titles)
        for officer, unit_of_row, d in sorted(self.t.disciplines.values(), key=lambda x: x[2].event):
            if officer in members and unit_of_row in units:
                members[officer].disciplines.append(d)
        for (officer, y), (score, _, unit_of_row) in self.t.officer_scores.items():
            if officer in members and unit_of_row in units:
                members[officer].scores[y] = score
        for (officer, y), rating in self.t.evidence_ratings.items():
            if officer in members and rating.unit_id in units:
                members[officer].evidence_ratings[y] = evidence_rating(rating)
        for g in sorted(self.t.grievances.values(), key=lambda g: g["event"]):
            about = ("officer", g["officer_id"]) if g["officer_id"] else ("unit", g["unit_id"])
            if g["is_open"] and g["unit_id"] in units and (target := holder(*about, g["unit_id"])) is not None:
                target.open_grievances.append(OpenCase(g["event"], g["kind"], g["case_key"].split("|", 2)[-1]))
        self._standings(unit, year)

    def _standings(self, unit: UnitRecord, year: int) -> None:
        """The unit's standings and the leaders of its cluster each year."""
        for (unit_id, y), d in self.t.standings.items():
            if unit_id != unit.unit_id:
                continue
            unit.standing[y] = (d.rank_in_cluster, d.band, d.event_id)
            if y == year and d.cluster_id is not None:
                unit.cluster_id = d.cluster_id
            leaders = [
                o.unit_id
                for (_, oy), o in sorted(self.t.standings.items())
                if oy == y and o.cluster_id == d.cluster_id and o.rank_in_cluster == 1
            ]
            unit.cluster_leaders[y] = leaders

    async def units_of_year(self, year: int) -> list[str]:
        """Registered units and units rated for year, less those folded into a successor before it began."""
        found = set(self.t.units) | {r["unit"] for r in self.t.rating_history if r["year"] == year}
        found |= {r.unit_id for (_, y), r in self.t.evidence_ratings.items() if y == year}
        changes = await self.reorganizations()

        def gone(u: str) -> bool:
            change = ceased(u, changes)
            return change is not None and folded_into_successor(u, year, changes) and change.at <= year_start(year)

        return sorted(u for u in found if not gone(u))

    # --- nominations ------------------------------------------------------------------------------------------------

    async def closed_year(self, year: int) -> Row | None:
        """The closed year, or None."""
        return self.t.closed.get(year)

    async def closed_years(self) -> set[int]:
        """Every year closed so far."""
        return set(self.t.closed)

    async def mark_closed(self, year: int, now: datetime, rule_version: str) -> None:
        """The first close counts."""
        self.t.closed.setdefault(year, {"year": year, "closed_at": now, "rule_version": rule_version})

    async def nominations_of(self, unit_id: str, year: int) -> dict[str, Row]:
        """The unit's nominations of year, by id."""
        rows = self.t.nominations.values()
        return {n["id"]: dict(n) for n in rows if n["unit_id"] == unit_id and n["year"] == year}

    async def subject_nominations(
        self, kind: str, subject: str, unit: str, statuses: tuple[str, ...], years: tuple[int, int]
    ) -> list[Row]:
        """The subject's nominations under unit in the statuses and years, by id."""
        return [
            dict(n)
            for _, n in sorted(self.t.nominations.items())
            if (n["subject_kind"], n["subject_id"], n["unit_id"]) == (kind, subject, unit)
            and n["status"] in statuses
            and years[0] <= n["year"] <= years[1]
        ]

    async def lock_nomination(self, nomination_id: str) -> Row | None:
        """The nomination, or None."""
        return await self.nomination(nomination_id)

    async def nomination(self, nomination_id: str) -> Row | None:
        """The nomination as it now stands, or None."""
        row = self.t.nominations.get(nomination_id)
        return dict(row) if row is not None else None

    async def create_nomination(self, row: dict[str, Any], now: datetime) -> bool:
        """Insert a nomination; False when it already exists."""
        if row["id"] in self.t.nominations:
            return False
        stored: dict[str, Any] = dict.fromkeys(("votes", "decision_date", "recover_vnd", "held_from", "reason"))
        stored |= {**row, "created_at": now, "updated_at": now}
        # jsonb columns come back as JSON text (asyncpg's default): the handlers parse them as they would.
        stored.update(
            criteria=json.dumps(row["criteria"], ensure_ascii=False), evidence_ids=json.dumps(row["evidence_ids"])
        )
        self.t.nominations[row["id"]] = stored
        return True

    async def set_status(self, nomination_id: str, change: StatusChange, now: datetime) -> None:
        """Move a nomination to a status; votes, evidence and criteria replaced when given."""
        row = self.t.nominations[nomination_id]
        row.update(status=change.status, reason=change.reason, updated_at=now, held_from=change.held_from)
        for name in ("votes", "evidence_ids", "criteria"):
            if (value := getattr(change, name)) is not None:
                row[name] = json.dumps(value, ensure_ascii=False)

    async def fix_amount(self, nomination_id: str, money: Money, decision_date: date) -> None:
        """The amount fixed by the decision."""
        self.t.nominations[nomination_id].update(
            decision_date=decision_date,
            cash_multiple=money.multiple,
            base_salary_vnd=money.base_salary_vnd,
            cash_vnd=money.cash_vnd,
            cash_source=money.source,
        )

    async def record_recovery(self, nomination_id: str, before: Row) -> None:
        """The amount to recover on a revocation."""
        if before["status"] == "approved" and before["cash_vnd"] is None:
            return
        self.t.nominations[nomination_id]["recover_vnd"] = recover_vnd(before["status"], before["cash_vnd"])

    async def audit(
        self, nomination_id: str, before: str | None, after: str, reason: str, actor: str, now: datetime
    ) -> None:
        """One transition, kept in order."""
        row = {"nomination_id": nomination_id, "from_status": before, "to_status": after, "reason": reason}
        self.t.audit.append({**row, "actor": actor, "at": now})

    async def signal_state(self, unit_id: str, year: int, title: str) -> str | None:
        """The last award signal sent, or None."""
        return self.t.signals.get((unit_id, year, title))

    async def set_signal_state(self, unit_id: str, year: int, title: str, state: str) -> None:
        """Remember the signal sent."""
        self.t.signals[(unit_id, year, title)] = state
