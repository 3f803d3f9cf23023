"""The rulebook and calendar files: read and checked, stored versioned in the database, the active one cached."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import asyncpg

from services.scoring.adapters import rulebook_store
from services.scoring.domain.calendar import load_calendar
from services.scoring.domain.rulebook import Rules, rules_from


def read_rules_file(path: Path, calendar_dir: Path | None = None) -> dict[str, Any]:
    """The rule file plus the calendar it uses, as one JSON-able document (what gets versioned)."""
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    calendar = load_calendar(calendar_dir or path.parent / "calendar")
    doc["calendar"] = {
        "holidays": sorted(d.isoformat() for d in calendar.holidays),
        "working_weekends": sorted(d.isoformat() for d in calendar.working_weekends),
        "years": sorted(calendar.years),
    }
    rules_from(doc)  # refuse a bad file before it is stored; a year without its file is computed (provisional)
    return doc


def load_rules(path: Path) -> Rules:
    """The rules of a rule file, as the service would use them once stored."""
    return rules_from(read_rules_file(path))


class RulesCache:
    """The active rulebook, read per batch by version so a rebuild's switch takes effect at once."""

    def __init__(self) -> None:
        self._by_version: dict[str, Rules] = {}

    async def active(self, conn: asyncpg.Connection) -> Rules:
        # The version alone first: the stored document (calendar included) is read and parsed once per version.
        version = await conn.fetchval(
            "SELECT version FROM rulebooks WHERE activated_at IS NOT NULL"
            " ORDER BY activated_at DESC, version DESC LIMIT 1"
        )
        if version is not None and version in self._by_version:
            return self._by_version[version]
        found = await rulebook_store.active_rulebook(conn)
        if found is None:
            raise RuntimeError("no rulebook stored: the service seeds one at start")
        version, doc = found
        if version not in self._by_version:
            self._by_version[version] = rules_from(doc)
        return self._by_version[version]


async def seed(conn: asyncpg.Connection, rules_file: Path) -> str:
    """Store the configured rule file; it becomes active only if no rulebook is active yet."""
    doc = read_rules_file(rules_file)
    current = await rulebook_store.active_rulebook(conn)
    await rulebook_store.store_rulebook(conn, str(doc["version"]), doc, activate=current is None)
    return str(doc["version"]) if current is None else current[0]
