"""The ratings import against the real evidence service (and the awards service behind it), on the session's
Kafka and PostgreSQL: 200 rows with 5 bad give 195 accepted and 5 rejected, the ratings reach awards, the same
file again changes nothing, and a corrected level is a new event that awards takes."""

from __future__ import annotations

import io
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import httpx
from openpyxl import load_workbook

from schemas import topics
from services.awards.app import create_app as create_awards
from services.awards.config import Settings as AwardsSettings
from services.dashboard import ratings_import as ri
from services.evidence.app import create_app as create_evidence
from services.evidence.config import Settings as EvidenceSettings
from services.evidence.handlers.sources import add_source
from tests.integration.kafka_tools import start_group_at_end
from tests.integration.support import eventually, running_app
from thidua.testing.database import fetch, fetchval

Cell = str | int | float | None
LEVELS = [*ri.LEVEL_NAMES.values(), "good", "excellent"]


def workbook(rows: Sequence[Sequence[Cell]]) -> bytes:
    wb = load_workbook(io.BytesIO(ri.template_xlsx()))
    for row in rows:
        wb[ri.SHEET].append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def two_hundred(prefix: str) -> list[list[Cell]]:
    """200 officers of 4 units rated for 2025, five rows bad: unit id, officer id, level, score, year."""
    rows: list[list[Cell]] = [
        [f"{prefix}.U{i % 4}", f"{prefix}-O{i:03d}", f"Cán bộ {i}", 2025, LEVELS[i % len(LEVELS)], 70 + i % 30]
        for i in range(200)
    ]
    rows[10][0] = f"{prefix.lower()}.u2"
    rows[50][1] = "O 050"
    rows[90][4] = "Xuất sắc"
    rows[130][5] = 101
    rows[170][3] = datetime.now(UTC).year + 1
    return rows


async def test_import_reaches_the_ledger_and_awards_once_and_a_correction_is_a_new_event(
    kafka_bootstrap: str, database_url: str
) -> None:
    prefix = "R" + uuid.uuid4().hex[:6].upper()
    source = f"hr-{uuid.uuid4().hex[:8]}"
    token = await add_source(database_url, name=source, units=[f"{prefix}.U{i}" for i in range(4)])
    group = f"test-ratings-{uuid.uuid4().hex[:6]}"
    await start_group_at_end(kafka_bootstrap, f"{group}.{topics.EVIDENCE_ACCEPTED}", topics.EVIDENCE_ACCEPTED)
    evidence = create_evidence(
        EvidenceSettings(kafka_bootstrap_servers=kafka_bootstrap, database_url=database_url, group_id=f"{group}-ev")
    )
    awards = create_awards(
        AwardsSettings(kafka_bootstrap_servers=kafka_bootstrap, database_url=database_url, group_id=group)
    )
    rows = two_hundred(prefix)

    async def ledger() -> int:
        return int(await fetchval(database_url, "SELECT count(*) FROM evidence.ledger"))

    async def ratings_in_awards() -> dict[str, str]:
        found = await fetch(
            database_url, "SELECT subject_id, level FROM awards.ratings WHERE subject_kind = 'officer' AND year = 2025"
        )
        return {r["subject_id"]: r["level"] for r in found if r["subject_id"].startswith(prefix)}

    async with running_app(evidence) as evidence_url, running_app(awards), httpx.AsyncClient(timeout=30) as http:
        plan = ri.parse(workbook(rows), source=source, now=datetime.now(UTC))
        assert (len(plan.valid), len(plan.refused)) == (195, 5)
        report = await ri.send(plan, evidence_url=evidence_url, token=token, http=http)
        assert (report.accepted, report.duplicate, report.rejected) == (195, 0, 5)
        refused = {(r.row, r.problems[0].column) for r in report.rows if r.status == "rejected"}
        assert refused == {
            (12, ri.COL_UNIT),
            (52, ri.COL_OFFICER),
            (92, ri.COL_LEVEL),
            (132, ri.COL_SCORE),
            (172, ri.COL_YEAR),
        }
        assert await ledger() == 195
        expected = {r.officer_id: r.level for r in plan.valid}

        async def reached_awards() -> None:
            assert await ratings_in_awards() == expected

        await eventually(reached_awards, timeout=30)

        # The same file again (the source left to the token this time): every row a duplicate, nothing new.
        again = await ri.send(
            ri.parse(workbook(rows), source=None, now=datetime.now(UTC)),
            evidence_url=evidence_url,
            token=token,
            http=http,
        )
        assert (again.accepted, again.duplicate, again.rejected) == (0, 195, 5)
        assert [r.event_id for r in again.rows] == [r.event_id for r in report.rows]
        assert await ledger() == 195

        # A corrected level is a new event and, uploaded later, the one awards keeps; a unit the uploader is not
        # registered for is refused by the evidence service, named on its column.
        corrected = [list(r) for r in rows]
        first = plan.valid[0]
        corrected[first.row - 2][4] = "Không hoàn thành nhiệm vụ"
        corrected.append(["H99.01", f"{prefix}-X", None, 2025, "good", None])
        third = await ri.send(
            ri.parse(workbook(corrected), source=source, now=datetime.now(UTC)),
            evidence_url=evidence_url,
            token=token,
            http=http,
        )
        assert (third.accepted, third.duplicate, third.rejected) == (1, 194, 6)
        (outsider,) = [r for r in third.rows if r.refused_by == "evidence"]
        assert outsider.row == 202 and outsider.problems[0].column == ri.COL_UNIT
        assert outsider.problems[0].value == "H99.01"
        assert await ledger() == 196

        async def correction_reached_awards() -> None:
            assert await ratings_in_awards() == {**expected, first.officer_id: "incomplete"}

        await eventually(correction_reached_awards, timeout=30)
