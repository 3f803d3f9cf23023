"""The documents to download: standings, a unit's scorecard, an officer's sheet, the nominations and the minutes."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from schemas.http.awards import NominationDetail, Nominations
from schemas.http.scoring import Standings, UnitScorecard
from schemas.http.scoring_tracking import OfficerTracking
from schemas.vietnam import VN_TZ
from services.dashboard import documents, pages, tracking
from services.dashboard.documents import lineage_text
from services.dashboard.formatting import period_label, valid_period
from services.dashboard.panels import panel, sign_in_panel, status_for, upstream_panel
from services.dashboard.rooms.officers import NOT_PUBLIC, TRACKING_PERIOD, known_officer, not_own_sheet
from services.dashboard.rooms.units import no_card_panel, successor_of
from services.dashboard.upstream import Services, Upstream, group_names_of, parsed
from services.dashboard.web import (
    CurrentUser,
    User,
    Web,
    bad_period,
    bad_request,
    error_page,
    file_of,
    known_unit,
    today,
)
from thidua.runtime import policy

router = APIRouter()


@router.get("/standings.xlsx")
async def standings_file(request: Request, web: Web, period: str | None = None) -> Response:
    chosen = (period or "").strip() or str(pages.current_year())
    if not valid_period(chosen):
        return bad_period(request, chosen)
    up = web.services
    result = await up.fetch(f"{up.scoring}/v1/standings", {"period": chosen})  # public: the units' standings
    table = parsed(Standings, result)
    if table is None:
        return error_page(request, "Không tạo được tệp", upstream_panel("chấm điểm", result), status_for(result))
    return await file_of(
        request,
        "standings_xlsx",
        lambda: documents.standings_xlsx(table, issued_on=today(), issuer=web.issuer),
        chosen,
    )


@router.get("/units/{unit_id}/scorecard.{ext}")
async def scorecard_file(request: Request, web: Web, unit_id: str, ext: str, period: str | None = None) -> Response:
    if ext not in ("docx", "pdf", "xlsx"):
        raise StarletteHTTPException(404)
    known_unit(unit_id)
    chosen = (period or "").strip() or str(pages.current_year())
    if not valid_period(chosen):
        return bad_period(request, chosen)
    up = web.services
    card = await up.fetch(up.unit_url(unit_id, "/scorecard"), {"period": chosen})  # public: the unit's own card
    scored = parsed(UnitScorecard, card)
    if scored is None:
        if card.not_found and (folded := await successor_of(up, unit_id, chosen, card)) is not None:
            # Issue 24: a predecessor folded into its successor has no card of its own; say whose it is.
            words = lineage_text.folded_words(unit_id, folded, period_label(chosen).lower())
            the_panel = panel("Không có phiếu điểm riêng", words)
        elif card.not_found:
            the_panel = no_card_panel(unit_id, chosen, card)
        else:
            the_panel = upstream_panel("chấm điểm", card)
        return error_page(request, "Không tạo được tệp", the_panel, status_for(card))
    # The groups are named by the rule file (scoring's published rulebook): an official file never shows a code.
    rulebook = await up.rulebook()
    if not (groups := group_names_of(rulebook)):
        return error_page(request, "Không tạo được tệp", upstream_panel("chấm điểm", rulebook), status_for(rulebook))
    on, issuer = today(), web.issuer
    renderers: dict[str, Callable[[], bytes]] = {
        "docx": lambda: documents.scorecard_docx(scored, issued_on=on, issuer=issuer, groups=groups),
        "pdf": lambda: documents.scorecard_pdf(scored, issued_on=on, issuer=issuer, groups=groups),
        "xlsx": lambda: documents.scorecard_xlsx(scored, issued_on=on, issuer=issuer, groups=groups),
    }
    return await file_of(request, f"scorecard_{ext}", renderers[ext], chosen, unit_id)


@router.get("/officers/{officer_id}/tracking.{ext}")
async def officer_tracking_file(
    request: Request, web: Web, user: CurrentUser, officer_id: str, ext: str, period: str | None = None
) -> Response:
    """The sheet of one period as the office files it (XLSX or PDF)."""
    if ext not in ("xlsx", "pdf"):
        raise StarletteHTTPException(404)
    known_officer(officer_id)
    if period is None or not TRACKING_PERIOD.fullmatch(period):
        return bad_request(request, f"Kỳ “{period or ''}” không hợp lệ: tháng (2026-03) hoặc quý (2026-Q1).")
    if user is None:
        return error_page(request, "Cần đăng nhập", sign_in_panel(NOT_PUBLIC, request.url.path), 401)
    refused = not_own_sheet(user, officer_id)
    if refused is not None:
        return error_page(request, "Không có quyền xem", refused, 403)
    up = web.services
    answer, listed = await asyncio.gather(
        up.fetch(up.tracking_url(officer_id), {"year": period[:4]}, user=user),
        up.fetch(up.tracking_url(officer_id, "/tasks"), {"period": period}, user=user),
    )
    tracked, tasks = parsed(OfficerTracking, answer), tracking.parsed_tasks(listed)
    if tracked is None or tasks is None:
        failed = next((a for a in (answer, listed) if not a.ok), answer if tracked is None else listed)
        the_panel = web.forget_if_refused(request, user, failed) or upstream_panel("chấm điểm", failed)
        return error_page(request, "Không tạo được tệp", the_panel, status_for(failed))
    sheet = tracking.sheet_of(tracked, period)
    if sheet is None:
        the_panel = panel("Chưa có phiếu theo dõi", f"Cán bộ {officer_id} chưa có phiếu của kỳ {period}.")
        return error_page(request, "Không tạo được tệp", the_panel, 404)
    on, issuer = today(), web.issuer
    renderers: dict[str, Callable[[], bytes]] = {
        "pdf": lambda: documents.tracking_pdf(tracked, sheet, tasks=tasks, issued_on=on, issuer=issuer),
        "xlsx": lambda: documents.tracking_xlsx(tracked, sheet, tasks=tasks, issued_on=on, issuer=issuer),
    }
    return await file_of(request, f"tracking_{ext}", renderers[ext], period, officer_id)


async def names_for(up: Services, period: str, user: User) -> dict[str, str]:
    """Display names of units (public standings) and of officers the user may read, for the documents."""
    standings = f"{up.scoring}/v1/standings"
    calls = [up.fetch(standings, {"period": period})]
    if user.votes:
        calls.append(up.fetch(standings, {"period": period, "subject": "officer"}, user=user))
    elif own := policy.own_unit(user.principal):
        calls.append(up.fetch(standings, {"period": period, "subject": "officer", "unit": own}, user=user))
    names: dict[str, str] = {}
    for result in await asyncio.gather(*calls):
        table = parsed(Standings, result)
        for row in table.rows if table else []:
            if row.name is not None:
                names.setdefault(row.subject_id, row.name)
    return names


async def published_quorum(up: Services, listing: Nominations, user: User) -> tuple[float | None, Upstream | None]:
    """(the council's quorum as awards publishes it with a voted nomination — its rule file, the only copy — or
    None when no nomination was voted: no session to judge; the answer that did not give it, if any)."""
    voted = next((n for n in listing.nominations if n.votes is not None), None)
    if voted is None:
        return None, None
    answer = await up.fetch(f"{up.awards}/v1/nominations/{quote(voted.id, safe='')}", user=user)
    detail = parsed(NominationDetail, answer)
    if detail is None:
        return None, answer
    return float(detail.council_rule.quorum_present), None


async def nominations_file(
    request: Request, web: Web, user: User | None, what: str, ext: str, period: str | None
) -> Response:
    """The list of nominations (council and admin: all; a unit: its own) or the council's minutes."""
    if ext not in ("docx", "pdf"):
        raise StarletteHTTPException(404)
    chosen = (period or "").strip() or str(pages.current_year())
    if not re.fullmatch(r"[0-9]{4}", chosen):
        return bad_request(request, f"Năm “{chosen}” không hợp lệ: khen thưởng xét theo năm, ví dụ 2025.")
    title = "Biên bản họp Hội đồng" if what == "minutes" else "Danh sách đề nghị khen thưởng"
    if user is None:
        message = f"{title} chỉ dành cho người đã đăng nhập (đơn vị, Hội đồng thi đua – khen thưởng)."
        return error_page(request, "Cần đăng nhập", sign_in_panel(message, request.url.path), 401)
    if what == "minutes" and not user.votes:
        the_panel = panel("Không có quyền", "Biên bản họp chỉ dành cho Hội đồng thi đua – khen thưởng.")
        return error_page(request, "Không có quyền", the_panel, 403)
    up = web.services
    result, names = await asyncio.gather(
        up.fetch(f"{up.awards}/v1/nominations", {"period": chosen}, user=user), names_for(up, chosen, user)
    )
    listing = parsed(Nominations, result)
    if listing is None:
        the_panel = web.forget_if_refused(request, user, result) or upstream_panel("khen thưởng", result)
        return error_page(request, "Không tạo được tệp", the_panel, status_for(result))
    on, issuer = today(), web.issuer
    if what == "minutes":
        quorum, failed = await published_quorum(up, listing, user)
        if failed is not None:  # the minutes never write a quorum awards did not publish
            the_panel = web.forget_if_refused(request, user, failed) or upstream_panel("khen thưởng", failed)
            return error_page(request, "Không tạo được tệp", the_panel, status_for(failed))
        meeting = documents.Meeting(held_at=datetime.now(VN_TZ), quorum_share=quorum)
        minutes = documents.minutes_pdf if ext == "pdf" else documents.minutes_docx
        return await file_of(
            request,
            f"minutes_{ext}",
            lambda: minutes(listing, period=chosen, meeting=meeting, issuer=issuer, names=names),
            chosen,
        )
    draw = documents.nominations_pdf if ext == "pdf" else documents.nominations_docx
    return await file_of(
        request,
        f"nominations_{ext}",
        lambda: draw(listing, period=chosen, issued_on=on, issuer=issuer, names=names),
        chosen,
        policy.own_unit(user.principal),
    )


@router.get("/nominations/list.{ext}")
async def nominations_list_file(
    request: Request, web: Web, user: CurrentUser, ext: str, period: str | None = None
) -> Response:
    return await nominations_file(request, web, user, "list", ext, period)


@router.get("/nominations/minutes.{ext}")
async def minutes_file(request: Request, web: Web, user: CurrentUser, ext: str, period: str | None = None) -> Response:
    return await nominations_file(request, web, user, "minutes", ext, period)
