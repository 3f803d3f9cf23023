"""The council's minutes take the quorum awards publishes (its rule file, the only copy), over fake services."""

from __future__ import annotations

import io
import re
from typing import Any

import httpx
from docx import Document

from services.dashboard.app import create_app
from services.dashboard.config import Settings
from tests.integration.test_dashboard import CASH_TABLES, NOMINATIONS, as_sent, csrf

COUNCIL = {"role": "council", "unit_id": None, "source": None, "officer_id": None, "token_id": 7, "subject": None}


def fake_services(rule: dict[str, Any] | None) -> httpx.MockTransport:
    """Scoring (whoami, no standings) and awards (2025's nominations, one voted); the voted one's detail carries
    `rule` as its council_rule, or awards fails on it (None)."""

    def answer(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/v1/whoami":
            return httpx.Response(200, json=COUNCIL)
        if path == "/v1/nominations":
            listed = [as_sent(n) for n in NOMINATIONS]
            return httpx.Response(
                200, json={"period": "2025", "rule_version": "2025.1", "nominations": listed, **CASH_TABLES}
            )
        voted = next(n for n in NOMINATIONS if n["votes"])
        if path == f"/v1/nominations/{voted['id']}":
            if rule is None:
                return httpx.Response(503, json={"error": "database unavailable", "details": []})
            return httpx.Response(200, json=as_sent(voted) | {"history": [], "council_rule": rule})
        return httpx.Response(404, json={"error": "not found", "details": []})

    return httpx.MockTransport(answer)


async def minutes_of(rule: dict[str, Any] | None) -> httpx.Response:
    """The council signs in and downloads 2025's minutes while awards answers with `rule`."""
    app = create_app(Settings(scoring_url="http://scoring.test", awards_url="http://awards.test"))
    app.state.dashboard.services.clients.append(httpx.AsyncClient(transport=fake_services(rule)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://dashboard.test") as web:
        form = await web.get("/sign-in")
        await web.post("/sign-in", data={"token": "council-token", "csrf_token": csrf(form.text), "next": ""})
        return await web.get("/nominations/minutes.docx", params={"period": "2025"})


def docx_text(blob: bytes) -> str:
    doc = Document(io.BytesIO(blob))
    return re.sub(r"\s+", " ", "\n".join(p.text for p in doc.paragraphs))


async def test_the_minutes_write_the_quorum_awards_publishes() -> None:
    answer = await minutes_of({"quorum_present": 0.75, "approval_share": 0.5})
    assert answer.status_code == 200, answer.text[:2000]
    text = docx_text(answer.content)
    # The voted nomination: 8 of 9 present; the share needed is awards' 75 %, not a copy kept by the dashboard.
    assert "có mặt: 8 (88,89%)" in text
    assert "Phiên họp đủ điều kiện tiến hành: số thành viên có mặt cần từ 75% tổng số thành viên trở lên." in text


async def test_without_awards_rule_the_minutes_answer_awards_panel_never_a_made_up_quorum() -> None:
    answer = await minutes_of(None)
    assert answer.status_code == 502
    assert "khen thưởng" in answer.text and "HTTP 503" in answer.text
    assert answer.headers["content-type"].startswith("text/html")
