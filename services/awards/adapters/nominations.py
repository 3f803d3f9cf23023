"""Awards' nominations in PostgreSQL: closed years, nominations and their transitions, amounts, award signals."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import asyncpg

from services.awards.domain.money import Money, recover_vnd
from services.awards.domain.records import StatusChange


class NominationStore:
    """Nominations, their audit and money, the closed years and the signals sent (PostgreSQL)."""

    conn: asyncpg.Connection

    async def closed_year(self, year: int) -> asyncpg.Record | None:
        """The closed year (year, closed_at, rule_version), or None."""
        return await self.conn.fetchrow("SELECT year, closed_at, rule_version FROM closed_years WHERE year = $1", year)

    async def closed_years(self) -> set[int]:
        """Every year closed so far."""
        return {r["year"] for r in await self.conn.fetch("SELECT year FROM closed_years")}

    async def mark_closed(self, year: int, now: datetime, rule_version: str) -> None:
        """Record that year was closed (the first close counts; closing again changes nothing)."""
        await self.conn.execute(
            "INSERT INTO closed_years VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", year, now, rule_version
        )

    async def nominations_of(self, unit_id: str, year: int) -> dict[str, asyncpg.Record]:
        """The unit's nominations of year by id, locked."""
        rows = await self.conn.fetch(
            "SELECT * FROM nominations WHERE (unit_id = $1) AND year = $2 FOR UPDATE", unit_id, year
        )
        return {r["id"]: r for r in rows}

    async def subject_nominations(
        self, kind: str, subject: str, unit: str, statuses: tuple[str, ...], years: tuple[int, int]
    ) -> list[asyncpg.Record]:
        """The subject's nominations under unit in the given statuses and years (inclusive), locked."""
        return await self.conn.fetch(
            "SELECT * FROM nominations WHERE subject_kind = $1 AND subject_id = $2 AND unit_id = $6"
            " AND status = ANY($3::text[]) AND year BETWEEN $4 AND $5 ORDER BY id FOR UPDATE",
            kind,
            subject,
            list(statuses),
            years[0],
            years[1],
            unit,
        )

    async def lock_nomination(self, nomination_id: str) -> asyncpg.Record | None:
        """The nomination, locked for a decision; None when there is no such nomination."""
        return await self.conn.fetchrow("SELECT * FROM nominations WHERE id = $1 FOR UPDATE", nomination_id)

    async def nomination(self, nomination_id: str) -> asyncpg.Record | None:
        """The nomination as it now stands (after a write in the same transaction)."""
        return await self.conn.fetchrow("SELECT * FROM nominations WHERE id = $1", nomination_id)

    async def create_nomination(self, row: dict[str, Any], now: datetime) -> bool:
        """Insert a nomination in row["status"] (held_from and reason optional); False when it already exists."""
        created = await self.conn.fetchval(
            "INSERT INTO nominations (id, title, year, subject_kind, subject_id, unit_id, status, cash_multiple,"
            " rule_version, criteria, evidence_ids, created_at, updated_at, held_from, reason, rating_basis)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11::jsonb, $12, $12, $13, $14, $15)"
            " ON CONFLICT DO NOTHING RETURNING id",
            row["id"],
            row["title"],
            row["year"],
            row["subject_kind"],
            row["subject_id"],
            row["unit_id"],
            row["status"],
            row["cash_multiple"],
            row["rule_version"],
            json.dumps(row["criteria"], ensure_ascii=False),
            json.dumps(row["evidence_ids"]),
            now,
            row.get("held_from"),
            row.get("reason"),
            row.get("rating_basis"),
        )
        return created is not None

    async def set_status(self, nomination_id: str, change: StatusChange, now: datetime) -> None:
        """Move a nomination to status (held_from kept only while on hold; evidence, criteria replaced when given)."""
        await self.conn.execute(
            "UPDATE nominations SET status = $2, reason = $3, updated_at = $4,"
            " votes = coalesce($5::jsonb, votes), held_from = $6,"
            " evidence_ids = coalesce($7::jsonb, evidence_ids), criteria = coalesce($8::jsonb, criteria)"
            " WHERE id = $1",
            nomination_id,
            change.status,
            change.reason,
            now,
            json.dumps(change.votes) if change.votes is not None else None,
            change.held_from,
            json.dumps(change.evidence_ids) if change.evidence_ids is not None else None,
            json.dumps(change.criteria, ensure_ascii=False) if change.criteria is not None else None,
        )

    async def fix_amount(self, nomination_id: str, money: Money, decision_date: date) -> None:
        """Store the multiple, base salary, amount and source in force on the decision date."""
        await self.conn.execute(
            "UPDATE nominations SET decision_date = $2, cash_multiple = $3, base_salary_vnd = $4, cash_vnd = $5,"
            " cash_source = $6 WHERE id = $1",
            nomination_id,
            decision_date,
            money.multiple,
            money.base_salary_vnd,
            money.cash_vnd,
            money.source,
        )

    async def record_recovery(self, nomination_id: str, before: asyncpg.Record) -> None:
        """On a revocation: the amount paid on approval is to be recovered (0 if never approved; unknown, left empty,
        for a decision taken before amounts were stored: the API then computes it from the decision date)."""
        if before["status"] == "approved" and before["cash_vnd"] is None:
            return
        amount = recover_vnd(before["status"], before["cash_vnd"])
        await self.conn.execute("UPDATE nominations SET recover_vnd = $2 WHERE id = $1", nomination_id, amount)

    async def audit(
        self, nomination_id: str, before: str | None, after: str, reason: str, actor: str, now: datetime
    ) -> None:
        """One transition of a nomination, for the audit trail."""
        await self.conn.execute(
            "INSERT INTO audit (nomination_id, from_status, to_status, reason, actor, at)"
            " VALUES ($1, $2, $3, $4, $5, $6)",
            nomination_id,
            before,
            after,
            reason,
            actor,
            now,
        )

    async def signal_state(self, unit_id: str, year: int, title: str) -> str | None:
        """The last award signal sent for the unit, year and title (on_track, at_risk), or None."""
        state: str | None = await self.conn.fetchval(
            "SELECT state FROM signals WHERE unit_id = $1 AND year = $2 AND title = $3", unit_id, year, title
        )
        return state

    async def set_signal_state(self, unit_id: str, year: int, title: str, state: str) -> None:
        """Remember the award signal just sent, so only transitions are sent."""
        await self.conn.execute(
            "INSERT INTO signals VALUES ($1, $2, $3, $4)"
            " ON CONFLICT (unit_id, year, title) DO UPDATE SET state = EXCLUDED.state",
            unit_id,
            year,
            title,
            state,
        )
