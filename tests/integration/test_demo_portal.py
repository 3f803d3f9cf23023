"""The demo's portal feed through the real evidence and scoring services: the department's and the communes' dossiers
sent as the national portal's calls (signed in with the source's credentials, the operator's mappings registered
through the admin API) are all taken, reach the units' scorecards, and change nothing when sent again."""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx

from schemas import topics
from services.evidence.app import create_app as evidence_app
from services.evidence.config import Settings as EvidenceSettings
from services.evidence.handlers.sources import add_source
from services.scoring.app import create_app as scoring_app
from services.scoring.config import Settings as ScoringSettings
from tests.integration.kafka_tools import start_group_at_end
from tests.integration.support import eventually, running_app
from thidua.operator.demo_live import register_portal_mappings, send_all
from thidua.operator.demo_portal import PORTAL, PORTAL_UNITS, portal_backfill, unit_code_mappings, username
from thidua.operator.demo_present import present_events
from thidua.operator.demo_profiles import Event
from thidua.operator.demo_units import province
from thidua.runtime.tokens import add_token

MINE = {u.unit_id for u in PORTAL_UNITS}
UNTIL = date(2026, 2, 1)  # January of the present year: enough dossiers for a score, few enough for a test


def _renamed(value: Any, p: str) -> Any:
    """This test's copy of the demo units (H40 -> p)."""
    return json.loads(json.dumps(value).replace("H40", p))


def _feed(p: str, source: str) -> Iterator[Event]:
    """The portal units' part of the present year: their envelopes over HTTP by this test's source, their
    dossiers as portal calls."""
    mine = (e for e in present_events(7, UNTIL) if e[1]["unit_id"] in MINE)
    for channel, body in portal_backfill(mine):
        if channel == PORTAL:
            yield PORTAL, _renamed(body, p)
        else:
            yield "http", {**_renamed(body, p), "source": source}


async def test_the_demo_portal_feed_reaches_the_scorecards_and_a_resend_changes_nothing(
    kafka_bootstrap: str, database_url: str
) -> None:
    p = "P" + uuid.uuid4().hex[:4].upper()
    suffix = uuid.uuid4().hex[:6]
    for service, topic in (("evidence", topics.EVIDENCE_INBOUND), ("scoring", topics.EVIDENCE_ACCEPTED)):
        await start_group_at_end(kafka_bootstrap, f"portal-{service}-{suffix}.{topic}", topic)
    source = f"motcua-portal-{suffix}"
    units = [u for u in province(random.Random(7)) if u.unit_id in MINE]
    token = await add_source(database_url, name=source, units=[u.unit_id.replace("H40", p) for u in units])
    admin = await add_token(database_url, role="admin", unit_id=None, label="portal demo test")
    common: dict[str, Any] = {"kafka_bootstrap_servers": kafka_bootstrap, "database_url": database_url}
    async with (
        running_app(evidence_app(EvidenceSettings(**common, group_id=f"portal-evidence-{suffix}"))) as ev,
        running_app(
            scoring_app(ScoringSettings(**common, group_id=f"portal-scoring-{suffix}", tick_seconds=0.5))
        ) as sc,
        httpx.AsyncClient(timeout=30) as http,
    ):
        officers = {u.unit_id: u.officers for u in units}
        users = {username(pu, o): o.replace("H40", p) for pu in PORTAL_UNITS for o in officers[pu.unit_id]}
        codes = {_renamed(code, p): _renamed(unit, p) for code, unit in unit_code_mappings().items()}
        assert await register_portal_mappings(ev, admin, unit_codes=codes, officer_users=users, source=source) == (
            len(codes) + len(users)
        )
        feed = list(_feed(p, source))
        sent = sum(len(body["data"]) for channel, body in feed if channel == PORTAL)
        counts = await send_all(
            feed, evidence_url=ev, kafka=kafka_bootstrap, tokens={source: token}, portal=source, progress=False
        )
        assert counts["rejected"] == 0 and counts["portal_rejected"] == 0, counts
        assert counts["portal_items"] == sent and counts["portal_accepted"] == sent, counts

        finished = [
            item["MaHoSo"]
            for channel, body in feed
            if channel == PORTAL and body["service"] == "DongBoHoSoMC"
            for item in body["data"]
            if item["TrangThaiHoSo"] == "10"
        ]
        dossiers = Counter(code.rsplit("-HS", 1)[0] for code in finished)  # per unit (codes are <unit>-HS<year>-…)
        assert dossiers.keys() == {u.replace("H40", p) for u in MINE}

        async def scored() -> None:
            for unit, n in dossiers.items():
                card = (await http.get(f"{sc}/v1/units/{unit}/scorecard", params={"period": "2026-01"})).json()
                assert card["evidence"]["dossiers_judged"] == n, (unit, card.get("evidence"))

        await eventually(scored, timeout=90, interval=0.5)
        drill = await http.get(
            f"{sc}/v1/units/{p}.11/scorecard/events", params={"period": "2026-01", "indicator": "on_time"}
        )
        assert drill.status_code == 200, drill.text
        assert "dvcqg:" in drill.text  # the events behind the number are the portal's

        again = await send_all(
            feed, evidence_url=ev, kafka=kafka_bootstrap, tokens={source: token}, portal=source, progress=False
        )
        assert again["portal_accepted"] == again["portal_rejected"] == 0, again
        assert again["portal_unchanged"] + again["portal_duplicate"] == sent, again
