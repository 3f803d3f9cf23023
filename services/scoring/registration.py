"""How the scoring service registers itself with the platform kit (entry point `thidua.services`)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from thidua.registry import ServiceSpec


def _add_commands(parser: argparse.ArgumentParser) -> None:
    """`thidua scoring rebuild --period P [--rules FILE]`."""
    tasks = parser.add_subparsers(dest="action")
    again = tasks.add_parser("rebuild", help="recompute a period from the evidence mirror, switch atomically")
    again.add_argument("--period", required=True, help="2025, 2025-Q1, 2025-03 or 2019-2025")
    again.add_argument("--rules", type=Path, help="a new rule file to activate with the rebuild")
    again.set_defaults(task=_rebuild)


def _rebuild(args: argparse.Namespace) -> int:
    """Recompute a period (optionally under a new rule file) and print what changed."""
    from datetime import UTC, datetime

    from services.scoring.app import MIGRATIONS
    from services.scoring.domain.periods import parse_period
    from services.scoring.handlers.rebuild import rebuild
    from thidua.runtime.db import create_pool, prepare_schema
    from thidua.runtime.settings import operator_database_url

    period: str = args.period
    try:
        parse_period(period)
    except ValueError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2

    async def go() -> int:
        pool = await create_pool(operator_database_url(), schema="scoring", max_size=1)
        try:
            await prepare_schema(pool, schema="scoring", directory=MIGRATIONS)
            async with pool.acquire() as conn:
                report = await rebuild(conn, period=period, rules_file=args.rules, now=datetime.now(UTC))
        finally:
            await pool.close()
        print(
            f"rebuilt {report.period} under rules {report.rule_version}: {report.cases} cases, "
            f"{report.units} units, {report.officers} officers rescored"
        )
        for unit, old, new in report.changes:
            print(f"  {unit}: {old if old is not None else '-'} -> {new}")
        return 0

    try:
        return asyncio.run(go())
    except ValueError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2


SERVICE = ServiceSpec(
    name="scoring",
    order=1,
    port=8082,
    app="services.scoring.app:create_app",
    settings_class="services.scoring.config:Settings",
    summary="live emulation scores and standings (chấm điểm thi đua)",
    add_commands=_add_commands,
)
