"""A unit's pages: finding it, its scorecard and trend, the events behind an indicator, its inbox, its officers."""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from schemas.http.notify import Inbox
from schemas.http.scoring import EventCases, EventCounts, EventFacts, NextBand, Standings, UnitScorecard
from schemas.http.scoring_tracking import AgencyRating
from services.dashboard import lineage as unit_lineage
from services.dashboard import pages
from services.dashboard.formatting import period_label, unit_path, valid_period
from services.dashboard.panels import panel, sign_in_panel, status_for, upstream_panel
from services.dashboard.security import valid_unit_id
from services.dashboard.upstream import Services, Upstream, group_names_of, parsed, stages_of
from services.dashboard.web import CurrentUser, Upstreams, User, Web, bad_period, bad_request, known_unit, page

router = APIRouter()

_INDICATOR = re.compile(r"[A-Za-z0-9_]{1,64}")
AGENCY_RATING_FROM = 2026  # Decree 335/2025 rates agencies from 1 January 2026


async def no_answer() -> None:
    return None


async def successor_of(up: Services, unit_id: str, period: str, answer: Upstream) -> unit_lineage.Folded | None:
    """A predecessor's 404 naming its successor, confirmed by the successor's lineage (a few calls at most)."""
    found: unit_lineage.Folded | None = None
    for successor in unit_lineage.successors_named(unit_id, answer.body)[:6]:
        theirs = await up.fetch(up.unit_url(successor, "/scorecard"), {"period": period})
        card = parsed(UnitScorecard, theirs)
        if card is None or (one := unit_lineage.folded_into(unit_id, successor, card, period)) is None:
            continue
        found = one if found is None else found.joined(one)
        if not found.split:  # a merge or rename has one successor
            break
    return found


def no_card_panel(unit_id: str, period: str, card: Upstream) -> dict[str, Any]:
    """A unit without a scorecard in the period, with scoring's reasons (e.g. that the unit was dissolved)."""
    return panel(
        "Chưa có phiếu điểm",
        f"Đơn vị {unit_id} chưa có dữ liệu trong {period_label(period).lower()}.",
        "; ".join(card.reasons()) or None,
    )


def needs_unit(request: Request, user: User | None, unit_id: str, what: str) -> tuple[dict[str, Any], int] | None:
    """A sign-in or refusal panel unless the user may read the unit's own data."""
    if user is None:
        return sign_in_panel(f"{what} chỉ dành cho đơn vị {unit_id} đã đăng nhập.", request.url.path), 401
    if not user.may_read_unit(unit_id):
        return panel("Không có quyền xem", f"{what} chỉ dành cho đơn vị {unit_id}."), 403
    return None


@router.get("/units", response_class=HTMLResponse)
async def find_unit(request: Request, unit_id: str = "", period: str | None = None) -> Response:
    unit = unit_id.strip().upper()  # unit ids are upper case; a person may type them in lower case
    if not valid_unit_id(unit):
        return bad_request(request, "Mã đơn vị không hợp lệ: chữ in hoa không dấu, chữ số và dấu chấm, 2–32 ký tự.")
    target = unit_path(unit) + (f"?period={quote(period)}" if period else "")
    return RedirectResponse(target, status_code=303)


async def unit_context(up: Services, unit_id: str, chosen: str, year: int) -> tuple[Upstream, dict[str, Any]]:
    """The unit's card of the period, and around it: next band, its agency rating, the year's monthly trend."""
    trend_year = pages.period_year(chosen)
    months = [f"{trend_year}-{m:02d}" for m in range(1, 13)]
    # The unit's own Decree 335/2025 rating of the period's year (from 2026), shown beside the emulation score.
    rated_year = trend_year if trend_year >= AGENCY_RATING_FROM else None
    card, next_band, agency = await asyncio.gather(
        up.fetch(up.unit_url(unit_id, "/scorecard"), {"period": chosen}),
        up.fetch(up.unit_url(unit_id, "/scorecard/next-band"), {"period": chosen}),
        up.fetch(up.unit_url(unit_id, "/agency-rating"), {"year": str(rated_year)}) if rated_year else no_answer(),
    )
    # The twelve months only for a card that exists: an unknown unit costs the services two calls, not 14.
    monthly = (
        await asyncio.gather(*(up.fetch(up.unit_url(unit_id, "/scorecard"), {"period": m}) for m in months))
        if card.ok
        else []
    )
    values, problem = pages.monthly(
        [(parsed(UnitScorecard, r), None if r.ok or r.not_found else r.problem) for r in monthly]
    )
    book = await up.rulebook()
    return card, {
        "unit_id": unit_id,
        "period": chosen,
        "this_year": year,
        "choices": pages.picker_choices(chosen, year, stages_of(book)),
        "group_names": group_names_of(book),  # the rule file's names of the scorecard's groups
        "trend": {"year": trend_year, "values": values, "problem": problem},
        "next_band": parsed(NextBand, next_band),
        "agency": parsed(AgencyRating, agency) if agency is not None else None,
    }


@router.get("/units/{unit_id}", response_class=HTMLResponse)
async def unit_page(request: Request, up: Upstreams, unit_id: str, period: str | None = None) -> Response:
    known_unit(unit_id)
    year = pages.current_year()
    chosen = (period or "").strip() or str(year)
    if not valid_period(chosen):
        return bad_period(request, chosen)
    card, common = await unit_context(up, unit_id, chosen, year)
    scored = parsed(UnitScorecard, card)
    if scored is None:
        title = f"Phiếu điểm: {unit_id} — {period_label(chosen)}"
        if card.not_found:
            if (folded := await successor_of(up, unit_id, chosen, card)) is not None:
                context = {**common, "trend": None, "folded": folded}
                return page(request, "unit.html", 404, title=title, panel=None, card=None, **context)
            the_panel = no_card_panel(unit_id, chosen, card)
            return page(request, "unit.html", 404, title=title, panel=the_panel, card=None, **common)
        return page(
            request,
            "unit.html",
            status_for(card),
            title=title,
            panel=upstream_panel("chấm điểm", card),
            card=None,
            **{**common, "trend": None},
        )
    title = f"Phiếu điểm: {scored.name or unit_id} — {period_label(chosen)}"
    lineage = unit_lineage.lineage_of(scored)
    return page(request, "unit.html", title=title, panel=None, card=scored, lineage=lineage, **common)


@router.get("/units/{unit_id}/events", response_class=HTMLResponse)
async def events_page(
    request: Request, web: Web, user: CurrentUser, unit_id: str, indicator: str, period: str | None = None
) -> Response:
    known_unit(unit_id)
    chosen = (period or "").strip() or str(pages.current_year())
    if not valid_period(chosen):
        return bad_period(request, chosen)
    if not _INDICATOR.fullmatch(indicator):
        return bad_request(request, "Mã chỉ tiêu không hợp lệ.")
    # Officer records in full for the unit's own token, the council and admin.
    up = web.services
    result = await up.fetch(
        up.unit_url(unit_id, "/scorecard/events"), {"period": chosen, "indicator": indicator}, user=user
    )
    title = f"Căn cứ của chỉ tiêu {indicator} — {unit_id}"
    common: dict[str, Any] = {"unit_id": unit_id, "period": chosen, "indicator": indicator, "title": title}
    cases = parsed(EventCases, result)
    facts = None if cases is not None else parsed(EventFacts, result)
    if cases is None and facts is None and parsed(EventCounts, result) is None:
        refused = web.forget_if_refused(request, user, result)
        status = 400 if result.status == 422 else status_for(result)
        return page(request, "events.html", status, panel=refused or upstream_panel("chấm điểm", result), **common)
    # Counts by month (the public's view of records about named officers) are shown as sent, as ever.
    shown = cases.cases if cases else None
    return page(
        request,
        "events.html",
        panel=None,
        cases=shown,
        facts=facts.events if facts else None,
        raw=result.body,
        **common,
    )


@router.get("/units/{unit_id}/inbox", response_class=HTMLResponse)
async def inbox(request: Request, web: Web, user: CurrentUser, unit_id: str) -> Response:
    known_unit(unit_id)
    common: dict[str, Any] = {
        "title": f"Hộp thư thông báo — {unit_id}",
        "unit_id": unit_id,
        "period": str(pages.current_year()),
        "active": "inbox",
    }
    denied = needs_unit(request, user, unit_id, "Hộp thư thông báo")
    if denied is None and user is not None and not user.may_use_inbox(unit_id):
        denied = panel("Không có quyền xem", "Hộp thư thông báo chỉ dành cho đơn vị và quản trị."), 403
    if denied is not None:
        return page(request, "inbox.html", denied[1], panel=denied[0], **common)
    up = web.services
    result = await up.fetch(f"{up.notify}/v1/units/{quote(unit_id, safe='')}/notifications", user=user)
    box = parsed(Inbox, result)
    if box is None:
        the_panel = web.forget_if_refused(request, user, result) or upstream_panel("thông báo", result)
        return page(request, "inbox.html", status_for(result), panel=the_panel, **common)
    return page(request, "inbox.html", panel=None, items=box.items, unread=box.unread_count, **common)


@router.get("/units/{unit_id}/officers", response_class=HTMLResponse)
async def officers(request: Request, web: Web, user: CurrentUser, unit_id: str, period: str | None = None) -> Response:
    known_unit(unit_id)
    year = pages.current_year()
    chosen = (period or "").strip() or str(year)
    if not valid_period(chosen):
        return bad_period(request, chosen)
    up = web.services
    common: dict[str, Any] = {
        "title": f"Cán bộ — {unit_id} — {period_label(chosen)}",
        "unit_id": unit_id,
        "period": chosen,
        "this_year": year,
        "choices": pages.picker_choices(chosen, year, await up.movement_stages()),
    }
    denied = needs_unit(request, user, unit_id, "Điểm của cán bộ")
    if denied is not None:
        return page(request, "officers.html", denied[1], panel=denied[0], **common)
    params = {"period": chosen, "subject": "officer", "unit": unit_id}
    result = await up.fetch(f"{up.scoring}/v1/standings", params, user=user)
    standings = parsed(Standings, result)
    if standings is None:
        the_panel = web.forget_if_refused(request, user, result) or upstream_panel("chấm điểm", result)
        return page(request, "officers.html", status_for(result), panel=the_panel, **common)
    return page(request, "officers.html", panel=None, rows=standings.rows, **common)
