"""Indicators are data: one added to the rulebook alone is scored live, shown on the card, drilled into and served
with the rulebook by the real scoring service."""

from __future__ import annotations

import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx

from services.scoring.adapters.rulebook_store import store_rulebook
from services.scoring.adapters.rulefiles import RulesCache, load_rules, read_rules_file
from services.scoring.app import MIGRATIONS
from services.scoring.app import create_app as scoring_app
from services.scoring.config import RULES
from services.scoring.config import Settings as ScoringSettings
from services.scoring.handlers.consume import apply_batch
from tests.integration.scoring_support import province, records, rulebook_with_an_indicator
from tests.integration.support import eventually, running_app
from thidua.runtime.db import create_pool, migrate


async def test_an_indicator_added_to_the_rulebook_alone_is_scored_and_drilled_into(
    kafka_bootstrap: str, database_url: str, tmp_path: Path
) -> None:
    prefix = "N" + uuid.uuid4().hex[:5].upper()
    unit = f"{prefix}.01"
    scoring = scoring_app(
        ScoringSettings(
            kafka_bootstrap_servers=kafka_bootstrap,
            database_url=database_url,
            group_id=f"test-ind-{uuid.uuid4().hex[:6]}",
            rules_file=rulebook_with_an_indicator(tmp_path),
        )
    )
    async with running_app(scoring) as url, httpx.AsyncClient() as http:
        # The evidence goes in the way the consumer hands it over; the service's rescorer does the rest.
        conn = await asyncpg.connect(database_url, server_settings={"search_path": "scoring"})
        try:
            rules = await RulesCache().active(conn)
            assert rules.version == "test.indicator"  # seeded from the copy: the only rulebook of this database
            await apply_batch(conn, records(province(prefix)), rules=rules, now=datetime.now(UTC))
        finally:
            await conn.close()

        async def scored() -> None:
            answer = await http.get(f"{url}/v1/units/{unit}/scorecard", params={"period": "2025-03"})
            assert answer.status_code == 200, answer.text

        await eventually(scored, timeout=30)
        card = (await http.get(f"{url}/v1/units/{unit}/scorecard", params={"period": "2025-03"})).json()
        drill = (
            await http.get(
                f"{url}/v1/units/{unit}/scorecard/events",
                params={"period": "2025-03", "indicator": "complaints_on_time"},
            )
        ).json()
        served = (await http.get(f"{url}/v1/rulebook")).json()
        unknown = await http.get(
            f"{url}/v1/units/{unit}/scorecard/events", params={"period": "2025-03", "indicator": "no_such_indicator"}
        )

    shown = {i["code"]: i for i in card["indicators"]}
    added, same_counter = shown["complaints_on_time"], shown["pakn_on_time"]
    assert card["rule_version"] == "test.indicator" and added["max_points"] == 5 and added["threshold"] == 0.9
    assert (added["numerator"], added["denominator"]) == (same_counter["numerator"], same_counter["denominator"])
    assert added["denominator"] == 1 and added["points"] is not None  # PA-0, judged in March
    assert card["groups"]["timeliness"]["max"] == 25
    assert [c["counter"] for c in drill["cases"]] == ["pakn_on_time"]
    assert sum(c["numerator"] for c in drill["cases"]) == added["numerator"]
    assert drill["cases"][0]["case"] == "complaint:PA-0"
    assert served["content"]["index"]["indicators"]["complaints_on_time"]["counter"] == "pakn_on_time"
    assert unknown.status_code == 422 and "complaints_on_time" in unknown.text


async def test_a_rulebook_stored_before_indicators_named_their_counter_reads_the_same_counters(
    database_url: str, tmp_path: Path
) -> None:
    """Migration 004: a rulebook stored without `counter` keys (as 2025.2 was) reads the counters the code used."""
    doc = read_rules_file(RULES)
    for indicator in doc["index"]["indicators"].values():
        indicator.pop("counter", None)
    earlier = tmp_path / "migrations"
    earlier.mkdir()
    for path in sorted(MIGRATIONS.glob("00[123]_*.sql")):
        shutil.copy(path, earlier / path.name)
    pool = await create_pool(database_url, schema="scoring", max_size=1)
    try:
        await migrate(pool, schema="scoring", directory=earlier)
        async with pool.acquire() as conn:
            await store_rulebook(conn, str(doc["version"]), doc, activate=True)
        applied = await migrate(pool, schema="scoring", directory=MIGRATIONS)
        assert applied[0] == "004_indicator_counters.sql"  # then the later ones, in order
        assert applied == sorted(p.name for p in MIGRATIONS.glob("*.sql"))[3:]
        async with pool.acquire() as conn:
            stored = await RulesCache().active(conn)
    finally:
        await pool.close()
    assert {code: i.source for code, i in stored.book.indicators.items()} == {
        code: i.source for code, i in load_rules(RULES).book.indicators.items()
    }
    assert stored.book.indicators["dossier_satisfaction"].source == "dossier_ok"
