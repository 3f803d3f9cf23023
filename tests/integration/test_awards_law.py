"""The awards service follows the law end to end, on the real Kafka and PostgreSQL: a discipline voids the rating
(Decree 90/2020 as amended by Decree 48/2023), the excellence cap sends nominations to the council (Quy định
366-QĐ/TW Art. 11), complaints hold and substantiated findings revoke (Law 06/2022 ch. VII); and, through the
handlers on the real database: approved-only streaks, registration, the rating deadline."""

from __future__ import annotations

import json
import tomllib
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import pytest

from schemas import topics
from schemas.evidence import EVIDENCE_ADAPTER
from services.awards.adapters.postgres import PostgresAwardsStore
from services.awards.app import MIGRATIONS, create_app
from services.awards.config import RULES, Settings
from services.awards.domain.rulebook import AwardRules, build_award_rules
from services.awards.handlers.close import CloseRefused, close_year
from services.awards.handlers.evidence import apply_evidence
from services.awards.handlers.vote import vote
from tests.integration.kafka_tools import read_topic, start_group_at_end
from tests.integration.support import eventually, running_app
from thidua.runtime.db import create_pool, prepare_schema
from thidua.runtime.kafka import BatchPublisher, Outgoing
from thidua.runtime.tokens import add_token

T = "+07:00"
RULES_ = build_award_rules(tomllib.loads(RULES.read_text(encoding="utf-8")))
APPROVE = {"members_total": 15, "members_present": 15, "votes_for": 14}


def _event(
    n: str,
    kind: str,
    unit: str,
    payload: dict[str, Any],
    officer: str | None = None,
    at: str = f"2025-12-01T09:00:00{T}",
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event_id": n,
        "type": kind,
        "schema_version": 1,
        "unit_id": unit,
        "source": "hr",
        "occurred_at": at,
        "payload": payload,
    }
    if officer:
        body["officer_id"] = officer
    return body


def staff(unit: str, levels: dict[int, str], unit_level: str, year: int = 2025) -> list[dict[str, Any]]:
    """A unit, its officers O1..On with the given ratings for year, and the unit's own rating."""
    events = [
        _event(
            f"{unit}-reg", "unit.registered", unit, {"name": unit, "level": "department", "cluster_id": f"{unit}-K"}
        ),
        _event(f"{unit}-{year}", "evaluation.recorded", unit, {"year": year, "level": unit_level}),
    ]
    for k, level in levels.items():
        o = f"{unit}-O{k}"
        events += [
            _event(
                f"{o}-reg", "officer.registered", unit, {"full_name": f"Cán bộ {k}", "category": "civil_servant"}, o
            ),
            _event(f"{o}-{year}", "evaluation.recorded", unit, {"year": year, "level": level}, o),
        ]
    return events


def discipline(n: str, unit: str, officer: str, form: str, decided: str) -> dict[str, Any]:
    return _event(
        n,
        "discipline.recorded",
        unit,
        {"decision_no": f"{n}/QĐ-KL", "form": form, "decided_at": decided, "reason": "vi phạm"},
        officer,
    )


class Service:
    """The real awards service with a council client and an evidence publisher."""

    def __init__(self, http: httpx.AsyncClient, publisher: BatchPublisher, database_url: str) -> None:
        self.http, self.publisher, self.database_url = http, publisher, database_url
        self.sent = 0

    async def publish(self, events: list[dict[str, Any]]) -> None:
        await self.publisher.publish(
            [Outgoing(topics.EVIDENCE_ACCEPTED, e["unit_id"], json.dumps(e).encode()) for e in events]
        )
        self.sent += len(events)
        expected = self.sent

        async def consumed() -> None:
            conn = await asyncpg.connect(self.database_url)
            try:
                assert await conn.fetchval("SELECT count(*) FROM awards.inbox") >= expected
            finally:
                await conn.close()

        await eventually(consumed, timeout=30)

    async def nomination(self, nid: str) -> dict[str, Any]:
        response = await self.http.get(f"/v1/nominations/{nid}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        # Every nomination carries the council's rule for its title, from the rule file (the voting page shows it).
        assert body["council_rule"]["quorum_present"] == 0.80
        assert body["council_rule"]["approval_share"] == {
            "chien_si_thi_dua_tinh": 0.90,
            "chien_si_thi_dua_co_so": 0.80,
            "co_thi_dua_tinh": 0.80,
        }.get(body["title"], 0.50)
        return body


@pytest.fixture
async def service(kafka_bootstrap: str, database_url: str) -> AsyncIterator[Service]:
    group = f"test-awards-law-{uuid.uuid4().hex[:6]}"
    for topic in (topics.EVIDENCE_ACCEPTED, topics.STANDINGS_CHANGED, topics.RATINGS):
        await start_group_at_end(kafka_bootstrap, f"{group}.{topic}", topic)
    council = await add_token(database_url, role="council", unit_id=None, label="Hội đồng TĐKT tỉnh")
    app = create_app(Settings(kafka_bootstrap_servers=kafka_bootstrap, database_url=database_url, group_id=group))
    publisher = BatchPublisher(kafka_bootstrap, service="test")
    await publisher.start()
    try:
        async with (
            running_app(app) as base,
            httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {council}"}) as http,
        ):
            yield Service(http, publisher, database_url)
    finally:
        await publisher.stop()


async def test_discipline_voids_rating_and_excellence_cap_needs_review_decree_90_2020_decree_48_2023_qd_366_art_11(
    service: Service, kafka_bootstrap: str
) -> None:
    p = "L" + uuid.uuid4().hex[:4].upper()
    u1, u2 = f"{p}.U1", f"{p}.U2"
    # U1 (unit excellent): O1 rated excellent by HR but reprimanded in 2025; O2 excellent; O3..O7 good.
    # U2 (unit good): O1, O2 excellent, O3..O7 good: 2 excellent for a cap of 20 % of 5 good = 1.
    events = staff(u1, {1: "excellent", 2: "excellent", **{k: "good" for k in range(3, 8)}}, "excellent")
    events += staff(u2, {1: "excellent", 2: "excellent", **{k: "good" for k in range(3, 8)}}, "good")
    events.append(discipline("d1", u1, f"{u1}-O1", "reprimand", f"2025-09-01T09:00:00{T}"))
    await service.publish(events)

    # The rating deadline (Decree 90/2020; rule file) refuses an early close unless forced.
    early = await service.http.post("/v1/periods/2099/close")
    assert early.status_code == 409 and "15/12/2099" in early.text and "force=true" in early.text
    assert (await service.http.post("/v1/periods/2099/close", params={"force": "true"})).status_code == 200
    closed = (await service.http.post("/v1/periods/2025/close")).json()
    assert closed["rating_deadline"] == "2025-12-15" and closed["dossier_deadline"] == "2025-12-10"
    # A decision of 30 June 2025: base 2,340,000 (Decree 73/2024), Decree 98/2023's multiples, rounded up (Art. 53).
    cash = (await service.http.get("/v1/cash-multiples", params={"on": "2025-06-30"})).json()
    assert cash["base_salary_vnd"] == 2_340_000 and cash["cash_multiples"]["giay_khen_tap_the"]["multiple"] == 0.6
    assert cash["cash_multiples"]["giay_khen_tap_the"]["vnd"] == 1_410_000  # 1,404,000 rounded up
    # On-track alerts name the dossier and rating deadlines of the rule file.
    standing = {
        "event_id": f"unit:{u2}:2025:x",
        "occurred_at": f"2025-11-20T09:00:00{T}",
        "period": "2025",
        "subject_kind": "unit",
        "subject_id": u2,
        "unit_id": u2,
        "cluster_id": f"{u2}-K",
        "score": 91.0,
        "band": "Tốt",
        "rank_in_cluster": 1,
        "rank_in_province": 1,
        "rule_version": "2025.1",
    }
    await service.publisher.publish([Outgoing(topics.STANDINGS_CHANGED, u2, json.dumps(standing).encode())])
    alerts = await read_topic(
        kafka_bootstrap, topics.ALERTS, lambda r: u2.encode() in (r.value or b""), expect=3, timeout=30
    )
    for alert in alerts:
        data = json.loads(alert.value or b"")["data"]
        assert data["dossier_deadline"] == "2025-12-10" and data["rating_deadline"] == "2025-12-15"

    listed = (await service.http.get("/v1/nominations", params={"period": "2025"})).json()
    # The list shows today's table (the estimates use it): Giấy khen tập thể 0.6 × today's base, rounded up.
    giay_khen = listed["cash_multiples"]["giay_khen_tap_the"]
    assert giay_khen["multiple"] == 0.6 and giay_khen["vnd"] == -(-6 * listed["base_salary_vnd"] // 100_000) * 10_000
    mine = {n["id"]: n for n in listed["nominations"] if n["unit_id"] in (u1, u2)}
    # Item 9: the reprimanded officer has no LĐTT (effective rating "không hoàn thành nhiệm vụ"), so U1 is no
    # Tập thể LĐXS (not everyone at least complete); it stays Tập thể LĐTT (6/7 LĐTT, a reprimand is no warning).
    assert f"lao_dong_tien_tien:2025:officer:{u1}-O1" not in mine
    assert f"tap_the_lao_dong_xuat_sac:2025:unit:{u1}" not in mine
    assert f"tap_the_lao_dong_tien_tien:2025:unit:{u1}" in mine
    # U1 is outstanding (25 %) and the disciplined one no longer counts as excellent: 1 of a cap of 1, proposed.
    assert mine[f"chien_si_thi_dua_co_so:2025:officer:{u1}-O2"]["status"] == "proposed"
    # Item 10: in U2 both excellent officers' CSTĐCS go to the council, with the count and the cap.
    for k in (1, 2):
        n = mine[f"chien_si_thi_dua_co_so:2025:officer:{u2}-O{k}"]
        assert n["status"] == "needs_review"
        cap = next(c for c in n["criteria"] if c["code"] == "excellence_cap")
        assert not cap["met"] and "có 2 cá nhân hoàn thành xuất sắc, tỷ lệ cho phép tối đa 1" in cap["reason"]
        # Not decided: an estimate at today's base salary (CSTĐCS is 1 × the base under both decrees).
        assert n["cash_vnd"] == n["base_salary_vnd"] and n["cash_estimate"] is True and n["decision_date"] is None
    assert mine[f"lao_dong_tien_tien:2025:officer:{u2}-O1"]["status"] == "proposed"  # LĐTT does not rely on it
    # The council decides needs_review nominations like proposed ones.
    decided = await service.http.post(
        f"/v1/nominations/chien_si_thi_dua_co_so:2025:officer:{u2}-O1/votes", json=APPROVE
    )
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    history = (await service.nomination(f"chien_si_thi_dua_co_so:2025:officer:{u2}-O1"))["history"]
    assert [(h["from_status"], h["to_status"]) for h in history] == [
        (None, "needs_review"),
        ("needs_review", "approved"),
    ]
    refused = await service.http.post(
        f"/v1/nominations/chien_si_thi_dua_co_so:2025:officer:{u2}-O2/votes",
        json={"members_total": 15, "members_present": 15, "votes_for": 3},
    )
    assert refused.json()["status"] == "rejected"

    # Item 9 after approval: a discipline of U2-O1 dated in 2025 arriving later revokes the approved CSTĐCS, with
    # the discipline's event key in the evidence and the reported and effective ratings in the criteria.
    await service.publish([discipline("d2", u2, f"{u2}-O1", "reprimand", f"2025-11-30T09:00:00{T}")])
    nid = f"chien_si_thi_dua_co_so:2025:officer:{u2}-O1"

    async def revoked() -> None:
        assert (await service.nomination(nid))["status"] == "revoked"

    await eventually(revoked, timeout=30)
    n = await service.nomination(nid)
    assert "hr:d2" in n["evidence_ids"] and "hr:d2" in n["reason"]
    rating = next(c for c in n["criteria"] if c["code"] == "rating_good_or_better")
    assert "hoàn thành xuất sắc" in rating["reason"] and "không hoàn thành nhiệm vụ" in rating["reason"]
    assert n["history"][-1]["to_status"] == "revoked" and "hr:d2" in n["history"][-1]["reason"]
    revoked_events = await read_topic(
        kafka_bootstrap,
        topics.NOMINATIONS,
        lambda r: b'"revoked"' in (r.value or b"") and nid.encode() in (r.value or b""),
        expect=1,
        timeout=20,
    )
    assert "hr:d2" in json.loads(revoked_events[0].value or b"")["evidence_ids"]


async def test_grievances_hold_release_and_substantiated_findings_revoke_law_06_2022_chapter_vii(
    service: Service, kafka_bootstrap: str
) -> None:
    p = "G" + uuid.uuid4().hex[:4].upper()
    u = f"{p}.U1"
    await service.publish(staff(u, {k: "good" for k in range(1, 6)}, "good"))
    assert (await service.http.post("/v1/periods/2025/close")).status_code == 200
    ldtt = {k: f"lao_dong_tien_tien:2025:officer:{u}-O{k}" for k in range(1, 6)}
    collective = f"tap_the_lao_dong_tien_tien:2025:unit:{u}"
    assert (await service.http.post(f"/v1/nominations/{ldtt[1]}/votes", json=APPROVE)).json()["status"] == "approved"

    def grievance(case: str, kind: str, officer: str | None, at: str, **extra: Any) -> dict[str, Any]:
        return _event(f"{case}-{kind}", f"grievance.{kind}", u, {"case_id": case, **extra}, officer, at)

    # Open complaints against O1 (approved), O2 (pending) and the unit.
    await service.publish(
        [
            grievance("g1", "opened", f"{u}-O1", f"2026-01-05T09:00:00{T}"),
            grievance("g2", "opened", f"{u}-O2", f"2026-01-05T09:00:00{T}"),
            grievance("g3", "opened", None, f"2026-01-05T09:00:00{T}"),
        ]
    )

    async def held() -> None:
        assert (await service.nomination(ldtt[2]))["status"] == "on_hold"
        assert (await service.nomination(collective))["status"] == "on_hold"

    await eventually(held, timeout=30)
    assert (await service.nomination(ldtt[1]))["status"] == "approved"  # an open grievance revokes nothing
    assert (await service.nomination(ldtt[3]))["status"] == "proposed"  # nor holds anyone else
    on_hold = await service.nomination(ldtt[2])
    assert "hr:g2-opened" in on_hold["reason"]
    assert [h["to_status"] for h in on_hold["history"]] == ["proposed", "on_hold"]
    vote = await service.http.post(f"/v1/nominations/{ldtt[2]}/votes", json=APPROVE)
    assert vote.status_code == 409 and "khiếu nại" in vote.text

    # Closed unsubstantiated: released to its previous state; substantiated: the approved one is revoked.
    await service.publish(
        [
            grievance("g2", "closed", f"{u}-O2", f"2026-02-01T09:00:00{T}", substantiated=False),
            grievance("g3", "closed", None, f"2026-02-01T09:00:00{T}", substantiated=False),
            grievance("g1", "closed", f"{u}-O1", f"2026-02-01T09:00:00{T}", substantiated=True),
        ]
    )

    async def settled() -> None:
        assert (await service.nomination(ldtt[2]))["status"] == "proposed"
        assert (await service.nomination(collective))["status"] == "proposed"
        assert (await service.nomination(ldtt[1]))["status"] == "revoked"

    await eventually(settled, timeout=30)
    revoked = await service.nomination(ldtt[1])
    assert {"hr:g1-opened", "hr:g1-closed"} <= set(revoked["evidence_ids"])
    assert "hr:g1-closed" in revoked["reason"] and "có căn cứ" in revoked["reason"]
    assert [h["to_status"] for h in revoked["history"]] == ["proposed", "approved", "revoked"]
    assert "hr:g1-closed" in revoked["history"][-1]["reason"]
    released = await service.nomination(ldtt[2])
    assert [h["to_status"] for h in released["history"]] == ["proposed", "on_hold", "proposed"]
    assert (await service.http.post(f"/v1/nominations/{ldtt[2]}/votes", json=APPROVE)).json()["status"] == "approved"
    changes = await read_topic(
        kafka_bootstrap, topics.NOMINATIONS, lambda r: ldtt[2].encode() in (r.value or b""), expect=4, timeout=20
    )
    assert [json.loads(r.value or b"")["change"] for r in changes] == ["created", "held", "released", "decided"]


@pytest.fixture
async def conn(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    pool = await create_pool(database_url, schema="awards", max_size=1)
    try:
        await prepare_schema(pool, schema="awards", directory=MIGRATIONS)
        async with pool.acquire() as connection:
            yield connection
    finally:
        await pool.close()


async def _feed(
    conn: asyncpg.Connection, events: list[dict[str, Any]], now: datetime, rules: AwardRules = RULES_
) -> None:
    await apply_evidence(
        PostgresAwardsStore(conn), [EVIDENCE_ADAPTER.validate_python(e) for e in events], rules=rules, now=now
    )


async def _status(conn: asyncpg.Connection, nid: str) -> str | None:
    status: str | None = await conn.fetchval("SELECT status FROM nominations WHERE id = $1", nid)
    return status


async def test_streaks_count_approved_titles_only_and_a_revoked_title_leaves_the_streak_law_06_2022(
    conn: asyncpg.Connection,
) -> None:
    now = datetime(2026, 1, 10, tzinfo=UTC)  # after the 2025 rating deadline, before late input ends
    u, o = "S.U1", "S.U1-O1"
    events: list[dict[str, Any]] = []
    for year in (2024, 2025):
        events += staff(u, {1: "excellent", **{k: "good" for k in range(2, 7)}}, "good", year)
    events += [
        _event(
            "t2023", "title.awarded", u, {"title": "chien_si_thi_dua_co_so", "year": 2023, "decision_no": "1/QĐ"}, o
        ),
        _event(
            "init",
            "initiative.recognized",
            u,
            {"title": "Số hóa", "scope": "province", "decided_at": f"2025-05-01T09:00:00{T}"},
            o,
        ),
    ]
    await _feed(conn, events, now)
    await close_year(PostgresAwardsStore(conn), 2024, rules=RULES_, now=now, actor="test")
    await close_year(PostgresAwardsStore(conn), 2025, rules=RULES_, now=now, actor="test")
    cstd_2024, tinh_2025 = f"chien_si_thi_dua_co_so:2024:officer:{o}", f"chien_si_thi_dua_tinh:2025:officer:{o}"
    assert await _status(conn, cstd_2024) == "proposed"
    assert await _status(conn, tinh_2025) is None  # 2024's CSTĐCS is merely proposed: no streak of 3
    await vote(
        PostgresAwardsStore(conn), cstd_2024, **APPROVE, rules=RULES_, now=now, actor="council", decision_date=None
    )
    assert await _status(conn, tinh_2025) == "proposed"  # approved: 2023, 2024, 2025
    # A discipline dated in 2024, found later: the approved 2024 title is revoked and leaves the streak.
    await _feed(conn, [discipline("late", u, o, "reprimand", f"2024-06-01T09:00:00{T}")], now)
    assert await _status(conn, cstd_2024) == "revoked"
    assert await conn.fetchval("SELECT count(*) FROM titles WHERE ref = $1", cstd_2024) == 0
    assert await _status(conn, tinh_2025) == "revoked"
    reason = await conn.fetchval("SELECT reason FROM nominations WHERE id = $1", cstd_2024)
    assert "hr:late" in reason


async def test_registration_required_is_checked_and_retraction_removes_it_law_06_2022(conn: asyncpg.Connection) -> None:
    now = datetime(2026, 1, 10, tzinfo=UTC)
    rules = replace(RULES_, registration_required=True)
    u = "R.U1"
    events = staff(u, {1: "good", 2: "good"}, "good")
    events += [
        _event("reg1", "emulation.registered", u, {"year": 2025, "titles": ["lao_dong_tien_tien"]}, f"{u}-O1"),
        _event("reg2", "emulation.registered", u, {"year": 2025, "titles": ["lao_dong_tien_tien"]}, f"{u}-O2"),
    ]
    await _feed(conn, events, now, rules)
    await _feed(
        conn, [_event("x-reg2", "evidence.retracted", u, {"target_event_id": "reg2", "reason": "nhầm"})], now, rules
    )
    await close_year(PostgresAwardsStore(conn), 2025, rules=rules, now=now, actor="test")
    criteria = json.loads(
        await conn.fetchval("SELECT criteria FROM nominations WHERE id = $1", f"lao_dong_tien_tien:2025:officer:{u}-O1")
    )
    assert {
        "code": "registered",
        "met": True,
        "reason": "đã đăng ký thi đua danh hiệu Lao động tiên tiến năm 2025",
    } in criteria
    assert await _status(conn, f"lao_dong_tien_tien:2025:officer:{u}-O2") is None  # its registration was retracted


async def test_close_before_the_rating_deadline_is_refused_unless_forced_decree_90_2020(
    conn: asyncpg.Connection,
) -> None:
    with pytest.raises(CloseRefused):
        await close_year(
            PostgresAwardsStore(conn), 2026, rules=RULES_, now=datetime(2026, 12, 14, 10, tzinfo=UTC), actor="test"
        )
    assert await conn.fetchval("SELECT count(*) FROM closed_years") == 0
    await close_year(
        PostgresAwardsStore(conn),
        2026,
        rules=RULES_,
        now=datetime(2026, 12, 14, 10, tzinfo=UTC),
        actor="test",
        force=True,
    )
    await close_year(
        PostgresAwardsStore(conn), 2027, rules=RULES_, now=datetime(2027, 12, 14, 17, tzinfo=UTC), actor="test"
    )  # 15/12 VN
    assert await conn.fetchval("SELECT count(*) FROM closed_years") == 2
