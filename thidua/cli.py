"""The `thidua` command: the whole local system, one service, or an operator task."""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
from pathlib import Path

from pydantic import SecretStr

from schemas.common import OFFICER_ID_PATTERN, SOURCE_PATTERN, UNIT_ID_PATTERN
from thidua import identity_commands, registry, source_mappings
from thidua.runtime.auth import RESERVED_MESSAGE, Role
from thidua.runtime.kafka_access import KafkaAccess
from thidua.runtime.settings import operator_database_url

SERVICE_NAMES = registry.kafka_names()  # the services with Kafka users, topics and parked records
_UNIT_ID = re.compile(UNIT_ID_PATTERN)
_OFFICER_ID = re.compile(OFFICER_ID_PATTERN)
_SOURCE = re.compile(SOURCE_PATTERN)


def _run_service(name: str) -> int:
    from thidua.runtime.serve import serve

    spec = registry.service(name)
    serve(spec.create_app, spec.settings())
    return 0


def _topics() -> int:
    from thidua.runtime.topics import ensure_topics

    created = asyncio.run(ensure_topics(kafka_admin()))
    print("created: " + (", ".join(created) if created else "nothing, all topics exist"))
    return 0


def _kafka_provision(services: list[str], *, explicit: bool) -> int:
    from thidua.runtime import kafka_acl
    from thidua.runtime.topics import ensure_topics

    admin = kafka_admin()
    created = asyncio.run(ensure_topics(admin))
    print("topics created: " + (", ".join(created) if created else "none, all exist"))
    if not admin.uses_sasl:
        print("this cluster does not authenticate (PLAINTEXT): no users to create; see docs/operations.md")
        return 0
    done = 0
    for name in services:
        password = os.environ.get(f"{name.upper()}_KAFKA_PASSWORD")
        if not password:
            if explicit:
                print(f"refused: {name.upper()}_KAFKA_PASSWORD is not set", file=sys.stderr)
                return 2
            continue
        kafka_acl.provision_service(admin, name, password)
        rights = kafka_acl.SERVICE_RIGHTS[name]
        print(
            f"{kafka_acl.service_user(name)}: reads {', '.join(rights.reads + rights.read_prefixes) or '-'};"
            f" writes {', '.join(rights.writes) or '-'}; groups {rights.group_prefix}*"
        )
        done += 1
    if not done:
        print("no <SERVICE>_KAFKA_PASSWORD set: no service user created", file=sys.stderr)
        return 2
    return 0


def _db_provision(services: list[str], *, explicit: bool) -> int:
    from thidua.runtime import db_roles

    passwords: dict[str, str] = {}
    for name in services:
        password = os.environ.get(f"{name.upper()}_DATABASE_PASSWORD")
        if password:
            passwords[name] = password
        elif explicit:
            print(f"refused: {name.upper()}_DATABASE_PASSWORD is not set", file=sys.stderr)
            return 2
    if not passwords:
        print("no <SERVICE>_DATABASE_PASSWORD set: no service role created", file=sys.stderr)
        return 2
    asyncio.run(db_roles.provision(_database_url(), passwords))
    for name in passwords:
        print(f"{db_roles.service_role(name)}: owns schema {name}; checks tokens through auth.principal_of only")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command line, one sub-command per task."""
    parser = argparse.ArgumentParser(prog="thidua", description="Thi đua: evidence-based emulation scoring")
    sub = parser.add_subparsers(dest="command", required=True)
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
        type=_positive_days,
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
    return parser


def _settings(markdown: bool, update: Path | None) -> int:
    from thidua import settings_doc

    if update is not None:
        update.write_text(
            settings_doc.with_table(update.read_text(encoding="utf-8"), settings_doc.markdown()), encoding="utf-8"
        )
        print(f"{update}: environment variables table written")
        return 0
    print(settings_doc.markdown() if markdown else settings_doc.env_file(), end="")
    return 0


def _backup(args: argparse.Namespace) -> int:
    from thidua import backup

    try:
        if args.command == "backup":
            path = backup.backup(_database_url(), args.to)
            print(f"backed up to {path} ({path.stat().st_size} bytes)")
        else:
            from thidua.runtime import db_roles

            backup.restore(_database_url(), args.source, clean=args.clean)
            # Restored as the admin: each service's role (where it exists) gets its schema back.
            handed = asyncio.run(db_roles.reown(_database_url(), list(SERVICE_NAMES)))
            print(f"restored {args.source}" + (f"; schemas handed to {', '.join(handed)}" if handed else ""))
    except backup.BackupError as exc:
        print(f"thidua {args.command}: {exc}", file=sys.stderr)
        return 1
    return 0


def _database_url() -> str:
    # The local stack's PostgreSQL unless the operator names a server.
    return operator_database_url()


def kafka_admin() -> KafkaAccess:
    """The operator's Kafka access: KAFKA_* from the environment, or the local stack's admin (its state directory)."""
    if "KAFKA_BOOTSTRAP_SERVERS" in os.environ:
        return KafkaAccess.from_env()
    state = Path(os.environ.get("THIDUA_STATE_DIR", ".state"))
    bootstrap = f"127.0.0.1:{os.environ.get('THIDUA_KAFKA_PORT', '9092')}"
    secret = state / "kafka" / "admin.password"
    if not secret.exists():
        return KafkaAccess(bootstrap=bootstrap)
    return KafkaAccess(
        bootstrap=bootstrap,
        security_protocol="SASL_PLAINTEXT",
        username="admin",
        password=SecretStr(secret.read_text().strip()),
    )


def _source_add(name: str, units_arg: str) -> int:
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
    given = asyncio.run(register_source(_database_url(), kafka_admin(), name=name, units=units))
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


def _demo(
    seed: int,
    year: int,
    per_unit: int,
    live: bool,
    close: bool,
    *,
    present: bool = False,
    live_rate: float = 0.0,
    live_only: bool = False,
) -> int:
    import time
    from datetime import datetime, timedelta

    import httpx

    from thidua.runtime.tokens import add_token

    register_source = registry.task("register_source")
    from thidua.demo import SOURCE_HR, SOURCE_ONE_STOP, VN
    from thidua.demo_live import feed, play, register_portal_mappings, send_all
    from thidua.demo_portal import officer_user_mappings, portal_backfill, portal_live, unit_code_mappings
    from thidua.demo_present import after_close_events, live_events, present_events

    port = {name: os.environ.get(f"{name.upper()}_HTTP_PORT", str(8081 + i)) for i, name in enumerate(SERVICE_NAMES)}
    evidence_url = f"http://127.0.0.1:{port['evidence']}"
    admin = kafka_admin()

    async def go() -> int:
        db = _database_url()
        # Each demo source gets its HTTP token and, on a SASL cluster, its own Kafka user and topic.
        given = {
            name: await register_source(db, admin, name=name, units=["*"]) for name in (SOURCE_ONE_STOP, SOURCE_HR)
        }
        tokens = {name: g.token for name, g in given.items()}
        kafka: dict[str, KafkaAccess] = {
            name: admin.as_user(g.kafka_user, g.kafka_password or "") if g.kafka_user else admin
            for name, g in given.items()
        }
        # The one-stop demo system speaks the national portal's language for a few units: the operator maps its
        # unit codes and user names (admin API; `thidua source map-unit|map-officer` would do the same).
        mapper = await add_token(db, role="admin", unit_id=None, label="demo mappings")
        mapped = await register_portal_mappings(
            evidence_url, mapper, unit_codes=unit_code_mappings(), officer_users=officer_user_mappings(seed)
        )
        print(f"==> {SOURCE_ONE_STOP}: {mapped} unit-code and user mappings for its portal calls", flush=True)
        if not live_only:
            if present:  # this year first: the dashboard opens on it, so its standings should come first
                await present_year(tokens, kafka)
            await closed_year(db, tokens, kafka)
            if present:  # January's decision on a violation of the closed year: it revokes what it touches
                today = datetime.now(VN).date()
                await send_all(after_close_events(seed, today), evidence_url=evidence_url, kafka=kafka, tokens=tokens)
        if live_rate > 0:
            start = datetime.now(VN).replace(microsecond=0)
            print(f"==> live demo feed from {start:%H:%M:%S}: {live_rate:g} events/s (Ctrl-C stops it)", flush=True)
            await play(
                portal_live(live_events(seed, start, timedelta(seconds=1 / live_rate))),
                evidence_url=evidence_url,
                kafka=kafka,
                tokens=tokens,
            )
        return 0

    async def present_year(tokens: dict[str, str], kafka: dict[str, KafkaAccess]) -> None:
        today = datetime.now(VN).date()
        print(f"==> demo province {today.year} up to {today:%d/%m/%Y} (seed {seed}): sending evidence", flush=True)
        started = time.monotonic()
        counts = await send_all(
            portal_backfill(present_events(seed, today)), evidence_url=evidence_url, kafka=kafka, tokens=tokens
        )
        print(
            f"==> sent {counts['http']} over HTTP ({counts['accepted']} accepted, {counts['duplicate']} "
            f"duplicate, {counts['rejected']} rejected) and {counts['kafka']} over Kafka in "
            f"{time.monotonic() - started:.0f}s; {_portal_counts(counts)}",
            flush=True,
        )

    async def closed_year(db: str, tokens: dict[str, str], kafka: dict[str, KafkaAccess]) -> int:
        print(f"==> demo province {year} (seed {seed}): sending evidence over HTTP and Kafka", flush=True)
        counts = await feed(
            evidence_url=evidence_url,
            kafka=kafka,
            tokens=tokens,
            seed=seed,
            year=year,
            dossiers_per_unit=per_unit,
            live=live,
        )
        print(
            f"==> sent {counts['http']} over HTTP ({counts['accepted']} accepted, {counts['duplicate']} duplicate,"
            f" {counts['rejected']} rejected) and {counts['kafka']} over Kafka (each source to its own topic);"
            f" {_portal_counts(counts)}",
            flush=True,
        )
        if not close:
            return 0
        async with httpx.AsyncClient(timeout=30) as http:
            print("==> waiting for the pipeline to take it all in before the year's close", flush=True)
            # An admin token reads /metrics also where METRICS_PUBLIC=false.
            watcher = {"Authorization": f"Bearer {await add_token(db, role='admin', unit_id=None, label='demo')}"}
            deadline, quiet, last = time.monotonic() + 600, 0, -1.0
            while time.monotonic() < deadline and quiet < 4:  # consumers idle for 4 s in a row
                consumed = 0.0
                for name in ("evidence", "scoring", "awards"):  # what the year's close depends on
                    metrics = (await http.get(f"http://127.0.0.1:{port[name]}/metrics", headers=watcher)).text
                    consumed += sum(
                        float(line.rsplit(" ", 1)[1])
                        for line in metrics.splitlines()
                        if line.startswith("thidua_consumed_records_total{")
                    )
                quiet = quiet + 1 if consumed == last else 0
                last = consumed
                await asyncio.sleep(1)
            council = await add_token(db, role="council", unit_id=None, label="demo council")
            closed = await http.post(
                f"http://127.0.0.1:{port['awards']}/v1/periods/{year}/close",
                headers={"Authorization": f"Bearer {council}"},
            )
            if closed.status_code != 200:  # e.g. the year's rating deadline (15 Dec) has not come yet
                print(
                    f"==> {year} not closed at the awards service ({closed.status_code}): {closed.text[:300]}",
                    flush=True,
                )
            else:
                print(
                    f"==> closed {year} at the awards service: {closed.json().get('created')} new nominations",
                    flush=True,
                )
        return 0

    try:
        return asyncio.run(go())
    except KeyboardInterrupt:  # Ctrl-C ends the live feed
        return 0


def _portal_counts(counts: dict[str, int]) -> str:
    """The demo's portal calls in words: dossier snapshots and steps, and what the door said of them."""
    said = ", ".join(f"{counts[f'portal_{k}']} {k}" for k in ("accepted", "unchanged", "duplicate", "rejected"))
    return f"{counts['portal_items']} snapshots and steps as the national portal's calls ({said})"


def _positive_days(value: str) -> float:
    try:
        days = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of days: {value!r}") from None
    if not days > 0 or days > 36500:
        raise argparse.ArgumentTypeError("the number of days must be > 0 (and at most 36500)")
    return days


def _token_add(
    role: Role, unit: str | None, label: str | None, expires_days: float | None = None, officer: str | None = None
) -> int:
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
        issue_token(
            _database_url(), role=role, unit_id=unit, label=label, expires_days=expires_days, officer_id=officer
        )
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
    from datetime import datetime

    return value.astimezone().strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else "-"


def _token_list() -> int:
    from thidua.runtime.tokens import list_tokens

    rows = asyncio.run(list_tokens(_database_url()))
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


def _token_revoke(token_id: int) -> int:
    from thidua.runtime.tokens import revoke_token

    row = asyncio.run(revoke_token(_database_url(), token_id))
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


def _token_rotate(token_id: int) -> int:
    from thidua.runtime.auth import TokenNotRotatable
    from thidua.runtime.tokens import rotate_token

    try:
        new_id, token = asyncio.run(rotate_token(_database_url(), token_id))
    except TokenNotRotatable as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    print(f"token #{token_id} revoked; its replacement #{new_id} (shown once, keep it secret):\n{token}")
    return 0


def _token(args: argparse.Namespace) -> int:
    if args.action == "list":
        return _token_list()
    if args.action == "revoke":
        return _token_revoke(args.id)
    if args.action == "rotate":
        return _token_rotate(args.id)
    return _token_add(args.role, args.unit, args.label, args.expires_days, args.officer)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args)
    except OSError as exc:
        # Most often: the local stack is not running and no DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS names a server.
        print(
            f"thidua {args.command}: cannot reach a server ({exc}). Is `make run` running, or are DATABASE_URL and "
            "KAFKA_BOOTSTRAP_SERVERS set?",
            file=sys.stderr,
        )
        return 1


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "run":
        from thidua.localinfra.stack import run

        return run(Path(args.state_dir), after_start=[] if args.no_demo else ["demo --present"])
    if args.command == "web":  # the dashboard's former name
        args.command = "dashboard"
    if args.command in registry.names():
        task = getattr(args, "task", None)  # a service's own sub-command, e.g. `thidua scoring rebuild`
        return int(task(args)) if task is not None else _run_service(args.command)
    if args.command == "topics":
        return _topics()
    if args.command == "kafka":
        return _kafka_provision(args.services or list(SERVICE_NAMES), explicit=bool(args.services))
    if args.command == "db":
        return _db_provision(args.services or list(SERVICE_NAMES), explicit=bool(args.services))
    if args.command == "demo":
        return _demo(
            args.seed,
            args.year,
            args.dossiers_per_unit,
            args.live,
            not args.no_close,
            present=args.present,
            live_rate=args.live_rate,
            live_only=args.live_only,
        )
    if args.command == "source":
        if args.action == "add":
            return _source_add(args.name, args.units)
        return source_mappings.run(args, _database_url())
    if args.command == "token":
        return _token(args)
    if args.command == "identity":
        return identity_commands.run(args, _database_url())
    if args.command == "settings":
        return _settings(args.markdown, args.update)
    if args.command in ("backup", "restore"):
        return _backup(args)
    if args.command == "parked":
        from thidua import parked

        if args.action == "list":
            services = [args.service] if args.service else list(SERVICE_NAMES)
            parked.print_listing(asyncio.run(parked.listing(_database_url(), services, include_replayed=args.all)))
            return 0
        return parked.run_replay(_database_url(), args.service, None if args.all else args.ids)
    return 2


if __name__ == "__main__":
    sys.exit(main())
