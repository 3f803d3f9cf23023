"""The operator's token commands: sources, and bearer tokens for units, officers, councils and admins."""

from __future__ import annotations

import argparse
import asyncio
import re
import sys

from schemas.common import OFFICER_ID_PATTERN, SOURCE_PATTERN, UNIT_ID_PATTERN
from thidua import registry
from thidua.operator.provision import database_url, kafka_admin
from thidua.runtime.auth import RESERVED_MESSAGE, Role

_UNIT_ID = re.compile(UNIT_ID_PATTERN)
_OFFICER_ID = re.compile(OFFICER_ID_PATTERN)
_SOURCE = re.compile(SOURCE_PATTERN)


def source_add(name: str, units_arg: str) -> int:
    """Register a source for its units and print its token once."""
    register_source = registry.task("register_source")

    units = [u.strip() for u in units_arg.split(",") if u.strip()]
    bad = [u for u in units if u != "*" and not _UNIT_ID.fullmatch(u)]
    if not _SOURCE.fullmatch(name) or not units or bad:
        print(
            f"refused: source must match {_SOURCE.pattern}; units must be * or match {_UNIT_ID.pattern}"
            + (f" (bad: {', '.join(bad)})" if bad else ""),
            file=sys.stderr,
        )
        return 2
    given = asyncio.run(register_source(database_url(), kafka_admin(), name=name, units=units))
    print(f"source {name} registered for {', '.join(units)}\nHTTP token (shown once, keep it secret):\n{given.token}")
    if given.kafka_user:
        print(
            f"Kafka (SASL/SCRAM-SHA-512, shown once): user {given.kafka_user}\npassword {given.kafka_password}\n"
            f"write evidence to topic {given.topic} (only this user may)"
            + (f" and the national portal's calls to {given.portal_topic}" if given.portal_topic else "")
        )
    else:
        print(f"Kafka: topic {given.topic}; this cluster does not authenticate (PLAINTEXT), see docs/operations.md")
        if given.portal_topic:
            print(f"the national portal's calls (DongBoHoSoMC, CapNhatTienDoHoSoMC): topic {given.portal_topic}")
    print(f"the national portal's calls over HTTP: POST /v1/dvcqg/login with username {name} and this token")
    return 0


def positive_days(value: str) -> float:
    """A token's lifetime in days, more than 0 and at most 100 years."""
    try:
        days = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of days: {value!r}") from None
    if not days > 0 or days > 36500:
        raise argparse.ArgumentTypeError("the number of days must be > 0 (and at most 36500)")
    return days


def token_add(
    role: Role, unit: str | None, label: str | None, expires_days: float | None = None, officer: str | None = None
) -> int:
    """Issue a token and print it once."""
    from thidua.runtime.policy import reserved_unit
    from thidua.runtime.tokens import issue_token

    if (role == "unit") != (unit is not None) or (unit is not None and not _UNIT_ID.fullmatch(unit)):
        print("refused: --unit U (a unit id) is required with --role unit and only then", file=sys.stderr)
        return 2
    if (role == "officer") != (officer is not None) or (
        officer is not None and (not _OFFICER_ID.fullmatch(officer) or officer in (".", ".."))
    ):
        print("refused: --officer O (an officer id) is required with --role officer and only then", file=sys.stderr)
        return 2
    if reserved_unit(unit):
        print(f"refused: {RESERVED_MESSAGE}", file=sys.stderr)
        return 2
    token_id, token = asyncio.run(
        issue_token(database_url(), role=role, unit_id=unit, label=label, expires_days=expires_days, officer_id=officer)
    )
    print(
        f"{role} token #{token_id}"
        + (f" for {unit}" if unit else "")
        + (f" for officer {officer}" if officer else "")
        + (f", expires in {expires_days:g} days" if expires_days else "")
        + f" (shown once, keep it secret):\n{token}"
    )
    return 0


def _when(value: object) -> str:
    """A time in the operator's zone, or a dash."""
    from datetime import datetime

    return value.astimezone().strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else "-"


def token_list() -> int:
    """Print the tokens as a table (never the tokens themselves)."""
    from thidua.runtime.tokens import list_tokens

    rows = asyncio.run(list_tokens(database_url()))
    table = [("id", "role", "unit/source", "label", "created", "expires", "revoked", "state")]
    for r in rows:
        state = "live" if r["live"] else "revoked" if r["revoked_at"] else "expired"
        if r["replaced_by"] is not None:
            state += f" (rotated to #{r['replaced_by']})"
        table.append(
            (
                str(r["id"]),
                r["role"],
                r["unit_id"] or r["source"] or r["officer_id"] or "-",
                r["label"] or "-",
                _when(r["created_at"]),
                _when(r["expires_at"]),
                _when(r["revoked_at"]),
                state,
            )
        )
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return 0


def token_revoke(token_id: int) -> int:
    """Revoke a token by its id."""
    from thidua.runtime.tokens import revoke_token

    row = asyncio.run(revoke_token(database_url(), token_id))
    if row is None:
        print(f"refused: no token #{token_id}", file=sys.stderr)
        return 2
    print(
        f"token #{token_id} ({row['role']}"
        + (
            f" {row['unit_id'] or row['source'] or row['officer_id']}"
            if row["unit_id"] or row["source"] or row["officer_id"]
            else ""
        )
        + f") revoked at {_when(row['revoked_at'])}: it is answered 401 from now on"
    )
    return 0


def token_rotate(token_id: int) -> int:
    """Revoke a token and print its replacement once."""
    from thidua.runtime.auth import TokenNotRotatable
    from thidua.runtime.tokens import rotate_token

    try:
        new_id, token = asyncio.run(rotate_token(database_url(), token_id))
    except TokenNotRotatable as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    print(f"token #{token_id} revoked; its replacement #{new_id} (shown once, keep it secret):\n{token}")
    return 0


def run(args: argparse.Namespace) -> int:
    """`thidua token …`."""
    if args.action == "list":
        return token_list()
    if args.action == "revoke":
        return token_revoke(args.id)
    if args.action == "rotate":
        return token_rotate(args.id)
    return token_add(args.role, args.unit, args.label, args.expires_days, args.officer)
