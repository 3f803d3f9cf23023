"""The dashboard's Decree 335/2025 tracking pages against a fake scoring served over real HTTP (issue 26): who
may see an officer's sheet, the tasks behind the numbers, the unit's month, the XLSX and PDF of a sheet."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
from fastapi import FastAPI, Header, HTTPException
from openpyxl import load_workbook

from services.dashboard.app import create_app
from tests.integration.support import running_app
from tests.integration.test_dashboard import settings_for, sign_in
from tests.integration.test_dashboard_documents import pdf_text
from tests.unit.test_dashboard_tracking import ASSESSED, TASKS, answer

UNIT, OTHER_UNIT, COUNCIL = "unit-so-tp-token", "unit-ub-ht-token", "council-token"
WHO: dict[str, dict[str, Any]] = {
    UNIT: {"role": "unit", "unit_id": "SO.TP", "source": None, "token_id": 11},
    OTHER_UNIT: {"role": "unit", "unit_id": "UB.HT", "source": None, "token_id": 12},
    COUNCIL: {"role": "council", "unit_id": None, "source": None, "token_id": 13},
}


def fake_scoring(calls: list[str]) -> FastAPI:
    """Scoring's tracking endpoints as docs/contract.md states them: the officer's unit, council and admin."""
    app = FastAPI()

    def who(authorization: str | None) -> dict[str, Any]:
        token = (authorization or "").removeprefix("Bearer ")
        if token not in WHO:
            raise HTTPException(401, "invalid or revoked token")
        return WHO[token]

    def may_read(authorization: str | None, unit_id: str) -> None:
        caller = who(authorization)
        if caller["role"] == "unit" and caller["unit_id"] != unit_id:
            raise HTTPException(403, "this token may not do that")

    @app.get("/v1/whoami")
    async def whoami(authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
        return who(authorization)

    @app.get("/v1/officers/{officer_id}/tracking")
    async def tracking(
        officer_id: str, year: int, authorization: Annotated[str | None, Header()] = None
    ) -> dict[str, Any]:
        calls.append(f"tracking {officer_id} {year}")
        if officer_id != "CB.0042":
            raise HTTPException(404, "no such officer")
        may_read(authorization, "SO.TP")
        return answer(general=ASSESSED, general_points=27.0, total=96.5625)

    @app.get("/v1/officers/{officer_id}/tracking/tasks")
    async def tasks(officer_id: str, period: str, authorization: Annotated[str | None, Header()] = None) -> Any:
        calls.append(f"tasks {officer_id} {period}")
        may_read(authorization, "SO.TP")
        return TASKS if period == "2026-03" else []

    @app.get("/v1/units/{unit_id}/tracking")
    async def unit(unit_id: str, period: str, authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
        may_read(authorization, unit_id)
        officers = [
            {
                "officer_id": "CB.0042",
                "name": "Nguyễn Văn An",
                "task_points": 69.5625,
                "general_points": 27.0,
                "total": 96.5625,
                "below_complete": False,
            },
            {
                "officer_id": "CB.0077",
                "name": "Lê Thị <Cúc>",
                "task_points": 14.0,
                "general_points": None,
                "total": None,
                "below_complete": True,
            },
        ]
        return {"unit_id": unit_id, "period": period, "rule_version": "2026.3", "officers": officers}

    return app


@pytest.fixture
async def web() -> AsyncIterator[tuple[httpx.AsyncClient, list[str]]]:
    calls: list[str] = []
    async with running_app(fake_scoring(calls)) as upstream, running_app(create_app(settings_for(upstream))) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            yield client, calls


async def test_an_officers_sheet_is_never_public(web: tuple[httpx.AsyncClient, list[str]]) -> None:
    client, calls = web
    page = await client.get("/officers/CB.0042/tracking", params={"year": "2026"})
    assert page.status_code == 401 and "Đăng nhập" in page.text
    assert (await client.get("/officers/CB.0042/tracking.xlsx", params={"period": "2026-03"})).status_code == 401
    assert (await client.get("/units/SO.TP/tracking", params={"period": "2026-03"})).status_code == 401
    assert calls == []  # nothing about a named officer was asked for without a sign-in
    assert (await client.get("/officers/../tracking")).status_code == 404


async def test_the_unit_head_sees_the_march_case_with_the_dossiers_behind_it(
    web: tuple[httpx.AsyncClient, list[str]],
) -> None:
    """Decree 335/2025 Art. 14: 40 dossiers, 3 late (one excused), 1 returned → a 100, b 99.375, c 98.75, 69.5625."""
    client, calls = web
    await sign_in(client, UNIT)
    page = await client.get("/officers/CB.0042/tracking", params={"year": "2026"})
    assert page.status_code == 200, page.text
    html = page.text
    assert 'data-share="a">100,00%' in html and 'data-share="b">99,38%' in html and 'data-share="c">98,75%' in html
    assert 'data-points="task">69,56' in html and 'data-points="total">96,56' in html
    assert html.count('data-task="HS-') == 40 and "tasks CB.0042 2026-03" in calls
    assert "Trần Thị Bình" in html and "Nguyễn Văn &lt;An&gt;" in html and "<An>" not in html
    assert "Hoàn thành xuất sắc nhiệm vụ" in html
    assert "default-src 'self'" in page.headers["content-security-policy"]
    bad = await client.get("/officers/CB.0042/tracking", params={"year": "2026", "period": "2026-13"})
    assert bad.status_code == 400


async def test_another_unit_is_refused_and_the_council_reads(web: tuple[httpx.AsyncClient, list[str]]) -> None:
    client, _ = web
    await sign_in(client, OTHER_UNIT)
    assert (await client.get("/officers/CB.0042/tracking")).status_code == 403
    assert (await client.get("/units/SO.TP/tracking", params={"period": "2026-03"})).status_code == 403
    await sign_in(client, COUNCIL)
    unit = await client.get("/units/SO.TP/tracking", params={"period": "2026-03"})
    assert unit.status_code == 200 and "Lê Thị &lt;Cúc&gt;" in unit.text and "dưới mức hoàn thành" in unit.text
    assert "/officers/CB.0042/tracking?year=2026&amp;period=2026-03" in unit.text
    assert (await client.get("/officers/CB.9999/tracking")).status_code == 404


async def test_the_sheet_downloads_as_xlsx_and_pdf(web: tuple[httpx.AsyncClient, list[str]], tmp_path: Path) -> None:
    client, _ = web
    await sign_in(client, UNIT)
    xlsx = await client.get("/officers/CB.0042/tracking.xlsx", params={"period": "2026-03"})
    assert xlsx.status_code == 200, xlsx.text
    assert 'filename="phieu-theo-doi-danh-gia_CB.0042_2026-03.xlsx"' in xlsx.headers["content-disposition"]
    values = {r[0]: r[1] for r in load_workbook(io.BytesIO(xlsx.content))["Phiếu theo dõi"].iter_rows(values_only=True)}
    assert values["Điểm kết quả thực hiện nhiệm vụ"] == 69.5625 and values["Tổng điểm của kỳ"] == 96.5625
    pdf = await client.get("/officers/CB.0042/tracking.pdf", params={"period": "2026-03"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content, tmp_path)
    assert "PHIẾU THEO DÕI, ĐÁNH GIÁ CÔNG CHỨC" in text and "69,56" in text and "HS-40" in text
    assert re.search(r"THỦ TRƯỞNG ĐƠN VỊ", text) and "Nghị định số 335/2025/NĐ-CP" in text
    missing = await client.get("/officers/CB.0042/tracking.pdf", params={"period": "2026-05"})
    assert missing.status_code == 404
    assert (await client.get("/officers/CB.0042/tracking.docx", params={"period": "2026-03"})).status_code == 404
