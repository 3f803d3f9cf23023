"""What it takes to reach the next band through the real evidence and scoring services (real Kafka, real PostgreSQL):
`GET /v1/units/{id}/scorecard/next-band` agrees with rescoring the unit's counters and facts as the rescorer reads
them, and the successes it names, added to those counters, reach the next band while one fewer does not."""

from __future__ import annotations

import json
import uuid
from typing import Any

import asyncpg
import httpx

from schemas import topics
from services.evidence.app import create_app as evidence_app
from services.evidence.config import Settings as EvidenceSettings
from services.evidence.handlers.sources import add_source
from services.scoring.adapters import case_store, fact_store
from services.scoring.app import create_app as scoring_app
from services.scoring.config import Settings as ScoringSettings
from services.scoring.domain.next_band import Inputs, apply, lever, score_card, what_it_takes
from services.scoring.domain.periods import parse_period
from services.scoring.domain.rulebook import Rulebook, build_rulebook
from services.scoring.domain.scorecard import CultureInputs
from tests.integration.kafka_tools import start_group_at_end
from tests.integration.scoring_support import province
from tests.integration.support import eventually, running_app
from thidua.testing.database import fetch

PERIOD = "2025-03"


async def _rescored(database_url: str, unit: str, version: str) -> tuple[Inputs, Rulebook]:
    """The unit's inputs as the rescorer reads them (counters, culture facts) and the rulebook of its card."""
    conn = await asyncpg.connect(database_url, server_settings={"search_path": "scoring"})
    try:
        book = build_rulebook(
            json.loads(await conn.fetchval("SELECT content::text FROM rulebooks WHERE version = $1", version))
        )
        counters = (await case_store.counters_of(conn, "unit", [(unit, PERIOD)]))[(unit, PERIOD)]
        x = (
            await fact_store.culture_inputs(
                conn,
                parse_period(PERIOD),
                [unit],
                sorted(book.culture.training_topics),
                book.culture.finding_weights,
            )
        )[unit]
    finally:
        await conn.close()
    culture = CultureInputs(
        int(x["officers"]),
        int(x["trained"]),
        x["findings"],
        int(x["inspections"]),
        int(x["disciplined"]),
        int(x["procedures"]),
        int(x["procedures_online"]),
        int(x["procedures_published"]),
    )
    return Inputs(counters, culture), book


async def test_next_band_agrees_with_a_rescoring_of_the_units_counters(kafka_bootstrap: str, database_url: str) -> None:
    prefix = "N" + uuid.uuid4().hex[:5].upper()
    events = province(prefix)
    token = await add_source(database_url, name=f"nb-{prefix.lower()}", units=["*"])
    group = f"test-next-band-{uuid.uuid4().hex[:6]}"
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
    units = [f"{prefix}.01", f"{prefix}.02", f"{prefix}.11", f"{prefix}.12"]
    async with (
        running_app(evidence) as ev_url,
        running_app(scoring) as sc_url,
        httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http,
    ):
        for start in range(0, len(events), 50):
            posted = await http.post(
                f"{ev_url}/v1/events",
                json=[{k: v for k, v in e.items() if k != "source"} for e in events[start : start + 50]],
            )
            assert {r["status"] for r in posted.json()} == {"accepted"}, posted.text

        async def scored() -> None:
            rows = await fetch(
                database_url,
                "SELECT (SELECT count(*) FROM scoring.unit_scores WHERE unit_id LIKE $1 AND period = $2) AS cards,"
                " (SELECT count(*) FROM scoring.dirty) AS dirty,"
                " (SELECT count(*) FROM scoring.inbox WHERE unit_id LIKE $1) AS seen",
                f"{prefix}%",
                PERIOD,
            )
            assert rows[0]["cards"] == len(units) and rows[0]["dirty"] == 0 and rows[0]["seen"] == len(events)

        await eventually(scored, timeout=90, interval=0.5)
        public = httpx.AsyncClient()  # no token: the endpoint is public
        answers: dict[str, dict[str, Any]] = {}
        cards: dict[str, dict[str, Any]] = {}
        for unit in units:
            got = await public.get(f"{sc_url}/v1/units/{unit}/scorecard/next-band", params={"period": PERIOD})
            assert got.status_code == 200, got.text
            answers[unit] = got.json()
            cards[unit] = (await public.get(f"{sc_url}/v1/units/{unit}/scorecard", params={"period": PERIOD})).json()
        unknown = await public.get(f"{sc_url}/v1/units/{prefix}.99/scorecard/next-band", params={"period": PERIOD})
        bad = await public.get(f"{sc_url}/v1/units/{units[0]}/scorecard/next-band", params={"period": "2025-13"})
        await public.aclose()
    assert unknown.status_code == 404
    assert bad.status_code == 422

    below = 0
    for unit in units:
        answer, card = answers[unit], cards[unit]
        assert (answer["score"], answer["band"], answer["rule_version"]) == (
            card["score"],
            card["band"],
            card["rule_version"],
        )
        inputs, book = await _rescored(database_url, unit, card["rule_version"])
        expected = what_it_takes(unit, PERIOD, inputs, book).as_json()
        assert {k: answer[k] for k in expected} == expected, unit
        assert "CB-" not in json.dumps(answer, ensure_ascii=False)  # unit-level figures only, no officer named
        if answer["status"] != "below_next_band":
            continue
        below += 1
        assert answer["points_needed"] == round(answer["next_band_from"] - answer["score"], 2)
        codes = {i["code"] for i in answer["indicators"]}
        assert {"on_time", "training_share", "conduct_complaints", "discipline"} <= codes
        for need in answer["indicators"]:
            move = lever(need["code"], book)
            k = need["successes_needed"]
            if k is None:
                continue
            assert move is not None and need["reachable"] and need["unit_of_success"] == move.words
            reached = score_card(unit, PERIOD, apply(inputs, move, k), book).score
            short = score_card(unit, PERIOD, apply(inputs, move, k - 1), book).score
            assert reached is not None and reached >= answer["next_band_from"], (unit, need)
            assert short is None or short < answer["next_band_from"], (unit, need)
    assert below >= 1
