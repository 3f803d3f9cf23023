"""The officer's own sign-in on the dashboard (issue 26 item 4: "a signed-in officer sees theirs"): an officer's
token opens "Phiếu theo dõi của tôi" (their Decree 335/2025 sheet and its downloads) and is refused another
officer's sheet, against a fake scoring over real HTTP that applies the contract's rule for officer tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
import pytest
from fastapi import FastAPI, Header, HTTPException

from services.dashboard.app import create_app
from tests.integration.support import running_app
from tests.integration.test_dashboard import settings_for, sign_in
from tests.unit.test_dashboard_tracking import ASSESSED, TASKS, answer

OWN, OTHER = "officer-cb-0042-token", "officer-cb-0077-token"
WHO: dict[str, dict[str, Any]] = {
    OWN: {"role": "officer", "unit_id": None, "source": None, "officer_id": "CB.0042", "token_id": 21},
    OTHER: {"role": "officer", "unit_id": None, "source": None, "officer_id": "CB.0077", "token_id": 22},
}


def fake_scoring(calls: list[str]) -> FastAPI:
    """Scoring's whoami and an officer's tracking: an officer's token reads its own officer only (403 elsewhere)."""
    app = FastAPI()

    def may_read(authorization: str | None, officer_id: str) -> None:
        caller = WHO.get((authorization or "").removeprefix("Bearer "))
        if caller is None:
            raise HTTPException(401, "invalid or revoked token")
        if caller["officer_id"] != officer_id:
            raise HTTPException(403, "this token may not see data about these officers")

    @app.get("/v1/whoami")
    async def whoami(authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
        caller = WHO.get((authorization or "").removeprefix("Bearer "))
        if caller is None:
            raise HTTPException(401, "invalid or revoked token")
        return caller

    @app.get("/v1/officers/{officer_id}/tracking")
    async def tracking(officer_id: str, year: int, authorization: Annotated[str | None, Header()] = None) -> Any:
        calls.append(f"tracking {officer_id}")
        may_read(authorization, officer_id)
        return answer(general=ASSESSED, general_points=27.0, total=96.5625) | {"officer_id": officer_id}

    @app.get("/v1/officers/{officer_id}/tracking/tasks")
    async def tasks(officer_id: str, period: str, authorization: Annotated[str | None, Header()] = None) -> Any:
        calls.append(f"tasks {officer_id}")
        may_read(authorization, officer_id)
        return TASKS if period == "2026-03" else []

    @app.get("/v1/units/{unit_id}/tracking")
    async def unit(unit_id: str, authorization: Annotated[str | None, Header()] = None) -> Any:
        raise HTTPException(403, "an officer's token reads only that officer's own scorecard and tracking")

    return app


@pytest.fixture
async def web() -> AsyncIterator[tuple[httpx.AsyncClient, list[str]]]:
    calls: list[str] = []
    async with running_app(fake_scoring(calls)) as upstream, running_app(create_app(settings_for(upstream))) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            yield client, calls


async def test_the_signed_in_officer_sees_their_own_sheet(web: tuple[httpx.AsyncClient, list[str]]) -> None:
    """Decree 335/2025 Art. 14: the March case (a 100, b 99.375, c 98.75, 69.5625) on the officer's own page."""
    client, calls = web
    signed = await sign_in(client, OWN)
    assert signed.status_code == 303 and signed.headers["location"] == "/me/tracking"  # the officer's home
    mine = await client.get("/me/tracking", params={"year": "2026"}, follow_redirects=False)
    assert mine.status_code == 303 and mine.headers["location"] == "/officers/CB.0042/tracking?year=2026"
    page = await client.get("/officers/CB.0042/tracking", params={"year": "2026"})
    assert page.status_code == 200, page.text
    assert 'data-share="b">99,38%' in page.text and 'data-points="task">69,56' in page.text
    assert page.text.count('data-task="HS-') == 40 and "Phiếu theo dõi của tôi" in page.text
    assert "/units/SO.TP/tracking" not in page.text  # the unit's month is the unit head's, not linked here
    xlsx = await client.get("/officers/CB.0042/tracking.xlsx", params={"period": "2026-03"})
    pdf = await client.get("/officers/CB.0042/tracking.pdf", params={"period": "2026-03"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    assert "tracking CB.0042" in calls


async def test_another_officers_sheet_is_refused(web: tuple[httpx.AsyncClient, list[str]]) -> None:
    client, calls = web
    await sign_in(client, OTHER)
    page = await client.get("/officers/CB.0042/tracking", params={"year": "2026"})
    assert page.status_code == 403 and "chỉ xem được phiếu theo dõi của chính mình" in page.text
    assert "Phiếu theo dõi của tôi" in page.text and "69,56" not in page.text
    assert (await client.get("/officers/CB.0042/tracking.pdf", params={"period": "2026-03"})).status_code == 403
    assert not any("CB.0042" in c for c in calls)  # refused before any upstream call
    assert (await client.get("/units/SO.TP/tracking", params={"period": "2026-03"})).status_code == 403
    own = await client.get("/me/tracking", follow_redirects=True)
    assert own.status_code == 200 and own.url.path == "/officers/CB.0077/tracking"


async def test_my_sheet_needs_an_officers_token(web: tuple[httpx.AsyncClient, list[str]]) -> None:
    client, _ = web
    assert (await client.get("/me/tracking")).status_code == 401
