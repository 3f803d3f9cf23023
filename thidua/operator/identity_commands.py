"""`thidua identity map|rules|unmap|sign-ins`: the operator's identity rules (provider claims → role) and the record
of provider sign-ins, in the auth schema as the database's admin."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import asyncpg

from thidua.runtime import auth, identity_rules
from thidua.runtime.db import create_pool
from thidua.runtime.identity import MAPPED_ROLES, rule_problem


def add_commands(sub: Any) -> None:
    """The `thidua identity` command and its sub-commands."""
    identity = sub.add_parser("identity", help="identity rules: which provider claims make a person unit, council …")
    identity_sub = identity.add_subparsers(dest="action", required=True)
    add = identity_sub.add_parser("map", help="add an identity rule (claim [= value] → role) and print its id")
    add.add_argument("--claim", required=True, help="a claim name or dotted path, e.g. groups or realm_access.roles")
    add.add_argument("--value", help="the value the claim must equal or (a list claim) contain; omit: any value")
    add.add_argument("--role", required=True, choices=MAPPED_ROLES)
    unit = add.add_mutually_exclusive_group()
    unit.add_argument("--unit", help="role unit: this unit id")
    unit.add_argument("--unit-claim", help="role unit: the claim holding the person's unit id, e.g. unit_code")
    add.add_argument("--officer-claim", help="role officer: the claim holding the person's officer id")
    add.add_argument("--label", help="what the rule is for, shown by `thidua identity rules`")
    rules = identity_sub.add_parser("rules", help="list the identity rules in force")
    rules.add_argument("--all", action="store_true", help="removed rules too")
    unmap = identity_sub.add_parser("unmap", help="remove an identity rule: its people lose the role at the next call")
    unmap.add_argument("id", type=int, help="the rule's id (from `thidua identity rules`)")
    sign_ins = identity_sub.add_parser("sign-ins", help="the latest sign-ins through the identity provider")
    sign_ins.add_argument("--limit", type=int, default=50, help="how many (newest first; default 50)")


@asynccontextmanager
async def _auth(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """One connection to the auth schema, migrated first (an operator's command may come before any service)."""
    pool = await create_pool(database_url, schema=auth.SCHEMA, max_size=1)
    try:
        await auth.ensure_schema(pool)
        async with pool.acquire() as conn:
            yield conn
    finally:
        await pool.close()


async def _add(database_url: str, args: argparse.Namespace) -> int:
    async with _auth(database_url) as conn:
        return await identity_rules.add_rule(
            conn,
            claim=args.claim,
            role=args.role,
            value=args.value,
            unit_id=args.unit,
            unit_claim=args.unit_claim,
            officer_claim=args.officer_claim,
            label=args.label,
        )


async def _rules(database_url: str, include_removed: bool) -> list[dict[str, Any]]:
    async with _auth(database_url) as conn:
        return await identity_rules.list_rules(conn, include_removed=include_removed)


async def _unmap(database_url: str, rule_id: int) -> dict[str, Any] | None:
    async with _auth(database_url) as conn:
        return await identity_rules.remove_rule(conn, rule_id)


async def _sign_ins(database_url: str, limit: int) -> list[dict[str, Any]]:
    async with _auth(database_url) as conn:
        return await identity_rules.list_sign_ins(conn, limit=limit)


def _when(value: object) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else "-"


def _print_table(table: Sequence[Sequence[str]]) -> None:
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def describe(rule: dict[str, Any]) -> str:
    """A rule in one line, e.g. `groups = TĐKT-HĐ → council`."""
    grants = rule["role"]
    if rule["unit_id"] or rule["unit_claim"]:
        grants += f" {rule['unit_id']}" if rule["unit_id"] else f" (unit from {rule['unit_claim']})"
    if rule["officer_claim"]:
        grants += f" (officer from {rule['officer_claim']})"
    when = f" = {rule['value']}" if rule["value"] is not None else " (any value)"
    return f"{rule['claim']}{when} → {grants}"


def run(args: argparse.Namespace, database_url: str) -> int:
    """Run one `thidua identity` sub-command; 0, or 2 for a refused rule or an unknown id."""
    if args.action == "map":
        problem = rule_problem(
            claim=args.claim,
            role=args.role,
            value=args.value,
            unit_id=args.unit,
            unit_claim=args.unit_claim,
            officer_claim=args.officer_claim,
        )
        if problem is not None:  # refused before any connection: the operator learns why at once
            print(f"refused: {problem[0]}: {problem[1]}", file=sys.stderr)
            return 2
        try:
            rule_id = asyncio.run(_add(database_url, args))
        except identity_rules.RuleRefused as exc:
            print(f"refused: {exc.field}: {exc.message}", file=sys.stderr)
            return 2
        print(rule_id)
        return 0
    if args.action == "unmap":
        removed = asyncio.run(_unmap(database_url, args.id))
        if removed is None:
            print(f"refused: no identity rule #{args.id}", file=sys.stderr)
            return 2
        print(f"identity rule #{args.id} removed ({describe(removed)})")
        return 0
    if args.action == "rules":
        rows = asyncio.run(_rules(database_url, args.all))
        table: list[tuple[str, ...]] = [("id", "rule", "label", "created", "removed")]
        table += [
            (str(r["id"]), describe(r), r["label"] or "-", _when(r["created_at"]), _when(r["removed_at"])) for r in rows
        ]
        _print_table(table)
        return 0
    if args.limit < 1:
        print("refused: --limit is a number > 0", file=sys.stderr)
        return 2
    rows = asyncio.run(_sign_ins(database_url, args.limit))
    listing: list[tuple[str, ...]] = [("id", "at", "subject", "role", "unit/officer", "issuer")]
    listing += [
        (str(r["id"]), _when(r["at"]), r["subject"], r["role"], r["unit_id"] or r["officer_id"] or "-", r["issuer"])
        for r in rows
    ]
    _print_table(listing)
    return 0
