"""The `thidua` command line's parser: one sub-command per task."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TypeAlias

from thidua import registry
from thidua.operator import identity_commands, source_mappings
from thidua.operator.provision import SERVICE_NAMES
from thidua.operator.token_commands import positive_days

# argparse's sub-command registry (its class is private).
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def build_parser() -> argparse.ArgumentParser:
    """The command line, one sub-command per task."""
    parser = argparse.ArgumentParser(prog="thidua", description="Thi đua: evidence-based emulation scoring")
    sub = parser.add_subparsers(dest="command", required=True)
    _run_and_services(sub)
    _provisioning(sub)
    _demo(sub)
    _sources_and_tokens(sub)
    _operations(sub)
    return parser


def _run_and_services(sub: Commands) -> None:
    """`run` (the whole local system) and one sub-command per registered service."""
    run = sub.add_parser("run", help="run the whole local system (Kafka, PostgreSQL, four services)")
    run.add_argument(
        "--state-dir",
        default=os.environ.get("THIDUA_STATE_DIR", ".state"),
        help="where local Kafka and PostgreSQL keep their data (default .state)",
    )
    run.add_argument(
        "--no-demo",
        action="store_true",
        default=os.environ.get("THIDUA_DEMO", "1") == "0",
        help="do not feed the demo province after start (or set THIDUA_DEMO=0)",
    )
    for spec in registry.services():
        service = sub.add_parser(
            spec.name,
            aliases=["web"] if spec.name == "dashboard" else [],
            help=f"run the {spec.name} service alone ({spec.summary}; configuration from the environment)",
        )
        if spec.add_commands is not None:
            spec.add_commands(service)


def _provisioning(sub: Commands) -> None:
    """`topics`, `kafka provision` and `db provision`."""
    sub.add_parser("topics", help="create the contract's topics on KAFKA_BOOTSTRAP_SERVERS")
    kafka = sub.add_parser("kafka", help="Kafka principals on a cluster that authenticates (SASL/SCRAM, ACLs)")
    kafka_sub = kafka.add_subparsers(dest="action", required=True)
    provision = kafka_sub.add_parser(
        "provision",
        help="create the topics, and a SCRAM user with its ACLs for each service whose password is in"
        " <SERVICE>_KAFKA_PASSWORD (run with an admin's KAFKA_USERNAME/KAFKA_PASSWORD)",
    )
    provision.add_argument(
        "--service",
        choices=SERVICE_NAMES,
        action="append",
        dest="services",
        help="only this service (repeatable; default: every service with a password set)",
    )
    database = sub.add_parser("db", help="PostgreSQL roles: one per service, owning its own schema only")
    db_sub = database.add_subparsers(dest="action", required=True)
    db_provision = db_sub.add_parser(
        "provision",
        help="migrate the token store and create (or re-password) a role per service whose password is in"
        " <SERVICE>_DATABASE_PASSWORD, owning its schema (run with the database admin's DATABASE_URL)",
    )
    db_provision.add_argument(
        "--service",
        choices=SERVICE_NAMES,
        action="append",
        dest="services",
        help="only this service (repeatable; default: every service with a password set)",
    )


def _demo(sub: Commands) -> None:
    """`demo`: the demo province."""
    demo = sub.add_parser("demo", help="feed a realistic demo province through the front doors, then close the year")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--year", type=int, default=2025)
    demo.add_argument("--dossiers-per-unit", type=int, default=500)
    demo.add_argument("--live", action="store_true", help="send events in time order with pauses, as they arrive")
    demo.add_argument("--no-close", action="store_true", help="do not close the year at the awards service")
    demo.add_argument(
        "--present",
        action="store_true",
        help="then the current year from 1 January up to today (Vietnam time), same seed",
    )
    demo.add_argument(
        "--live-rate",
        type=float,
        default=0.0,
        metavar="EVENTS_PER_SECOND",
        help="then play the province's day live at this many events a second until Ctrl-C (0: no)",
    )
    demo.add_argument("--live-only", action="store_true", help="skip the backfills, only the live feed")


def _sources_and_tokens(sub: Commands) -> None:
    """`source`, `token` and `identity`."""
    source = sub.add_parser("source", help="upstream sources (nguồn dữ liệu)")
    source_sub = source.add_subparsers(dest="action", required=True)
    source_add = source_sub.add_parser("add", help="register a source and print its token once")
    source_add.add_argument("name", help="source name, e.g. motcua-namdinh")
    source_add.add_argument("--units", required=True, help="comma-separated unit ids, or * for all units")
    source_mappings.add_commands(source_sub)
    token = sub.add_parser("token", help="bearer tokens for units, officers, councils and admins")
    token_sub = token.add_subparsers(dest="action", required=True)
    token_add = token_sub.add_parser("add", help="issue a token and print it once")
    token_add.add_argument("--role", required=True, choices=["unit", "officer", "council", "admin"])
    token_add.add_argument("--unit", help="the unit id (required for --role unit)")
    token_add.add_argument(
        "--officer", help="the officer id (required for --role officer: reads only that officer's own records)"
    )
    token_add.add_argument("--label", help="who holds it, for the audit trail")
    token_add.add_argument(
        "--expires-days",
        type=positive_days,
        metavar="N",
        help="valid for N days (a number > 0), then answered 401 like a revoked token",
    )
    token_sub.add_parser(
        "list", help="list tokens: id, role, unit/source, label, created, expires, revoked (never the token)"
    )
    token_revoke = token_sub.add_parser("revoke", help="revoke a token by its id: 401 everywhere from now on")
    token_revoke.add_argument("id", type=int, help="the token's id (from `thidua token list`)")
    token_rotate = token_sub.add_parser(
        "rotate", help="revoke a token and print its replacement once (same role, unit or source, label and lifetime)"
    )
    token_rotate.add_argument("id", type=int, help="the token's id (from `thidua token list`)")
    identity_commands.add_commands(sub)


def _operations(sub: Commands) -> None:
    """`parked`, `settings`, `backup` and `restore`."""
    parked = sub.add_parser("parked", help="records a service could not handle, kept with their error")
    parked_sub = parked.add_subparsers(dest="action", required=True)
    parked_list = parked_sub.add_parser("list", help="list parked records (all services unless --service)")
    parked_list.add_argument("--service", choices=SERVICE_NAMES)
    parked_list.add_argument("--all", action="store_true", help="include records already replayed")
    parked_replay = parked_sub.add_parser("replay", help="replay parked records after a fix (exactly once in effect)")
    parked_replay.add_argument("--service", required=True, choices=SERVICE_NAMES)
    which = parked_replay.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", type=int, action="append", dest="ids", help="a parked record's id (repeatable)")
    which.add_argument("--all", action="store_true", help="every open parked record of the service")
    settings = sub.add_parser("settings", help="every environment variable of every service, with its default")
    settings.add_argument("--markdown", action="store_true", help="as the table of docs/operations.md")
    settings.add_argument(
        "--update", type=Path, metavar="DOC", help="write the table between the settings markers of DOC"
    )
    backup = sub.add_parser("backup", help="dump the database (DATABASE_URL or the local stack's) with pg_dump")
    backup.add_argument("--to", required=True, type=Path, metavar="FILE", help="the dump (pg_dump custom format)")
    restore = sub.add_parser("restore", help="restore a dump of `thidua backup` with pg_restore")
    restore.add_argument("--from", required=True, type=Path, dest="source", metavar="FILE")
    restore.add_argument("--clean", action="store_true", help="drop what the dump holds first (not an empty database)")
