"""The `thidua` command: the whole local system, one service, or an operator task."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import sys
from pathlib import Path

SERVICE_NAMES = ("evidence", "scoring", "awards", "notify")


def _run_service(name: str) -> int:
    from thidua.runtime.serve import serve

    app_module = importlib.import_module(f"services.{name}.app")
    config_module = importlib.import_module(f"services.{name}.config")
    serve(app_module.create_app, config_module.Settings())
    return 0


def _topics() -> int:
    from thidua.runtime.topics import ensure_topics

    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    created = asyncio.run(ensure_topics(bootstrap))
    print("created: " + (", ".join(created) if created else "nothing, all topics exist"))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command line, one sub-command per task."""
    parser = argparse.ArgumentParser(prog="thidua", description="Thi đua: evidence-based emulation scoring")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the whole local system (Kafka, PostgreSQL, four services)")
    run.add_argument("--state-dir", default=os.environ.get("THIDUA_STATE_DIR", ".state"),
                     help="where local Kafka and PostgreSQL keep their data (default .state)")
    for name in SERVICE_NAMES:
        sub.add_parser(name, help=f"run the {name} service alone (configuration from the environment)")
    sub.add_parser("topics", help="create the contract's topics on KAFKA_BOOTSTRAP_SERVERS")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    if args.command == "run":
        from thidua.localinfra.stack import run

        return run(Path(args.state_dir))
    if args.command in SERVICE_NAMES:
        return _run_service(args.command)
    if args.command == "topics":
        return _topics()
    return 2


if __name__ == "__main__":
    sys.exit(main())
