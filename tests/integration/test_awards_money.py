"""Money and the year-end preview end to end, on the real awards service (Kafka + PostgreSQL): the amount of a
decision follows the base salary in force on its date (Decree 161/2026/NĐ-CP: 2,530,000 from 1 July 2026) and the
multiples of Decree 152/2025 Art. 54-55, rounded up to 10,000 VND (Decree 98/2023 Art. 53); a revocation records
the amount to recover (Law 06/2022 ch. VII); the preview shows what a year would give if it closed today."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from urllib.parse import quote

import httpx
import pytest

from schemas import topics
from services.awards.app import create_app
from services.awards.config import Settings
from tests.integration.kafka_tools import read_topic, start_group_at_end
from tests.integration.support import running_app
from tests.integration.test_awards_law import Service, _event, discipline, staff
from thidua.runtime.kafka import BatchPublisher
from thidua.runtime.tokens import add_token

T = "+07:00"
APPROVE = {"members_total": 15, "members_present": 15, "votes_for": 14}


class Tokens:
    """Tokens of the council, of one unit and of another unit (officer data: thidua/runtime/policy.py)."""

    def __init__(self, council: str, own: str, other: str, unit: str) -> None:
        self.council, self.own, self.other, self.unit = council, own, other, unit


@pytest.fixture
async def service(kafka_bootstrap: str, database_url: str) -> AsyncIterator[tuple[Service, Tokens]]:
    group = f"test-awards-money-{uuid.uuid4().hex[:6]}"
    for topic in (topics.EVIDENCE_ACCEPTED, topics.STANDINGS_CHANGED, topics.RATINGS):
        await start_group_at_end(kafka_bootstrap, f"{group}.{topic}", topic)
    unit = "M" + uuid.uuid4().hex[:4].upper() + ".P"
    council = await add_token(database_url, role="council", unit_id=None, label="Hội đồng TĐKT tỉnh")
    own = await add_token(database_url, role="unit", unit_id=unit, label="đơn vị")
    other = await add_token(database_url, role="unit", unit_id=unit + "X", label="đơn vị khác")
    app = create_app(Settings(kafka_bootstrap_servers=kafka_bootstrap, database_url=database_url, group_id=group))
    publisher = BatchPublisher(kafka_bootstrap, service="test")
    await publisher.start()
    try:
        async with (
            running_app(app) as base,
            httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {council}"}) as http,
        ):
            yield Service(http, publisher, database_url), Tokens(council, own, other, unit)
    finally:
        await publisher.stop()


async def _get(service: Service, path: str, token: str | None, **params: str) -> httpx.Response:
    """GET as the token's holder, or without any token."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=service.http.base_url, headers=headers) as client:
        return await client.get(path, params=params)


async def test_lao_dong_tien_tien_decided_after_1_july_2026_is_760000_and_revocation_recovers_it_decree_161_2026(
    service: tuple[Service, Tokens], kafka_bootstrap: str
) -> None:
    svc, _ = service
    u = "M" + uuid.uuid4().hex[:4].upper() + ".U"
    await svc.publish(staff(u, {1: "good", 2: "good", 3: "good"}, "good", year=2026))
    # The rating deadline (15 Dec 2026) has not passed: the office closes early with force=true.
    closed = await svc.http.post("/v1/periods/2026/close", params={"force": "true"})
    assert closed.status_code == 200, closed.text
    ldtt = [f"lao_dong_tien_tien:2026:officer:{u}-O{k}" for k in (1, 2, 3)]
    before = await svc.nomination(ldtt[0])
    # Before the decision: an estimate at today's tables (after 1 July 2026: 0.3 × 2,530,000 = 759,000 → 760,000).
    assert before["cash_estimate"] is True and before["decision_date"] is None and before["cash_vnd"] == 760_000

    # Done when: a 2026 LĐTT approved on a decision dated after 1 July 2026 shows 760,000 VND.
    decided = await svc.http.post(f"/v1/nominations/{ldtt[0]}/votes", json={**APPROVE, "decision_date": "2026-07-02"})
    assert decided.status_code == 200, decided.text
    shown = await svc.nomination(ldtt[0])
    assert (shown["status"], shown["cash_vnd"], shown["base_salary_vnd"]) == ("approved", 760_000, 2_530_000)
    assert shown["decision_date"] == "2026-07-02" and shown["cash_estimate"] is False
    assert "152/2025" in shown["cash_source"] and "161/2026" in shown["cash_source"]
    # The day before the new base salary: 0.3 × 2,340,000 = 702,000 → 710,000 (rounded up, Decree 98/2023 Art. 53).
    june = await svc.http.post(f"/v1/nominations/{ldtt[1]}/votes", json={**APPROVE, "decision_date": "2026-06-30"})
    assert june.status_code == 200 and june.json()["cash_vnd"] == 710_000
    assert june.json()["base_salary_vnd"] == 2_340_000
    # A decision date out of bounds is refused with the field (never 500).
    for bad in ("1999-12-31", "2999-01-01"):
        refused = await svc.http.post(f"/v1/nominations/{ldtt[2]}/votes", json={**APPROVE, "decision_date": bad})
        assert refused.status_code == 422 and "decision_date" in refused.text
    # A 2026 award cannot be decided in 2025: that date would price it with the older tables.
    early = await svc.http.post(f"/v1/nominations/{ldtt[2]}/votes", json={**APPROVE, "decision_date": "2025-12-31"})
    assert early.status_code == 409 and "decision_date" in early.text
    assert (await svc.nomination(ldtt[2]))["status"] == "proposed"

    # A warning in 2026 (tied to public duty) revokes the approved LĐTT: 760,000 to recover; the never approved
    # one of another officer is revoked with nothing to recover.
    await svc.publish(
        [
            {**discipline("dm1", u, f"{u}-O1", "warning", f"2026-08-01T09:00:00{T}"), "event_id": f"{u}-d1"},
            {**discipline("dm3", u, f"{u}-O3", "warning", f"2026-08-01T09:00:00{T}"), "event_id": f"{u}-d3"},
        ]
    )
    revoked = await svc.nomination(ldtt[0])
    assert (revoked["status"], revoked["recover_vnd"], revoked["cash_vnd"]) == ("revoked", 760_000, 760_000)
    never = await svc.nomination(ldtt[2])
    assert never["status"] == "revoked" and never["recover_vnd"] == 0
    messages = await read_topic(
        kafka_bootstrap,
        topics.NOMINATIONS,
        lambda r: ldtt[0].encode() in (r.value or b"") and b'"revoked"' in (r.value or b""),
        expect=1,
        timeout=30,
    )
    body = json.loads(messages[0].value or b"")
    assert body["recover_vnd"] == 760_000 and body["decision_date"] == "2026-07-02"


async def test_cash_multiples_on_a_date_decree_98_2023_and_decree_152_2025(service: tuple[Service, Tokens]) -> None:
    svc, _ = service
    june = (await _get(svc, "/v1/cash-multiples", None, on="2025-06-30")).json()
    july = (await _get(svc, "/v1/cash-multiples", None, on="2025-07-01")).json()
    assert june["cash_multiples"]["bang_khen_chu_tich_tinh_individual"]["multiple"] == 1.0
    assert july["cash_multiples"]["bang_khen_chu_tich_tinh_individual"] == {"multiple": 1.5, "vnd": 3_510_000}
    assert "98/2023" in june["cash_source"] and "152/2025" in july["cash_source"]
    new_base = (await _get(svc, "/v1/cash-multiples", None, on="2026-07-01")).json()
    assert new_base["base_salary_vnd"] == 2_530_000
    assert new_base["cash_multiples"]["tap_the_lao_dong_tien_tien"]["vnd"] == 2_030_000
    assert new_base["cash_multiples"]["tap_the_lao_dong_xuat_sac"]["vnd"] == 3_800_000
    assert [b["vnd"] for b in new_base["base_salaries"]] == [2_340_000, 2_530_000]
    for bad in ("1999-12-31", "2026-13-01", "tomorrow", "2999-01-01"):
        refused = await _get(svc, "/v1/cash-multiples", None, on=bad)
        assert refused.status_code == 422 and refused.json()["details"][0]["field"] == "on", bad


async def test_year_end_preview_shows_provisional_nominations_and_what_is_missing_decree_90_2020(
    service: tuple[Service, Tokens],
) -> None:
    svc, tokens = service
    u, year = tokens.unit, 2097
    events = staff(u, {1: "good", 2: "excellent", 3: "good"}, "good", year=year)
    events = [e for e in events if e["event_id"] not in (f"{u}-{year}", f"{u}-O3-{year}")]  # ratings not received
    events.append(_event(f"{u}-g", "grievance.opened", u, {"case_id": f"{u}-KN1", "kind": "complaint"}, f"{u}-O2"))
    await svc.publish(events)

    path = f"/v1/periods/{year}/preview"
    full = await _get(svc, path, tokens.own, unit=u)
    assert full.status_code == 200, full.text
    body = full.json()
    assert body["provisional"] is True and body["closed"] is False and body["rating_deadline"] == f"{year}-12-15"
    part = body["units"][0]
    assert part["officers_visible"] is True
    nominations = {n["id"]: n for n in part["nominations"]}
    o1 = nominations[f"lao_dong_tien_tien:{year}:officer:{u}-O1"]
    assert o1["provisional"] and o1["status"] == "proposed" and o1["cash_estimate"] and o1["criteria"]
    assert nominations[f"lao_dong_tien_tien:{year}:officer:{u}-O2"]["status"] == "on_hold"
    missing = part["missing"]
    assert missing["unit_rating"] is True and missing["unrated_members"] == [
        {"officer_id": f"{u}-O3", "name": "Cán bộ 3"}
    ]
    assert missing["open_case_count"] == 1 and missing["hold_count"] >= 1
    assert missing["votes_to_come"] == sum(1 for n in nominations.values() if n["status"] == "proposed")
    # Nothing was stored: no nomination of that year exists.
    assert (await svc.http.get("/v1/nominations", params={"period": str(year)})).json()["nominations"] == []

    # Another unit's token and no token see the unit's figures, not its officers (policy.may_see_officers).
    for token in (tokens.other, None):
        public = (await _get(svc, path, token, unit=u)).json()["units"][0]
        assert public["officers_visible"] is False and public["missing"]["unrated_count"] == 1
        assert public["missing"]["unrated_members"] is None
        assert all(n["subject_kind"] == "unit" for n in public["nominations"])
        assert f"{u}-O" not in json.dumps(public)
    assert (await _get(svc, path, tokens.council, unit=u)).json()["units"][0]["officers_visible"] is True

    # Bounds: a year outside 2000-2100 or an unknown unit is refused; a closed year points to the nominations.
    assert (await _get(svc, "/v1/periods/1999/preview", None)).status_code == 422
    assert (await _get(svc, "/v1/periods/20x6/preview", None)).status_code == 422
    assert (await _get(svc, path, None, unit=u + "-none")).status_code == 404
    assert (await svc.http.post("/v1/periods/2096/close", params={"force": "true"})).status_code == 200
    done = (await _get(svc, "/v1/periods/2096/preview", None)).json()
    assert done["closed"] is True and done["nominations"] == "/v1/nominations?period=2096"


async def test_votes_and_periods_out_of_bounds_are_refused_naming_the_field(service: tuple[Service, Tokens]) -> None:
    """Issue 23: members_total '²' (or any non-integer) and a period of 5,000 digits (beyond Python's int-digits
    limit) or with a trailing newline are 422 naming the field, before anything computes with them."""
    svc, _ = service
    for value in ("²", "12", 12.0, True, 0, 1001, None, 10**30):
        answer = await svc.http.post("/v1/nominations/none/votes", json={**APPROVE, "members_total": value})
        assert answer.status_code == 422, (value, answer.text)
        assert [d["field"] for d in answer.json()["details"]] == ["members_total"], answer.text
    huge = "9" * 5000
    for period in (huge, "2025\n", "²⁰²⁵", "02025"):
        for answer in (
            await svc.http.get("/v1/nominations", params={"period": period}),
            await svc.http.get(f"/v1/periods/{quote(period)}/preview"),
            await svc.http.post(f"/v1/periods/{quote(period)}/close", params={"force": "true"}),
        ):
            assert answer.status_code == 422, (period[:10], answer.request.url.path[:40], answer.text)
            assert answer.json()["details"][0]["field"] == "period"
    listed = await svc.http.get("/v1/nominations", params={"period": "2025", "status": "x" * 65})
    assert listed.status_code == 422 and listed.json()["details"][0]["field"] == "status"
