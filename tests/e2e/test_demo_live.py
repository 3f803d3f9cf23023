"""The demo's present year and live feed through the real services: a current-period standing that moves while the
feed plays, and a due-soon or overdue alert in a demo unit's inbox."""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import httpx

from schemas import topics
from services.evidence.app import create_app as evidence_app
from services.evidence.config import Settings as EvidenceSettings
from services.evidence.handlers.sources import add_source
from services.notify.app import create_app as notify_app
from services.notify.config import Settings as NotifySettings
from services.scoring.app import create_app as scoring_app
from services.scoring.config import Settings as ScoringSettings
from tests.integration.kafka_tools import start_group_at_end
from tests.integration.support import eventually, running_app
from thidua.operator.demo_live import play, send_all
from thidua.operator.demo_live_day import live_events
from thidua.operator.demo_present import present_events
from thidua.operator.demo_profiles import Event, TimedEvent
from thidua.operator.demo_units import VN, Unit, province
from thidua.runtime.tokens import add_token

CONSUMED = {
    "evidence": [topics.EVIDENCE_INBOUND],
    "scoring": [topics.EVIDENCE_ACCEPTED],
    "notify": [topics.ALERTS, topics.NOMINATIONS, topics.STANDINGS_CHANGED, topics.EVIDENCE_ACCEPTED],
}


def _renamed(body: dict[str, Any], p: str, source: str) -> dict[str, Any]:
    """The envelope for this test's copy of the demo units (H40 -> p), sent by this test's source."""
    return {**json.loads(json.dumps(body).replace("H40", p)), "source": source}


def _backfill(p: str, source: str, units: set[str]) -> Iterator[Event]:
    today = datetime.now(VN).date()
    for _, body in present_events(7, today):
        if body["unit_id"] in units:
            yield "http", _renamed(body, p, source)  # one source, over HTTP, for the test


def _live(p: str, source: str, mine: list[Unit], start: datetime) -> Iterator[TimedEvent]:
    for at, _, body in live_events(7, start, timedelta(seconds=0.02), units=mine):
        yield at, "http", _renamed(body, p, source)


async def test_the_live_demo_moves_a_current_standing_and_reaches_a_units_inbox(
    kafka_bootstrap: str, database_url: str
) -> None:
    p = "D" + uuid.uuid4().hex[:4].upper()
    suffix = uuid.uuid4().hex[:6]
    demo_units = [u for u in province(random.Random(7)) if u.cluster_id == "KHOI-SO-1"][:3]
    mine = [
        replace(u, unit_id=u.unit_id.replace("H40", p), officers=tuple(o.replace("H40", p) for o in u.officers))
        for u in demo_units
    ]
    unit = mine[0].unit_id
    for service, consumed in CONSUMED.items():
        for topic in consumed:
            await start_group_at_end(kafka_bootstrap, f"live-{service}-{suffix}.{topic}", topic)
    source = f"motcua-live-{suffix}"
    tokens = {source: await add_source(database_url, name=source, units=[u.unit_id for u in mine])}
    unit_token = await add_token(database_url, role="unit", unit_id=unit, label="unit")
    year = str(datetime.now(VN).year)
    common: dict[str, Any] = {"kafka_bootstrap_servers": kafka_bootstrap, "database_url": database_url}
    apps = [
        evidence_app(EvidenceSettings(**common, group_id=f"live-evidence-{suffix}")),
        scoring_app(ScoringSettings(**common, group_id=f"live-scoring-{suffix}", tick_seconds=0.5)),
        notify_app(
            NotifySettings(
                **common,
                group_id=f"live-notify-{suffix}",
                delivery_poll_seconds=0.2,
                retry_base_seconds=0.2,
                digest_enabled=False,
            )
        ),
    ]
    async with (
        running_app(apps[0]) as ev,
        running_app(apps[1]) as sc,
        running_app(apps[2]) as nt,
        httpx.AsyncClient(timeout=30) as http,
    ):
        counts = await send_all(
            _backfill(p, source, {u.unit_id for u in demo_units}),
            evidence_url=ev,
            kafka=kafka_bootstrap,
            tokens=tokens,
            progress=False,
        )
        assert counts["rejected"] == 0 and counts["accepted"] > 3000, counts

        async def judged() -> float:
            card = (await http.get(f"{sc}/v1/units/{unit}/scorecard", params={"period": year})).json()
            assert card.get("score") is not None, card
            return float(card["evidence"]["dossiers_judged"])

        async def ranked() -> None:
            rows = (await http.get(f"{sc}/v1/standings", params={"period": year, "cluster": "KHOI-SO-1"})).json()
            assert {r["subject_id"] for r in rows["rows"]} >= {u.unit_id for u in mine}, rows
            await judged()

        await eventually(ranked, timeout=90, interval=0.5)  # this year's standing, from the backfill
        before = await judged()

        async def inbox() -> list[dict[str, Any]]:
            answer = await http.get(
                f"{nt}/v1/units/{unit}/notifications", headers={"Authorization": f"Bearer {unit_token}"}
            )
            assert answer.status_code == 200, answer.text
            return list(answer.json()["items"])

        live_alerts_before = [i for i in await inbox() if "live" in i.get("title", "")]
        assert live_alerts_before == []
        start = datetime.now(VN).replace(microsecond=0)
        feeder = asyncio.create_task(
            play(
                _live(p, source, mine, start),
                evidence_url=ev,
                kafka=kafka_bootstrap,
                tokens=tokens,
                until=start + timedelta(seconds=90),
                report_every=0,
            )
        )
        try:

            async def moved() -> None:
                assert await judged() >= before + 20  # the live feed finishes dossiers: the standing moves

            async def alerted() -> None:
                kinds = {i["kind"] for i in await inbox() if "live" in i.get("title", "")}
                assert kinds & {"dossier_due_soon", "dossier_overdue"}, kinds

            await eventually(moved, timeout=60, interval=0.5)
            await eventually(alerted, timeout=60, interval=0.5)
            assert not feeder.done() or feeder.exception() is None
        finally:
            feeder.cancel()
            try:
                await feeder
            except asyncio.CancelledError:
                pass
