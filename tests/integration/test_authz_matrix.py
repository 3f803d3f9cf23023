"""Only who may (real services, real Kafka and PostgreSQL, part of the demo province): every endpoint of every
service's OpenAPI document × no token, a source, another unit's token, the unit itself, council, admin, the
officer's own token and another officer's (of the same unit) answers as the contract says; and no public response
names an officer."""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from schemas import topics
from services.awards.app import create_app as awards_app
from services.awards.config import Settings as AwardsSettings
from services.evidence.app import create_app as evidence_app
from services.evidence.config import Settings as EvidenceSettings
from services.evidence.handlers.sources import add_source
from services.notify.app import create_app as notify_app
from services.notify.config import Settings as NotifySettings
from services.scoring.adapters.rulefiles import load_rules
from services.scoring.app import create_app as scoring_app
from services.scoring.config import RULES as SCORING_RULES
from services.scoring.config import Settings as ScoringSettings
from services.scoring.domain.scorecard import evidence_behind
from tests.integration.kafka_tools import start_group_at_end
from tests.integration.support import eventually, running_app
from thidua.operator import demo, demo_units
from thidua.runtime.tokens import add_token
from thidua.testing.database import fetch

CALLERS = ("none", "source", "other_unit", "own_unit", "council", "admin", "officer", "other_officer")
PUBLIC = frozenset(CALLERS)
OWN_COUNCIL_ADMIN = frozenset({"own_unit", "council", "admin"})
# An officer's own records (issue 26): the officer's token too, never another officer's (even of the same unit).
OFFICER_OWN = OWN_COUNCIL_ADMIN | {"officer"}
OWN_ADMIN = frozenset({"own_unit", "admin"})
UNITS_COUNCIL_ADMIN = frozenset({"own_unit", "other_unit", "council", "admin"})
COUNCIL_ADMIN = frozenset({"council", "admin"})
ADMIN = frozenset({"admin"})
SOURCE = frozenset({"source"})
ANY_TOKEN = frozenset(CALLERS) - {"none"}

# The contract's access rules, one row per operation. A new endpoint that is not listed here fails the test.
POLICY: dict[tuple[str, str, str], frozenset[str]] = {
    **{
        (s, "GET", p): PUBLIC
        for s in ("evidence", "scoring", "awards", "notify")
        for p in ("/healthz", "/readyz")  # /readyz: ready or not for anybody, its details for an admin only
    },
    **{(s, "GET", "/metrics"): ADMIN for s in ("evidence", "scoring", "awards", "notify")},  # METRICS_PUBLIC=false
    **{(s, "GET", "/v1/parked"): ADMIN for s in ("evidence", "scoring", "awards", "notify")},
    # Who the caller's token is (the dashboard's sign-in): any valid token, never anonymous.
    **{(s, "GET", "/v1/whoami"): ANY_TOKEN for s in ("evidence", "scoring", "awards", "notify")},
    **{(s, "POST", "/v1/parked/replay"): ADMIN for s in ("evidence", "scoring", "awards", "notify")},
    # A person's sign-in through the identity provider (issue 27): 401 anonymous; a td_ token is not refused as a
    # caller but as the wrong kind of token (422, field authorization) — only a provider's access token records one.
    **{(s, "POST", "/v1/sign-ins"): ANY_TOKEN for s in ("evidence", "scoring", "awards", "notify")},
    ("evidence", "POST", "/v1/events"): SOURCE,
    ("evidence", "GET", "/v1/events/{event_id}"): SOURCE,
    # The national portal's door (issue 25): a source's token (or its session); the sign-in takes no token.
    ("evidence", "POST", "/v1/dvcqg"): SOURCE,
    ("evidence", "POST", "/v1/dvcqg/{service}"): SOURCE,
    ("evidence", "POST", "/v1/dvcqg/login"): PUBLIC,  # {} is 422 for anybody: the credentials are the body's
    # The operator's mappings for the national portal's door (issue 25).
    **{
        ("evidence", m, p): ADMIN
        for p, ms in {
            "/v1/sources/{source}/unit-codes": ("GET",),
            "/v1/sources/{source}/unit-codes/{code}": ("PUT", "DELETE"),
            "/v1/sources/{source}/officer-users": ("GET",),
            "/v1/sources/{source}/officer-users/{username}": ("PUT", "DELETE"),
        }.items()
        for m in ms
    },
    ("scoring", "GET", "/v1/standings"): PUBLIC,
    ("scoring", "GET", "/v1/units/{unit_id}/scorecard"): PUBLIC,
    ("scoring", "GET", "/v1/units/{unit_id}/scorecard/events"): PUBLIC,  # officer records: counts only
    ("scoring", "GET", "/v1/units/{unit_id}/scorecard/next-band"): PUBLIC,  # unit-level figures only
    ("scoring", "GET", "/v1/officers/{officer_id}/scorecard"): OFFICER_OWN,
    ("scoring", "GET", "/v1/officers/{officer_id}/tracking"): OFFICER_OWN,  # Decree 335 sheets (issue 26)
    ("scoring", "GET", "/v1/officers/{officer_id}/tracking/tasks"): OFFICER_OWN,
    ("scoring", "GET", "/v1/units/{unit_id}/tracking"): OWN_COUNCIL_ADMIN,
    ("scoring", "GET", "/v1/units/{unit_id}/agency-rating"): PUBLIC,  # Decree 335 agency rating: unit-level
    ("scoring", "GET", "/v1/rulebook"): PUBLIC,
    # Reconciliation with the official 766 index (issue 25): the council imports, unit-level figures are public.
    ("scoring", "PUT", "/v1/periods/{period}/official-index"): COUNCIL_ADMIN,
    ("scoring", "GET", "/v1/periods/{period}/reconciliation"): PUBLIC,
    ("awards", "GET", "/v1/nominations"): UNITS_COUNCIL_ADMIN,  # a unit sees its own only
    ("awards", "GET", "/v1/cash-multiples"): PUBLIC,
    ("awards", "GET", "/v1/periods/{period}/preview"): PUBLIC,  # unit-level figures; officers need a token
    ("awards", "GET", "/v1/nominations/{nomination_id}"): OWN_COUNCIL_ADMIN,
    ("awards", "POST", "/v1/periods/{period}/close"): COUNCIL_ADMIN,
    ("awards", "POST", "/v1/nominations/{nomination_id}/votes"): COUNCIL_ADMIN,
    ("notify", "GET", "/v1/units/{unit_id}/notifications"): OWN_ADMIN,
    ("notify", "GET", "/v1/admin/notifications"): ADMIN,  # the operators' inbox (unit id ADMIN)
    ("notify", "POST", "/v1/notifications/{notification_id}/read"): OWN_ADMIN,
    ("notify", "GET", "/v1/units/{unit_id}/channels"): OWN_ADMIN,
    ("notify", "PUT", "/v1/units/{unit_id}/channels"): OWN_ADMIN,
    ("notify", "GET", "/v1/deliveries"): ADMIN,
    ("notify", "POST", "/v1/deliveries/{delivery_id}/retry"): ADMIN,
    ("notify", "POST", "/v1/digests/run"): ADMIN,
}
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/v1/events"): [],
    ("POST", "/v1/dvcqg"): [],
    ("POST", "/v1/dvcqg/{service}"): [],
    ("POST", "/v1/dvcqg/login"): {},
    ("PUT", "/v1/periods/{period}/official-index"): {"rows": [{"unit": "NO.SUCH.UNIT", "total": 50}]},
    ("POST", "/v1/parked/replay"): {"ids": [999999]},
    ("POST", "/v1/nominations/{nomination_id}/votes"): {"members_total": 10, "members_present": 5, "votes_for": 5},
    ("PUT", "/v1/units/{unit_id}/channels"): {"email": "vanthu@example.gov.vn"},
    ("PUT", "/v1/sources/{source}/unit-codes/{code}"): {"unit_id": "H40.99.99"},
    ("PUT", "/v1/sources/{source}/officer-users/{username}"): {"officer_id": "CB-AUTHZ-1"},
}
CONSUMED = {
    "evidence": [topics.EVIDENCE_INBOUND],
    "scoring": [topics.EVIDENCE_ACCEPTED],
    "awards": [topics.EVIDENCE_ACCEPTED, topics.STANDINGS_CHANGED, topics.RATINGS],
    "notify": [topics.ALERTS, topics.NOMINATIONS, topics.STANDINGS_CHANGED, topics.EVIDENCE_ACCEPTED],
}


@dataclass
class Province:
    urls: dict[str, str]
    apps: dict[str, FastAPI]
    tokens: dict[str, str | None]
    own: str
    other: str
    officers: set[str]
    nomination: str
    notification: int
    event_id: str


async def _start(database_url: str, kafka: str, suffix: str) -> dict[str, FastAPI]:
    for service, consumed in CONSUMED.items():
        for topic in consumed:
            await start_group_at_end(kafka, f"authz-{service}-{suffix}.{topic}", topic)
    common: dict[str, Any] = {"kafka_bootstrap_servers": kafka, "database_url": database_url}
    return {
        "evidence": evidence_app(EvidenceSettings(**common, group_id=f"authz-evidence-{suffix}")),
        "scoring": scoring_app(ScoringSettings(**common, group_id=f"authz-scoring-{suffix}")),
        "awards": awards_app(AwardsSettings(**common, group_id=f"authz-awards-{suffix}")),
        "notify": notify_app(NotifySettings(**common, group_id=f"authz-notify-{suffix}", digest_enabled=False)),
    }


@pytest.fixture
async def province(kafka_bootstrap: str, database_url: str) -> AsyncIterator[Province]:
    """Three units of the demo province (every evidence type), the year closed, a nomination told to the unit."""
    suffix = uuid.uuid4().hex[:6]
    apps = await _start(database_url, kafka_bootstrap, suffix)
    chosen = {u.unit_id for u in demo_units.province(__import__("random").Random(7))[:3]}
    by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
    officers: set[str] = set()
    for _, envelope in demo.events(7, 2025, 20):
        if envelope["unit_id"] in chosen:
            by_source[envelope["source"]].append(envelope)
            if envelope.get("officer_id"):
                officers.add(envelope["officer_id"])
    tokens: dict[str, str | None] = {"none": None}
    sources = {name: await add_source(database_url, name=name, units=["*"]) for name in by_source}
    own, other = sorted(chosen)[:2]
    tokens["source"] = next(iter(sources.values()))
    tokens["own_unit"] = await add_token(database_url, role="unit", unit_id=own, label="own")
    tokens["other_unit"] = await add_token(database_url, role="unit", unit_id=other, label="other")
    tokens["council"] = await add_token(database_url, role="council", unit_id=None, label="council")
    tokens["admin"] = await add_token(database_url, role="admin", unit_id=None, label="admin")
    # The officer every officer URL names (_officer) and a colleague of the same unit, each with their own token.
    mine, colleague = [o for o in sorted(officers) if o.startswith(own.replace(".", ""))][:2]
    tokens["officer"] = await add_token(database_url, role="officer", unit_id=None, label="own", officer_id=mine)
    tokens["other_officer"] = await add_token(
        database_url, role="officer", unit_id=None, label="colleague", officer_id=colleague
    )
    async with (
        running_app(apps["evidence"]) as ev,
        running_app(apps["scoring"]) as sc,
        running_app(apps["awards"]) as aw,
        running_app(apps["notify"]) as nt,
        httpx.AsyncClient(timeout=60) as http,
    ):
        for name, events in by_source.items():
            for start in range(0, len(events), 1000):
                answer = await http.post(
                    f"{ev}/v1/events",
                    json=events[start : start + 1000],
                    headers={"Authorization": f"Bearer {sources[name]}"},
                )
                assert {r["status"] for r in answer.json()} == {"accepted"}, answer.text[:500]
        council = {"Authorization": f"Bearer {tokens['council']}"}

        async def closed() -> str:
            await http.post(f"{aw}/v1/periods/2025/close", headers=council)
            listed = (await http.get(f"{aw}/v1/nominations", params={"period": "2025"}, headers=council)).json()
            mine = [n["id"] for n in listed["nominations"] if n["unit_id"] == own and n["subject_kind"] == "officer"]
            assert mine
            return mine[0]

        await eventually(closed, timeout=90, interval=1.0)
        nomination = await closed()

        async def told() -> None:
            rows = await fetch(database_url, "SELECT id FROM notify.notifications WHERE unit_id = $1", own)
            assert rows

        await eventually(told, timeout=60, interval=0.5)
        [first] = await fetch(database_url, "SELECT min(id) AS id FROM notify.notifications WHERE unit_id = $1", own)
        event_id = by_source[next(iter(sources))][0]["event_id"]
        yield Province(
            {"evidence": ev, "scoring": sc, "awards": aw, "notify": nt},
            apps,
            tokens,
            own,
            other,
            officers,
            nomination,
            int(first["id"]),
            event_id,
        )


def _url(p: Province, path: str) -> str:
    officer = next(o for o in sorted(p.officers) if o.startswith(p.own.replace(".", "")))
    values = {
        "unit_id": p.own,
        "officer_id": officer,
        "nomination_id": p.nomination,
        "period": "2025",
        "notification_id": str(p.notification),
        "event_id": p.event_id,
        "delivery_id": "999999",
        "source": "authz-no-such-source",  # the mapping endpoints answer 404 past the admin check
        "code": "000.00.99.H40",
        "username": "authz-user",
        "service": "DongBoHoSoMC",
    }
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


QUERY = {
    "/v1/standings": {"period": "2025"},
    "/v1/units/{unit_id}/scorecard": {"period": "2025"},
    "/v1/units/{unit_id}/scorecard/events": {"period": "2025", "indicator": "discipline"},
    "/v1/units/{unit_id}/scorecard/next-band": {"period": "2025"},
    "/v1/officers/{officer_id}/scorecard": {"period": "2025"},
    "/v1/officers/{officer_id}/tracking": {"year": "2026"},
    "/v1/officers/{officer_id}/tracking/tasks": {"period": "2026-03"},
    "/v1/units/{unit_id}/tracking": {"period": "2026-03"},
    "/v1/units/{unit_id}/agency-rating": {"year": "2026"},
    "/v1/nominations": {"period": "2025"},
}


async def test_every_endpoint_answers_each_caller_as_the_contract_says(province: Province) -> None:
    operations = {
        (service, method.upper(), path)
        for service, app in province.apps.items()
        for path, ops in app.openapi()["paths"].items()
        for method in ops
    }
    assert operations == set(POLICY), f"unlisted: {operations - set(POLICY)}; gone: {set(POLICY) - operations}"
    wrong: list[str] = []
    tried = 0
    async with httpx.AsyncClient(timeout=60) as http:
        for (service, method, path), allowed in sorted(POLICY.items()):
            for caller in CALLERS:
                token = province.tokens[caller]
                headers = {"Authorization": f"Bearer {token}"} if token else {}
                answer = await http.request(
                    method,
                    province.urls[service] + _url(province, path),
                    params=QUERY.get(path),
                    json=BODIES.get((method, path)),
                    headers=headers,
                )
                tried += 1
                denied = answer.status_code in (401, 403)
                expected_denied = caller not in allowed
                if (
                    answer.status_code >= 500
                    or denied != expected_denied
                    or (caller == "none" and expected_denied and answer.status_code != 401)
                ):
                    wrong.append(f"{service} {method} {path} as {caller}: {answer.status_code} {answer.text[:120]}")
    print(f"\nauthorization matrix: {len(POLICY)} operations × {len(CALLERS)} callers = {tried} requests")
    assert not wrong, "\n".join(wrong)


async def test_no_public_response_names_an_officer(province: Province) -> None:
    pattern = re.compile("|".join(re.escape(o) for o in sorted(province.officers, key=len, reverse=True)))
    public = [(s, m, p) for (s, m, p), allowed in POLICY.items() if "none" in allowed and m == "GET"]
    leaks: list[str] = []
    checked = 0
    async with httpx.AsyncClient(timeout=60) as http:
        for service, _, path in public:
            queries: list[dict[str, str] | None] = [QUERY.get(path)]
            if path == "/v1/units/{unit_id}/scorecard/events":
                queries = [
                    {"period": period, "indicator": indicator}
                    for period in ("2025", "2025-Q2", "2025-06")
                    for indicator in evidence_behind(load_rules(SCORING_RULES).book)
                ]
            if path in ("/v1/standings", "/v1/units/{unit_id}/scorecard", "/v1/units/{unit_id}/scorecard/next-band"):
                queries = [{"period": period} for period in ("2025", "2025-Q1", "2025-Q3", "2025-05", "2019-2025")]
            for unit in (province.own, province.other):
                for query in queries:
                    url = province.urls[service] + _url(province, path).replace(province.own, unit)
                    answer = await http.get(url, params=query)
                    checked += 1
                    assert answer.status_code < 500, (url, query, answer.text[:200])
                    found = pattern.search(answer.text)
                    if found:
                        leaks.append(f"{url} {query}: names {found.group(0)}")
            # Officer standings ask for a token: anonymously they are refused, never listed.
        refused = await http.get(
            province.urls["scoring"] + "/v1/standings",
            params={"period": "2025", "subject": "officer", "unit": province.own},
        )
        assert refused.status_code == 401
    print(f"\npublic responses checked for officer ids: {checked}")
    assert not leaks, "\n".join(leaks[:20])


async def test_a_source_of_another_unit_cannot_take_over_an_officer(province: Province, database_url: str) -> None:
    """Cross-unit officer cases (issue 23): a source for the other unit registering, disciplining or titling the own
    unit's officer under its unit is refused at officer_id; the officer's card stays the own unit's to read."""

    async def scored() -> str:  # officer scores are computed after the units': an officer of own with a 2025 card
        rows = await fetch(
            database_url,
            "SELECT min(officer_id) AS o FROM scoring.officer_scores WHERE unit_id = $1 AND period = '2025'",
            province.own,
        )
        assert rows[0]["o"]
        return str(rows[0]["o"])

    await eventually(scored, timeout=90, interval=1.0)
    officer = await scored()
    other_source = await add_source(database_url, name=f"authz-other-{uuid.uuid4().hex[:6]}", units=[province.other])
    when = "2025-11-03T09:00:00+07:00"
    payloads: dict[str, dict[str, Any]] = {
        "officer.registered": {"full_name": "Người khác", "category": "civil_servant"},
        "discipline.recorded": {"decision_no": "1/QĐ", "form": "warning", "decided_at": when, "reason": "x"},
        "title.awarded": {"title": "chien_si_thi_dua_co_so", "year": 2025, "decision_no": "2/QĐ"},
    }
    bodies = [
        {
            "event_id": f"takeover-{n}",
            "type": kind,
            "schema_version": 1,
            "occurred_at": when,
            "unit_id": province.other,
            "officer_id": officer,
            "payload": payload,
        }
        for n, (kind, payload) in enumerate(payloads.items())
    ]
    card = province.urls["scoring"] + f"/v1/officers/{officer}/scorecard"

    def bearer(caller: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {province.tokens[caller]}"}

    async with httpx.AsyncClient(timeout=60) as http:
        answer = await http.post(
            province.urls["evidence"] + "/v1/events", json=bodies, headers={"Authorization": f"Bearer {other_source}"}
        )
        assert answer.status_code == 200
        assert [(r["status"], r["errors"][0]["field"]) for r in answer.json()] == [("rejected", "officer_id")] * 3
        own = await http.get(card, params={"period": "2025"}, headers=bearer("own_unit"))
        other = await http.get(card, params={"period": "2025"}, headers=bearer("other_unit"))
    assert own.status_code == 200 and own.json()["unit_id"] == province.own, own.text[:200]
    assert other.status_code == 403
