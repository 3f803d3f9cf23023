"""The operator's identity rules and the sign-in record in PostgreSQL (auth schema, 005_identity.sql).

The operator's commands (add, list, remove rules, list sign-ins) work on the tables as the database's admin; the
services only call `auth.identity_rules_live()` and `auth.record_sign_in(...)`, SECURITY DEFINER functions
granted to their group role."""

from __future__ import annotations

from typing import Any

import asyncpg

from thidua.runtime.auth import Principal
from thidua.runtime.identity import IdentityRule, rule_problem

RULE_COLUMNS = "id, claim, value, role, unit_id, unit_claim, officer_claim, label, created_at, removed_at"
MAX_SIGN_INS = 10000


class RuleRefused(ValueError):
    """The rule is not one the store accepts: (field, message)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


async def add_rule(
    conn: asyncpg.Connection,
    *,
    claim: str,
    role: str,
    value: str | None = None,
    unit_id: str | None = None,
    unit_claim: str | None = None,
    officer_claim: str | None = None,
    label: str | None = None,
) -> int:
    """Store a rule (checked first: RuleRefused); return its id."""
    problem = rule_problem(
        claim=claim, role=role, value=value, unit_id=unit_id, unit_claim=unit_claim, officer_claim=officer_claim
    )
    if problem is not None:
        raise RuleRefused(*problem)
    if label is not None and len(label) > 200:
        raise RuleRefused("label", "a label has at most 200 characters")
    rule_id: int = await conn.fetchval(
        "INSERT INTO auth.identity_rules (claim, value, role, unit_id, unit_claim, officer_claim, label)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        claim,
        value,
        role,
        unit_id,
        unit_claim,
        officer_claim,
        label,
    )
    return rule_id


async def list_rules(conn: asyncpg.Connection, *, include_removed: bool = False) -> list[dict[str, Any]]:
    """The rules, oldest first; removed ones too when asked."""
    where = "" if include_removed else " WHERE removed_at IS NULL"
    return [dict(r) for r in await conn.fetch(f"SELECT {RULE_COLUMNS} FROM auth.identity_rules{where} ORDER BY id")]


async def remove_rule(conn: asyncpg.Connection, rule_id: int) -> dict[str, Any] | None:
    """Remove rule rule_id (a removed rule keeps its first removal date); None if there is no such rule."""
    row = await conn.fetchrow(
        "UPDATE auth.identity_rules SET removed_at = coalesce(removed_at, now()) WHERE id = $1"
        f" RETURNING {RULE_COLUMNS}",
        rule_id,
    )
    return dict(row) if row is not None else None


async def list_sign_ins(conn: asyncpg.Connection, *, limit: int = 50) -> list[dict[str, Any]]:
    """The latest sign-ins, newest first."""
    return [
        dict(r)
        for r in await conn.fetch(
            "SELECT id, subject, issuer, role, unit_id, officer_id, at FROM auth.sign_ins ORDER BY id DESC LIMIT $1",
            max(1, min(limit, MAX_SIGN_INS)),
        )
    ]


async def live_rules(conn: asyncpg.Connection) -> list[IdentityRule]:
    """The rules in force (through the services' SECURITY DEFINER function)."""
    return [
        IdentityRule(
            id=r["id"],
            claim=r["claim"],
            role=r["role"],
            value=r["value"],
            unit_id=r["unit_id"],
            unit_claim=r["unit_claim"],
            officer_claim=r["officer_claim"],
        )
        for r in await conn.fetch(
            "SELECT id, claim, value, role, unit_id, unit_claim, officer_claim FROM auth.identity_rules_live()"
        )
    ]


async def record_sign_in(conn: asyncpg.Connection, principal: Principal) -> int:
    """Record a provider person's sign-in (subject, issuer, role, unit, officer; nothing else); its id."""
    if principal.subject is None or principal.issuer is None:
        raise ValueError("only a provider's person signs in")
    sign_in_id: int = await conn.fetchval(
        "SELECT auth.record_sign_in($1, $2, $3, $4, $5)",
        principal.subject,
        principal.issuer,
        principal.role,
        principal.unit_id,
        principal.officer_id,
    )
    return sign_in_id
