"""Read side of the awards service: nominations and their history as the API shows them."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import asyncpg

from services.awards.domain.lifecycle import cash_fields
from services.awards.domain.rulebook import AwardRules


async def nominations(
    conn: asyncpg.Connection, year: int, *, status: str | None, title: str | None, unit_id: str | None
) -> list[asyncpg.Record]:
    """A year's nominations, optionally of one status, one title and one unit, by id."""
    return list(
        await conn.fetch(
            "SELECT * FROM nominations WHERE year = $1 AND ($2::text IS NULL OR status = $2)"
            " AND ($3::text IS NULL OR title = $3) AND ($4::text IS NULL OR unit_id = $4) ORDER BY id",
            year,
            status,
            title,
            unit_id,
        )
    )


async def nomination(conn: asyncpg.Connection, nomination_id: str) -> asyncpg.Record | None:
    """One nomination, or None."""
    return await conn.fetchrow("SELECT * FROM nominations WHERE id = $1", nomination_id)


async def history(conn: asyncpg.Connection, nomination_id: str) -> list[dict[str, Any]]:
    """Every transition of the nomination, oldest first (the audit rows)."""
    rows = await conn.fetch(
        "SELECT from_status, to_status, reason, actor, at FROM audit WHERE nomination_id = $1 ORDER BY id",
        nomination_id,
    )
    return [dict(r) for r in rows]


def as_json(row: asyncpg.Record, rules: AwardRules, today: date) -> dict[str, Any]:
    """A nomination as the API shows it: criteria, evidence, blocks and cash (fixed by its decision, else an
    estimate at today's tables), with the amount to recover once revoked."""
    body = dict(row)
    body["criteria"] = json.loads(row["criteria"])
    body["evidence_ids"] = json.loads(row["evidence_ids"])
    body["votes"] = json.loads(row["votes"]) if row["votes"] else None
    body["blocks"] = [c for c in body["criteria"] if not c["met"]]
    body.update(cash_fields(row, rules, today))
    return body
