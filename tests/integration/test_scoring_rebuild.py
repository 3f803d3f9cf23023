"""`thidua scoring rebuild` on real PostgreSQL: the rebuilt counters and scores equal a from-scratch computation under
the new rules, writers are not held during the heavy phase and what they wrote is caught up at the switch."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from services.scoring.adapters import rulebook_store
from services.scoring.adapters.rulefiles import RulesCache, read_rules_file, seed
from services.scoring.app import MIGRATIONS
from services.scoring.config import RULES
from services.scoring.handlers.consume import apply_batch, apply_under_active_rules
from services.scoring.handlers.rebuild import rebuild
from services.scoring.handlers.rescore import rescore_dirty
from tests.integration.scoring_support import T, event, processed, province, records
from thidua.runtime.db import create_pool, prepare_schema
from thidua.testing.database import create_database, drop_database
from thidua.testing.infra import Infrastructure

NOW = datetime(2025, 5, 5, 12, 0, tzinfo=UTC)
P = "RB"
# Written by the live consumer while the rebuild computes: two new dossiers (one late) and a retraction of an
# existing one, so both new and already-snapshotted cases change under it.
LIVE = [
    processed(900, f"{P}.01", finished=f"2025-03-21T09:30:00{T}", officer="CB-00"),
    processed(901, f"{P}.02", finished=f"2025-03-12T09:30:00{T}", officer="CB-10"),
    event("late-retract", "evidence.retracted", f"{P}.02", {"target_event_id": "e-30", "reason": "trùng"}),
]


def new_rules(directory: Path) -> Path:
    """The rulebook with a higher online-submission threshold and a new version, next to the real calendar."""
    text = RULES.read_text(encoding="utf-8").replace('version = "2026.3"', 'version = "test.rebuild"')
    path = directory / "rulebook.toml"
    path.write_text(text.replace("max = 8\nthreshold = 0.5", "max = 8\nthreshold = 0.9"), encoding="utf-8")
    (directory / "calendar").symlink_to(RULES.parent / "calendar")
    return path


async def _prepare(url: str, rules_file: Path, events: list[dict[str, Any]]) -> None:
    pool = await create_pool(url, schema="scoring", max_size=1)
    try:
        await prepare_schema(pool, schema="scoring", directory=MIGRATIONS)
        async with pool.acquire() as conn:
            await seed(conn, rules_file)
            await _apply(conn, events)
    finally:
        await pool.close()


async def _apply(conn: asyncpg.Connection, events: list[dict[str, Any]]) -> None:
    """What the live service does: a batch, then the rescorer until nothing is queued."""
    rules = await RulesCache().active(conn)
    await apply_batch(conn, records(events), rules=rules, now=NOW)
    while await rescore_dirty(conn, rules=rules, now=NOW):
        pass


async def _state(url: str, periods: list[str] | None = None) -> dict[str, Any]:
    conn = await asyncpg.connect(url, server_settings={"search_path": "scoring"})
    only = "" if periods is None else " AND period = ANY($1::text[])"
    args = [] if periods is None else [periods]
    try:
        return {
            "counters": [
                tuple(r)
                for r in await conn.fetch(
                    "SELECT subject_kind, subject_id, unit_id, period, counter, num, den FROM counters"
                    f" WHERE (num <> 0 OR den <> 0){only} ORDER BY 1, 2, 3, 4, 5",
                    *args,
                )
            ],
            "units": [
                (*r[:4], json.loads(r[4]))
                for r in await conn.fetch(
                    f"SELECT unit_id, period, score, band, card::jsonb FROM unit_scores WHERE true{only} ORDER BY 1, 2",
                    *args,
                )
            ],
            "officers": [
                tuple(r)
                for r in await conn.fetch(
                    "SELECT officer_id, period, score, band, rule_version FROM officer_scores"
                    f" WHERE true{only} ORDER BY 1, 2",
                    *args,
                )
            ],
            "ranks": [
                tuple(r)
                for r in await conn.fetch(
                    "SELECT subject_kind, subject_id, period, score, band, rank_in_cluster, rank_in_province"
                    f" FROM standings WHERE true{only} ORDER BY 1, 2, 3",
                    *args,
                )
            ],
        }
    finally:
        await conn.close()


async def test_a_rebuild_of_every_period_equals_from_scratch_and_catches_up_live_writes(
    infra: Infrastructure, database_url: str, tmp_path: Path
) -> None:
    rules_file = new_rules(tmp_path)
    await _prepare(database_url, RULES, province(P))
    before = await _state(database_url)
    writes: list[str] = []

    async def live_write(phase: str) -> None:
        # The heavy phase is done and its snapshot still open: a batch must commit now, not after the switch.
        conn = await asyncpg.connect(database_url, server_settings={"search_path": "scoring"})
        try:
            await asyncio.wait_for(_apply(conn, LIVE), timeout=20)
            # ...and the rebuild has not switched yet: the old rules are still the active ones.
            assert (
                await conn.fetchval(
                    "SELECT version FROM rulebooks WHERE activated_at IS NOT NULL ORDER BY activated_at DESC LIMIT 1"
                )
                == "2026.3"
            )
        finally:
            await conn.close()
        writes.append(phase)

    report = await rebuild(database_url, periods=None, rules_file=rules_file, now=NOW, workers=2, on_phase=live_write)
    assert writes == ["computed"]  # the live batch committed while the rebuild was between its phases
    assert report.caught_up >= 3  # the new dossiers and the retracted one
    assert 0 <= report.blocked_seconds < report.seconds
    periods = {c[3] for c in before["counters"]} | {u[1] for u in before["units"]}
    stages = {"2019-2022", "2019-2025", "2025-2027", "2025-2030", "2028-2030"}  # the rule file's movements
    assert report.periods == sorted(periods | stages)  # --all: every period with counters or scores, every stage

    conn = await asyncpg.connect(database_url, server_settings={"search_path": "scoring"})
    try:
        await _apply(conn, [])  # the rescorer drains what the live batch queued, now under the new rules
    finally:
        await conn.close()
    scratch = await create_database(infra.database_url)
    try:
        await _prepare(scratch, rules_file, province(P) + LIVE)
        expected = await _state(scratch)
    finally:
        await drop_database(infra.database_url, scratch)
    rebuilt = await _state(database_url)
    assert rebuilt == expected
    assert {u[4]["rule_version"] for u in rebuilt["units"]} == {"test.rebuild"}
    assert rebuilt["units"] != before["units"]  # the new threshold moved scores


async def test_a_rebuild_of_chosen_periods_leaves_the_others_under_their_rules(
    infra: Infrastructure, database_url: str, tmp_path: Path
) -> None:
    rules_file = new_rules(tmp_path)
    await _prepare(database_url, RULES, province(P))
    chosen = ["2025-03", "2025-Q1"]
    report = await rebuild(database_url, periods=chosen, rules_file=rules_file, now=NOW, workers=0)
    assert report.periods == chosen and report.cases > 0 and report.caught_up == 0
    assert any(period == "2025-03" for _, period, _, _ in report.changes)
    scratch = await create_database(infra.database_url)
    try:
        await _prepare(scratch, rules_file, province(P))
        assert await _state(database_url, chosen) == await _state(scratch, chosen)
    finally:
        await drop_database(infra.database_url, scratch)
    untouched = await _state(database_url, ["2025"])
    assert {u[4]["rule_version"] for u in untouched["units"]} == {"2026.3"}


async def test_the_command_rebuilds_every_period_and_says_how_long_writers_waited(
    database_url: str, tmp_path: Path
) -> None:
    await _prepare(database_url, RULES, province(P))
    done = subprocess.run(  # noqa: ASYNC221 - the command as an operator runs it, nothing else to wait for
        [
            sys.executable,
            "-m",
            "thidua.operator.cli",
            "scoring",
            "rebuild",
            "--all",
            "--rules",
            str(new_rules(tmp_path)),
        ],
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"rebuilt [\d,]+ cases in \d+\.\d s; writers blocked \d+\.\d s", last), last
    # Not a terminal: a few progress lines, not a bar.
    lines = [line for line in done.stderr.splitlines() if line.startswith("rebuild: ")]
    assert 1 <= len(lines) <= 5 and lines[-1].startswith("rebuild: ") and "(100%)" in lines[-1], done.stderr


async def test_a_batch_that_meets_the_switch_waits_for_it_and_applies_under_the_new_rules(
    database_url: str, tmp_path: Path
) -> None:
    await _prepare(database_url, RULES, province(P))
    doc = read_rules_file(new_rules(tmp_path))
    switch = await asyncpg.connect(database_url, server_settings={"search_path": "scoring"})
    consumer = await asyncpg.connect(database_url, server_settings={"search_path": "scoring"})
    try:
        async with switch.transaction():
            await rulebook_store.lock_for_rebuild(switch)  # what a rebuild's switch holds until it commits
            await rulebook_store.store_rulebook(switch, str(doc["version"]), doc, activate=True)
            batch = asyncio.create_task(
                apply_under_active_rules(consumer, records(LIVE[:1]), cache=RulesCache(), now=NOW)
            )
            await asyncio.sleep(1.0)
            assert not batch.done()  # the consumer waits for the switch
        rules = await asyncio.wait_for(batch, 10)
        assert rules.version == "test.rebuild"  # and then applies under the rules the switch activated
        assert await consumer.fetchval("SELECT count(*) FROM inbox WHERE event_id = $1", LIVE[0]["event_id"]) == 1
    finally:
        await switch.close()
        await consumer.close()
