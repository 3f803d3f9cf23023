"""Bearer-token authentication shared by the services: roles source, unit, council and admin."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import asyncpg

from thidua.runtime.db import migrate

Role = Literal["source", "unit", "council", "admin"]
MIGRATIONS = Path(__file__).parent / "auth_migrations"
SCHEMA = "auth"


@dataclass(frozen=True)
class Principal:
    """The holder of a bearer token: a role, and the source or unit it speaks for."""

    role: Role
    source: str | None = None
    unit_id: str | None = None

    def may_read_unit(self, unit_id: str) -> bool:
        """Council and admin read everything; a unit token reads its own unit."""
        return self.role in ("council", "admin") or (self.role == "unit" and self.unit_id == unit_id)


def new_token() -> str:
    """A fresh high-entropy token (256 bits), shown once."""
    return "td_" + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """The stored form: a fast hash is enough because tokens are random, not passwords."""
    return hashlib.sha256(token.encode()).hexdigest()


async def ensure_schema(pool: asyncpg.Pool) -> None:
    await migrate(pool, schema=SCHEMA, directory=MIGRATIONS)


async def find_principal(conn: asyncpg.Connection, token: str) -> Principal | None:
    """The holder of a live token, or None."""
    row = await conn.fetchrow("SELECT role, source, unit_id FROM auth.tokens WHERE token_hash = $1"
                              " AND revoked_at IS NULL", token_hash(token))
    return Principal(row["role"], row["source"], row["unit_id"]) if row else None


async def store_token(conn: asyncpg.Connection, token: str, *, role: Role, source: str | None = None,
                      unit_id: str | None = None, label: str | None = None) -> None:
    await conn.execute("INSERT INTO auth.tokens (token_hash, role, source, unit_id, label)"
                       " VALUES ($1, $2, $3, $4, $5)", token_hash(token), role, source, unit_id, label)
