"""The dashboard's Decree 335/2025 tracking pages and sheet files from fake scoring answers (issue 26)."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import httpx
from openpyxl import load_workbook

from schemas.http.scoring_tracking import OfficerTracking, Sheet, TrackedTask, UnitTracking
from services.dashboard import documents, tracking
from services.dashboard.app import create_app
from services.dashboard.config import Settings
from services.dashboard.documents import tracking_sheet
from services.dashboard.documents.content import Issuer
from services.dashboard.documents.model import Heading
from services.dashboard.rendering import render
from services.dashboard.upstream import Upstream
from services.notify.domain import templates
from tests.integration.test_dashboard import csrf

BASE = {"user": None, "csrf": "x", "flash": None, "active": "", "refresh": None}
ISSUER = Issuer("UBND TỈNH NINH BÌNH", "SỞ TƯ PHÁP", "Ninh Bình", "tỉnh Ninh Bình", ("THỦ TRƯỞNG",), "")


def march_sheet(**extra: Any) -> dict[str, Any]:
    """The issue's March 2026 case (Decree 335/2025 Art. 14): 40 dossiers of weight 1, 3 late (one excused),
    1 returned for error: a = 100, b = (39 + 0.75) / 40 = 99.375, c = (37 + 0.75 · 2 + 1) / 40 = 98.75,
    points = mean × 0.7 = 69.5625."""
    late = [
        {"kind": "late", "key": f"HS-{n}", "event": f"motcua:e{n}", "excused": n == 3, "cause_event": None}
        for n in (1, 2, 3)
    ]
    late[2]["cause_event"] = "office:cause-1"
    returned = {"kind": "quality", "key": "HS-9", "event": "motcua:r9", "excused": False, "cause_event": None}
    return {
        "period": "2026-03",
        "unit_id": "SO.TP",
        "tasks": {"assigned": 40, "done": 40, "at_quality": 39.75, "on_time": 39.5},
        "shares": {"a": 100.0, "b": 99.375, "c": 98.75},
        "task_points": 69.5625,
        "deductions": [*late, returned],
        "general": None,
        "general_points": None,
        "general_evidence": {
            "disciplines": [],
            "conduct_complaints": [{"complaint_id": "PA-1", "unit_id": "SO.TP", "events": ["pakn:PA-1"]}],
            "inspection_findings": [],
            "training_hours": 8,
        },
        "total": None,
        "below_complete": False,
        "note": None,
    } | extra


ASSESSED = {
    "criteria": {"pham_chat": 10, "nang_luc": 9, "doi_moi": 8},
    "max": {"pham_chat": 10, "nang_luc": 10, "doi_moi": 10},
    "capped": [],
    "unknown": [],
    "assessor": "Trần Thị Bình",
    "event": "hr:assess-1",
}


def answer(**sheet: Any) -> dict[str, Any]:
    return {
        "officer_id": "CB.0042",
        "name": "Nguyễn Văn <An>",
        "unit_id": "SO.TP",
        "year": 2026,
        "rule_version": "2026.3",
        "period_kind": "month",
        "civil_servant": True,
        "as_of": "2026-04-01T00:00:00+07:00",
        "periods": [march_sheet(**sheet)],
        "year_rating": {
            "score": 96.5625,
            "level": "excellent",
            "periods": ["2026-03"],
            "not_complete": [],
            "capped": False,
            "cap_reason": None,
            "unseen": [],
            "partial": False,
            "hr_rating": None,
        },
    }


TASKS = [
    {
        "key": f"HS-{n}",
        "kind": "dossier",
        "unit_id": "SO.TP",
        "weight": 1,
        "done": True,
        "late": n in (1, 2, 3),
        "quality_failures": 1 if n == 9 else 0,
        "excused_late": 1 if n == 3 else 0,
        "excused_quality": 0,
        "events": [f"motcua:e{n}"],
    }
    for n in range(1, 41)
]


def sheet_model(**extra: Any) -> Sheet:
    """The March sheet as the page reads it: parsed as the contract's model."""
    return Sheet.model_validate(march_sheet(**extra))


def tracked(**sheet: Any) -> OfficerTracking:
    return OfficerTracking.model_validate(answer(**sheet))


def task_models(listed: list[dict[str, Any]]) -> list[TrackedTask]:
    return [TrackedTask.model_validate(t) for t in listed]


def test_march_case_shapes_shares_points_and_deductions_art14() -> None:
    row = tracking.period_row(sheet_model())
    assert (row.a, row.b, row.c, row.task_points) == (100.0, 99.375, 98.75, 69.5625)
    assert row.total is None and row.total_note == tracking.NO_GENERAL  # Art. 12–13: general points not yet given
    assert row.deductions == 3  # the excused delay does not count (Art. 14: objective cause)
    cut = tracking.deductions(sheet_model())
    assert [d.excused for d in cut] == [False, False, True, False]
    assert cut[2].cause_event == "office:cause-1" and cut[3].kind == "quality"
    parsed = tracking.parsed_tasks(Upstream(200, TASKS))
    assert parsed is not None
    listed = tracking.tasks(parsed)
    assert len(listed) == 40 and sum(t.late for t in listed) == 3 and listed[0].kind == "Hồ sơ thủ tục hành chính"
    assert listed[0].weight == 1.0 and listed[0].events == ("motcua:e1",)


def test_a_tasks_answer_that_is_not_the_contracts_list_is_no_answer() -> None:
    # The page shows scoring's panel in the tasks' place, as for a failed call.
    assert tracking.parsed_tasks(Upstream(200, {"tasks": TASKS[:2]})) is None
    assert tracking.parsed_tasks(Upstream(200, [{"key": "HS-1"}])) is None
    assert tracking.parsed_tasks(Upstream(503, TASKS, problem="HTTP 503")) is None
    assert tracking.parsed_tasks(Upstream(200, [])) == []


def test_general_criteria_are_the_managers_points_with_evidence_beside_art12_13() -> None:
    unassessed = tracking.criteria(sheet_model())
    assert [c.code for c in unassessed] == ["pham_chat", "nang_luc", "doi_moi"]
    assert all(c.points is None for c in unassessed)
    capped = tracking.criteria(sheet_model(general={**ASSESSED, "capped": ["doi_moi"]}))
    assert [(c.points, c.max, c.capped) for c in capped][2] == (8.0, 10.0, True)
    held = {e.code: e for e in tracking.evidence(sheet_model())}
    assert held["conduct_complaints"].count == 1 and held["conduct_complaints"].items == ("PA-1",)
    assert held["training_hours"].count == 8 and held["disciplines"].count == 0


def test_general_evidence_lines_say_what_each_piece_carries() -> None:
    seen = {
        "disciplines": [
            {"form": "khiển trách", "decision_no": "12/QĐ", "duty_related": False, "event": "hr:d-1"},
            {"form": None, "decision_no": None, "duty_related": True, "event": ""},
        ],
        "conduct_complaints": [],
        "inspection_findings": [{"findings": [{"code": "F1"}], "event": "inspect:i-1"}],
        "training_hours": 2.5,
    }
    held = {e.code: e for e in tracking.evidence(sheet_model(general_evidence=seen))}
    assert held["disciplines"].items == ("12/QĐ; khiển trách; hr:d-1; không gắn với thực thi công vụ", "—")
    assert held["inspection_findings"].items == ("inspect:i-1",) and held["training_hours"].count == 2.5
    assert [e.code for e in tracking.evidence(sheet_model())] == list(tracking.EVIDENCE_NAMES)


def test_year_view_and_period_choice_art20_21() -> None:
    body = answer()
    body["year_rating"] |= {"level": "good", "capped": True, "hr_rating": "complete", "cap_reason": "vượt 20%"}
    view = tracking.year_view(OfficerTracking.model_validate(body))
    assert view.cap_reason == "vượt 20%"
    assert view.level == "Hoàn thành tốt nhiệm vụ" and view.capped and view.hr_level == "Hoàn thành nhiệm vụ"
    empty = march_sheet(period="2026-04", tasks={"assigned": 0, "done": 0, "at_quality": 0, "on_time": 0})
    body["periods"].append(empty)
    both = OfficerTracking.model_validate(body)
    assert tracking.chosen_period(both, None) == "2026-03"  # the latest with assigned work
    assert tracking.chosen_period(both, "2026-04") == "2026-04" and tracking.chosen_period(both, "2026-09") == "2026-03"
    assert tracking.sheet_of(both, "2026-04") is both.periods[1] and tracking.sheet_of(both, "2026-09") is None
    unrated = OfficerTracking.model_validate(answer() | {"year_rating": None, "periods": []})
    assert tracking.year_view(unrated).score is None and tracking.chosen_period(unrated, None) is None
    assert tracking.valid_officer_id("CB.0042") and not tracking.valid_officer_id("..")
    assert not tracking.valid_officer_id("a/b") and not tracking.valid_officer_id("")
    assert tracking.year_choices(2026, 2026) == [2026]


def test_officer_page_renders_escaped_with_tasks_and_general_evidence() -> None:
    body = tracked()
    sheet = tracking.sheet_of(body, "2026-03")
    assert sheet is not None
    html = render(
        "officer_tracking.html",
        **BASE,
        title="t",
        officer_id="CB.0042",
        year=2026,
        years=[2026],
        panel=None,
        body=body,
        rows=tracking.period_rows(body),
        shown="2026-03",
        sheet=sheet,
        row=tracking.period_row(sheet),
        criteria=tracking.criteria(sheet),
        evidence=tracking.evidence(sheet),
        deductions=tracking.deductions(sheet),
        tasks=tracking.tasks(task_models(TASKS)),
        tasks_problem=None,
        rating=tracking.year_view(body),
    )
    assert "Nguyễn Văn &lt;An&gt;" in html and "<An>" not in html
    assert 'data-share="b">99,38%' in html and 'data-points="task">69,56' in html
    assert html.count('data-task="HS-') == 40 and "office:cause-1" in html
    assert "chưa có điểm tiêu chí chung" in html and "Hoàn thành xuất sắc nhiệm vụ" in html
    assert "/officers/CB.0042/tracking.xlsx?period=2026-03" in html and "style=" not in html


def test_unit_page_lists_officers_and_links_their_sheets() -> None:
    sheets = UnitTracking.model_validate(
        {
            "unit_id": "SO.TP",
            "period": "2026-03",
            "rule_version": "2026.3",
            "officers": [
                {
                    "officer_id": "CB.1",
                    "name": "A",
                    "task_points": 15.0,
                    "general_points": None,
                    "total": None,
                    "below_complete": True,
                },
                {
                    "officer_id": "CB.0042",
                    "name": "B",
                    "task_points": 69.5625,
                    "general_points": 27.0,
                    "total": 96.5625,
                    "below_complete": False,
                },
            ],
        }
    )
    rows = tracking.unit_rows(sheets)
    assert [r.officer_id for r in rows] == ["CB.0042", "CB.1"]
    html = render(
        "unit_tracking.html",
        **BASE,
        title="t",
        unit_id="SO.TP",
        period="2026-03",
        year=2026,
        months=["2026-03"],
        panel=None,
        body=sheets,
        rows=rows,
    )
    assert "/officers/CB.0042/tracking?year=2026&amp;period=2026-03" in html and "96,56" in html
    assert "dưới mức hoàn thành" in html and "chưa có điểm tiêu chí chung" in html


def test_sheet_xlsx_holds_the_numbers_tasks_and_signatures() -> None:
    body = tracked(general=ASSESSED, general_points=27.0, total=96.5625)
    data = documents.tracking_xlsx(
        body, body.periods[0], tasks=task_models(TASKS), issued_on=date(2026, 4, 2), issuer=ISSUER
    )
    wb = load_workbook(io.BytesIO(data))
    first = wb["Phiếu theo dõi"]
    values = {r[0]: r[1] for r in first.iter_rows(values_only=True) if r[0]}
    assert values["b. Tỷ lệ hoàn thành bảo đảm chất lượng (%)"] == 99.375
    assert values["Điểm kết quả thực hiện nhiệm vụ"] == 69.5625
    assert values["Điểm tiêu chí chung"] == 27 and values["Tổng điểm của kỳ"] == 96.5625
    assert any("THỦ TRƯỞNG ĐƠN VỊ" in str(c) for r in first.iter_rows(values_only=True) for c in r)
    assert wb["Các việc được giao"].max_row >= 40 + 3
    assert documents.filename("tracking_xlsx", "2026-03", "CB.0042") == "phieu-theo-doi-danh-gia_CB.0042_2026-03.xlsx"


def test_sheet_document_layout_office_files() -> None:
    body = tracked()
    tasks = tracking.tasks(task_models(TASKS))
    doc = tracking_sheet.document(body, body.periods[0], tasks, issued_on=date(2026, 4, 2), issuer=ISSUER)
    texts = [getattr(b, "text", "") for b in doc.blocks]
    assert any("Nghị định số 335/2025/NĐ-CP" in t for t in texts)
    [heading] = [b for b in doc.blocks if isinstance(b, Heading)]  # the issuer setting heads the sheet
    assert heading.parent == "UBND TỈNH NINH BÌNH" and "Ninh Bình" in heading.place_date
    assert any(t.startswith("Họ và tên: Nguyễn Văn <An> (CB.0042)") for t in texts)
    assert any("chưa có điểm tiêu chí chung" in t for t in texts)
    tables = [b for b in doc.blocks if hasattr(b, "rows")]
    assert len(tables[1].rows) == 40  # every task behind the numbers
    assert doc.blocks[-1].left is not None  # type: ignore[union-attr]  # the officer signs beside the unit head


def test_notify_tells_the_task_score_low_alert_in_vietnamese() -> None:
    message = templates.alert(
        "task_score_low",
        unit_id="SO.TP",
        unit_name="Sở Tư pháp",
        title=None,
        period="2026-03",
        subject_id="CB.0042",
        data={"officer_id": "CB.0042", "task_points": 15.5, "threshold": 20},
        base_url="https://thidua.example",
    )
    assert "CB.0042" in message.title and "tháng 3/2026" in message.title
    assert "Nghị định số 335/2025/NĐ-CP" in message.body and "15,5" in message.body
    assert message.link == "https://thidua.example/officers/CB.0042/tracking?year=2026&period=2026-03"
    # As scoring raises it: its own title, the officer as subject, the line the task points fall below.
    raised = templates.alert(
        "task_score_low",
        unit_id="SO.TP",
        unit_name=None,
        title="Điểm kết quả nhiệm vụ của Nguyễn Văn An kỳ 2026-03 dưới mức hoàn thành",
        period="2026-03",
        subject_id="CB.0042",
        data={"task_points": 12.25, "line": 20.0, "complete": 50.0, "general_max": 30.0},
        base_url="https://thidua.example/",
    )
    assert raised.title.startswith("Điểm kết quả nhiệm vụ của Nguyễn Văn An") and "Dưới 20 điểm" in raised.body
    assert raised.link is not None and raised.link.endswith("/officers/CB.0042/tracking?year=2026&period=2026-03")


OFFICER = {
    "role": "officer",
    "unit_id": "SO.TP",
    "source": None,
    "officer_id": "CB.0042",
    "token_id": 9,
    "subject": None,
}


def fake_scoring(tasks: object) -> httpx.MockTransport:
    """Scoring as an officer's token sees it: whoami, the year's sheets as sent, and `tasks` as the tasks' answer."""

    def answer_for(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/v1/whoami":
            return httpx.Response(200, json=OFFICER)
        if path == "/v1/officers/CB.0042/tracking":
            return httpx.Response(200, json=answer())
        if path == "/v1/officers/CB.0042/tracking/tasks":
            return httpx.Response(200, json=tasks)
        return httpx.Response(404, json={"error": "not found", "details": []})

    return httpx.MockTransport(answer_for)


async def officer_sees(tasks: object, *paths: str) -> list[httpx.Response]:
    """The officer signs in and opens `paths` while scoring answers the tasks with `tasks`."""
    app = create_app(Settings(scoring_url="http://scoring.test"))
    app.state.dashboard.services.clients.append(httpx.AsyncClient(transport=fake_scoring(tasks)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://dashboard.test") as web:
        form = await web.get("/sign-in")
        await web.post("/sign-in", data={"token": "officer-token", "csrf_token": csrf(form.text), "next": ""})
        return [await web.get(path, params={"period": "2026-03"}) for path in paths]


async def test_the_officer_page_and_files_read_the_contracts_tasks() -> None:
    page_, xlsx = await officer_sees(TASKS, "/officers/CB.0042/tracking", "/officers/CB.0042/tracking.xlsx")
    assert page_.status_code == 200 and page_.text.count('data-task="HS-') == 40
    assert xlsx.status_code == 200 and load_workbook(io.BytesIO(xlsx.content))["Các việc được giao"].max_row >= 43


async def test_a_tasks_answer_that_does_not_parse_shows_scorings_panel() -> None:
    # {"tasks": [...]} is not the contract's list: the page shows scoring's panel where the tasks go, no file is made.
    page_, pdf = await officer_sees({"tasks": TASKS}, "/officers/CB.0042/tracking", "/officers/CB.0042/tracking.pdf")
    assert page_.status_code == 200 and 'data-task="HS-' not in page_.text
    assert "Không lấy được dữ liệu từ dịch vụ chấm điểm" in page_.text and 'data-points="task">69,56' in page_.text
    assert pdf.status_code == 502 and not pdf.content.startswith(b"%PDF")
