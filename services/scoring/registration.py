"""How the scoring service registers itself with the platform kit (entry point `thidua.services`)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from thidua.registry import ServiceSpec


def _add_commands(parser: argparse.ArgumentParser) -> None:
    """`thidua scoring rebuild (--period P ... | --all) [--rules FILE]`."""
    tasks = parser.add_subparsers(dest="action")
    again = tasks.add_parser(
        "rebuild", help="recompute periods from the evidence mirror without holding writers, switch atomically"
    )
    which = again.add_mutually_exclusive_group(required=True)
    which.add_argument("--period", action="append", help="2025, 2025-Q1, 2025-03 or 2019-2025 (repeat it for several)")
    which.add_argument("--all", action="store_true", help="every period that has counters or scores")
    again.add_argument("--rules", type=Path, help="a new rule file to activate with the rebuild")
    again.add_argument("--workers", type=int, help="processes judging cases (default: one per core)")
    again.set_defaults(task=_rebuild)


def _rebuild(args: argparse.Namespace) -> int:
    """Recompute periods (optionally under a new rule file), print what changed and how long writers waited."""
    from datetime import UTC, datetime

    from services.scoring.app import MIGRATIONS
    from services.scoring.domain.periods import parse_period
    from services.scoring.handlers.rebuild import RebuildBusy, rebuild
    from thidua.runtime.db import create_pool, prepare_schema
    from thidua.runtime.settings import operator_database_url

    periods: list[str] | None = None if args.all else list(dict.fromkeys(args.period))
    try:
        for period in periods or []:
            parse_period(period)
    except ValueError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2

    async def go() -> int:
        url = operator_database_url()
        pool = await create_pool(url, schema="scoring", max_size=1)
        try:
            await prepare_schema(pool, schema="scoring", directory=MIGRATIONS)
        finally:
            await pool.close()
        with _progress_bar() as progress:
            report = await rebuild(
                url,
                periods=periods,
                rules_file=args.rules,
                now=datetime.now(UTC),
                workers=args.workers,
                progress=progress,
            )
        print(
            f"rebuilt {len(report.periods)} period(s) under rules {report.rule_version}: {report.cases:,} cases"
            f" ({report.caught_up:,} caught up), {report.units:,} units, {report.officers:,} officers rescored"
        )
        for unit, period, old, new in report.changes:
            print(f"  {unit} {period}: {'-' if old is None else old} -> {'-' if new is None else new}")
        print("phases: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in report.phases.items()))
        print(
            f"rebuilt {report.cases:,} cases in {report.seconds:.1f} s; writers blocked {report.blocked_seconds:.1f} s"
        )
        return 0

    try:
        return asyncio.run(go())
    except (ValueError, RebuildBusy) as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2


@contextlib.contextmanager
def _progress_bar() -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr (cases done / total, rate, time left); a few plain lines when it is not a
    terminal."""
    import time

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from services.scoring.domain.replay import progress_text

    console = Console(file=sys.stderr)
    if not console.is_terminal:
        started, shown = time.monotonic(), [-1]

        def line(done: int, total: int) -> None:
            step = 4 * done // total if total else 4  # at 0, 25, 50, 75 and 100 %
            if step > shown[0]:
                shown[0] = step
                print(f"rebuild: {progress_text(done, total, time.monotonic() - started)}", file=sys.stderr)

        yield line
        return
    columns = (
        TextColumn("rebuild"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("cases"),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task("cases", total=None, rate="")
        began = time.monotonic()

        def update(done: int, total: int) -> None:
            seconds = time.monotonic() - began
            rate = f"{done / seconds:,.0f}/s" if seconds > 0 and done else ""
            bar.update(task, completed=done, total=total, rate=rate)

        yield update


SERVICE = ServiceSpec(
    name="scoring",
    order=1,
    port=8082,
    app="services.scoring.app:create_app",
    settings_class="services.scoring.config:Settings",
    summary="live emulation scores and standings (chấm điểm thi đua)",
    add_commands=_add_commands,
)
