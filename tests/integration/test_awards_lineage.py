"""Unit lineage in the awards (issue 24, Build 3) through the real services (evidence → Kafka → awards): a collective
title streak 2024 (predecessor) → 2025 (successor) is recognised with the predecessor named, or not under a rule file
that turns carry-over off (not found in the texts, law-2026 §4 L: a local choice); a dissolved unit meeting every
collective criterion is never nominated, and its preview shows the check that refuses it (Circular 15/2025/TT-BNV)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from schemas import topics
from services.awards.app import create_app as awards_app
from services.awards.config import RULES
from services.awards.config import Settings as AwardsSettings
from services.evidence.app import create_app as evidence_app
from services.evidence.config import Settings as EvidenceSettings
from services.evidence.handlers.sources import add_source
from tests.integration.kafka_tools import read_topic, start_group_at_end
from tests.integration.support import eventually, running_app
from thidua.runtime.tokens import add_token

T = "+07:00"
KHEN = "bang_khen_chu_tich_tinh"
LDXS = "tap_the_lao_dong_xuat_sac"


@dataclass
class Province:
    """Evidence and awards running; one source covering the province, a council token."""

    http: httpx.AsyncClient
    urls: dict[str, str]
    token: str
    source: str
    tag: str
    database_url: str
    sent: int = 0

    async def send(self, *bodies: dict[str, Any]) -> None:
        """Submit to evidence (all accepted) and wait until awards has taken every one in."""
        answer = await self.http.post(
            self.urls["evidence"] + "/v1/events", json=list(bodies), headers={"Authorization": f"Bearer {self.token}"}
        )
        assert answer.status_code == 200, answer.text
        assert {r["status"] for r in answer.json()} == {"accepted"}, answer.text[:500]
        self.sent += len(bodies)
        expected = self.sent

        async def consumed() -> None:
            conn = await asyncpg.connect(self.database_url)
            try:
                assert await conn.fetchval("SELECT count(*) FROM awards.inbox") >= expected
            finally:
                await conn.close()

        await eventually(consumed, timeout=60, interval=0.5)

    async def close(self, year: int) -> None:
        answer = await self.http.post(self.urls["awards"] + f"/v1/periods/{year}/close", params={"force": "true"})
        assert answer.status_code == 200, answer.text[:300]

    async def nomination(self, nid: str) -> dict[str, Any] | None:
        answer = await self.http.get(self.urls["awards"] + f"/v1/nominations/{nid}")
        if answer.status_code == 404:
            return None
        assert answer.status_code == 200, answer.text[:300]
        body: dict[str, Any] = answer.json()
        return body

    async def preview(self, year: int, unit: str) -> dict[str, Any]:
        answer = await self.http.get(self.urls["awards"] + f"/v1/periods/{year}/preview", params={"unit": unit})
        assert answer.status_code == 200, answer.text[:300]
        [part] = answer.json()["units"]
        return dict(part)


Start = Callable[[Path], Awaitable[Province]]


@pytest.fixture
async def start(kafka_bootstrap: str, database_url: str) -> AsyncIterator[Start]:
    """Starts evidence and awards (awards under the rule file given) once per test."""
    tag = uuid.uuid4().hex[:6].upper()
    consumed = {
        "evidence": [topics.EVIDENCE_INBOUND],
        "awards": [topics.EVIDENCE_ACCEPTED, topics.STANDINGS_CHANGED, topics.RATINGS],
    }
    for service, names in consumed.items():
        for topic in names:
            await start_group_at_end(kafka_bootstrap, f"lineage-{service}-{tag}.{topic}", topic)
    common: dict[str, Any] = {"kafka_bootstrap_servers": kafka_bootstrap, "database_url": database_url}
    source = f"lin{tag.lower()}"
    token = await add_source(database_url, name=source, units=["*"])
    council = await add_token(database_url, role="council", unit_id=None, label="Hội đồng TĐKT tỉnh")
    stack: list[Any] = []

    async def begin(rules_file: Path) -> Province:
        ev = running_app(evidence_app(EvidenceSettings(**common, group_id=f"lineage-evidence-{tag}")))
        settings = AwardsSettings(**common, group_id=f"lineage-awards-{tag}", rules_file=rules_file)
        aw = running_app(awards_app(settings))
        http = httpx.AsyncClient(timeout=60, headers={"Authorization": f"Bearer {council}"})
        stack.extend([ev, aw, http])
        urls = {"evidence": await ev.__aenter__(), "awards": await aw.__aenter__()}
        await http.__aenter__()
        return Province(http, urls, token, source, tag, database_url)

    try:
        yield begin
    finally:
        for entered in reversed(stack):
            await entered.__aexit__(None, None, None)


def envelope(
    n: str,
    kind: str,
    unit: str,
    payload: dict[str, Any],
    officer: str | None = None,
    at: str = f"2025-12-01T09:00:00{T}",
) -> dict[str, Any]:
    body = {"event_id": n, "type": kind, "schema_version": 1, "occurred_at": at, "unit_id": unit, "payload": payload}
    return {**body, "officer_id": officer} if officer else body


def unit_meeting_ldxs(unit: str, year: int = 2025, *, rated: bool = True) -> list[dict[str, Any]]:
    """A unit with 4 officers rated good for year, the first with a recognised initiative (Chiến sĩ thi đua cơ sở),
    and (rated) the unit itself rated excellent: it meets Tập thể lao động xuất sắc (Law 06/2022 Art. 27)."""
    reg = {"name": f"Đơn vị {unit}", "level": "department", "cluster_id": f"{unit}-K"}
    events = [envelope(f"{unit}-reg", "unit.registered", unit, reg, at=f"2024-01-05T09:00:00{T}")]
    if rated:
        events.append(envelope(f"{unit}-{year}", "evaluation.recorded", unit, {"year": year, "level": "excellent"}))
    events += officers(unit, year)
    return events


def officers(unit: str, year: int) -> list[dict[str, Any]]:
    """Four officers of unit rated good for year, the first with a recognised initiative."""
    events = []
    for k in range(4):
        o = f"{unit}-O{k}"
        person = {"full_name": f"Cán bộ {unit} {k}", "category": "civil_servant"}
        events += [
            envelope(f"{o}-reg", "officer.registered", unit, person, o, f"2024-01-05T09:00:00{T}"),
            envelope(f"{o}-{year}", "evaluation.recorded", unit, {"year": year, "level": "good"}, o),
        ]
    initiative = {"title": "Số hóa hồ sơ", "scope": "unit", "decided_at": f"{year}-11-03T09:00:00{T}"}
    events.append(envelope(f"{unit}-O0-i{year}", "initiative.recognized", unit, initiative, f"{unit}-O0"))
    return events


def reorganized(n: str, kind: str, before: list[str], after: list[str], at: str) -> dict[str, Any]:
    payload = {"kind": kind, "predecessors": before, "successors": after, "effective_at": at}
    return envelope(n, "unit.reorganized", (after or before)[0], {**payload, "decision_no": "1674/NQ-UBTVQH15"})


def rule_file(tmp_path: Path, carry_over: bool) -> Path:
    """The shipped rule file, with [lineage] carry_over_titles set as given."""
    text = RULES.read_text(encoding="utf-8")
    assert "carry_over_titles = true" in text
    path = tmp_path / "awards.toml"
    path.write_text(text.replace("carry_over_titles = true", f"carry_over_titles = {str(carry_over).lower()}"))
    return path


async def merged(p: Province) -> tuple[str, str]:
    """P (Tập thể LĐXS 2024 by title.awarded; its officers still registered under it) merged into N on 2025-07-01;
    N rated excellent 2025 with its own officers: N meets Tập thể LĐXS 2025 (P's people among its members)."""
    pred, succ = f"M{p.tag}.P", f"M{p.tag}.N"
    title = {"title": LDXS, "year": 2024, "decision_no": "88/QĐ-UBND"}
    await p.send(
        *unit_meeting_ldxs(succ),
        *unit_meeting_ldxs(pred, rated=False),
        envelope("p-title-2024", "title.awarded", pred, title, at=f"2025-01-20T09:00:00{T}"),
        reorganized("merge-1", "merge", [pred], [succ], f"2025-07-01T00:00:00{T}"),
    )
    await p.close(2025)
    return pred, succ


async def test_a_predecessors_2024_title_carries_into_the_successors_2025_bang_khen_local_choice_law_2026_s4_l(
    start: Start, tmp_path: Path
) -> None:
    p = await start(rule_file(tmp_path, carry_over=True))
    pred, succ = await merged(p)
    ldxs = await p.nomination(f"{LDXS}:2025:unit:{succ}")
    assert ldxs is not None and ldxs["status"] == "proposed"
    khen = await p.nomination(f"{KHEN}:2025:unit:{succ}")
    assert khen is not None and khen["status"] == "proposed"
    [streak] = [c for c in khen["criteria"] if c["code"] == "two_excellent_years"]
    assert streak["met"]
    assert (
        f"2024: Tập thể lao động xuất sắc của đơn vị tiền thân Đơn vị {pred} (hợp nhất vào đơn vị từ 01/07/2025"
        in (streak["reason"])
    )
    assert f"{p.source}:p-title-2024" in khen["evidence_ids"]
    # P's officers, still registered under P at the year's end, are N's members for 2025; P gets no collective title.
    lao_dong = await p.nomination(f"lao_dong_tien_tien:2025:officer:{pred}-O1")
    assert lao_dong is not None and lao_dong["unit_id"] == succ
    assert await p.nomination(f"tap_the_lao_dong_tien_tien:2025:unit:{pred}") is None
    preview_2026 = await p.preview(2026, succ)
    assert [x["unit_id"] for x in preview_2026["lineage"]["predecessors"]] == [pred]


async def test_with_carry_over_off_the_predecessors_title_does_not_count_local_choice_law_2026_s4_l(
    start: Start, tmp_path: Path
) -> None:
    p = await start(rule_file(tmp_path, carry_over=False))
    _, succ = await merged(p)
    ldxs = await p.nomination(f"{LDXS}:2025:unit:{succ}")
    assert ldxs is not None and ldxs["status"] == "proposed"  # its own year is met
    assert await p.nomination(f"{KHEN}:2025:unit:{succ}") is None  # the streak is not recognised


async def test_a_dissolved_unit_is_never_nominated_and_its_preview_shows_why_circular_15_2025_tt_bnv(
    start: Start, tmp_path: Path
) -> None:
    p = await start(rule_file(tmp_path, carry_over=True))
    d = f"D{p.tag}.D"
    await p.send(*unit_meeting_ldxs(d))
    before = await p.preview(2025, d)
    assert any(n["title"] == LDXS for n in before["nominations"]) and before["lineage"] is None
    await p.send(reorganized("dissolve-1", "dissolution", [d], [], f"2025-10-01T00:00:00{T}"))
    part = await p.preview(2025, d)
    assert not [n for n in part["nominations"] if n["subject_kind"] == "unit"]
    check = part["lineage"]["unit_exists"]
    assert check["met"] is False and "Thông tư 15/2025/TT-BNV" in check["reason"] and "01/10/2025" in check["reason"]
    assert part["lineage"]["ended"]["kind"] == "dissolution"
    # Retracted, the dissolution stops counting; sent again (a new event), it refuses again.
    retract = {"target_event_id": "dissolve-1", "reason": "nhầm quyết định"}
    await p.send(envelope("x-dissolve-1", "evidence.retracted", d, retract))
    again = await p.preview(2025, d)
    assert again["lineage"] is None and any(n["title"] == LDXS for n in again["nominations"])
    await p.send(reorganized("dissolve-2", "dissolution", [d], [], f"2025-10-01T00:00:00{T}"))
    await p.close(2025)
    for title in ("tap_the_lao_dong_tien_tien", LDXS, "co_thi_dua_tinh", KHEN):
        assert await p.nomination(f"{title}:2025:unit:{d}") is None
    # Its officers are judged where they are registered (the dissolution does not touch individuals).
    officer = await p.nomination(f"lao_dong_tien_tien:2025:officer:{d}-O1")
    assert officer is not None and officer["status"] == "proposed"


async def test_a_proposed_collective_title_of_a_unit_dissolved_later_is_revoked_and_published_circular_15_2025_tt_bnv(
    start: Start, tmp_path: Path, kafka_bootstrap: str
) -> None:
    p = await start(rule_file(tmp_path, carry_over=True))
    d = f"R{p.tag}.D"
    await p.send(*unit_meeting_ldxs(d))
    await p.close(2025)
    nid = f"{LDXS}:2025:unit:{d}"
    proposed = await p.nomination(nid)
    assert proposed is not None and proposed["status"] == "proposed"
    await p.send(reorganized("dissolve-r", "dissolution", [d], [], f"2025-10-01T00:00:00{T}"))
    revoked = await p.nomination(nid)
    assert revoked is not None and revoked["status"] == "revoked"
    assert "Thông tư 15/2025/TT-BNV" in revoked["reason"]
    assert [h["to_status"] for h in revoked["history"]] == ["proposed", "revoked"]
    messages = await read_topic(
        kafka_bootstrap,
        topics.NOMINATIONS,
        lambda r: nid.encode() in (r.value or b"") and b'"revoked"' in (r.value or b""),
        expect=1,
        timeout=30,
    )
    published = json.loads(messages[0].value or b"")
    assert published["change"] == "revoked" and "Thông tư 15/2025/TT-BNV" in published["reason"]
    officer = await p.nomination(f"lao_dong_tien_tien:2025:officer:{d}-O1")
    assert officer is not None and officer["status"] == "proposed"  # individuals are not touched
