"""The dashboard's FastAPI app: fetch from the services' public APIs, render with thidua.web.render."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from schemas.vietnam import VN_TZ
from thidua.web import render
from thidua.web.settings import WebSettings
from thidua.web.upstream import Upstream, get_json

log = logging.getLogger("thidua.web")

_INDICATOR = re.compile(r"[A-Za-z0-9_]{1,64}")
_UNIT = re.compile(r"[A-Za-z0-9._-]{1,64}")
_NOMINATION = re.compile(r"[A-Za-z0-9._:-]{1,200}")


def current_year(now: datetime | None = None) -> int:
    """The year in Vietnam right now."""
    return (now or datetime.now(UTC)).astimezone(VN_TZ).year


def candidate_periods(now: datetime | None = None, *, years_back: int = 3) -> list[str]:
    """Periods the first screen may open on, preferred first: this year, this month, then earlier years."""
    local = (now or datetime.now(UTC)).astimezone(VN_TZ)
    earlier = [str(local.year - k) for k in range(1, years_back + 1)]
    return [str(local.year), f"{local.year}-{local.month:02d}", *earlier]


def _has_rows(result: Upstream) -> bool:
    return (
        result.ok
        and isinstance(result.body, dict)
        and isinstance(result.body.get("rows"), list)
        and bool(result.body["rows"])
    )


def _status_for(result: Upstream) -> int:
    """The dashboard's HTTP status when the page's main content could not be fetched."""
    if result.status == 404:
        return 404
    return 502


def _html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def _bad_request(message: str) -> HTMLResponse:
    return _html(render.error_page("Yêu cầu không hợp lệ", render.error_panel("Yêu cầu không hợp lệ", message)), 400)


def _bad_period(period: str) -> HTMLResponse:
    return _bad_request(f"Kỳ “{period}” không hợp lệ. Hãy dùng dạng 2025, 2025-Q1, 2025-03 hoặc 2019-2025.")


def _without_officers(body: Any) -> Any:
    """A unit's inbox without the notifications that name an officer (individual nominations): the dashboard has
    no sign-in yet, so what it shows is public."""
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        return body

    def names_officer(item: Any) -> bool:
        text = (
            f"{item.get('link') or ''} {item.get('data') or ''} {item.get('title') or ''}"
            if isinstance(item, dict)
            else ""
        )
        return ":officer:" in text or '"officer"' in text or "cá nhân" in text

    return {**body, "items": [i for i in body["items"] if not names_officer(i)]}


def create_app(settings: WebSettings | None = None) -> FastAPI:
    """The dashboard app; its one httpx client lives as long as the app."""
    cfg = settings or WebSettings()
    scoring = cfg.scoring_url.rstrip("/")
    awards = cfg.awards_url.rstrip("/")
    notify = cfg.notify_url.rstrip("/")
    clients: list[httpx.AsyncClient] = []

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        clients.append(httpx.AsyncClient(timeout=cfg.timeout, headers={"Accept": "application/json"}))
        try:
            yield
        finally:
            for client in clients:
                await client.aclose()
            clients.clear()

    app = FastAPI(title=render.SITE_TITLE, lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)

    async def fetch(url: str, params: dict[str, str] | None = None, *, token: str | None = None) -> Upstream:
        if not clients:  # used without the lifespan (e.g. a bare ASGI transport): one client per call
            async with httpx.AsyncClient(timeout=cfg.timeout) as client:
                return await get_json(client, url, params=params, token=token)
        return await get_json(clients[0], url, params=params, token=token)

    def unit_url(unit_id: str, suffix: str = "") -> str:
        return f"{scoring}/v1/units/{quote(unit_id, safe='')}{suffix}"

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            panel = render.error_panel("Không tìm thấy trang", "Địa chỉ này không có trên bảng điều khiển.")
        else:
            panel = render.error_panel("Yêu cầu không thực hiện được", f"Mã lỗi {exc.status_code}.")
        return _html(render.error_page("Không tìm thấy" if exc.status_code == 404 else "Lỗi", panel), exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> Response:
        fields = ", ".join(".".join(str(p) for p in e["loc"][1:]) for e in exc.errors())
        return _bad_request(f"Tham số không hợp lệ: {fields or 'yêu cầu'}.")

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> Response:
        log.exception("dashboard page failed", exc_info=exc)
        panel = render.error_panel("Đã có lỗi xảy ra", "Bảng điều khiển gặp sự cố khi hiển thị trang này.")
        return _html(render.error_page("Lỗi hệ thống", panel), 500)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> dict[str, str]:
        # Ready as soon as it serves: every page copes with the services being down.
        return {"status": "ok"}

    async def standings_of(periods: list[str]) -> dict[str, Upstream]:
        answers = await asyncio.gather(*(fetch(f"{scoring}/v1/standings", {"period": p}) for p in periods))
        return dict(zip(periods, answers, strict=True))

    async def boards(period: str, known: Upstream | None = None) -> tuple[str, int]:
        result = known or await fetch(f"{scoring}/v1/standings", {"period": period})
        if not result.ok or not isinstance(result.body, dict):
            return render.upstream_error(
                "chấm điểm", result.problem or "dữ liệu không đúng dạng", result.status
            ), _status_for(result)
        available: list[str] = []
        if not _has_rows(result):  # say where the data is instead of an empty page
            others = [p for p in candidate_periods() if p != period]
            available = [p for p, r in (await standings_of(others)).items() if _has_rows(r)]
        return render.leaderboards(result.body, period, available), 200

    @app.get("/", response_class=HTMLResponse)
    async def home(period: str | None = None) -> Response:
        year = current_year()
        chosen = (period or "").strip()
        if chosen and not render.valid_period(chosen):
            return _bad_period(chosen)
        known = None
        if not chosen:  # the first screen opens where the data is: the first candidate with standings
            candidates = candidate_periods()
            found = await standings_of(candidates)
            chosen = next((p for p in candidates if _has_rows(found[p])), candidates[0])
            known = found[chosen]
        html, status = await boards(chosen, known)
        return _html(render.home_page(chosen, year, html, refresh=cfg.refresh_seconds), status)

    @app.get("/partials/leaderboards", response_class=HTMLResponse)
    async def leaderboards_partial(period: str | None = None) -> Response:
        chosen = (period or "").strip() or str(current_year())
        if not render.valid_period(chosen):
            return _html(render.error_panel("Yêu cầu không hợp lệ", "Kỳ không hợp lệ."), 400)
        html, _ = await boards(chosen)
        return _html(html)  # 200 even on outage: the live page shows the panel in place of stale tables

    @app.get("/units", response_class=HTMLResponse)
    async def find_unit(unit_id: str = "", period: str | None = None) -> Response:
        unit = unit_id.strip()
        if not _UNIT.fullmatch(unit):
            return _bad_request("Mã đơn vị không hợp lệ.")
        target = render.unit_path(unit) + (f"?period={quote(period)}" if period else "")
        return RedirectResponse(target, status_code=303)

    @app.get("/units/{unit_id}", response_class=HTMLResponse)
    async def unit_page(unit_id: str, period: str | None = None) -> Response:
        year = current_year()
        chosen = (period or "").strip() or str(year)
        if not render.valid_period(chosen):
            return _bad_period(chosen)
        trend_year = render.period_year(chosen)
        months = [f"{trend_year}-{m:02d}" for m in range(1, 13)]
        card, *monthly = await asyncio.gather(
            fetch(unit_url(unit_id, "/scorecard"), {"period": chosen}),
            *(fetch(unit_url(unit_id, "/scorecard"), {"period": m}) for m in months),
        )
        values, problem = _monthly(monthly)
        if not card.ok or not isinstance(card.body, dict):
            if card.not_found:
                panel = render.error_panel(
                    "Chưa có phiếu điểm",
                    f"Đơn vị {unit_id} chưa có dữ liệu trong {render.period_label(chosen).lower()}.",
                )
                trend = render.trend_section(trend_year, values, problem)
                return _html(render.scorecard_page(unit_id, chosen, year, panel, trend, None), 404)
            panel = render.upstream_error("chấm điểm", card.problem or "dữ liệu không đúng dạng", card.status)
            return _html(render.scorecard_page(unit_id, chosen, year, panel, "", None), _status_for(card))
        main = render.scorecard_body(card.body, unit_id, chosen)
        name = card.body.get("name")
        trend = render.trend_section(trend_year, values, problem)
        return _html(render.scorecard_page(unit_id, chosen, year, main, trend, name if isinstance(name, str) else None))

    @app.get("/units/{unit_id}/events", response_class=HTMLResponse)
    async def events_page(unit_id: str, indicator: str, period: str | None = None) -> Response:
        chosen = (period or "").strip() or str(current_year())
        if not render.valid_period(chosen):
            return _bad_period(chosen)
        if not _INDICATOR.fullmatch(indicator):
            return _bad_request("Mã chỉ tiêu không hợp lệ.")
        result = await fetch(unit_url(unit_id, "/scorecard/events"), {"period": chosen, "indicator": indicator})
        if not result.ok or not isinstance(result.body, dict):
            panel = render.upstream_error("chấm điểm", result.problem or "dữ liệu không đúng dạng", result.status)
            status = 400 if result.status == 422 else _status_for(result)
            return _html(render.events_page(unit_id, chosen, indicator, panel), status)
        return _html(render.events_page(unit_id, chosen, indicator, render.events_body(result.body)))

    @app.get("/units/{unit_id}/inbox", response_class=HTMLResponse)
    async def inbox(unit_id: str) -> Response:
        year = current_year()
        if not cfg.admin_token:
            panel = render.error_panel(
                "Chưa cấu hình quyền truy cập",
                "Bảng điều khiển chưa có mã truy cập (biến môi trường WEB_ADMIN_TOKEN) "
                "nên không đọc được hộp thư thông báo của đơn vị.",
            )
            return _html(render.inbox_page(unit_id, year, panel))
        result = await fetch(f"{notify}/v1/units/{quote(unit_id, safe='')}/notifications", token=cfg.admin_token)
        if not result.ok:
            if result.status in (401, 403):
                panel = render.error_panel(
                    "Không có quyền xem hộp thư",
                    "Dịch vụ thông báo từ chối mã truy cập của bảng điều khiển "
                    "(WEB_ADMIN_TOKEN sai, đã thu hồi hoặc không đủ quyền).",
                    result.problem,
                )
            else:
                panel = render.upstream_error("thông báo", result.problem, result.status)
            return _html(render.inbox_page(unit_id, year, panel))
        return _html(render.inbox_page(unit_id, year, render.inbox_body(_without_officers(result.body))))

    def no_token(what: str) -> str:
        return render.error_panel(
            "Chưa cấu hình quyền truy cập",
            f"Bảng điều khiển chưa có mã truy cập (biến môi trường WEB_ADMIN_TOKEN) nên không đọc được {what}.",
        )

    def awards_problem(result: Upstream) -> str:
        if result.status in (401, 403):
            return render.error_panel(
                "Không có quyền xem khen thưởng",
                "Dịch vụ khen thưởng từ chối mã truy cập của bảng điều khiển "
                "(WEB_ADMIN_TOKEN sai, đã thu hồi hoặc không đủ quyền).",
                result.problem,
            )
        return render.upstream_error("khen thưởng", result.problem or "dữ liệu không đúng dạng", result.status)

    @app.get("/nominations", response_class=HTMLResponse)
    async def nominations(period: str | None = None) -> Response:
        year = current_year()
        chosen = (period or "").strip() or str(year)
        if not re.fullmatch(r"\d{4}", chosen):
            return _bad_request(f"Năm “{chosen}” không hợp lệ: khen thưởng xét theo năm, ví dụ 2025.")
        if not cfg.admin_token:
            return _html(render.nominations_page(chosen, year, no_token("danh sách đề nghị khen thưởng")))
        result = await fetch(f"{awards}/v1/nominations", {"period": chosen}, token=cfg.admin_token)
        if not result.ok or not isinstance(result.body, dict):
            status = 200 if result.status in (401, 403) else _status_for(result)
            return _html(render.nominations_page(chosen, year, awards_problem(result)), status)
        # The dashboard has no sign-in yet: individual nominations name officers and stay off the public page.
        listed = [n for n in result.body.get("nominations") or [] if isinstance(n, dict)]
        collective = [n for n in listed if n.get("subject_kind") != "officer"]
        hidden = len(listed) - len(collective)
        note = (
            (
                f'<p class="muted">{hidden} đề nghị khen thưởng cá nhân không hiển thị công khai: thông tin về cán bộ '
                "chỉ dành cho đơn vị của cán bộ, Hội đồng thi đua – khen thưởng và quản trị (qua API với mã truy cập)."
                "</p>"
            )
            if hidden
            else ""
        )
        return _html(
            render.nominations_page(
                chosen, year, note + render.nominations_body({**result.body, "nominations": collective})
            )
        )

    @app.get("/nominations/{nomination_id}", response_class=HTMLResponse)
    async def nomination(nomination_id: str) -> Response:
        if not _NOMINATION.fullmatch(nomination_id):
            return _bad_request("Mã đề nghị không hợp lệ.")
        if not cfg.admin_token:
            return _html(render.nomination_page(nomination_id, no_token("đề nghị khen thưởng")))
        result = await fetch(f"{awards}/v1/nominations/{quote(nomination_id, safe='')}", token=cfg.admin_token)
        if not result.ok or not isinstance(result.body, dict):
            if result.not_found:
                panel = render.error_panel(
                    "Không tìm thấy đề nghị", f"Không có đề nghị khen thưởng mã {nomination_id}."
                )
                return _html(render.nomination_page(nomination_id, panel), 404)
            status = 200 if result.status in (401, 403) else _status_for(result)
            return _html(render.nomination_page(nomination_id, awards_problem(result)), status)
        if result.body.get("subject_kind") == "officer":
            panel = render.error_panel(
                "Đề nghị khen thưởng cá nhân",
                "Thông tin về cán bộ chỉ dành cho đơn vị của cán bộ, Hội đồng thi đua – khen "
                "thưởng và quản trị (qua API với mã truy cập).",
            )
            return _html(render.nomination_page(nomination_id, panel), 403)
        title = result.body.get("title")
        return _html(
            render.nomination_page(
                nomination_id, render.nomination_body(result.body), title if isinstance(title, str) else None
            )
        )

    return app


def _monthly(results: list[Upstream]) -> tuple[list[float | None], str | None]:
    """Scores month by month (None where a month has no data or failed) and the first failure, if any."""
    values: list[float | None] = []
    problem: str | None = None
    for r in results:
        score: Any = r.body.get("score") if r.ok and isinstance(r.body, dict) else None
        values.append(float(score) if isinstance(score, int | float) and not isinstance(score, bool) else None)
        if not r.ok and not r.not_found and problem is None:
            problem = r.problem
    return values, problem
