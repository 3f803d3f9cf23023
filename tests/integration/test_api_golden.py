"""The API's answers for a small fixed province, compared with tests/golden/api_answers.json.

The province (two departments of one block, tests/e2e/test_whole_system.py's) runs through the real services
in-process: evidence → Kafka → scoring → awards → notify. Then a fixed list of answers is fetched (standings,
scorecards, next band, an indicator's events, an officer's scorecard and Decree 335 tracking, nominations,
notifications, whoami and refusals on each service) and compared, status and JSON, with the golden file.

Only what must vary between runs is normalised (see `normalise`):
- timestamps of now (an ISO date-time on or after the day the test started) → "<now>";
- today's date (an ISO date equal to today's, in UTC or Vietnam) → "<today>";
- generated ids (a number under "id"/"notification_id"/"delivery_id"/"nomination_id", or a UUID) → "<id:N>",
  N numbered by first appearance in the whole document, so an id that names one thing twice keeps one
  placeholder (a nomination's id, "title:year:kind:subject", is derived from the evidence and kept);
- token numbers ("token#12", and a whoami's "token_id") → "token#<n>" / "<token>".

Regenerate the golden file (only when a change of behaviour is intended, and say so in the commit):
    UPDATE_GOLDEN=1 .venv/bin/pytest tests/integration/test_api_golden.py
"""

from __future__ import annotations

import functools
import json
import os
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from schemas import topics
from services.awards.app import create_app as awards_app
from services.awards.config import Settings as AwardsSettings
from services.evidence.app import create_app as evidence_app
from services.evidence.config import Settings as EvidenceSettings
from services.evidence.handlers.sources import add_source
from services.notify.app import create_app as notify_app
from services.notify.config import Settings as NotifySettings
from services.scoring.app import create_app as scoring_app
from services.scoring.config import Settings as ScoringSettings
from tests.e2e.test_whole_system import province
from tests.integration.kafka_tools import start_group_at_end
from tests.integration.support import eventually, running_app
from thidua.runtime.tokens import add_token

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "api_answers.json"
P = "GOLD"  # the province's id: fixed, so the answers are (each test has its own database)
UNIT, OTHER = f"{P}.01", f"{P}.02"
OFFICER = f"{UNIT}-CB1"
CLUSTER = f"{P}-KHOI"
CONSUMED = {
    "evidence": [topics.EVIDENCE_INBOUND],
    "scoring": [topics.EVIDENCE_ACCEPTED],
    "awards": [topics.EVIDENCE_ACCEPTED, topics.STANDINGS_CHANGED, topics.RATINGS],
    "notify": [topics.ALERTS, topics.NOMINATIONS, topics.STANDINGS_CHANGED, topics.EVIDENCE_ACCEPTED],
}
DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TOKEN_NUMBER = re.compile(r"token#\d+")
ID_KEYS = {"id", "nomination_id", "notification_id", "delivery_id"}
UUID_LIKE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class Normaliser:
    """Replaces what must vary between runs by placeholders (the module's docstring lists them)."""

    def __init__(self, started: datetime) -> None:
        self.since = (started - timedelta(days=1)).date().isoformat()
        self.today = {started.date().isoformat(), started.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date().isoformat()}
        self.ids: dict[str, str] = {}

    def ident(self, value: object) -> str:
        """The placeholder of a generated id, the same for the same id."""
        key = str(value)
        return self.ids.setdefault(key, f"<id:{len(self.ids) + 1}>")

    def string(self, text: str) -> str:
        """A string with its varying parts replaced."""
        if UUID_LIKE.match(text) or text in self.ids:
            return self.ident(text)
        found = DATETIME.match(text)
        if found and found.group(1) >= self.since:
            return "<now>"
        if DATE.match(text) and text in self.today:
            return "<today>"
        return TOKEN_NUMBER.sub("token#<n>", text)

    def walk(self, value: Any, key: str | None = None) -> Any:
        """The value with every varying part replaced, recursively."""
        if isinstance(value, dict):
            return {k: self.walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.walk(v) for v in value]
        if key in ID_KEYS and isinstance(value, int) and not isinstance(value, bool):
            return self.ident(value)
        if key == "token_id" and value is not None:
            return "<token>"
        if isinstance(value, str):
            return self.string(value)
        return value


def normalise(answers: dict[str, Any], started: datetime) -> dict[str, Any]:
    """The answers with what must vary replaced by placeholders."""
    result: dict[str, Any] = Normaliser(started).walk(answers)
    return result


def services(kafka_bootstrap: str, database_url: str, suffix: str) -> list[Any]:
    """The four services, each with its own consumer groups."""
    common: dict[str, Any] = {"kafka_bootstrap_servers": kafka_bootstrap, "database_url": database_url}
    return [
        evidence_app(EvidenceSettings(**common, group_id=f"golden-evidence-{suffix}")),
        scoring_app(ScoringSettings(**common, group_id=f"golden-scoring-{suffix}", tick_seconds=0.5)),
        awards_app(AwardsSettings(**common, group_id=f"golden-awards-{suffix}")),
        notify_app(
            NotifySettings(
                **common,
                group_id=f"golden-notify-{suffix}",
                delivery_poll_seconds=0.2,
                retry_base_seconds=0.2,
                digest_enabled=False,
            )
        ),
    ]


async def ranked(http: httpx.AsyncClient, sc: str, expected: list[str]) -> None:
    """The units ranked in the block, in this order, for the year and for the month of the evidence."""
    for period in ("2025", "2025-05"):
        rows = (await http.get(f"{sc}/v1/standings", params={"period": period, "cluster": CLUSTER})).json()
        assert [r["subject_id"] for r in rows["rows"]] == expected, rows


def record(response: httpx.Response) -> dict[str, Any]:
    """Status and JSON of one answer."""
    return {"status": response.status_code, "body": response.json()}


async def test_the_api_answers_the_golden_province_as_before(kafka_bootstrap: str, database_url: str) -> None:
    started = datetime.now(UTC)
    suffix = uuid.uuid4().hex[:6]
    for service, consumed in CONSUMED.items():
        for topic in consumed:
            await start_group_at_end(kafka_bootstrap, f"golden-{service}-{suffix}.{topic}", topic)
    source = await add_source(database_url, name="motcua-golden", units=[UNIT, OTHER])
    council = {"Authorization": f"Bearer {await add_token(database_url, role='council', unit_id=None, label='c')}"}
    unit = {"Authorization": f"Bearer {await add_token(database_url, role='unit', unit_id=UNIT, label='u')}"}
    other = {"Authorization": f"Bearer {await add_token(database_url, role='unit', unit_id=OTHER, label='o')}"}
    apps = services(kafka_bootstrap, database_url, suffix)
    async with (
        running_app(apps[0]) as ev,
        running_app(apps[1]) as sc,
        running_app(apps[2]) as aw,
        running_app(apps[3]) as nt,
        httpx.AsyncClient(timeout=30) as http,
    ):
        # One unit after the other, each ranked before the next is sent: a rank's "previous_rank" depends on the
        # order the units were ranked in, which Kafka's partitions would otherwise leave to chance.
        for ranked_so_far in ([UNIT], [UNIT, OTHER]):
            mine = [e for e in province(P) if e["unit_id"] == ranked_so_far[-1]]
            sent = await http.post(f"{ev}/v1/events", json=mine, headers={"Authorization": f"Bearer {source}"})
            assert {r["status"] for r in sent.json()} == {"accepted"}, sent.text
            await eventually(functools.partial(ranked, http, sc, ranked_so_far), timeout=90, interval=0.5)

        seen: list[str] = []

        async def awards_know_the_year() -> None:
            # Both units' officers in the preview, and the preview unchanged since the last look: awards has it all.
            shown = (await http.get(f"{aw}/v1/periods/2025/preview", headers=council)).json()
            text = json.dumps(shown, sort_keys=True)
            seen.append(text)
            assert "tap_the_lao_dong_tien_tien" in text and OFFICER in text and f"{OTHER}-CB1" in text, text[:2000]
            assert len(seen) > 1 and seen[-2] == text

        await eventually(awards_know_the_year, timeout=90, interval=1.0)
        closed = await http.post(f"{aw}/v1/periods/2025/close", params={"force": "true"}, headers=council)
        assert closed.status_code == 200, closed.text
        listed = (await http.get(f"{aw}/v1/nominations", params={"period": "2025"}, headers=council)).json()
        assert listed["nominations"], listed
        first = sorted(listed["nominations"], key=lambda n: (n["title"], n["subject_id"]))[0]

        async def told() -> None:
            inbox = (await http.get(f"{nt}/v1/units/{UNIT}/notifications", headers=unit)).json()
            assert any("nomination" in item["kind"] for item in inbox["items"]), inbox

        await eventually(told, timeout=60, interval=0.5)
        answers = await fetch_answers(
            http, sc, aw, nt, ev, council, unit, other, {"Authorization": f"Bearer {source}"}, first["id"], closed
        )
    got = normalise(answers, started)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(json.dumps(got, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert sorted(got) == sorted(expected)
    for name in expected:
        assert got[name] == expected[name], name


async def fetch_answers(
    http: httpx.AsyncClient,
    sc: str,
    aw: str,
    nt: str,
    ev: str,
    council: dict[str, str],
    unit: dict[str, str],
    other: dict[str, str],
    source: dict[str, str],
    nomination_id: str,
    closed: httpx.Response,
) -> dict[str, Any]:
    """The fixed list of answers, by name."""
    get = http.get
    year, month = {"period": "2025"}, {"period": "2025-05"}
    answers = {
        "scoring standings of a year": await get(f"{sc}/v1/standings", params={**year, "cluster": CLUSTER}),
        "scoring standings of a month": await get(f"{sc}/v1/standings", params={**month, "cluster": CLUSTER}),
        "scoring a unit's officers (unit token)": await get(
            f"{sc}/v1/standings", params={**year, "subject": "officer", "unit": UNIT}, headers=unit
        ),
        "scoring a unit's scorecard": await get(f"{sc}/v1/units/{OTHER}/scorecard", params=month),
        "scoring a unit's next band": await get(f"{sc}/v1/units/{OTHER}/scorecard/next-band", params=month),
        "scoring an indicator's events (unit token)": await get(
            f"{sc}/v1/units/{UNIT}/scorecard/events", params={**month, "indicator": "on_time"}, headers=unit
        ),
        "scoring an officer's scorecard (unit token)": await get(
            f"{sc}/v1/officers/{OFFICER}/scorecard", params=year, headers=unit
        ),
        "scoring an officer's Decree 335 tracking (unit token)": await get(
            f"{sc}/v1/officers/{OFFICER}/tracking", params={"year": "2025"}, headers=unit
        ),
        "awards closing the year (council)": closed,
        "awards nominations of a year (council)": await get(f"{aw}/v1/nominations", params=year, headers=council),
        "awards one nomination (council)": await get(f"{aw}/v1/nominations/{nomination_id}", headers=council),
        "notify a unit's notifications (unit token)": await get(f"{nt}/v1/units/{UNIT}/notifications", headers=unit),
        "whoami (unit token)": await get(f"{sc}/v1/whoami", headers=unit),
        "refusal scoring 422 unknown period": await get(f"{sc}/v1/standings", params={"period": "1999-13"}),
        "refusal scoring 401 officers without a token": await get(
            f"{sc}/v1/standings", params={**year, "subject": "officer", "unit": UNIT}
        ),
        "refusal scoring 403 another unit's officer": await get(
            f"{sc}/v1/officers/{OFFICER}/scorecard", params=year, headers=other
        ),
        "refusal scoring 404 no score for the officer": await get(
            f"{sc}/v1/officers/{OFFICER}/scorecard", params={"period": "2024"}, headers=unit
        ),
        "refusal awards 401 nominations without a token": await get(f"{aw}/v1/nominations", params=year),
        "refusal awards 404 no such nomination": await get(f"{aw}/v1/nominations/999999", headers=council),
        "refusal awards 422 bad unit": await get(f"{aw}/v1/periods/2025/preview", params={"unit": "x" * 201}),
        "refusal notify 403 another unit's inbox": await get(f"{nt}/v1/units/{UNIT}/notifications", headers=other),
        "refusal notify 404 no such notification": await http.post(f"{nt}/v1/notifications/999999/read", headers=unit),
        "refusal evidence 401 events without a token": await http.post(f"{ev}/v1/events", json=[]),
        "refusal evidence 403 a unit token is no source": await http.post(f"{ev}/v1/events", json=[], headers=unit),
        "refusal evidence 404 no such event": await get(f"{ev}/v1/events/GOLD-none", headers=source),
        "refusal evidence 422 an empty array": await http.post(f"{ev}/v1/events", json=[], headers=source),
        "evidence a malformed envelope is answered, rejected": await http.post(
            f"{ev}/v1/events", json={"not": "an envelope"}, headers=source
        ),
    }
    return {name: record(response) for name, response in answers.items()}
