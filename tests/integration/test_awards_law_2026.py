"""The law of 2026 for awards end to end, on the real Kafka and PostgreSQL: a discipline counts in its violation's
year and revokes a closed year's approved title (Decree 152/2025 Art. 4; Decree 90/2020 + 48/2023), Decree 335/2025
for công chức from 2026 (duty-related discipline only; the cap per peer group); and, through the handlers on the real
database: rating corrections by issue order, a retracted closing reopens its case."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg

from services.awards.adapters.postgres import PostgresAwardsStore
from services.awards.handlers.close import close_year
from tests.integration.support import eventually
from tests.integration.test_awards_law import (  # noqa: F401  (fixtures: service, conn)
    APPROVE,
    RULES_,
    Service,
    T,
    _event,
    _feed,
    _status,
    conn,
    service,
    staff,
)


def officer_registered(unit: str, officer: str, category: str, **extra: Any) -> dict[str, Any]:
    return _event(
        f"{officer}-reg", "officer.registered", unit, {"full_name": officer, "category": category, **extra}, officer
    )


def rated(unit: str, officer: str | None, year: int, level: str) -> dict[str, Any]:
    return _event(f"{officer or unit}-{year}", "evaluation.recorded", unit, {"year": year, "level": level}, officer)


def discipline(n: str, unit: str, officer: str, decided: str, **facts: Any) -> dict[str, Any]:
    payload = {"decision_no": f"{n}/QĐ-KL", "form": "reprimand", "decided_at": decided, "reason": "vi phạm", **facts}
    return _event(n, "discipline.recorded", unit, payload, officer)


async def test_a_2025_violation_decided_in_january_2026_revokes_the_2025_cstdcs_decree_152_2025_decree_90_2020(
    service: Service,  # noqa: F811
) -> None:
    u = "V" + uuid.uuid4().hex[:4].upper() + ".U1"
    # O1 excellent, O2..O6 good: 1 excellent of a cap of 1 (20 % of 5): O1's CSTĐCS is proposed.
    await service.publish(staff(u, {1: "excellent", **{k: "good" for k in range(2, 7)}}, "good"))
    assert (await service.http.post("/v1/periods/2025/close")).status_code == 200
    nid = f"chien_si_thi_dua_co_so:2025:officer:{u}-O1"
    decided = await service.http.post(f"/v1/nominations/{nid}/votes", json=APPROVE)
    assert decided.status_code == 200 and decided.json()["status"] == "approved"

    # The violation happened in November 2025; the discipline was decided in January 2026.
    late = discipline(
        "kl1", u, f"{u}-O1", f"2026-01-10T09:00:00{T}", violation_at=f"2025-11-20T09:00:00{T}", duty_related=True
    )
    await service.publish([late])

    async def revoked() -> None:
        assert (await service.nomination(nid))["status"] == "revoked"

    await eventually(revoked, timeout=30)
    n = await service.nomination(nid)
    assert "hr:kl1" in n["evidence_ids"] and "hr:kl1" in n["reason"]
    assert "vi phạm năm 2025, quyết định kỷ luật ngày 10/01/2026" in n["reason"]
    assert [h["to_status"] for h in n["history"]] == ["proposed", "approved", "revoked"]
    # The LĐTT of 2025 (not voted) and nothing of 2026 is touched by it beyond the 2025 year.
    ldtt = await service.nomination(f"lao_dong_tien_tien:2025:officer:{u}-O1")
    assert ldtt["status"] == "revoked"


async def test_decree_335_2025_art_20_cong_chuc_keeps_ldtt_vien_chuc_loses_it_peer_group_over_cap_needs_review(
    service: Service,  # noqa: F811
) -> None:
    p = "N" + uuid.uuid4().hex[:4].upper()
    u1, u2 = f"{p}.U1", f"{p}.U2"
    events: list[dict[str, Any]] = []
    for u in (u1, u2):
        cluster = {"name": u, "level": "department", "cluster_id": f"{u}-K"}
        events += [_event(f"{u}-reg", "unit.registered", u, cluster), rated(u, None, 2026, "good")]
    # U1: a công chức and a viên chức, both rated good, both reprimanded in 2026 for a breach not tied to duty.
    cong_chuc, vien_chuc = f"{u1}-CC", f"{u1}-VC"
    events += [
        officer_registered(u1, cong_chuc, "civil_servant"),
        officer_registered(u1, vien_chuc, "public_employee"),
        rated(u1, cong_chuc, 2026, "good"),
        rated(u1, vien_chuc, 2026, "good"),
        discipline("c1", u1, cong_chuc, f"2026-05-04T09:00:00{T}", duty_related=False),
        discipline("c2", u1, vien_chuc, f"2026-05-04T09:00:00{T}", duty_related=False),
    ]
    # U2: peer group A has 2 excellent and 5 good, group B 5 good: the unit is at its cap (2 of 20 % × 10) but
    # group A is over its own (1 of 20 % × 5).
    for k in range(12):
        o, group = f"{u2}-O{k}", "A" if k < 7 else "B"
        events += [
            officer_registered(u2, o, "civil_servant", staff_kind="civil_servant", peer_group=group),
            rated(u2, o, 2026, "excellent" if k < 2 else "good"),
        ]
    await service.publish(events)
    assert (await service.http.post("/v1/periods/2026/close", params={"force": "true"})).status_code == 200
    listed = (await service.http.get("/v1/nominations", params={"period": "2026"})).json()["nominations"]
    mine = {n["id"]: n for n in listed if n["unit_id"] in (u1, u2)}

    kept = mine[f"lao_dong_tien_tien:2026:officer:{cong_chuc}"]
    assert kept["status"] == "proposed"
    no_discipline = next(c for c in kept["criteria"] if c["code"] == "no_discipline")
    assert no_discipline["met"] and "NĐ 335/2025" in no_discipline["reason"]
    assert f"lao_dong_tien_tien:2026:officer:{vien_chuc}" not in mine  # viên chức: Decree 90/2020 + 48/2023

    for k in (0, 1):
        n = mine[f"chien_si_thi_dua_co_so:2026:officer:{u2}-O{k}"]
        assert n["status"] == "needs_review"
        cap = next(c for c in n["criteria"] if c["code"] == "excellence_cap")
        assert not cap["met"] and "nhóm A: có 2 cá nhân hoàn thành xuất sắc, tỷ lệ cho phép tối đa 1" in cap["reason"]
        assert "đơn vị: có 2 cá nhân hoàn thành xuất sắc, tỷ lệ cho phép tối đa 2" in cap["reason"]
    assert mine[f"lao_dong_tien_tien:2026:officer:{u2}-O0"]["status"] == "proposed"  # LĐTT does not rely on it


async def test_rating_corrections_supersede_by_issue_order_and_retraction_restores_decree_90_2020(
    conn: asyncpg.Connection,  # noqa: F811
) -> None:
    now = datetime(2026, 1, 10, tzinfo=UTC)
    u, o = "H.U1", "H.U1-O1"
    first = _event("r1", "evaluation.recorded", u, {"year": 2025, "level": "good"}, o, f"2025-12-01T09:00:00{T}")
    # A correction issued later but back-dated (its occurred_at is before the first): it still supersedes.
    fix = _event("r2", "evaluation.recorded", u, {"year": 2025, "level": "excellent"}, o, f"2025-11-01T09:00:00{T}")
    await _feed(conn, [officer_registered(u, o, "civil_servant"), first], now)
    await _feed(conn, [fix], now)
    level = "SELECT level FROM ratings WHERE subject_id = $1 AND year = 2025"
    assert await conn.fetchval(level, o) == "excellent"
    await _feed(conn, [_event("x-r2", "evidence.retracted", u, {"target_event_id": "r2", "reason": "nhầm"})], now)
    assert await conn.fetchval(level, o) == "good"  # the previous rating counts again
    await _feed(conn, [_event("x-r1", "evidence.retracted", u, {"target_event_id": "r1", "reason": "nhầm"})], now)
    assert await conn.fetchval(level, o) is None


async def test_retracting_the_closing_of_a_case_reopens_it_and_holds_again_decree_152_2025_art_4(
    conn: asyncpg.Connection,  # noqa: F811
) -> None:
    now = datetime(2026, 1, 10, tzinfo=UTC)
    u = "C.U1"
    await _feed(conn, staff(u, {1: "good", 2: "good"}, "good"), now)
    await close_year(PostgresAwardsStore(conn), 2025, rules=RULES_, now=now, actor="test")
    nid = f"lao_dong_tien_tien:2025:officer:{u}-O1"
    assert await _status(conn, nid) == "proposed"

    def case(step: str, **extra: Any) -> dict[str, Any]:
        return _event(
            f"i1-{step}", f"grievance.{step}", u, {"case_id": "i1", **extra}, f"{u}-O1", f"2026-01-05T09:00:00{T}"
        )

    await _feed(conn, [case("opened", kind="inspection")], now)
    assert await _status(conn, nid) == "on_hold"
    reason = await conn.fetchval("SELECT reason FROM nominations WHERE id = $1", nid)
    assert "đang thanh tra, kiểm tra (vụ việc i1, hr:i1-opened)" in reason
    await _feed(conn, [case("closed", substantiated=False)], now)
    assert await _status(conn, nid) == "proposed"
    retract = _event("x-i1", "evidence.retracted", u, {"target_event_id": "i1-closed", "reason": "nhầm"})
    await _feed(conn, [retract], now)
    assert await conn.fetchval("SELECT is_open FROM grievances WHERE event = 'hr:i1-opened'") is True
    assert await _status(conn, nid) == "on_hold"
    criteria = json.loads(await conn.fetchval("SELECT criteria FROM nominations WHERE id = $1", nid))
    assert any(c["code"] == "rating_good_or_better" for c in criteria)
