"""`thidua source map-unit|map-officer|mappings`: the operator's mappings for the national portal's door, through
the evidence service's tasks (the kit never imports a service)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime
from typing import Any

from thidua import registry

# What each command maps: the task's kind, the upstream name's and our value's words.
_KINDS = {"map-unit": ("unit", "code", "unit_id"), "map-officer": ("officer", "username", "officer_id")}


def add_commands(source_sub: Any) -> None:
    """The mapping sub-commands of `thidua source`."""
    unit = source_sub.add_parser(
        "map-unit",
        help="map a source's upstream unit code (the portal's madonvi, MaDonVi) to one of the units it covers",
    )
    unit.add_argument("source", help="the source's name")
    unit.add_argument("code", help="the code as the upstream system sends it (compared exactly)")
    unit.add_argument("unit", nargs="?", help="our unit id (mã định danh); omit with --remove")
    unit.add_argument("--remove", action="store_true", help="forget the code's mapping")
    officer = source_sub.add_parser(
        "map-officer",
        help="map a source's upstream user name (the steps' NguoiXuLy) to our officer id",
    )
    officer.add_argument("source", help="the source's name")
    officer.add_argument("username", help="the user name as the upstream system sends it (compared exactly)")
    officer.add_argument("officer", nargs="?", help="our officer id; omit with --remove")
    officer.add_argument("--remove", action="store_true", help="forget the user name's mapping")
    listing = source_sub.add_parser("mappings", help="list a source's unit-code and upstream-user mappings")
    listing.add_argument("source", help="the source's name")


def run(args: argparse.Namespace, database_url: str) -> int:
    """Run one mapping sub-command; 2 when refused (the reason on stderr)."""
    try:
        if args.action == "mappings":
            _print(asyncio.run(registry.task("source_mappings")(database_url, source=args.source)))
            return 0
        kind, upstream, target = _KINDS[args.action]
        name = args.code if kind == "unit" else args.username
        value = args.unit if kind == "unit" else args.officer
        if args.remove:
            if value is not None:
                return _refused(f"--remove takes no {target}")
            gone = asyncio.run(
                registry.task("unmap_source_name")(database_url, kind=kind, source=args.source, name=name)
            )
            print(f"source {args.source}: {upstream} {name!r} no longer maps to {gone[target]}")
            return 0
        if value is None:
            return _refused(f"give the {target} to map {upstream} {name!r} to (or --remove)")
        done = asyncio.run(
            registry.task("map_source_name")(database_url, kind=kind, source=args.source, name=name, value=value)
        )
    except ValueError as exc:
        return _refused(str(exc))
    was = f" (was {done['replaced']})" if done["replaced"] not in (None, value) else ""
    print(f"source {args.source}: {upstream} {name!r} maps to {value}{was}")
    return 0


def _refused(reason: str) -> int:
    print(f"refused: {reason}", file=sys.stderr)
    return 2


def _since(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")


def _print(found: dict[str, list[dict[str, Any]]]) -> None:
    for key, upstream, target in (("unit_codes", "code", "unit_id"), ("officer_users", "username", "officer_id")):
        rows = found[key]
        print(f"{key} ({len(rows)}):")
        table = [(upstream, target, "since")] + [(r[upstream], r[target], _since(r["created_at"])) for r in rows]
        widths = [max(len(row[i]) for row in table) for i in range(3)]
        for row in table:
            print("  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
