"""Throw-away databases and one-off queries for tests."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg


async def fetch(url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    """Run one query on its own connection."""
    conn = await asyncpg.connect(url)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


async def fetchval(url: str, sql: str, *args: Any) -> Any:
    """The first column of the first row of one query."""
    rows = await fetch(url, sql, *args)
    return rows[0][0] if rows else None


async def create_database(server_url: str) -> str:
    """A new, empty database on the server; returns its URL."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    await fetch(server_url, f'CREATE DATABASE "{name}"')
    return f"{server_url.rsplit('/', 1)[0]}/{name}"


async def drop_database(server_url: str, url: str) -> None:
    await fetch(server_url, f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
