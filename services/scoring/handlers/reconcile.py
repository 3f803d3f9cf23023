"""Use cases of reconciliation: import a period's official 766 index (replacing the previous import, alerting the
units whose figures differ too much), and compare it with our scorecards."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from schemas.outputs import Alert
from services.scoring.adapters import official_index as store
from services.scoring.domain.reconcile import RowIn, check_rows, compare, gap_alert
from services.scoring.domain.rulebook import Rulebook
from services.scoring.handlers import alert_message
from thidua.runtime.outbox import enqueue


class ImportRefused(ValueError):
    """The file names units or groups we do not know: nothing is imported."""

    def __init__(self, problems: list[dict[str, str]]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass(frozen=True)
class Imported:
    rows: int
    alerts: list[Alert]


async def import_official(
    conn: asyncpg.Connection,
    period: str,
    rows_in: Sequence[RowIn],
    *,
    file_name: str | None,
    who: str,
    now: datetime,
    book: Rulebook,
    threshold: float,
) -> Imported:
    """Replace the period's official figures and raise official_index_gap where ours differ by more than threshold
    (the alerts leave through the outbox, in the same transaction)."""
    async with conn.transaction():
        units = await store.unit_codes(conn)
        rows, problems = check_rows(rows_in, units, {code: m for code, (_, m) in book.groups.items()})
        if problems:
            raise ImportRefused(problems)
        await store.replace_import(conn, period, rows, file_name=file_name, imported_at=now, imported_by=who)
        found = await store.cards(conn, period, [r.unit_id for r in rows])
        alerts = []
        for row in rows:
            known = found.get(row.unit_id, {})
            comparison = compare(row, known.get("card"), name=known.get("name"), groups=list(book.groups))
            alert = gap_alert(
                comparison, period=period, threshold=threshold, file_name=file_name, now=now, rule_version=book.version
            )
            if alert is not None:
                alerts.append(alert)
        await enqueue(conn, [alert_message(a) for a in alerts])
    return Imported(len(rows), alerts)


async def reconciliation(
    conn: asyncpg.Connection, period: str, unit: str | None, book: Rulebook
) -> dict[str, Any] | None:
    """The period's official figures beside ours, per unit (one unit's when given); None without an import."""
    header = await store.imported(conn, period)
    if header is None:
        return None
    rows = await store.official_rows(conn, period, unit)
    found = await store.cards(conn, period, [r.unit_id for r in rows])
    units = [
        compare(
            row,
            found.get(row.unit_id, {}).get("card"),
            name=found.get(row.unit_id, {}).get("name"),
            groups=list(book.groups),
        )
        for row in rows
    ]
    return {
        "period": period,
        "imported_at": header["imported_at"],
        "file_name": header["file_name"],
        "rows": header["rows"],
        "rule_version": book.version,
        "groups": [{"code": code, "name": name, "max": m} for code, (name, m) in book.groups.items()],
        "units": units,
    }
