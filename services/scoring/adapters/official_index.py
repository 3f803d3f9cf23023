"""The SQL of the official 766 index: a period's import replaced whole, read back beside our scorecards."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from services.scoring.domain.reconcile import OfficialRow


async def unit_codes(conn: asyncpg.Connection) -> dict[str, str | None]:
    """{unit_id: administrative code or None} of every unit of the directory."""
    return {r["unit_id"]: r["admin_code"] for r in await conn.fetch("SELECT unit_id, admin_code FROM units")}


async def replace_import(
    conn: asyncpg.Connection,
    period: str,
    rows: Sequence[OfficialRow],
    *,
    file_name: str | None,
    imported_at: datetime,
    imported_by: str,
) -> None:
    """The period's official figures become these rows (call inside a transaction)."""
    await conn.execute("DELETE FROM official_imports WHERE period = $1", period)
    await conn.execute(
        "INSERT INTO official_imports (period, file_name, imported_at, imported_by, rows) VALUES ($1, $2, $3, $4, $5)",
        period,
        file_name,
        imported_at,
        imported_by,
        len(rows),
    )
    await conn.execute(
        "INSERT INTO official_index (period, unit_id, given, total, groups) SELECT $1, * FROM"
        " unnest($2::text[], $3::text[], $4::float8[], $5::jsonb[])",
        period,
        [r.unit_id for r in rows],
        [r.given for r in rows],
        [r.total for r in rows],
        [json.dumps(dict(r.groups)) for r in rows],
    )


async def imported(conn: asyncpg.Connection, period: str) -> asyncpg.Record | None:
    """The period's import: file name, when and by whom, how many rows."""
    return await conn.fetchrow(
        "SELECT file_name, imported_at, imported_by, rows FROM official_imports WHERE period = $1", period
    )


async def official_rows(conn: asyncpg.Connection, period: str, unit: str | None) -> list[OfficialRow]:
    """The period's imported rows (one unit's when unit is given), by unit id."""
    found = await conn.fetch(
        "SELECT unit_id, given, total, groups::text AS groups FROM official_index WHERE period = $1"
        " AND ($2::text IS NULL OR unit_id = $2) ORDER BY unit_id",
        period,
        unit,
    )
    return [OfficialRow(r["unit_id"], r["given"], r["total"], json.loads(r["groups"])) for r in found]


async def cards(conn: asyncpg.Connection, period: str, units: Sequence[str]) -> dict[str, dict[str, Any]]:
    """{unit_id: {name, card}} of the units with a stored scorecard in the period (name from the directory)."""
    rows = await conn.fetch(
        "SELECT u.unit_id, u.name, s.card::text AS card FROM units u LEFT JOIN unit_scores s"
        " ON s.unit_id = u.unit_id AND s.period = $1 WHERE u.unit_id = ANY($2::text[])",
        period,
        list(units),
    )
    return {r["unit_id"]: {"name": r["name"], "card": json.loads(r["card"]) if r["card"] else None} for r in rows}
