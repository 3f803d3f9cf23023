"""Bearer-token authentication shared by the services: roles source, unit, council, admin and officer, and person
(signed in through the province's identity provider, no rights until an identity rule maps it)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

import asyncpg

from schemas.outputs import ADMIN_INBOX
from thidua.runtime.db import may_migrate, migrate

Role = Literal["source", "unit", "council", "admin", "officer", "person"]
MIGRATIONS = Path(__file__).parent / "auth_migrations"
SCHEMA = "auth"


@dataclass(frozen=True)
class Principal:
    """The holder of a bearer token: a role, the source, unit or officer it speaks for, and the token's number (for
    audit trails such as `council:token#12`; None only for a Principal not read from the token store); for a person
    signed in through the identity provider, the provider's subject (`sub`) and issuer instead of a token number."""

    role: Role
    source: str | None = None
    unit_id: str | None = None
    token_id: int | None = None
    officer_id: str | None = None  # an officer's own token: that officer's records only (policy.may_see_officer)
    subject: str | None = None  # a provider's person: the ID token's `sub` (the person, in audit rows)
    issuer: str | None = None  # and the provider that vouched for it

    @property
    def actor(self) -> str:
        """Who acted, for an audit row: role and token number, e.g. `council:token#12`, or the provider's person,
        e.g. `council:person#5f0c…`."""
        if self.subject is not None:
            return f"{self.role}:person#{self.subject}"
        return f"{self.role}:token#{self.token_id}" if self.token_id is not None else self.role

    def may_read_unit(self, unit_id: str) -> bool:
        """Council and admin read everything; a unit token reads its own unit."""
        return self.role in ("council", "admin") or (self.role == "unit" and self.unit_id == unit_id)


def new_token() -> str:
    """A fresh high-entropy token (256 bits), shown once."""
    return "td_" + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """The stored form: a fast hash is enough because tokens are random, not passwords."""
    return hashlib.sha256(token.encode()).hexdigest()


class AuthNotProvisioned(RuntimeError):
    """A service's role may neither migrate the auth schema nor call its token check."""


async def ensure_schema(pool: asyncpg.Pool) -> None:
    """Migrate the token store when this role may (an admin, a single-role deployment); a service's own role may
    not, and only checks that it can call the token check the admin's provisioning granted it."""
    async with pool.acquire() as conn:
        if not await may_migrate(conn, SCHEMA):
            if not await conn.fetchval(
                "SELECT has_schema_privilege(n.oid, 'USAGE') AND has_function_privilege(p.oid, 'EXECUTE')"
                " FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
                " WHERE n.nspname = $1 AND p.proname = 'principal_of'",
                SCHEMA,
            ):
                raise AuthNotProvisioned(
                    f"role {await conn.fetchval('SELECT current_user')} cannot check tokens (auth.principal_of):"
                    " run `thidua db provision` with the database admin's DATABASE_URL first"
                )
            return
    await migrate(pool, schema=SCHEMA, directory=MIGRATIONS)


async def find_principal(conn: asyncpg.Connection, token: str) -> Principal | None:
    """The holder of a live token (neither revoked nor expired), or None: every service then answers 401."""
    # Through the narrow SECURITY DEFINER function: a service's role has no right on the tokens table.
    row = await conn.fetchrow(
        "SELECT id, role, source, unit_id, officer_id FROM auth.principal_of($1)", token_hash(token)
    )
    return Principal(row["role"], row["source"], row["unit_id"], row["id"], row["officer_id"]) if row else None


async def store_token(
    conn: asyncpg.Connection,
    token: str,
    *,
    role: Role,
    source: str | None = None,
    unit_id: str | None = None,
    label: str | None = None,
    expires_at: datetime | None = None,
    officer_id: str | None = None,
) -> int:
    """Store a token's hash; return the token's number. ReservedUnit for a unit token of the operators' inbox."""
    if role == "unit" and unit_id == ADMIN_INBOX:
        raise ReservedUnit(RESERVED_MESSAGE)
    token_id: int = await conn.fetchval(
        "INSERT INTO auth.tokens (token_hash, role, source, unit_id, label, expires_at, officer_id)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        token_hash(token),
        role,
        source,
        unit_id,
        label,
        expires_at,
        officer_id,
    )
    return token_id


TOKEN_COLUMNS = (
    "id, role, source, unit_id, officer_id, label, created_at, expires_at, revoked_at, replaced_by,"
    " (revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())) AS live"
)


async def list_tokens(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """Every token's number, holder and dates, oldest first (never the token, which is not stored)."""
    return list(await conn.fetch(f"SELECT {TOKEN_COLUMNS} FROM auth.tokens ORDER BY id"))


async def revoke_token(conn: asyncpg.Connection, token_id: int) -> asyncpg.Record | None:
    """Revoke token number token_id (a revoked one stays revoked, with its first date); None if unknown."""
    return await conn.fetchrow(
        f"UPDATE auth.tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING {TOKEN_COLUMNS}",
        token_id,
    )


RESERVED_MESSAGE = (
    f"unit id {ADMIN_INBOX} is reserved for the operators' inbox, which only admin tokens read:"
    " issue an admin token (--role admin) instead"
)


class ReservedUnit(ValueError):
    """A unit token was asked for the operators' inbox (ADMIN_INBOX): never issued, admin tokens read it."""


class TokenNotRotatable(Exception):
    """The token is unknown or revoked (a revoked token is not brought back by rotating it)."""


async def rotate_token(conn: asyncpg.Connection, token_id: int) -> tuple[int, str]:
    """Revoke token_id and issue a new token with the same role, source, unit, officer and label, and the same
    lifetime (counted from now) when it had an expiry; return (new number, new token). An expired one may be rotated."""
    async with conn.transaction():
        old = await conn.fetchrow("SELECT * FROM auth.tokens WHERE id = $1 FOR UPDATE", token_id)
        if old is None:
            raise TokenNotRotatable(f"no token #{token_id}")
        if old["revoked_at"] is not None:
            raise TokenNotRotatable(f"token #{token_id} is revoked")
        now: datetime = await conn.fetchval("SELECT now()")
        expires_at = now + (old["expires_at"] - old["created_at"]) if old["expires_at"] is not None else None
        token = new_token()
        new_id = await store_token(
            conn,
            token,
            role=old["role"],
            source=old["source"],
            unit_id=old["unit_id"],
            label=old["label"],
            expires_at=expires_at,
            officer_id=old["officer_id"],
        )
        await conn.execute(
            "UPDATE auth.tokens SET revoked_at = $2, replaced_by = $3 WHERE id = $1", token_id, now, new_id
        )
    return new_id, token
