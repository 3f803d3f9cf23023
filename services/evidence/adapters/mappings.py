"""The operator's mappings of the national portal's door in PostgreSQL (dvcqg_unit_codes, dvcqg_officer_users)."""

from __future__ import annotations

import asyncpg

from services.evidence.store import Kind, Mapping

# Table, upstream column and our column of each kind: fixed names, never from input.
_TABLES: dict[Kind, tuple[str, str, str]] = {
    "unit": ("dvcqg_unit_codes", "code", "unit_id"),
    "officer": ("dvcqg_officer_users", "username", "officer_id"),
}


async def listing(conn: asyncpg.Connection, kind: Kind, source: str) -> list[Mapping]:
    """Every mapping of one kind of a source, by upstream name."""
    table, upstream, target = _TABLES[kind]
    rows = await conn.fetch(
        f"SELECT {upstream} AS u, {target} AS t, created_at FROM {table} WHERE source = $1 ORDER BY {upstream}",
        source,
    )
    return [Mapping(r["u"], r["t"], r["created_at"]) for r in rows]


async def put(conn: asyncpg.Connection, kind: Kind, source: str, name: str, value: str) -> tuple[Mapping, str | None]:
    """Map name to value (a new mapping, or a changed one keeping its first date); the mapping and what it replaced."""
    table, upstream, target = _TABLES[kind]
    previous = await conn.fetchval(
        f"SELECT {target} FROM {table} WHERE source = $1 AND {upstream} = $2 FOR UPDATE", source, name
    )
    row = await conn.fetchrow(
        f"INSERT INTO {table} (source, {upstream}, {target}) VALUES ($1, $2, $3)"
        f" ON CONFLICT (source, {upstream}) DO UPDATE SET {target} = EXCLUDED.{target}"
        f" RETURNING {upstream} AS u, {target} AS t, created_at",
        source,
        name,
        value,
    )
    assert row is not None
    return Mapping(row["u"], row["t"], row["created_at"]), previous


async def remove(conn: asyncpg.Connection, kind: Kind, source: str, name: str) -> Mapping | None:
    """Forget one mapping; the one removed, None if there was none."""
    table, upstream, target = _TABLES[kind]
    row = await conn.fetchrow(
        f"DELETE FROM {table} WHERE source = $1 AND {upstream} = $2 RETURNING {upstream} AS u, {target} AS t,"
        " created_at",
        source,
        name,
    )
    return None if row is None else Mapping(row["u"], row["t"], row["created_at"])


async def source_units(conn: asyncpg.Connection, source: str) -> list[str] | None:
    """The units a source is registered for, None for no such source (locked against a change until commit)."""
    units = await conn.fetchval("SELECT units FROM sources WHERE name = $1 FOR SHARE", source)
    return None if units is None else list(units)
