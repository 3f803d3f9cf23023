"""Evidence in at the evidence service, standings out at scoring: real Kafka, real PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import tomllib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from schemas import topics
from services.evidence.app import create_app as evidence_app
from services.evidence.config import Settings as EvidenceSettings
from services.evidence.handlers.sources import add_source
from services.scoring.adapters.rulefiles import RulesCache, seed
from services.scoring.app import MIGRATIONS
from services.scoring.app import create_app as scoring_app
from services.scoring.config import RULES
from services.scoring.config import Settings as ScoringSettings
from services.scoring.domain.calendar import VN_TZ
from services.scoring.handlers.consume import apply_batch
from services.scoring.handlers.rebuild import rebuild
from services.scoring.handlers.rescore import rescore_dirty
from tests.integration.kafka_tools import read_topic, start_group_at_end
from tests.integration.scoring_support import province
from tests.integration.support import eventually, running_app
from thidua.runtime.db import create_pool, prepare_schema
from thidua.runtime.decoding import decode_evidence
from thidua.runtime.kafka import BatchPublisher, Outgoing
from thidua.testing.database import create_database, drop_database, fetch


@pytest.fixture
async def second_database(infra: Any) -> AsyncIterator[str]:
    url = await create_database(infra.database_url)
    yield url
    await drop_database(infra.database_url, url)


async def test_standings_match_a_from_scratch_recomputation_and_a_rebuild_applies_the_formula(
    kafka_bootstrap: str, database_url: str, second_database: str, tmp_path: Path
) -> None:
    prefix = "T" + uuid.uuid4().hex[:5].upper()
    events = province(prefix)
    token = await add_source(database_url, name="motcua", units=["*"])
    group = f"test-scoring-{uuid.uuid4().hex[:6]}"
    await start_group_at_end(kafka_bootstrap, f"{group}.{topics.EVIDENCE_ACCEPTED}", topics.EVIDENCE_ACCEPTED)
    evidence = evidence_app(
        EvidenceSettings(
            kafka_bootstrap_servers=kafka_bootstrap,
            database_url=database_url,
            group_id=f"test-ev-{uuid.uuid4().hex[:6]}",
        )
    )
    scoring = scoring_app(
        ScoringSettings(
            kafka_bootstrap_servers=kafka_bootstrap, database_url=database_url, group_id=group, tick_seconds=0.5
        )
    )
    async with (
        running_app(evidence) as ev_url,
        running_app(scoring) as sc_url,
        httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http,
    ):
        for start in range(0, len(events), 25):
            answer = await http.post(f"{ev_url}/v1/events", json=events[start : start + 25])
            assert {r["status"] for r in answer.json()} == {"accepted"}, answer.text

        async def drained() -> None:
            [row] = await fetch(
                database_url,
                "SELECT (SELECT count(*) FROM evidence.ledger) AS ledger,"
                " (SELECT count(*) FROM scoring.inbox) AS inbox,"
                " (SELECT count(*) FROM scoring.outbox) AS outbox,"
                " (SELECT count(*) FROM scoring.dirty) AS dirty",
            )
            assert row["ledger"] == row["inbox"] == len(events) and row["outbox"] == 0 and row["dirty"] == 0

        await eventually(drained, timeout=60)
        standings = (await http.get(f"{sc_url}/v1/standings", params={"period": "2025-03", "cluster": "K-SO"})).json()
        card = (await http.get(f"{sc_url}/v1/units/{prefix}.01/scorecard", params={"period": "2025-03"})).json()
        drill = (
            await http.get(
                f"{sc_url}/v1/units/{prefix}.01/scorecard/events", params={"period": "2025-03", "indicator": "on_time"}
            )
        ).json()

    # From scratch: the whole ledger, in ledger order, in one batch, into an empty database.
    ledger = await fetch(database_url, "SELECT seq, envelope::text AS envelope FROM evidence.ledger ORDER BY seq")
    pool = await create_pool(second_database, schema="scoring", max_size=2)
    try:
        await prepare_schema(pool, schema="scoring", directory=MIGRATIONS)
        async with pool.acquire() as conn:
            await seed(conn, RULES)
            rules = await RulesCache().active(conn)
            await apply_batch(
                conn,
                [(decode_evidence(r["envelope"].encode()), r["seq"]) for r in ledger],
                rules=rules,
                now=datetime.now(UTC),
            )
            while await rescore_dirty(conn, rules=rules, now=datetime.now(UTC)):
                pass
    finally:
        await pool.close()
    query = (
        "SELECT unit_id, period, score, band, card::text AS card FROM scoring.unit_scores"
        " WHERE unit_id LIKE $1 ORDER BY 1, 2"
    )
    live = await fetch(database_url, query, f"{prefix}%")
    scratch = await fetch(second_database, query, f"{prefix}%")
    # The open dossiers, overdue since March 2025, are late in every period that has ended since, and now.
    now_month = datetime.now(UTC).astimezone(VN_TZ).strftime("%Y-%m")
    assert {r["period"] for r in live} >= {"2025-03", "2025-Q1", "2025", "2019-2025", "2025-04", now_month}
    assert [(r["unit_id"], r["period"], r["score"], r["band"], json.loads(r["card"])) for r in live] == [
        (r["unit_id"], r["period"], r["score"], r["band"], json.loads(r["card"])) for r in scratch
    ]

    # What a person sees: ranks in the cluster, the counts behind the number and the events behind them.
    assert [row["rank"] for row in standings["rows"]] == sorted(row["rank"] for row in standings["rows"])
    assert {row["subject_id"] for row in standings["rows"]} == {f"{prefix}.01", f"{prefix}.02"}
    on_time = next(i for i in card["indicators"] if i["code"] == "on_time")
    # 21 dossiers, e-1 retracted: 20 judged in March, plus the open dossier overdue since 7 March.
    assert on_time["denominator"] == 21
    assert sum(c["denominator"] for c in drill["cases"]) == on_time["denominator"]
    assert sum(c["numerator"] for c in drill["cases"]) == on_time["numerator"]
    assert all("motcua:e-1" not in c["events"] for c in drill["cases"])  # the retracted dossier
    published = await read_topic(
        kafka_bootstrap, topics.STANDINGS_CHANGED, lambda r: prefix.encode() in (r.value or b""), expect=16, timeout=30
    )
    assert {json.loads(r.value or b"")["subject_id"] for r in published} >= {f"{prefix}.01", f"{prefix}.12"}

    # Rebuild under a higher online-submission threshold: the points follow rate × max ÷ threshold.
    doc = tomllib.loads(RULES.read_text(encoding="utf-8"))
    text = RULES.read_text(encoding="utf-8").replace('version = "2026.3"', 'version = "test.2"')
    text = text.replace("max = 8\nthreshold = 0.5", "max = 8\nthreshold = 0.9")
    assert doc["index"]["indicators"]["online_submission"]["threshold"] == 0.5
    (tmp_path / "calendar").symlink_to(RULES.parent / "calendar")
    (tmp_path / "rulebook.toml").write_text(text, encoding="utf-8")
    report = await rebuild(
        database_url, periods=["2025-03"], rules_file=tmp_path / "rulebook.toml", now=datetime.now(UTC)
    )
    conn = await asyncpg.connect(database_url, server_settings={"search_path": "scoring"})
    try:
        after = json.loads(
            await conn.fetchval(
                "SELECT card::text FROM unit_scores WHERE unit_id = $1 AND period = '2025-03'", f"{prefix}.01"
            )
        )
        untouched = await conn.fetchval(
            "SELECT rule_version FROM unit_scores WHERE unit_id = $1 AND period = '2025'", f"{prefix}.01"
        )
    finally:
        await conn.close()
    assert report.rule_version == "test.2" and after["rule_version"] == "test.2"
    assert untouched == "2026.3"  # other periods keep their scores until rebuilt
    before_ind = {i["code"]: i for i in card["indicators"]}
    after_ind = {i["code"]: i for i in after["indicators"]}
    rate = before_ind["online_submission"]["rate"]
    assert 0.5 <= rate < 0.9  # full points before, fewer after
    assert after_ind["online_submission"]["points"] == pytest.approx(rate / 0.9 * 8)
    for code in before_ind.keys() - {"online_submission"}:
        assert after_ind[code]["points"] == before_ind[code]["points"]
    scored_max = sum(i["max_points"] for i in after["indicators"] if i["points"] is not None)
    expected_index = round(100 * sum(i["points"] or 0 for i in after["indicators"]) / scored_max, 2)
    assert after["service_index"] == expected_index
    assert after["score"] == round(0.7 * expected_index + 0.3 * after["culture_index"], 2)
    assert after["score"] < card["score"]


async def test_the_decree_335_tracking_runs_only_where_the_track_role_is(
    kafka_bootstrap: str, database_url: str
) -> None:
    """Scoring's roles split over processes: the tracking pass runs only in the process with the track role."""
    common: dict[str, Any] = {
        "kafka_bootstrap_servers": kafka_bootstrap,
        "database_url": database_url,
        "group_id": f"test-track-{uuid.uuid4().hex[:6]}",
    }
    officer = f"T{uuid.uuid4().hex[:6].upper()}"
    queued = "SELECT count(*) AS n FROM scoring.tracking_dirty WHERE officer_id = $1"
    consumer = scoring_app(ScoringSettings(**common, roles=frozenset({"consume", "rescore"})))
    async with running_app(consumer):
        await fetch(
            database_url, "INSERT INTO scoring.tracking_dirty VALUES ($1, now()) ON CONFLICT DO NOTHING", officer
        )
        await asyncio.sleep(2.0)  # ten of the tracker's polls, had it been running here
        [left] = await fetch(database_url, queued, officer)
        assert left["n"] == 1, "the consume+rescore process ran the tracking pass"
        async with running_app(scoring_app(ScoringSettings(**common, roles=frozenset({"track"})))):

            async def taken() -> None:
                [row] = await fetch(database_url, queued, officer)
                assert row["n"] == 0

            await eventually(taken, timeout=20)


async def test_consumer_and_rescorer_in_two_processes_share_the_work(kafka_bootstrap: str, database_url: str) -> None:
    prefix = "R" + uuid.uuid4().hex[:5].upper()
    group = f"test-split-{uuid.uuid4().hex[:6]}"
    await start_group_at_end(kafka_bootstrap, f"{group}.{topics.EVIDENCE_ACCEPTED}", topics.EVIDENCE_ACCEPTED)
    common: dict[str, Any] = {
        "kafka_bootstrap_servers": kafka_bootstrap,
        "database_url": database_url,
        "group_id": group,
    }
    consumer = scoring_app(ScoringSettings(**common, roles=frozenset({"consume"})))
    # The rescorer only waits for NOTIFY: a long poll proves it is woken, not polling.
    rescorer = scoring_app(ScoringSettings(**common, roles=frozenset({"rescore"}), rescore_seconds=30))
    publisher = BatchPublisher(kafka_bootstrap, service="test")
    await publisher.start()
    try:
        async with running_app(consumer) as consumer_url, running_app(rescorer):
            await publisher.publish(
                [Outgoing(topics.EVIDENCE_ACCEPTED, e["unit_id"], json.dumps(e).encode()) for e in province(prefix)]
            )

            async def ranked() -> None:
                async with httpx.AsyncClient() as http:
                    rows = (await http.get(f"{consumer_url}/v1/standings", params={"period": "2025-03"})).json()
                assert {r["subject_id"] for r in rows["rows"]} >= {f"{prefix}.01", f"{prefix}.12"}
                [left] = await fetch(database_url, "SELECT count(*) AS n FROM scoring.dirty")
                assert left["n"] == 0

            await eventually(ranked, timeout=20)
    finally:
        await publisher.stop()
