"""The `thidua` command: the whole local system, one service, or an operator task."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from thidua import registry
from thidua.operator import identity_commands, source_mappings, token_commands
from thidua.operator.cli_parser import build_parser
from thidua.operator.provision import (
    SERVICE_NAMES,
    database_url,
    db_provision,
    kafka_provision,
    run_service,
    topics,
)

__all__ = ["build_parser", "main"]


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
    """Run the chosen sub-command; its exit status."""
    if args.command == "run":
        from thidua.operator.localinfra.stack import run

        return run(Path(args.state_dir), after_start=[] if args.no_demo else ["demo --present"])
    if args.command == "web":  # the dashboard's former name
        args.command = "dashboard"
    if args.command in registry.names():
        task = getattr(args, "task", None)  # a service's own sub-command, e.g. `thidua scoring rebuild`
        return int(task(args)) if task is not None else run_service(args.command)
    if args.command == "topics":
        return topics()
    if args.command == "kafka":
        return kafka_provision(args.services or list(SERVICE_NAMES), explicit=bool(args.services))
    if args.command == "db":
        return db_provision(args.services or list(SERVICE_NAMES), explicit=bool(args.services))
    if args.command == "demo":
        from thidua.operator.demo_command import DemoRun, demo

        return demo(
            DemoRun(
                args.seed,
                args.year,
                args.dossiers_per_unit,
                args.live,
                not args.no_close,
                present=args.present,
                live_rate=args.live_rate,
                live_only=args.live_only,
            )
        )
    if args.command == "source":
        if args.action == "add":
            return token_commands.source_add(args.name, args.units)
        return source_mappings.run(args, database_url())
    if args.command == "token":
        return token_commands.run(args)
    if args.command == "identity":
        return identity_commands.run(args, database_url())
    if args.command == "settings":
        return _settings(args.markdown, args.update)
    if args.command in ("backup", "restore"):
        return _backup(args)
    if args.command == "parked":
        from thidua.operator import parked

        if args.action == "list":
            services = [args.service] if args.service else list(SERVICE_NAMES)
            parked.print_listing(asyncio.run(parked.listing(database_url(), services, include_replayed=args.all)))
            return 0
        return parked.run_replay(database_url(), args.service, None if args.all else args.ids)
    return 2


def _settings(markdown: bool, update: Path | None) -> int:
    """Print the settings table, or write it into a document."""
    from thidua.operator import settings_doc

    if update is not None:
        update.write_text(
            settings_doc.with_table(update.read_text(encoding="utf-8"), settings_doc.markdown()), encoding="utf-8"
        )
        print(f"{update}: environment variables table written")
        return 0
    print(settings_doc.markdown() if markdown else settings_doc.env_file(), end="")
    return 0


def _backup(args: argparse.Namespace) -> int:
    """`thidua backup` or `thidua restore`."""
    from thidua.operator import backup

    try:
        if args.command == "backup":
            path = backup.backup(database_url(), args.to)
            print(f"backed up to {path} ({path.stat().st_size} bytes)")
        else:
            from thidua.runtime import db_roles

            backup.restore(database_url(), args.source, clean=args.clean)
            # Restored as the admin: each service's role (where it exists) gets its schema back.
            handed = asyncio.run(db_roles.reown(database_url(), list(SERVICE_NAMES)))
            print(f"restored {args.source}" + (f"; schemas handed to {', '.join(handed)}" if handed else ""))
    except backup.BackupError as exc:
        print(f"thidua {args.command}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
