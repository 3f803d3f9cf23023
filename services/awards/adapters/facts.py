"""Awards' writes of what the evidence and the standings say: units, officers, ratings, titles, cases."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import asyncpg

from schemas.lineage import Reorganization
from schemas.outputs import OfficerRating, StandingChanged
from services.awards.adapters.unit_record import reorganization_of
from services.awards.domain.lineage import touched_by
from services.awards.domain.memberships import Membership
from services.awards.domain.records import CaseEvent, Discipline


class FactStore:
    """The facts awards keeps from evidence, ratings and standings (PostgreSQL), and their retraction."""

    conn: asyncpg.Connection

    async def upsert_unit(self, unit_id: str, name: str, cluster: str | None, parent: str | None, at: datetime) -> None:
        """The unit's latest registration: name, cluster, parent (an older one is ignored)."""
        await self.conn.execute(
            "INSERT INTO units VALUES ($1, $2, $3, $4, $5) ON CONFLICT (unit_id) DO UPDATE SET"
            " name = EXCLUDED.name, cluster_id = EXCLUDED.cluster_id, parent_id = EXCLUDED.parent_id,"
            " occurred_at = EXCLUDED.occurred_at WHERE units.occurred_at <= EXCLUDED.occurred_at",
            unit_id,
            name,
            cluster,
            parent,
            at,
        )

    async def upsert_officer(self, officer_id: str, name: str, joined: Membership) -> None:
        """The officer's latest registration: unit, name, date, staff kind and peer group (an older one is ignored)."""
        await self.conn.execute(
            "INSERT INTO officers (officer_id, unit_id, full_name, occurred_at, staff_kind, peer_group)"
            " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (officer_id) DO UPDATE SET"
            " unit_id = EXCLUDED.unit_id, full_name = EXCLUDED.full_name, occurred_at = EXCLUDED.occurred_at,"
            " staff_kind = EXCLUDED.staff_kind, peer_group = EXCLUDED.peer_group"
            " WHERE officers.occurred_at <= EXCLUDED.occurred_at",
            officer_id,
            joined.unit_id,
            name,
            joined.at,
            joined.staff_kind,
            joined.peer_group,
        )

    async def add_membership(self, m: Membership, officer_id: str) -> None:
        """Keep a registration with its date (a repeated one changes nothing)."""
        await self.conn.execute(
            "INSERT INTO officer_memberships (event, officer_id, unit_id, at, staff_kind, peer_group)"
            " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event) DO NOTHING",
            m.event,
            officer_id,
            m.unit_id,
            m.at,
            m.staff_kind,
            m.peer_group,
        )

    async def timeline(self, officer_id: str) -> list[Membership]:
        """An officer's registrations, locked (two batches moving the same officer judge one after the other)."""
        rows = await self.conn.fetch(
            "SELECT at, event, unit_id, staff_kind, peer_group FROM officer_memberships WHERE officer_id = $1"
            " ORDER BY at, event FOR UPDATE",
            officer_id,
        )
        return [Membership(r["at"], r["event"], r["unit_id"], r["staff_kind"], r["peer_group"]) for r in rows]

    async def upsert_rating(
        self, kind: str, subject: str, unit: str, year: int, level: str, event: str, at: datetime
    ) -> None:
        """Record a rating decision in the history; the latest ARRIVED decision for the subject and year counts (a
        correction supersedes by its issue order, even when back-dated)."""
        await self.conn.execute(
            "INSERT INTO rating_history (event, subject_kind, subject_id, unit_id, year, level, occurred_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (event) DO NOTHING",
            event,
            kind,
            subject,
            unit,
            year,
            level,
            at,
        )
        await self._current_rating(kind, subject, unit, year)

    async def _current_rating(self, kind: str, subject: str, unit: str, year: int) -> None:
        """Make ratings hold the subject's latest arrived rating of year still in the history (none: no rating).

        An officer's ratings count per unit they were sent under: one unit's decision never replaces another's."""
        scope = unit if kind == "officer" else None
        latest = await self.conn.fetchrow(
            "SELECT * FROM rating_history WHERE subject_kind = $1 AND subject_id = $2 AND year = $4"
            " AND ($3::text IS NULL OR unit_id = $3) ORDER BY seq DESC LIMIT 1",
            kind,
            subject,
            scope,
            year,
        )
        await self.conn.execute(
            "DELETE FROM ratings WHERE subject_kind = $1 AND subject_id = $2 AND year = $4"
            " AND ($3::text IS NULL OR unit_id = $3)",
            kind,
            subject,
            scope,
            year,
        )
        if latest is None:
            return
        await self.conn.execute(
            "INSERT INTO ratings VALUES ($1, $2, $3, $4, $5, $6, $7)",
            kind,
            subject,
            latest["unit_id"],
            year,
            latest["level"],
            latest["event"],
            latest["occurred_at"],
        )

    async def add_title(self, kind: str, subject: str, unit: str, year: int, title: str, ref: str) -> None:
        """A title held by the subject, given under unit (the envelope's unit, or the nomination's)."""
        await self.conn.execute(
            "INSERT INTO titles (subject_kind, subject_id, unit_id, year, title, ref) VALUES ($1, $2, $3, $4, $5, $6)"
            " ON CONFLICT DO NOTHING",
            kind,
            subject,
            unit,
            year,
            title,
            ref,
        )

    async def add_row(self, table: str, values: tuple[Any, ...]) -> None:
        """Insert into initiatives, research or disciplines (keyed by event; a repeat is ignored)."""
        assert table in ("initiatives", "research", "disciplines")
        marks = ", ".join(f"${i}" for i in range(1, len(values) + 1))
        await self.conn.execute(f"INSERT INTO {table} VALUES ({marks}) ON CONFLICT DO NOTHING", *values)

    async def add_discipline(self, officer: str, unit: str, d: Discipline) -> None:
        """Record a discipline under its counted year with its facts (decided_at, violation_at, duty_related,
        effective_until); a repeat is ignored."""
        await self.conn.execute(
            "INSERT INTO disciplines (event, officer_id, unit_id, year, form, decided_at, violation_at, duty_related,"
            " effective_until) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
            d.event,
            officer,
            unit,
            d.year,
            d.value,
            d.decided_at,
            d.violation_at,
            d.duty_related,
            d.effective_until,
        )

    async def set_grievance(self, case: CaseEvent) -> asyncpg.Record | None:
        """The latest event of a case decides whether it is open (its kind kept from the opening when the closing does
        not say); return the row when this event is the latest."""
        return await self.conn.fetchrow(
            "INSERT INTO grievances (case_key, unit_id, officer_id, is_open, substantiated, event, occurred_at,"
            " opened_event, opened_at, kind) VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $4 THEN $6 END,"
            " CASE WHEN $4 THEN $7::timestamptz END, $8) ON CONFLICT (case_key) DO UPDATE"
            " SET is_open = EXCLUDED.is_open, substantiated = EXCLUDED.substantiated, event = EXCLUDED.event,"
            " occurred_at = EXCLUDED.occurred_at,"
            " opened_event = coalesce(EXCLUDED.opened_event, grievances.opened_event),"
            " opened_at = coalesce(EXCLUDED.opened_at, grievances.opened_at),"
            " kind = coalesce(EXCLUDED.kind, grievances.kind)"
            " WHERE grievances.occurred_at <= EXCLUDED.occurred_at RETURNING *",
            case.key,
            case.unit_id,
            case.officer_id,
            case.is_open,
            case.substantiated,
            case.event,
            case.at,
            case.kind,
        )

    async def add_registration(
        self, event: str, kind: str, subject: str, unit: str, year: int, titles: list[str]
    ) -> None:
        """Record an emulation registration (đăng ký thi đua); a repeat is ignored."""
        await self.conn.execute(
            "INSERT INTO registrations VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            event,
            kind,
            subject,
            unit,
            year,
            titles,
        )

    async def set_officer_score(
        self, officer: str, unit: str, year: int, score: float, event: str, at: datetime
    ) -> None:
        """Keep the latest evidence-based score of an officer for a year, with the unit scoring scored it in."""
        await self.conn.execute(
            "INSERT INTO officer_scores (officer_id, year, score, event, occurred_at, unit_id)"
            " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (officer_id, year)"
            " DO UPDATE SET score = EXCLUDED.score, event = EXCLUDED.event, occurred_at = EXCLUDED.occurred_at,"
            " unit_id = EXCLUDED.unit_id WHERE officer_scores.occurred_at <= EXCLUDED.occurred_at",
            officer,
            year,
            score,
            event,
            at,
            unit,
        )

    async def set_evidence_rating(self, r: OfficerRating, key: str) -> set[tuple[str, int | None]]:
        """Keep the latest evidence rating (ratings.v1) of an officer and year (by occurred_at, then event id);
        return the (unit, year) it changes: its unit and, when it moved, the unit it was computed for before (none
        if older)."""
        before = await self.conn.fetchval(
            "SELECT unit_id FROM evidence_ratings WHERE officer_id = $1 AND year = $2", r.officer_id, r.year
        )
        stored = await self.conn.fetchval(
            "INSERT INTO evidence_ratings (officer_id, year, unit_id, score, level, periods, not_complete,"
            " rule_version, event, occurred_at) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10)"
            " ON CONFLICT (officer_id, year)"
            " DO UPDATE SET unit_id = EXCLUDED.unit_id, score = EXCLUDED.score, level = EXCLUDED.level,"
            " periods = EXCLUDED.periods, not_complete = EXCLUDED.not_complete, rule_version = EXCLUDED.rule_version,"
            " event = EXCLUDED.event, occurred_at = EXCLUDED.occurred_at"
            " WHERE (evidence_ratings.occurred_at, evidence_ratings.event) < (EXCLUDED.occurred_at, EXCLUDED.event)"
            " RETURNING event",
            r.officer_id,
            r.year,
            r.unit_id,
            r.score,
            r.level,
            r.periods,
            json.dumps(r.not_complete, ensure_ascii=False),
            r.rule_version,
            key,
            r.occurred_at,
        )
        if stored is None:
            return set()
        return {(r.unit_id, r.year)} | ({(before, r.year)} if before is not None else set())

    async def remove_title(self, ref: str) -> None:
        """A revoked nomination's title no longer counts."""
        await self.conn.execute("DELETE FROM titles WHERE ref = $1", ref)

    async def forget_event(self, event: str) -> list[tuple[str, int | None]]:
        """A retraction: remove what the event recorded; return the (unit, year) it touched."""
        touched: list[tuple[str, int | None]] = []
        # A rating leaves the history; the one before it (if any) counts again.
        for r in await self.conn.fetch(
            "DELETE FROM rating_history WHERE event = $1 RETURNING subject_kind, subject_id, unit_id, year", event
        ):
            await self._current_rating(r["subject_kind"], r["subject_id"], r["unit_id"], r["year"])
            touched.append((r["unit_id"], r["year"]))
        for table in ("ratings", "initiatives", "research", "disciplines", "registrations"):
            rows = await self.conn.fetch(f"DELETE FROM {table} WHERE event = $1 RETURNING unit_id, year", event)
            touched += [(r["unit_id"], r["year"]) for r in rows]
        rows = await self.conn.fetch("DELETE FROM titles WHERE ref = $1 RETURNING year, unit_id", event)
        touched += [(r["unit_id"], r["year"]) for r in rows if r["unit_id"]]
        # The event that closed a case: the case is open again, as its opening left it (and holds again).
        rows = await self.conn.fetch(
            "UPDATE grievances SET is_open = true, substantiated = NULL, event = opened_event, occurred_at = opened_at"
            " WHERE event = $1 AND NOT is_open AND opened_event IS NOT NULL AND opened_event <> $1 RETURNING unit_id",
            event,
        )
        touched += [(r["unit_id"], None) for r in rows]
        rows = await self.conn.fetch("DELETE FROM grievances WHERE event = $1 RETURNING unit_id", event)
        touched += [(r["unit_id"], None) for r in rows]
        for r in await self.conn.fetch("DELETE FROM reorganizations WHERE event = $1 RETURNING *", event):
            touched += sorted(touched_by(reorganization_of(r)), key=str)
        return touched

    async def add_reorganization(self, change: Reorganization, unit_id: str) -> None:
        """Keep an accepted unit.reorganized (a repeated one changes nothing)."""
        await self.conn.execute(
            "INSERT INTO reorganizations (event, unit_id, kind, predecessors, successors, at, decision_no)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (event) DO NOTHING",
            change.event,
            unit_id,
            change.kind,
            list(change.predecessors),
            list(change.successors),
            change.at,
            change.decision_no,
        )

    async def set_standing(self, d: StandingChanged, year: int) -> None:
        """Keep the unit's latest year standing, with the cluster it is ranked in for that year."""
        await self.conn.execute(
            "INSERT INTO standings (unit_id, year, rank_in_cluster, band, score, event, occurred_at, cluster_id)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (unit_id, year)"
            " DO UPDATE SET rank_in_cluster = EXCLUDED.rank_in_cluster, band = EXCLUDED.band,"
            " score = EXCLUDED.score, event = EXCLUDED.event, occurred_at = EXCLUDED.occurred_at,"
            " cluster_id = EXCLUDED.cluster_id WHERE standings.occurred_at <= EXCLUDED.occurred_at",
            d.unit_id,
            year,
            d.rank_in_cluster,
            d.band,
            d.score,
            d.event_id,
            d.occurred_at,
            d.cluster_id,
        )
