"""A small province closed by the awards service on the real Kafka and PostgreSQL: the nominations equal a
hand-written list, and a later discipline revokes exactly the nominations it affects."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from schemas import topics
from schemas.evidence import EVIDENCE_ADAPTER
from services.awards.app import create_app
from services.awards.config import Settings
from tests.integration.kafka_tools import read_topic, start_group_at_end
from tests.integration.support import eventually, running_app
from thidua.runtime.kafka import BatchPublisher, Outgoing
from thidua.runtime.tokens import add_token
from thidua.testing.database import fetchval

T = "+07:00"


def _event(n: str, kind: str, unit: str, payload: dict[str, Any], officer: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event_id": n,
        "type": kind,
        "schema_version": 1,
        "unit_id": unit,
        "source": "hr",
        "occurred_at": f"2025-12-01T09:00:00{T}",
        "payload": payload,
    }
    if officer:
        body["officer_id"] = officer
    return body


def province(p: str) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """2 clusters, 6 units, 40 officers, ratings for 2023–2025, initiatives, titles and one discipline."""
    units = {f"{p}.U{i}": ("CUM-A" if i <= 3 else "CUM-B") for i in range(1, 7)}
    sizes = {f"{p}.U{i}": (7 if i <= 4 else 6) for i in range(1, 7)}
    events = []
    for unit, cluster in units.items():
        events.append(
            _event(f"{unit}-reg", "unit.registered", unit, {"name": unit, "level": "department", "cluster_id": cluster})
        )
        for k in range(1, sizes[unit] + 1):
            o = f"{unit}-O{k}"
            events.append(
                _event(
                    f"{o}-reg", "officer.registered", unit, {"full_name": f"Cán bộ {o}", "category": "civil_servant"}, o
                )
            )
            for year in (2023, 2024, 2025):
                level = "good"
                if o == f"{p}.U1-O1":
                    level = "excellent"
                if year == 2025 and (o == f"{p}.U2-O1" or (unit == f"{p}.U3" and k <= 3)):
                    level = "complete"
                events.append(_event(f"{o}-{year}", "evaluation.recorded", unit, {"year": year, "level": level}, o))
    champion = f"{p}.U1-O1"
    for year in (2023, 2024):
        events.append(
            _event(
                f"{champion}-t{year}",
                "title.awarded",
                f"{p}.U1",
                {"title": "chien_si_thi_dua_co_so", "year": year, "decision_no": f"{year}/QĐ"},
                champion,
            )
        )
    events.append(
        _event(
            "init-1",
            "initiative.recognized",
            f"{p}.U1",
            {"title": "Số hóa", "scope": "province", "decided_at": f"2025-06-01T09:00:00{T}"},
            champion,
        )
    )
    events.append(
        _event(
            "init-2",
            "initiative.recognized",
            f"{p}.U1",
            {"title": "Một cửa", "scope": "unit", "decided_at": f"2025-07-01T09:00:00{T}"},
            f"{p}.U1-O2",
        )
    )
    events.append(
        _event(
            "disc-1",
            "discipline.recorded",
            f"{p}.U4",
            {
                "decision_no": "1/QĐ-KL",
                "form": "reprimand",
                "decided_at": f"2025-05-01T09:00:00{T}",
                "reason": "đi muộn",
            },
            f"{p}.U4-O1",
        )
    )
    unit_levels = {"U1": "excellent", "U2": "good", "U3": "good", "U4": "good", "U5": "excellent", "U6": "complete"}
    for i, level in unit_levels.items():
        events.append(_event(f"{p}.{i}-2025", "evaluation.recorded", f"{p}.{i}", {"year": 2025, "level": level}))
    events.append(_event(f"{p}.U1-2024", "evaluation.recorded", f"{p}.U1", {"year": 2024, "level": "excellent"}))
    return events, units


def standing(p: str, unit: str, cluster: str, rank: int, band: str) -> dict[str, Any]:
    return {
        "event_id": f"unit:{unit}:2025:x",
        "occurred_at": f"2025-12-20T09:00:00{T}",
        "period": "2025",
        "subject_kind": "unit",
        "subject_id": unit,
        "unit_id": unit,
        "cluster_id": cluster,
        "score": 91.0,
        "band": band,
        "rank_in_cluster": rank,
        "rank_in_province": rank,
        "rule_version": "2025.1",
    }


def expected(p: str) -> set[tuple[str, str]]:
    """Hand-written: who earns what for 2025."""
    officers = {f"{p}.U{i}-O{k}" for i in range(1, 7) for k in range(1, (7 if i <= 4 else 6) + 1)}
    not_ldtt = {f"{p}.U2-O1", f"{p}.U3-O1", f"{p}.U3-O2", f"{p}.U3-O3", f"{p}.U4-O1"}  # complete, or disciplined
    nominations = {("lao_dong_tien_tien", o) for o in officers - not_ldtt}
    nominations |= {
        ("chien_si_thi_dua_co_so", f"{p}.U1-O1"),
        ("chien_si_thi_dua_co_so", f"{p}.U1-O2"),
        ("chien_si_thi_dua_tinh", f"{p}.U1-O1"),
        ("bang_khen_chu_tich_tinh", f"{p}.U1-O1"),
    }
    # U1 7/7, U2 6/7, U4 6/7 (a reprimand does not block), U5 6/6; U3 4/7 < 70%; U6 rated complete.
    nominations |= {("tap_the_lao_dong_tien_tien", f"{p}.U{i}") for i in (1, 2, 4, 5)}
    nominations |= {
        ("tap_the_lao_dong_xuat_sac", f"{p}.U1"),  # U5 is excellent but has no CSTĐCS
        ("co_thi_dua_tinh", f"{p}.U1"),  # U5 leads its cluster but only "Khá"
        ("bang_khen_chu_tich_tinh", f"{p}.U1"),
    }  # excellent in 2024 and 2025
    return nominations


async def test_closing_a_small_province_and_revoking_after_a_discipline(
    kafka_bootstrap: str, database_url: str
) -> None:
    p = "A" + uuid.uuid4().hex[:4].upper()
    events, _ = province(p)
    group = f"test-awards-{uuid.uuid4().hex[:6]}"
    for topic in (topics.EVIDENCE_ACCEPTED, topics.STANDINGS_CHANGED, topics.RATINGS):
        await start_group_at_end(kafka_bootstrap, f"{group}.{topic}", topic)
    council = await add_token(database_url, role="council", unit_id=None, label="Hội đồng TĐKT tỉnh")
    own_unit = await add_token(database_url, role="unit", unit_id=f"{p}.U1", label="U1")
    app = create_app(Settings(kafka_bootstrap_servers=kafka_bootstrap, database_url=database_url, group_id=group))
    publisher = BatchPublisher(kafka_bootstrap, service="test")
    await publisher.start()
    try:
        async with (
            running_app(app) as base,
            httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {council}"}) as http,
        ):
            await publisher.publish(
                [Outgoing(topics.EVIDENCE_ACCEPTED, e["unit_id"], json.dumps(e).encode()) for e in events]
            )
            await publisher.publish(
                [
                    Outgoing(topics.STANDINGS_CHANGED, u, json.dumps(standing(p, u, c, 1, b)).encode())
                    for u, c, b in ((f"{p}.U1", "CUM-A", "Tốt"), (f"{p}.U5", "CUM-B", "Khá"))
                ]
            )

            async def consumed() -> None:
                assert await fetchval(database_url, "SELECT count(*) FROM awards.inbox") == len(events) + 2

            await eventually(consumed, timeout=30)
            # During the year, standings give signals: U1 leads its cluster with "Tốt", U5 with "Khá".
            signals = await read_topic(
                kafka_bootstrap, topics.ALERTS, lambda r: p.encode() in (r.value or b""), expect=4, timeout=20
            )
            kinds = sorted(
                (json.loads(r.value or b"")["unit_id"], json.loads(r.value or b"")["subject_id"]) for r in signals
            )
            assert kinds == sorted(
                [
                    (f"{p}.U1", "co_thi_dua_tinh"),
                    (f"{p}.U1", "tap_the_lao_dong_xuat_sac"),
                    (f"{p}.U1", "tap_the_lao_dong_tien_tien"),
                    (f"{p}.U5", "tap_the_lao_dong_tien_tien"),
                ]
            )
            first = (await http.post("/v1/periods/2025/close")).json()
            again = (await http.post("/v1/periods/2025/close")).json()
            assert again["created"] == 0  # closing twice creates nothing new
            listed = (await http.get("/v1/nominations", params={"period": "2025"})).json()["nominations"]
            mine = {(n["title"], n["subject_id"]) for n in listed if n["subject_id"].startswith(p)}
            assert mine == expected(p)
            assert first["created"] >= len(expected(p))
            flag = next(n for n in listed if n["title"] == "co_thi_dua_tinh" and n["subject_id"] == f"{p}.U1")
            assert flag["cash_multiple"] == 8.0 and flag["rule_version"] == "2026.2" and flag["evidence_ids"]
            champion = (await http.get(f"/v1/nominations/chien_si_thi_dua_tinh:2025:officer:{p}.U1-O1")).json()
            assert "hr:init-1" in champion["evidence_ids"] and all(c["met"] for c in champion["criteria"])

            # A unit token sees its own unit's nominations only.
            async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {own_unit}"}) as unit_http:
                seen = (await unit_http.get("/v1/nominations", params={"period": "2025"})).json()["nominations"]
                assert seen and {n["unit_id"] for n in seen} == {f"{p}.U1"}
                assert (await unit_http.post("/v1/periods/2025/close")).status_code == 403

            # The council approves U1's nominations (a session without quorum decides nothing).
            u1 = [n["id"] for n in listed if n["unit_id"] == f"{p}.U1"]
            no_quorum = await http.post(
                f"/v1/nominations/{u1[0]}/votes", json={"members_total": 15, "members_present": 11, "votes_for": 11}
            )
            assert no_quorum.status_code == 409
            for nid in u1:
                decided = await http.post(
                    f"/v1/nominations/{nid}/votes", json={"members_total": 15, "members_present": 15, "votes_for": 14}
                )
                assert decided.json()["status"] == "approved", decided.text

            # A warning for U1-O2 in 2025, decided later: exactly the nominations it affects are revoked.
            await publisher.publish(
                [
                    Outgoing(
                        topics.EVIDENCE_ACCEPTED,
                        f"{p}.U1",
                        json.dumps(
                            _event(
                                "disc-2",
                                "discipline.recorded",
                                f"{p}.U1",
                                {
                                    "decision_no": "9/QĐ-KL",
                                    "form": "warning",
                                    "decided_at": f"2025-11-20T09:00:00{T}",
                                    "reason": "vi phạm",
                                },
                                f"{p}.U1-O2",
                            )
                        ).encode(),
                    )
                ]
            )
            # A warning is "warning or above": it also blocks Tập thể LĐXS (which needs every member at least
            # "complete" on effective ratings, and nobody disciplined at warning+) and Cờ thi đua (same gate).
            revoked_expected = {
                f"lao_dong_tien_tien:2025:officer:{p}.U1-O2",
                f"chien_si_thi_dua_co_so:2025:officer:{p}.U1-O2",
                f"tap_the_lao_dong_tien_tien:2025:unit:{p}.U1",
                f"tap_the_lao_dong_xuat_sac:2025:unit:{p}.U1",
                f"co_thi_dua_tinh:2025:unit:{p}.U1",
            }

            async def revoked() -> None:
                rows = (await http.get("/v1/nominations", params={"period": "2025", "status": "revoked"})).json()
                assert {n["id"] for n in rows["nominations"] if n["unit_id"].startswith(p)} == revoked_expected

            await eventually(revoked, timeout=30)
            history = (await http.get(f"/v1/nominations/tap_the_lao_dong_tien_tien:2025:unit:{p}.U1")).json()
            assert [h["to_status"] for h in history["history"]] == ["proposed", "approved", "revoked"]
            still = (await http.get("/v1/nominations", params={"period": "2025", "status": "approved"})).json()
            assert {n["id"] for n in still["nominations"]} == set(u1) - revoked_expected
    finally:
        await publisher.stop()


async def test_a_retracted_title_stops_counting_for_units_and_officers(database_url: str) -> None:
    import tomllib

    from services.awards.adapters.postgres import PostgresAwardsStore
    from services.awards.app import MIGRATIONS
    from services.awards.config import RULES
    from services.awards.domain.rulebook import build_award_rules
    from services.awards.handlers.evidence import apply_evidence
    from thidua.runtime.db import create_pool, prepare_schema

    rules = build_award_rules(tomllib.loads(RULES.read_text(encoding="utf-8")))
    titles = [
        _event(
            "t-unit",
            "title.awarded",
            "X.01",
            {"title": "tap_the_lao_dong_xuat_sac", "year": 2024, "decision_no": "1/QĐ"},
        ),
        _event("o-reg", "officer.registered", "X.01", {"full_name": "A", "category": "civil_servant"}, "CB-1"),
        _event(
            "t-officer",
            "title.awarded",
            "X.01",
            {"title": "chien_si_thi_dua_co_so", "year": 2024, "decision_no": "2/QĐ"},
            "CB-1",
        ),
    ]
    retractions = [
        _event(f"x-{t}", "evidence.retracted", "X.01", {"target_event_id": t, "reason": "nhầm"})
        for t in ("t-unit", "t-officer")
    ]
    pool = await create_pool(database_url, schema="awards", max_size=1)
    try:
        await prepare_schema(pool, schema="awards", directory=MIGRATIONS)
        async with pool.acquire() as conn:
            now = datetime.now(UTC)
            await apply_evidence(
                PostgresAwardsStore(conn), [EVIDENCE_ADAPTER.validate_python(e) for e in titles], rules=rules, now=now
            )
            assert await conn.fetchval("SELECT count(*) FROM titles") == 2
            await apply_evidence(
                PostgresAwardsStore(conn),
                [EVIDENCE_ADAPTER.validate_python(e) for e in retractions],
                rules=rules,
                now=now,
            )
            assert await conn.fetchval("SELECT count(*) FROM titles") == 0
    finally:
        await pool.close()
