"""The dashboard against fake upstream services served over real HTTP (no broker, no database needed): pages,
sign-in and roles, CSRF, the council's vote."""

from __future__ import annotations

import copy
import io
import re
import tomllib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
from fastapi import FastAPI, Header, HTTPException
from fastapi.responses import JSONResponse
from openpyxl import load_workbook

from services.dashboard.app import create_app
from services.dashboard.config import Settings
from tests.integration.support import running_app
from thidua.operator.localinfra.process import free_port

UNIT = "unit-so-tp-token"
OTHER_UNIT = "unit-ub-ht-token"
COUNCIL = "council-token"
SOURCE = "source-hr-token"
WHO: dict[str, dict[str, Any]] = {
    UNIT: {"role": "unit", "unit_id": "SO.TP", "source": None, "token_id": 11},
    OTHER_UNIT: {"role": "unit", "unit_id": "UB.HT", "source": None, "token_id": 12},
    COUNCIL: {"role": "council", "unit_id": None, "source": None, "token_id": 13},
    SOURCE: {"role": "source", "unit_id": None, "source": "noivu-hr", "token_id": 14},
}

ROWS = [
    {
        "rank": 1,
        "subject_id": "SO.TP",
        "name": "Sở Tư pháp",
        "score": 93.5,
        "band": "Tốt",
        "previous_rank": 2,
        "unit_id": "SO.TP",
        "cluster_id": "K1",
        "cluster_name": None,
    },
    {
        "rank": 2,
        "subject_id": "UB.HT",
        "name": "UBND huyện Hải Hậu",
        "score": 88.25,
        "band": "Khá",
        "previous_rank": 1,
        "unit_id": "UB.HT",
        "cluster_id": "K2",
        "cluster_name": None,
    },
    {
        "rank": 3,
        "subject_id": "SO.KHDT",
        "name": "Sở Kế hoạch và Đầu tư",
        "score": 81.0,
        "band": "Khá",
        "previous_rank": 3,
        "unit_id": "SO.KHDT",
        "cluster_id": "K1",
        "cluster_name": None,
    },
    {
        "rank": 4,
        "subject_id": "SO.GTVT",
        "name": "Sở Giao thông vận tải <b>",
        "score": 64.0,
        "band": "Trung bình",
        "previous_rank": None,
        "unit_id": "SO.GTVT",
        "cluster_id": "K1",
        "cluster_name": None,
    },
    {
        "rank": 5,
        "subject_id": "UB.XT",
        "name": "UBND huyện Xuân Trường",
        "score": 41.7,
        "band": "Yếu",
        "previous_rank": 4,
        "unit_id": "UB.XT",
        "cluster_id": "K2",
        "cluster_name": None,
    },
]


def _indicator(
    code: str,
    name: str,
    group: str,
    num: float,
    den: float,
    threshold: float | None,
    max_points: float,
    points: float | None,
) -> dict[str, Any]:
    rate = num / den if den else None
    return {
        "code": code,
        "name": name,
        "group": group,
        "numerator": num,
        "denominator": den,
        "rate": rate,
        "threshold": threshold,
        "max_points": max_points,
        "points": points,
    }


CARD = {
    "unit_id": "SO.TP",
    "period": "2025",
    "rule_version": "2025.1",
    "name": "Sở Tư pháp",
    "cluster_id": "K1",
    "cluster_name": "Khối các sở, ngành nội chính",
    "score": 93.5,
    "band": "Tốt",
    "service_index": 95.12,
    "service_band": "Tốt",
    "culture_index": 90.0,
    "indicators": [
        _indicator("on_time", "Tỷ lệ hồ sơ giải quyết đúng hạn", "timeliness", 4821, 4903, 1.0, 20, 19.67),
        _indicator("online_payment", "Tỷ lệ thanh toán trực tuyến", "online", 0, 0, 0.8, 10, None),
    ],
    "culture": [
        _indicator(
            "training_share",
            "Tỷ lệ cán bộ được bồi dưỡng văn hóa công sở, chuyên môn",
            "culture",
            37,
            42,
            0.8,
            40,
            40.0,
        ),
        _indicator(
            "inspection_findings",
            "Vi phạm qua kiểm tra công vụ (có trọng số, trên 100 cán bộ)",
            "culture",
            2,
            42,
            10.0,
            30,
            25.71,
        ),
    ],
    "groups": {"timeliness": {"max": 20, "points": 19.67, "scored_max": 20}},
    "evidence": {"dossiers_judged": 4903, "officers": 42},
    "as_of": "2025-12-31T16:59:00+00:00",
    # The rest of scoring's answer (schemas.http.scoring.UnitScorecard), as it sends it.
    "status": "scored",
    "status_label": "Tốt",
    "missing": [],
    "notes": [],
    "calendar": {"provisional": False, "provisional_years": []},
}

NOMINATIONS = [
    {
        "id": "2025:co_thi_dua_tinh:SO.TP",
        "title": "co_thi_dua_tinh",
        "year": 2025,
        "subject_kind": "unit",
        "subject_id": "SO.TP",
        "unit_id": "SO.TP",
        "status": "proposed",
        "cash_multiple": 12.0,
        "cash_vnd": 28080000,
        "rule_version": "2025.1",
        "criteria": [
            {"code": "band_tot", "met": True, "reason": "Xếp loại Tốt (93,5 điểm)"},
            {"code": "cluster_lead", "met": True, "reason": "Dẫn đầu khối K1"},
        ],
        "evidence_ids": ["motcua:evt-000017", "hr:evt-000231"],
        "votes": None,
        "blocks": [],
    },
    {
        "id": "2025:lao_dong_tien_tien:CB.0042",
        "title": "lao_dong_tien_tien",
        "year": 2025,
        "subject_kind": "officer",
        "subject_id": "CB.0042",
        "unit_id": "SO.TP",
        "status": "approved",
        "cash_multiple": 0.3,
        "cash_vnd": 702000,
        "rule_version": "2025.1",
        "criteria": [{"code": "no_discipline", "met": True, "reason": "Không bị kỷ luật"}],
        "evidence_ids": [],
        "votes": {"members_total": 9, "members_present": 8, "votes_for": 7},
        "blocks": [],
    },
    {
        "id": "2025:chien_si_thi_dua_co_so:CB.0099",
        "title": "chien_si_thi_dua_co_so",
        "year": 2025,
        "subject_kind": "officer",
        "subject_id": "CB.0099",
        "unit_id": "UB.HT",
        "status": "revoked",
        "cash_multiple": 1.0,
        "cash_vnd": 2340000,
        "cash_estimate": False,
        "decision_date": "2025-12-20",
        "recover_vnd": 2340000,
        "rule_version": "2025.1",
        "criteria": [{"code": "training_hours", "met": False, "reason": "Chưa đủ 40 giờ bồi dưỡng"}],
        "evidence_ids": ["hr:evt-9"],
        "votes": None,
        "blocks": [{"code": "training_hours", "met": False, "reason": "Chưa đủ 40 giờ bồi dưỡng"}],
    },
]


# What awards sends beside the fields above (schemas.http.awards.Nomination): every key, nulls included.
AS_SENT: dict[str, Any] = {
    "reason": None,
    "created_at": "2026-01-05T02:00:00+00:00",
    "updated_at": "2026-01-05T02:00:00+00:00",
    "held_from": None,
    "decision_date": None,
    "cash_vnd": None,
    "base_salary_vnd": 2340000,
    "cash_source": "Nghị định 152/2025/NĐ-CP",
    "recover_vnd": None,
    "rating_basis": None,
    "cash_estimate": True,
}
CASH_TABLES: dict[str, Any] = {
    "on": "2026-01-05",
    "base_salary_vnd": 2340000,
    "base_salary_source": "Nghị định 73/2024/NĐ-CP",
    "cash_source": "Nghị định 152/2025/NĐ-CP",
    "cash_multiples": {},
}


def as_sent(n: dict[str, Any]) -> dict[str, Any]:
    """A stored nomination as awards answers it (the fake's own bookkeeping left out)."""
    return AS_SENT | {k: v for k, v in n.items() if k != "extra_history"}


MERGED = {
    **CARD,
    "unit_id": "NB.13669",
    "name": "Phường Nam Định",
    "lineage": {
        "year_of_change": "combine",
        "predecessors": [
            {
                "unit_id": p,
                "name": f"Phường {p[-1]}",
                "kind": "merge",
                "effective_at": "2025-07-01T00:00:00+07:00",
                "decision_no": "1674/NQ-UBTVQH15",
                "combined": True,
            }
            for p in ("ND.PA", "ND.PB")
        ],
        "successors": [],
    },
}


RULEBOOK_FILE = Path(__file__).resolve().parents[2] / "services/scoring/rules/rulebook.toml"


def fake_services() -> FastAPI:
    """Scoring, awards and notify answering like the real ones (tokens, roles, votes), on one app."""
    app = FastAPI()
    nominations_now = copy.deepcopy(NOMINATIONS)

    def who(authorization: str | None) -> dict[str, Any]:
        token = (authorization or "").removeprefix("Bearer ")
        if not authorization:
            raise HTTPException(401, "a bearer token is required")
        if token not in WHO:
            raise HTTPException(401, "invalid or revoked token")
        return WHO[token]

    @app.get("/v1/whoami")
    async def whoami(authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
        return who(authorization)

    @app.get("/v1/standings")
    async def standings(
        period: str,
        subject: str = "unit",
        unit: str | None = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> dict[str, Any]:
        # As scoring answers (schemas.http.scoring.Standings): every key, nulls included.
        scope: dict[str, Any] = {
            "period": period,
            "cluster": None,
            "rule_version": "2025.1",
            "as_of": "2025-12-31T16:59:00+00:00",
        }
        scope["unranked"] = []
        if subject == "officer":
            caller = who(authorization)
            if caller["role"] == "unit" and caller["unit_id"] != unit:
                raise HTTPException(403, "this token may not do that")
            officer = {"rank": 1, "subject_id": "CB.0042", "name": "Nguyễn Văn An", "score": 91.5, "band": "Tốt"}
            row = officer | {"previous_rank": None, "unit_id": unit, "cluster_id": None, "cluster_name": None}
            return {**scope, "subject": "officer", "unit": unit, "rows": [row], "as_of": None}
        return {**scope, "subject": "unit", "unit": None, "rows": ROWS if period == "2025" else [], "unranked": []}

    @app.get("/v1/units/{unit_id}/scorecard", response_model=None)
    async def scorecard(unit_id: str, period: str) -> dict[str, Any] | JSONResponse:
        if unit_id == MERGED["unit_id"] and period.startswith("2026"):
            return {**MERGED, "period": period}
        if unit_id == "ND.PA" and period.startswith("2026"):  # folded into its successor (docs/contract.md)
            message = (  # as scoring words it (services/scoring/domain/lineage.py, ended_message)
                "ND.PA was merged into NB.13669 (Phường Nam Định) from 2025-07-01 (1674/NQ-UBTVQH15): its evidence"
                " of 2026 counts in the scorecard of NB.13669"
            )
            detail = {
                "error": "no score for this unit and period",
                "details": [{"field": "unit_id", "message": message}],
            }
            return JSONResponse(detail, status_code=404)
        if unit_id != "SO.TP":
            return JSONResponse({"error": "no score for this unit and period", "details": []}, status_code=404)
        if period == "2025":
            return CARD
        month = re.fullmatch(r"2025-(\d\d)", period)
        if month and int(month[1]) in (1, 2, 3, 5, 6):  # April missing: a gap; no data after June
            return {**CARD, "period": period, "score": 80.0 + int(month[1])}
        return JSONResponse({"error": "no score for this unit and period", "details": []}, status_code=404)

    @app.get("/v1/rulebook")
    async def rulebook() -> dict[str, Any]:
        # As scoring answers (schemas.http.scoring.Rulebook): the shipped rule file as content.
        content = tomllib.loads(RULEBOOK_FILE.read_text(encoding="utf-8"))
        return {"version": "v1", "activated_at": "2025-01-01T00:00:00+00:00", "content": content} | {
            "stages": [],
            "movements": [],
        }

    @app.get("/v1/units/{unit_id}/scorecard/next-band")
    async def next_band(unit_id: str, period: str) -> dict[str, Any]:
        return {
            "unit_id": unit_id,
            "period": period,
            "rule_version": "2025.1",
            "status": "below_next_band",
            "score": 88.5,
            "band": "Khá",
            "next_band": "Tốt",
            "next_band_from": 90.0,
            "points_needed": 1.5,
            "dossiers_needed": None,
            "name": "Sở Tư pháp",
            "cluster_id": "K1",
            "as_of": "2025-12-31T16:59:00+00:00",
            "max_successes": 100000,
            "indicators": [
                {
                    "code": "on_time",
                    "name": "Tỷ lệ hồ sơ giải quyết đúng hạn",
                    "group": "timeliness",
                    "best_score": 90.1,
                    "points": 19.67,
                    "max_points": 20,
                    "capped": False,
                    "successes_needed": 37,
                    "unit_of_success": "hồ sơ giải quyết đúng hạn",
                    "reachable": True,
                    "note": None,
                },
                {
                    "code": "training_share",
                    "name": "Bồi dưỡng",
                    "group": "culture",
                    "best_score": None,
                    "points": 40,
                    "max_points": 40,
                    "capped": True,
                    "successes_needed": None,
                    "unit_of_success": None,
                    "reachable": False,
                    "note": None,
                },
            ],
        }

    @app.get("/v1/units/{unit_id}/scorecard/events")
    async def events(unit_id: str, period: str, indicator: str) -> dict[str, Any]:
        if indicator == "training_share":
            return {
                "unit_id": unit_id,
                "period": period,
                "indicator": indicator,
                "calendar": {"provisional": False, "provisional_years": []},
                "events": [
                    {
                        "event_id": "hr-train-0001",
                        "source": "hr",
                        "officer_id": "CB.0042",
                        "at": "2025-03-04T01:00:00Z",
                        "data": {"topic": "office_culture", "hours": 8},
                    }
                ],
            }
        return {
            "unit_id": unit_id,
            "period": period,
            "indicator": indicator,
            "rule_version": "2025.1",
            "calendar": {"provisional": False, "provisional_years": []},
            "cases": [
                {
                    "case": "dossier:HS-2025-000123",
                    "counter": "on_time",
                    "numerator": 1.0,
                    "denominator": 1.0,
                    "events": ["motcua:evt-000017", "motcua:evt-000018"],
                }
            ],
        }

    @app.get("/v1/nominations")
    async def nominations(period: str, authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
        caller = who(authorization)
        if caller["role"] not in ("unit", "council", "admin"):
            raise HTTPException(403, "this token may not do that")
        listed = [n for n in nominations_now if str(n["year"]) == period]
        if caller["role"] == "unit":
            listed = [n for n in listed if n["unit_id"] == caller["unit_id"]]
        return {"period": period, "rule_version": "2025.1", "nominations": [as_sent(n) for n in listed], **CASH_TABLES}

    def find(nomination_id: str, authorization: str | None) -> dict[str, Any]:
        caller = who(authorization)
        for n in nominations_now:
            if n["id"] == nomination_id:
                if caller["role"] == "source" or (caller["role"] == "unit" and caller["unit_id"] != n["unit_id"]):
                    raise HTTPException(403, "this token may not do that")
                return n
        raise HTTPException(404, "no such nomination")

    @app.get("/v1/nominations/{nomination_id}")
    async def nomination(nomination_id: str, authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
        n = find(nomination_id, authorization)
        history = [
            {
                "from_status": None,
                "to_status": "proposed",
                "reason": "đủ tiêu chuẩn",
                "actor": "system",
                "at": "2026-01-05T02:00:00Z",
            }
        ]
        # As awards publishes it: the council's rule for the title, from its rule file (Decree 98/2023 art. 30).
        share = {"chien_si_thi_dua_tinh": 0.9, "chien_si_thi_dua_co_so": 0.8, "co_thi_dua_tinh": 0.8}
        rule = {"quorum_present": 0.8, "approval_share": share.get(str(n.get("title")), 0.5)}
        return {**as_sent(n), "history": history + n.get("extra_history", []), "council_rule": rule}

    @app.post("/v1/nominations/{nomination_id}/votes", response_model=None)
    async def votes(
        nomination_id: str, body: dict[str, int], authorization: Annotated[str | None, Header()] = None
    ) -> dict[str, Any] | JSONResponse:
        caller = who(authorization)
        if caller["role"] not in ("council", "admin"):
            raise HTTPException(403, "this token may not do that")
        n = find(nomination_id, authorization)
        total, present, yes = body["members_total"], body["members_present"], body["votes_for"]
        if present < 0.8 * total:
            message = f"không đủ túc số: {present}/{total} thành viên có mặt (cần ≥ 80%)"
            return JSONResponse(
                {"error": "the vote decides nothing", "details": [{"field": "votes", "message": message}]}, 409
            )
        n["status"] = "approved" if yes >= 0.8 * total else "rejected"
        n["votes"] = dict(body)
        n["extra_history"] = [
            {
                "from_status": "proposed",
                "to_status": n["status"],
                "reason": f"{yes}/{total}",
                "actor": f"council:token#{caller['token_id']}",
                "at": "2026-11-25T02:00:00Z",
            }
        ]
        return as_sent(n)  # as awards answers a vote (schemas.http.awards.Nomination)

    @app.get("/v1/periods/{period}/preview")
    async def preview(
        period: str, unit: str | None = None, authorization: Annotated[str | None, Header()] = None
    ) -> dict[str, Any]:
        caller = who(authorization) if authorization else None
        if period == "2025":
            return {
                "period": period,
                "closed": True,
                "provisional": False,
                "closed_at": "2025-12-16T01:00:00Z",
                "message": f"năm {period} đã kết thúc xét khen thưởng: xem danh sách đề nghị (the year is closed)",
                "nominations": f"/v1/nominations?period={period}",
                "units": [],
            }
        visible = caller is not None and (caller["role"] in ("council", "admin") or caller["unit_id"] == "SO.TP")
        officer = {
            "id": f"lao_dong_tien_tien:{period}:officer:CB.0042",
            "provisional": True,
            "title": "lao_dong_tien_tien",
            "subject_kind": "officer",
            "year": int(period),
            "subject_id": "CB.0042",
            "unit_id": "SO.TP",
            "status": "proposed",
            "criteria": [{"code": "rating_good_or_better", "met": True, "reason": "tốt"}],
            "evidence_ids": ["ev-rating-0042"],
            "cash_multiple": 0.3,
            "cash_vnd": 760000,
            "base_salary_vnd": 2340000,
            "cash_source": "decree_152_2025",
            "cash_estimate": True,
            "rating_basis": "officer_rating",
        }
        flag = {**officer, "id": f"co_thi_dua_tinh:{period}:unit:SO.TP", "title": "co_thi_dua_tinh"}
        flag |= {"subject_kind": "unit", "subject_id": "SO.TP", "status": "on_hold", "cash_vnd": 20240000}
        flag["criteria"] = [{"code": "no_open_case", "met": False, "reason": "vụ việc KN-7 đang giải quyết"}]
        flag |= {"cash_multiple": 8.6, "rating_basis": None}
        if not visible:
            flag |= {"criteria": None, "evidence_ids": None}
        part = {
            "unit_id": "SO.TP",
            "name": "Sở Tư pháp",
            "cluster_id": "khoi-so-nganh",
            "officers_visible": visible,
            "lineage": None,
            "members": 3,
            "nominations": [officer, flag] if visible else [flag],
            "nomination_count": 2,
            "officer_nomination_count": 1,
            "cash_estimate_vnd": 21000000,
            "missing": {
                "unit_rating": True,
                "unrated_count": 1,
                "rated_by_evidence_count": 0,
                "unrated_members": [{"officer_id": "CB.0077", "name": "Lê Thị Hoa"}] if visible else None,
                "open_case_count": 1,
                "open_cases": [{"subject_kind": "unit", "subject_id": "SO.TP", "kind": "complaint", "case_id": "KN-7"}],
                "dossier_deadline": f"{period}-12-10",
                "hold_count": 1,
                "holds": [],
                "votes_to_come": 1,
                "vote_ids": [],
            },
        }
        totals = {"units": 1, "nominations": 2, "cash_estimate_vnd": 21000000, "unrated_members": 1}
        totals |= {"units_without_rating": 1, "holds": 1, "votes_to_come": 1}
        return {
            "period": period,
            "closed": False,
            "provisional": True,
            "as_of": "2026-12-04",
            "rule_version": "2025.2",
            "rating_deadline": f"{period}-12-15",
            "rating_days_left": 11,
            "dossier_deadline": f"{period}-12-10",
            "dossier_days_left": 6,
            "totals": totals,
            "units": [part] if unit in (None, "SO.TP") else [],
        }

    @app.get("/v1/units/{unit_id}/notifications")
    async def notifications(unit_id: str, authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
        caller = who(authorization)
        if not (caller["role"] == "admin" or (caller["role"] == "unit" and caller["unit_id"] == unit_id)):
            raise HTTPException(403, "this token may not do that")
        return {
            "unit_id": unit_id,
            "unread_count": 1,
            "items": [
                {
                    "id": 7,
                    "unit_id": unit_id,
                    "kind": "band_dropped",
                    "priority": "high",
                    "condition_key": f"band_dropped:{unit_id}:2025-Q3",
                    "title": "Xếp loại giảm từ Tốt xuống Khá",
                    "body": "Điểm quý 3 giảm còn 88,2.",
                    "link": "javascript:x",
                    "data": {"from": "tot", "to": "kha"},
                    "created_at": "2025-10-01T03:00:00Z",
                    "read": False,
                    "read_at": None,
                },
                # A kind this dashboard has no words for, with neither title nor body: shown as its JSON.
                {
                    "id": 8,
                    "unit_id": unit_id,
                    "kind": "odd",
                    "priority": "normal",
                    "condition_key": f"odd:{unit_id}",
                    "title": "",
                    "body": "",
                    "link": None,
                    "data": {"x": 1},
                    "created_at": "2025-09-01T03:00:00Z",
                    "read": True,
                    "read_at": "2025-09-02T03:00:00Z",
                },
            ],
        }

    return app


def settings_for(base: str) -> Settings:
    return Settings(scoring_url=base, awards_url=base, notify_url=base, evidence_url=base, timeout=5.0)


@pytest.fixture
async def web() -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(fake_services()) as upstream, running_app(create_app(settings_for(upstream))) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            yield client


def csrf(page: str) -> str:
    """The CSRF token of the page's forms."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no CSRF field on the page"
    return found[1]


async def sign_in(client: httpx.AsyncClient, token: str, next_path: str = "") -> httpx.Response:
    form = await client.get("/sign-in")
    return await client.post("/sign-in", data={"token": token, "csrf_token": csrf(form.text), "next": next_path})


async def test_healthz(web: httpx.AsyncClient) -> None:
    response = await web.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert (await web.get("/readyz")).json() == {"status": "ok"}


async def test_static_files_are_served_and_pages_use_no_cdn(web: httpx.AsyncClient) -> None:
    css = await web.get("/static/app.css")
    js = await web.get("/static/app.js")
    assert css.status_code == js.status_code == 200
    assert "text/css" in css.headers["content-type"] and "progress" in css.text
    page = (await web.get("/", params={"period": "2025"})).text
    assert '<link rel="stylesheet" href="/static/app.css">' in page and '<script src="/static/app.js"' in page
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing from another site: works offline
    assert 'id="progress"' in page


async def test_leaderboard_groups_clusters_and_ranks_in_order(web: httpx.AsyncClient) -> None:
    response = await web.get("/", params={"period": "2025"})
    assert response.status_code == 200
    page = response.text
    assert "Thi đua — Văn hóa công sở" in page
    assert "Sở Kế hoạch và Đầu tư" in page and "UBND huyện Xuân Trường" in page  # diacritics intact
    assert "Sở Giao thông vận tải &lt;b&gt;" in page  # escaped
    k1 = page[page.index('data-cluster="K1"') : page.index('data-cluster="K2"')]
    assert k1.index("Sở Tư pháp") < k1.index("Sở Kế hoạch và Đầu tư") < k1.index("Sở Giao thông vận tải")
    k2 = page[page.index('data-cluster="K2"') :]
    assert k2.index("UBND huyện Hải Hậu") < k2.index("UBND huyện Xuân Trường")
    assert "▲1" in page and "▼1" in page
    assert "93,50" in page and "81,00" in page and "88,25" in page  # scores always with two decimals
    assert page.count('class="bar"') == 8  # four bands per cluster
    assert 'http-equiv="refresh"' in page and "/partials/leaderboards?period=2025" in page
    partial = await web.get("/partials/leaderboards", params={"period": "2025"})
    assert partial.status_code == 200 and "UBND huyện Hải Hậu" in partial.text and "<html" not in partial.text


async def test_the_first_screen_opens_on_the_latest_period_with_standings(web: httpx.AsyncClient) -> None:
    # The fake scoring has standings for 2025 only: this year and this month are empty, so the home page opens
    # on 2025 (never on an empty year); a period without data names the periods that have some.
    response = await web.get("/")
    assert response.status_code == 200
    assert "Sở Tư pháp" in response.text and "Chưa có kết quả" not in response.text
    assert "/partials/leaderboards?period=2025" in response.text
    empty = await web.get("/", params={"period": "2024-Q2"})
    assert empty.status_code == 200
    assert "Chưa có kết quả xếp hạng cho quý 2/2024" in empty.text
    assert 'Các kỳ đã có kết quả: <a href="/?period=2025">Năm 2025</a>' in empty.text


async def test_bad_period_is_a_friendly_400(web: httpx.AsyncClient) -> None:
    response = await web.get("/", params={"period": "năm ngoái"})
    assert response.status_code == 400
    assert "không hợp lệ" in response.text and "Traceback" not in response.text


async def test_scorecard_shows_counts_links_trend_and_what_it_takes(web: httpx.AsyncClient) -> None:
    response = await web.get("/units/SO.TP", params={"period": "2025"})
    assert response.status_code == 200
    page = response.text
    assert "Sở Tư pháp" in page and "Khối các sở, ngành nội chính" in page
    assert "4.821" in page and "4.903" in page  # numerator and denominator
    assert "chưa có dữ liệu" in page  # online_payment has no points
    assert "93,50" in page and "95,12" in page and "90,00" in page  # scores with two decimals
    assert "2025.1" in page
    assert "/units/SO.TP/events?period=2025&amp;indicator=on_time" in page
    assert "/units/SO.TP/events?period=2025&amp;indicator=training_share" in page
    trend = page[page.index('<svg class="trend"') :]
    trend = trend[: trend.index("</svg>")]
    assert trend.count('class="point"') == 5  # Jan, Feb, Mar, May, Jun
    assert trend.count("<polyline") == 2  # broken at April
    need = page[page.index('id="next-band"') :]
    assert "Cần gì để lên xếp loại tiếp theo" in need and "37 hồ sơ giải quyết đúng hạn" in need
    assert "đã đạt tối đa" in need


async def test_events_page_lists_event_ids(web: httpx.AsyncClient) -> None:
    cases = await web.get("/units/SO.TP/events", params={"period": "2025", "indicator": "on_time"})
    assert cases.status_code == 200
    assert "dossier:HS-2025-000123" in cases.text and "motcua:evt-000018" in cases.text
    facts = await web.get("/units/SO.TP/events", params={"period": "2025", "indicator": "training_share"})
    assert facts.status_code == 200
    assert "hr-train-0001" in facts.text and "office_culture" in facts.text


async def test_unknown_unit_scorecard_is_friendly(web: httpx.AsyncClient) -> None:
    response = await web.get("/units/KHONG.CO", params={"period": "2025"})
    assert response.status_code == 404
    assert "Chưa có phiếu điểm" in response.text


async def test_a_merged_unit_shows_its_lineage_and_a_predecessor_points_to_it(web: httpx.AsyncClient) -> None:
    merged = await web.get("/units/NB.13669", params={"period": "2026"})
    assert merged.status_code == 200
    block = merged.text[merged.text.index('id="lineage"') :]
    assert "Hợp nhất từ" in block and '<a href="/units/ND.PA?period=2025-Q2">Phường A</a>' in block
    assert "Số liệu kỳ này gồm cả minh chứng của các đơn vị tiền thân" in block
    folded = await web.get("/units/ND.PA", params={"period": "2026"})
    assert folded.status_code == 404  # no scorecard of its own, but no error either
    assert 'Đã hợp nhất vào <a href="/units/NB.13669?period=2026">Phường Nam Định</a>' in folded.text
    assert "từ 01/07/2025 (Nghị quyết số 1674/NQ-UBTVQH15)" in folded.text
    assert "Chưa có phiếu điểm" not in folded.text
    other = await web.get("/units/ND.PB", params={"period": "2026"})  # a plain 404 names no successor
    assert other.status_code == 404 and "Chưa có phiếu điểm" in other.text


async def test_a_merged_units_download_tells_its_lineage_and_a_predecessors_names_its_successor(
    web: httpx.AsyncClient,
) -> None:
    merged = await web.get("/units/NB.13669/scorecard.xlsx", params={"period": "2026"})
    assert merged.status_code == 200
    sheet = load_workbook(io.BytesIO(merged.content))["Phiếu chấm điểm"]
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "Lịch sử sắp xếp đơn vị" in cells
    assert "Hợp nhất từ Phường A (ND.PA), Phường B (ND.PB) từ 01/07/2025 (Nghị quyết số 1674/NQ-UBTVQH15)." in cells
    folded = await web.get("/units/ND.PA/scorecard.pdf", params={"period": "2026"})
    assert folded.status_code == 404 and "Không có phiếu điểm riêng" in folded.text
    assert "Đơn vị ND.PA đã hợp nhất vào Phường Nam Định (NB.13669) từ 01/07/2025" in folded.text
    assert "được tính vào phiếu điểm của Phường Nam Định (NB.13669)" in folded.text
    plain = await web.get("/units/ND.PB/scorecard.docx", params={"period": "2026"})  # names no successor
    assert plain.status_code == 404 and "Chưa có phiếu điểm" in plain.text


async def test_nobody_signed_in_sees_public_pages_only(web: httpx.AsyncClient) -> None:
    assert "Đăng nhập" in (await web.get("/", params={"period": "2025"})).text
    for path in (
        "/units/SO.TP/inbox",
        "/units/SO.TP/officers",
        "/nominations",
        "/nominations/2025:co_thi_dua_tinh:SO.TP",
    ):
        response = await web.get(path)
        assert response.status_code == 401, path
        assert "Cần đăng nhập" in response.text and "/sign-in?next=" in response.text, path
        assert "CB.0042" not in response.text and "Xếp loại giảm" not in response.text, path


async def test_a_wrong_token_does_not_sign_in(web: httpx.AsyncClient) -> None:
    response = await sign_in(web, "not-a-token")
    assert response.status_code == 401 and "Mã truy cập không đúng" in response.text
    assert "Đăng xuất" not in response.text


async def test_forms_without_the_csrf_token_are_refused(web: httpx.AsyncClient) -> None:
    await web.get("/sign-in")
    refused = await web.post("/sign-in", data={"token": UNIT, "csrf_token": "guess"})
    assert refused.status_code == 403 and "Đăng xuất" not in refused.text
    await sign_in(web, COUNCIL)
    vote = await web.post(
        "/nominations/2025:co_thi_dua_tinh:SO.TP/votes",
        data={"members_total": "9", "members_present": "9", "votes_for": "9"},
    )
    assert vote.status_code == 403
    detail = await web.get("/nominations/2025:co_thi_dua_tinh:SO.TP")
    assert "đề nghị" in detail.text and "được duyệt" not in detail.text.split("Biểu quyết")[0]


async def test_the_session_cookie_is_signed_httponly_and_samesite(web: httpx.AsyncClient) -> None:
    response = await sign_in(web, UNIT)
    assert response.status_code == 303 and response.headers["location"] == "/units/SO.TP/inbox"
    cookie = response.headers["set-cookie"].lower()
    assert "thidua_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    tampered = httpx.AsyncClient(base_url=str(web.base_url), timeout=30)
    value = response.cookies["thidua_session"]
    tampered.cookies.set("thidua_session", value[:-4] + ("AAAA" if not value.endswith("AAAA") else "BBBB"))
    async with tampered:
        assert (await tampered.get("/units/SO.TP/inbox")).status_code == 401


async def test_a_unit_sees_its_inbox_officers_and_nominations(web: httpx.AsyncClient) -> None:
    signed = await sign_in(web, UNIT)
    assert signed.status_code == 303
    inbox = await web.get("/units/SO.TP/inbox")
    assert inbox.status_code == 200
    assert "Xếp loại giảm từ Tốt xuống Khá" in inbox.text and "Chưa đọc" in inbox.text
    assert "javascript:" not in inbox.text  # an unsafe link from data is dropped
    assert '"x": 1' in inbox.text  # an unknown shape is shown as JSON
    assert "Đơn vị SO.TP" in inbox.text and "Đăng xuất" in inbox.text
    officers = await web.get("/units/SO.TP/officers", params={"period": "2025"})
    assert officers.status_code == 200 and "Nguyễn Văn An" in officers.text and "91,50" in officers.text
    noms = await web.get("/nominations", params={"period": "2025"})
    assert noms.status_code == 200
    assert "Cờ thi đua của UBND tỉnh" in noms.text and "28.080.000 ₫" in noms.text and "CB.0042" in noms.text
    assert "CB.0099" not in noms.text  # another unit's officer
    own = await web.get("/nominations/2025:lao_dong_tien_tien:CB.0042")
    assert own.status_code == 200 and "Không bị kỷ luật" in own.text and 'id="vote-form"' not in own.text
    other = await web.get("/nominations/2025:chien_si_thi_dua_co_so:CB.0099")
    assert other.status_code == 403 and "Chưa đủ 40 giờ bồi dưỡng" not in other.text
    for path in ("/units/UB.HT/inbox", "/units/UB.HT/officers"):
        assert (await web.get(path)).status_code == 403, path
    vote = await web.post(
        "/nominations/2025:co_thi_dua_tinh:SO.TP/votes",
        data={"members_total": "9", "members_present": "9", "votes_for": "9", "csrf_token": csrf(own.text)},
    )
    assert vote.status_code == 403  # only the council votes


async def test_sign_out_ends_the_session(web: httpx.AsyncClient) -> None:
    await sign_in(web, UNIT)
    inbox = await web.get("/units/SO.TP/inbox")
    out = await web.post("/sign-out", data={"csrf_token": csrf(inbox.text)})
    assert out.status_code == 303
    assert (await web.get("/units/SO.TP/inbox")).status_code == 401


async def test_the_council_sees_every_nomination_and_records_a_vote(web: httpx.AsyncClient) -> None:
    signed = await sign_in(web, COUNCIL, "/nominations?period=2025")
    assert signed.headers["location"] == "/nominations?period=2025"
    noms = await web.get("/nominations", params={"period": "2025"})
    assert noms.status_code == 200 and "CB.0042" in noms.text and "CB.0099" in noms.text
    assert (await web.get("/units/SO.TP/inbox")).status_code == 403  # not units' inboxes
    detail = await web.get("/nominations/2025:co_thi_dua_tinh:SO.TP")
    assert detail.status_code == 200 and 'id="vote-form"' in detail.text
    assert "80%" in detail.text and "túc số" in detail.text  # quorum and threshold shown before submitting
    token = csrf(detail.text)
    short = await web.post(
        "/nominations/2025:co_thi_dua_tinh:SO.TP/votes",
        data={"members_total": "10", "members_present": "5", "votes_for": "5", "csrf_token": token},
    )
    assert short.status_code == 409 and "không đủ túc số" in short.text and 'value="5"' in short.text
    bad = await web.post(
        "/nominations/2025:co_thi_dua_tinh:SO.TP/votes",
        data={"members_total": "mười", "members_present": "5", "votes_for": "5", "csrf_token": token},
    )
    assert bad.status_code == 400 and "số nguyên" in bad.text
    superscript = await web.post(  # issue 23: '²' passed str.isdigit() and made int() fail (500)
        "/nominations/2025:co_thi_dua_tinh:SO.TP/votes",
        data={"members_total": "²", "members_present": "5", "votes_for": "5", "csrf_token": token},
    )
    assert superscript.status_code == 400 and "số nguyên" in superscript.text
    done = await web.post(
        "/nominations/2025:co_thi_dua_tinh:SO.TP/votes",
        data={"members_total": "10", "members_present": "9", "votes_for": "9", "csrf_token": token},
    )
    assert done.status_code == 303
    after = await web.get(done.headers["location"])
    assert "Đã ghi biểu quyết: được duyệt" in after.text and "council:token#13" in after.text
    assert 'id="vote-form"' not in after.text  # decided: no longer open to a vote
    missing = await web.get("/nominations/2025:khong_co")
    assert missing.status_code == 404 and "Không tìm thấy đề nghị" in missing.text


async def test_the_hr_office_reaches_the_ratings_import(web: httpx.AsyncClient) -> None:
    assert (await web.get("/ratings/import")).status_code == 401
    signed = await sign_in(web, SOURCE)
    assert signed.headers["location"] == "/ratings/import"
    page = await web.get("/ratings/import")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
    assert (await web.get("/nominations")).status_code == 403


async def test_upstream_outage_gives_an_error_panel() -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    async with (
        running_app(create_app(settings_for(dead))) as base,
        httpx.AsyncClient(base_url=base, timeout=30) as client,
    ):
        for path, params in (
            ("/", {"period": "2025"}),
            ("/units/SO.TP", {"period": "2025"}),
            ("/units/SO.TP/events", {"period": "2025", "indicator": "on_time"}),
        ):
            response = await client.get(path, params=params)
            assert response.status_code in (200, 502), path
            assert 'class="card error"' in response.text, path
            assert "Không lấy được dữ liệu" in response.text, path
            assert "Traceback" not in response.text
        refused = await sign_in(client, UNIT)
        assert refused.status_code == 502 and "Không kiểm tra được mã truy cập" in refused.text
        unknown = await client.get("/khong-co-trang-nay")
        assert unknown.status_code == 404 and "Không tìm thấy trang" in unknown.text


async def test_year_end_preview_page_shows_provisional_results_and_what_is_missing(web: httpx.AsyncClient) -> None:
    # Nobody signed in: the unit's figures (public), no officer names (thidua/runtime/policy.py).
    public = await web.get("/nominations/preview", params={"period": "2026"})
    assert public.status_code == 200 and "Xem trước kết quả cuối năm 2026" in public.text
    assert "Kết quả tạm tính" in public.text and "tạm tính" in public.text
    assert "còn <strong>6</strong> ngày đến hạn nộp hồ sơ (10/12/2026)" in public.text.replace("Còn", "còn")
    assert "Cờ thi đua của UBND tỉnh" in public.text and "20.240.000 ₫" in public.text
    assert "CB.0042" not in public.text and "Lê Thị Hoa" not in public.text
    assert "1 cán bộ chưa có xếp loại năm 2026" in public.text and "Chưa nhận xếp loại của đơn vị" in public.text
    # The unit's own token: its officers, unrated by name, the criteria not met.
    await sign_in(web, UNIT)
    own = await web.get("/nominations/preview", params={"period": "2026"})
    assert own.status_code == 200 and "CB.0042" in own.text and "Lê Thị Hoa (CB.0077)" in own.text
    assert "760.000 ₫" in own.text and "vụ việc KN-7 đang giải quyết" in own.text
    # Linked from the nominations page; a closed year points to the nominations; bounds are friendly.
    listing = await web.get("/nominations", params={"period": "2026"})
    assert 'href="/nominations/preview?period=2026"' in listing.text
    closed = await web.get("/nominations/preview", params={"period": "2025"})
    assert closed.status_code == 200 and "đã kết thúc xét khen thưởng" in closed.text
    assert (await web.get("/nominations/preview", params={"period": "1999"})).status_code == 400
    assert (await web.get("/nominations/preview", params={"period": "2026", "unit": "<b>"})).status_code == 400


async def test_nominations_show_estimates_and_amounts_to_recover(web: httpx.AsyncClient) -> None:
    await sign_in(web, COUNCIL)
    listing = await web.get("/nominations", params={"period": "2025"})
    assert "Phải thu hồi 2.340.000 ₫" in listing.text
    revoked = await web.get("/nominations/2025:chien_si_thi_dua_co_so:CB.0099")
    assert revoked.status_code == 200 and 'id="recover"' in revoked.text and "20/12/2025" in revoked.text
    detail = await web.get("/nominations/2025:co_thi_dua_tinh:SO.TP")
    assert 'name="decision_date"' in detail.text
    bad = await web.post(
        "/nominations/2025:co_thi_dua_tinh:SO.TP/votes",
        data={"members_total": "10", "members_present": "9", "votes_for": "9", "decision_date": "ngày mai"}
        | {"csrf_token": csrf(detail.text)},
    )
    assert bad.status_code == 400 and "Ngày ký quyết định không hợp lệ" in bad.text
