"""The leaderboards: the home page and its live partial."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from schemas.http.scoring import Standings
from services.dashboard import pages
from services.dashboard.formatting import period_label, valid_period
from services.dashboard.panels import panel, upstream_panel
from services.dashboard.rendering import render
from services.dashboard.upstream import Services, Upstream, parsed
from services.dashboard.web import Upstreams, Web, bad_period, page

router = APIRouter()


async def standings_of(up: Services, periods: list[str]) -> dict[str, Upstream]:
    """The public standings of several periods, fetched together."""
    answers = await asyncio.gather(*(up.fetch(f"{up.scoring}/v1/standings", {"period": p}) for p in periods))
    return dict(zip(periods, answers, strict=True))


async def boards(up: Services, period: str, known: Upstream | None = None) -> tuple[dict[str, Any], int]:
    """The leaderboards' context and status; an empty period names the periods that have data."""
    result = known or await up.fetch(f"{up.scoring}/v1/standings", {"period": period})
    standings = parsed(Standings, result)
    if standings is None:
        return {"panel": upstream_panel("chấm điểm", result), "period": period}, (404 if result.status == 404 else 502)
    available: list[str] = []
    if not standings.rows:  # say where the data is instead of an empty page
        others = [p for p in pages.candidate_periods() if p != period]
        available = [p for p, r in (await standings_of(up, others)).items() if ranked(r)]
    return {
        "panel": None,
        "period": period,
        "standings": standings,
        "rows": standings.rows,
        "clusters": pages.clusters_of(standings.rows),
        "available": available,
        "unranked": standings.unranked,
    }, 200


def ranked(answer: Upstream) -> bool:
    """Standings with at least one ranked row."""
    standings = parsed(Standings, answer)
    return standings is not None and bool(standings.rows)


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, web: Web, up: Upstreams, period: str | None = None) -> Response:
    year = pages.current_year()
    chosen = (period or "").strip()
    if chosen and not valid_period(chosen):
        return bad_period(request, chosen)
    known = None
    if not chosen:  # the first screen opens where the data is: the first candidate with standings
        candidates = pages.candidate_periods()
        found = await standings_of(up, candidates)
        chosen = next((p for p in candidates if ranked(found[p])), candidates[0])
        known = found[chosen]
    context, status = await boards(up, chosen, known)
    return page(
        request,
        "home.html",
        status,
        title=f"Bảng xếp hạng thi đua — {period_label(chosen)}",
        active="home",
        refresh=web.cfg.refresh_seconds,
        this_year=year,
        choices=pages.picker_choices(chosen, year, await up.movement_stages()),
        **context,
    )


@router.get("/partials/leaderboards", response_class=HTMLResponse)
async def leaderboards_partial(up: Upstreams, period: str | None = None) -> Response:
    chosen = (period or "").strip() or str(pages.current_year())
    if not valid_period(chosen):
        bad = panel("Yêu cầu không hợp lệ", "Kỳ không hợp lệ.")
        return HTMLResponse(render("_leaderboards.html", panel=bad, period=chosen), status_code=400)
    context, _ = await boards(up, chosen)
    # 200 even on outage: the live page shows the panel in place of stale tables.
    return HTMLResponse(render("_leaderboards.html", **context), headers={"Cache-Control": "no-store"})
