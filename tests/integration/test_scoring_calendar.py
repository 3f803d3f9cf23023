"""The calendar that never runs out, through the real evidence and scoring services (real Kafka, real PostgreSQL):
a PAKN whose clock runs into 2027 (no official file: provisional) is judged, the scorecard says the calendar is
provisional, and adding the official 2027 file re-judges it at the next start without any command (Labour Code
2019 art. 112; Decision 766/QĐ-TTg for the 15-working-day answer clock)."""

from __future__ import annotations

import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from schemas import topics
from schemas.vietnam import VN_TZ
from services.evidence.app import create_app as evidence_app
from services.evidence.config import Settings as EvidenceSettings
from services.evidence.handlers.sources import add_source
from services.scoring.app import create_app as scoring_app
from services.scoring.config import RULES
from services.scoring.config import Settings as ScoringSettings
from tests.integration.kafka_tools import start_group_at_end
from tests.integration.support import eventually, running_app

T = "+07:00"


def _complaint(prefix: str, unit: str, received: str, resolved: str, published: str) -> list[dict[str, Any]]:
    """A procedure PAKN received, answered and its answer published (reported now: the clock's times are the
    payload's)."""
    now = datetime.now(UTC).isoformat()
    cid = f"{prefix}-PA1"
    return [
        {
            "event_id": f"{prefix}-{kind}",
            "type": kind,
            "schema_version": 1,
            "occurred_at": now,
            "unit_id": unit,
            "payload": {"complaint_id": cid, **payload},
        }
        for kind, payload in (
            ("complaint.received", {"category": "procedure", "received_at": received}),
            ("complaint.resolved", {"resolved_at": resolved, "outcome": "answered", "substantiated": False}),
            ("complaint.published", {"published_at": published}),
        )
    ]


async def _services(kafka_bootstrap: str, database_url: str, group: str, rules_file: Path) -> tuple[Any, Any]:
    evidence = evidence_app(
        EvidenceSettings(
            kafka_bootstrap_servers=kafka_bootstrap, database_url=database_url, group_id=f"t-ev-{uuid.uuid4().hex[:6]}"
        )
    )
    scoring = scoring_app(
        ScoringSettings(
            kafka_bootstrap_servers=kafka_bootstrap,
            database_url=database_url,
            group_id=group,
            tick_seconds=0.5,
            rules_file=rules_file,
        )
    )
    return evidence, scoring


def _pakn(card: dict[str, Any]) -> tuple[float, float]:
    assert "indicators" in card, card  # not scored yet: asked again
    [row] = [i for i in card["indicators"] if i["code"] == "pakn_on_time"]
    return row["numerator"], row["denominator"]


async def test_labour_code_art_112_pakn_of_14_december_2026_answered_next_day_is_on_time_provisional_2027(
    kafka_bootstrap: str, database_url: str
) -> None:
    """Done when: a PAKN received Mon 14/12/2026 and answered (and published) Tue 15/12/2026 is judged on time
    although its 15-working-day clock ends in 2027, which has no official file; the scorecard, the drill-down and
    standings.changed.v1 say the calendar is provisional."""
    prefix = "C" + uuid.uuid4().hex[:5].upper()
    unit = f"{prefix}.01"
    group = f"test-cal-{uuid.uuid4().hex[:6]}"
    await start_group_at_end(kafka_bootstrap, f"{group}.{topics.EVIDENCE_ACCEPTED}", topics.EVIDENCE_ACCEPTED)
    token = await add_source(database_url, name=f"cal-{prefix.lower()}", units=["*"])
    evidence, scoring = await _services(kafka_bootstrap, database_url, group, RULES)
    events = _complaint(prefix, unit, f"2026-12-14T09:00:00{T}", f"2026-12-15T15:00:00{T}", f"2026-12-15T16:00:00{T}")
    async with (
        running_app(evidence) as ev_url,
        running_app(scoring) as sc_url,
        httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http,
    ):
        for e in events:  # one by one: received first, as a source reports them
            answer = await http.post(f"{ev_url}/v1/events", json=e)
            assert answer.json()[0]["status"] == "accepted", answer.text

        async def judged() -> dict[str, Any]:
            got = await http.get(f"{sc_url}/v1/units/{unit}/scorecard", params={"period": "2026-12"})
            assert got.status_code == 200, got.text
            card = got.json()
            assert _pakn(card) == (1.0, 1.0), card["indicators"]
            return card

        await eventually(judged, timeout=60)
        card = await judged()
        assert card["calendar"] == {"provisional": True, "provisional_years": [2027]}
        assert not any("thiếu lịch ngày làm việc" in n for n in card["notes"])  # judged, not "not judged"
        drill = (
            await http.get(
                f"{sc_url}/v1/units/{unit}/scorecard/events",
                params={"period": "2026-12", "indicator": "pakn_on_time"},
            )
        ).json()
        assert drill["calendar"]["provisional"] is True
        assert [(c["numerator"], c["denominator"]) for c in drill["cases"]] == [(1.0, 1.0)]
        # A period whose clocks stay in 2026 is not provisional.
        october = await http.get(
            f"{sc_url}/v1/units/{unit}/scorecard/events", params={"period": "2026-10", "indicator": "pakn_on_time"}
        )
        assert october.json()["calendar"] == {"provisional": False, "provisional_years": []}


async def test_labour_code_art_112_official_2027_file_rejudges_at_start_without_a_command(
    kafka_bootstrap: str, database_url: str, tmp_path: Path
) -> None:
    """Labour Code 2019 art. 112: a PAKN received Mon 14/12/2026 and answered Wed 6/1/2027 08:00 is late on the
    provisional 2027 calendar (15 working days end Tue 5/1); the official 2027 file makes Mon 4/1 a day off, and the
    next start of the service stores <version>+cal.<hash>, re-judges the periods it touches: on time."""
    rules_dir = tmp_path / "rules"
    (rules_dir / "calendar").mkdir(parents=True)
    shutil.copy(RULES, rules_dir / "rulebook.toml")
    for path in (RULES.parent / "calendar").glob("*.toml"):
        shutil.copy(path, rules_dir / "calendar" / path.name)
    rules_file = rules_dir / "rulebook.toml"
    prefix = "R" + uuid.uuid4().hex[:5].upper()
    unit = f"{prefix}.01"
    group = f"test-recal-{uuid.uuid4().hex[:6]}"
    await start_group_at_end(kafka_bootstrap, f"{group}.{topics.EVIDENCE_ACCEPTED}", topics.EVIDENCE_ACCEPTED)
    token = await add_source(database_url, name=f"recal-{prefix.lower()}", units=["*"])
    events = _complaint(prefix, unit, f"2026-12-14T09:00:00{T}", f"2027-01-06T08:00:00{T}", f"2027-01-06T09:00:00{T}")
    # A second PAKN of the same day still open: its next clock tick is its answer deadline.
    events.append(
        {**events[0], "event_id": f"{prefix}-open", "payload": {**events[0]["payload"], "complaint_id": "open"}}
    )
    evidence, scoring = await _services(kafka_bootstrap, database_url, group, rules_file)
    async with (
        running_app(evidence) as ev_url,
        running_app(scoring) as sc_url,
        httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http,
    ):
        for e in events:
            answer = await http.post(f"{ev_url}/v1/events", json=e)
            assert answer.json()[0]["status"] == "accepted", answer.text

        async def late() -> dict[str, Any]:
            card = (await http.get(f"{sc_url}/v1/units/{unit}/scorecard", params={"period": "2027-01"})).json()
            assert _pakn(card) == (0.0, 1.0), card
            return card

        await eventually(late, timeout=60)
        before = await late()
        assert before["calendar"] == {"provisional": True, "provisional_years": [2027]}
        first_version = before["rule_version"]
        # Provisional 2027: 15 working days from Mon 14/12/2026 end with Tue 5/1/2027 (the midnight after it).
        # Retried: the open case may be applied in a later batch than the late one the scorecard showed.

        async def provisional_tick() -> None:
            assert await _next_tick(database_url, unit, "open") == datetime(2027, 1, 6, tzinfo=VN_TZ)

        await eventually(provisional_tick, timeout=60)

    # The operator adds the government's 2027 schedule (here: Tết Dương lịch bridged to Mon 4/1) and restarts.
    (rules_dir / "calendar" / "2027.toml").write_text(
        'year = 2027\nholidays = ["2027-01-01", "2027-01-02", "2027-01-03", "2027-01-04"]\nworking_weekends = []\n',
        encoding="utf-8",
    )
    evidence, scoring = await _services(kafka_bootstrap, database_url, group, rules_file)
    async with running_app(scoring) as sc_url, httpx.AsyncClient() as http:

        async def on_time() -> dict[str, Any]:
            card = (await http.get(f"{sc_url}/v1/units/{unit}/scorecard", params={"period": "2027-01"})).json()
            assert _pakn(card) == (1.0, 1.0), card
            return card

        await eventually(on_time, timeout=90)
        after = await on_time()
        assert (
            after["rule_version"].startswith(f"{first_version}+cal.")
            and len(after["rule_version"]) == len(first_version) + len("+cal.") + 8
        )
        assert after["calendar"] == {"provisional": False, "provisional_years": []}
        active = (await http.get(f"{sc_url}/v1/rulebook")).json()
        assert active["version"] == after["rule_version"]
        assert 2027 in active["content"]["calendar"]["years"]

        async def moved() -> None:  # the open PAKN's deadline moved with the day off: its next tick follows it
            assert await _next_tick(database_url, unit, "open") == datetime(2027, 1, 7, tzinfo=VN_TZ)

        await eventually(moved, timeout=60)


async def _next_tick(database_url: str, unit: str, case_id: str) -> datetime | None:
    """When the clock next judges the case (scoring's own table)."""
    conn = await asyncpg.connect(database_url)
    try:
        found: datetime | None = await conn.fetchval(
            "SELECT next_tick FROM scoring.cases WHERE kind = 'complaint' AND unit_id = $1 AND case_id = $2",
            unit,
            case_id,
        )
        return found
    finally:
        await conn.close()
