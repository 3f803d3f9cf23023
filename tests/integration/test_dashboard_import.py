"""The dashboard's ratings import page against the real evidence service (scoring answers who signed in, awards
takes the ratings), on the session's Kafka and PostgreSQL: a source signs in and uploads 200 ratings with 5 bad
rows; the page shows 195 accepted and those 5 rejected (row, column, value, reason), the ratings reach awards, and
the same file again is 195 duplicates."""

from __future__ import annotations

import asyncio
import io
import re
import uuid
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from services.awards.app import create_app as awards_app
from services.awards.config import Settings as AwardsSettings
from services.dashboard import import_worker
from services.dashboard import ratings_import as ri
from services.dashboard.app import create_app as web_app
from services.dashboard.config import Settings as WebSettings
from services.dashboard.rooms.ratings import MAX_UPLOAD_BYTES
from services.dashboard.sheet_reader import Limits
from services.evidence.app import create_app as evidence_app
from services.evidence.config import Settings as EvidenceSettings
from services.evidence.handlers.sources import add_source
from services.scoring.app import create_app as scoring_app
from services.scoring.config import Settings as ScoringSettings
from tests import hostile_xlsx as hostile
from tests.integration.kafka_tools import start_group_at_end
from tests.integration.support import eventually, running_app
from tests.integration.test_dashboard import csrf, sign_in
from tests.integration.test_ratings_import import two_hundred, workbook
from thidua.testing.database import fetch

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BAD_ROWS = {12: ri.COL_UNIT, 52: ri.COL_OFFICER, 92: ri.COL_LEVEL, 132: ri.COL_SCORE, 172: ri.COL_YEAR}


def count(page: str, status: str) -> int:
    found = re.search(rf'data-count="{status}"><th>[^<]*</th><td class="num">([\d.]+)</td>', page)
    assert found, f"no {status} count on the page"
    return int(found[1].replace(".", ""))


def rejected_rows(page: str) -> dict[int, str]:
    """Row number → the column named in the rejected rows' table."""
    return {
        int(m[1]): m[2]
        for m in re.finditer(
            r'<tr data-row="(\d+)">\s*<td class="num" data-label="Dòng">\d+</td>\s*'
            r'<td data-label="Cột">([^<]*)</td>',
            page,
        )
    }


async def upload(client: httpx.AsyncClient, data: bytes, name: str = "xeploai-2025.xlsx") -> httpx.Response:
    form = await client.get("/ratings/import")
    assert form.status_code == 200, form.text
    return await client.post(
        "/ratings/import", data={"csrf_token": csrf(form.text)}, files={"file": (name, data, XLSX)}
    )


async def test_a_source_imports_200_ratings_through_the_page(kafka_bootstrap: str, database_url: str) -> None:
    prefix = "D" + uuid.uuid4().hex[:6].upper()
    suffix = uuid.uuid4().hex[:6]
    consumed = {
        "evidence": ("evidence.inbound.v1",),
        "scoring": ("evidence.accepted.v1",),
        "awards": ("evidence.accepted.v1", "standings.changed.v1", "ratings.v1"),
    }
    for service, topics in consumed.items():
        for topic in topics:
            await start_group_at_end(kafka_bootstrap, f"di-{service}-{suffix}.{topic}", topic)
    source = f"hr-{suffix}"
    token = await add_source(database_url, name=source, units=[f"{prefix}.U{i}" for i in range(4)])
    common: dict[str, Any] = {"kafka_bootstrap_servers": kafka_bootstrap, "database_url": database_url}
    rows = two_hundred(prefix)
    data = workbook(rows)

    async def ratings_in_awards() -> int:
        found = await fetch(
            database_url, "SELECT subject_id FROM awards.ratings WHERE subject_kind = 'officer' AND year = 2025"
        )
        return sum(1 for r in found if r["subject_id"].startswith(prefix))

    async with (
        running_app(evidence_app(EvidenceSettings(**common, group_id=f"di-evidence-{suffix}"))) as ev,
        running_app(scoring_app(ScoringSettings(**common, group_id=f"di-scoring-{suffix}"))) as sc,
        running_app(awards_app(AwardsSettings(**common, group_id=f"di-awards-{suffix}"))),
    ):
        web = web_app(
            WebSettings(
                SCORING_URL=sc, AWARDS_URL="http://127.0.0.1:9", NOTIFY_URL="http://127.0.0.1:9", EVIDENCE_URL=ev
            )
        )
        async with running_app(web) as site, httpx.AsyncClient(base_url=site, timeout=60) as client:
            # Nobody signed in: neither the page nor an upload.
            assert (await client.get("/ratings/import")).status_code == 401
            anonymous = await client.post("/ratings/import", files={"file": ("x.xlsx", data, XLSX)})
            assert anonymous.status_code == 401 and "Cần đăng nhập" in anonymous.text

            template = await client.get("/ratings/import/template.xlsx")
            assert template.status_code == 200 and template.headers["content-type"] == XLSX
            assert template.headers["content-disposition"].startswith("attachment;")
            sheet = load_workbook(io.BytesIO(template.content))[ri.SHEET]
            assert [c.value for c in sheet[1]] == list(ri.HEADERS)

            signed = await sign_in(client, token)
            assert signed.status_code == 303 and signed.headers["location"] == "/ratings/import"
            page = await client.get("/ratings/import")
            assert 'href="/ratings/import/template.xlsx"' in page.text

            first = await upload(client, data)
            assert first.status_code == 200, first.text
            assert (count(first.text, "accepted"), count(first.text, "duplicate"), count(first.text, "rejected")) == (
                195,
                0,
                5,
            )
            assert rejected_rows(first.text) == BAD_ROWS
            assert "O 050" in first.text and "Xuất sắc" in first.text and "101" in first.text

            async def reached_awards() -> None:
                assert await ratings_in_awards() == 195

            await eventually(reached_awards, timeout=30)

            again = await upload(client, data)
            assert again.status_code == 200
            assert (count(again.text, "accepted"), count(again.text, "duplicate"), count(again.text, "rejected")) == (
                0,
                195,
                5,
            )
            assert rejected_rows(again.text) == BAD_ROWS

            # A file that is not a workbook: 422 with the reason; too large: 413, before anything is read.
            not_xlsx = await upload(client, b"Ma don vi;Ma can bo\n", "xeploai.csv")
            assert not_xlsx.status_code == 422 and "không phải Excel .xlsx" in not_xlsx.text
            too_big = await upload(client, b"0" * (MAX_UPLOAD_BYTES + 100 * 1024))
            assert too_big.status_code == 413 and "lớn hơn 5 MB" in too_big.text
        assert await ratings_in_awards() == 195


async def test_the_import_says_when_the_evidence_service_is_down(kafka_bootstrap: str, database_url: str) -> None:
    suffix = uuid.uuid4().hex[:6]
    await start_group_at_end(kafka_bootstrap, f"dd-scoring-{suffix}.evidence.accepted.v1", "evidence.accepted.v1")
    token = await add_source(database_url, name=f"hr-{suffix}", units=["DD.U0"])
    common: dict[str, Any] = {"kafka_bootstrap_servers": kafka_bootstrap, "database_url": database_url}
    async with running_app(scoring_app(ScoringSettings(**common, group_id=f"dd-scoring-{suffix}"))) as sc:
        dead = "http://127.0.0.1:9"
        web = web_app(WebSettings(SCORING_URL=sc, AWARDS_URL=dead, NOTIFY_URL=dead, EVIDENCE_URL=dead))
        async with running_app(web) as site, httpx.AsyncClient(base_url=site, timeout=60) as client:
            await sign_in(client, token)
            answer = await upload(client, workbook([["DD.U0", "CB-1", None, 2025, "good", 90]]))
            assert answer.status_code == 503 and "Dịch vụ minh chứng không phản hồi" in answer.text


async def test_a_hostile_upload_is_refused_while_the_dashboard_keeps_answering(
    kafka_bootstrap: str, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 23, finding 2: a tiny file declaring a huge sheet held the event loop for minutes; finding 6: malformed
    sheet XML answered 500. Now the file is read in a limited child process: the bounds refuse the 86 KB,
    9,000,000-row sheet at once, and even with the bounds opened wide (the worst a file could do) its CPU limit
    stops it while other requests are answered; every malformed file is a 422 naming what is wrong."""
    suffix = uuid.uuid4().hex[:6]
    await start_group_at_end(kafka_bootstrap, f"dh-scoring-{suffix}.evidence.accepted.v1", "evidence.accepted.v1")
    token = await add_source(database_url, name=f"hr-{suffix}", units=["DH.U0"])
    common: dict[str, Any] = {"kafka_bootstrap_servers": kafka_bootstrap, "database_url": database_url}
    huge = hostile.declared_rows(9_000_000)
    async with running_app(scoring_app(ScoringSettings(**common, group_id=f"dh-scoring-{suffix}"))) as sc:
        dead = "http://127.0.0.1:9"
        web = web_app(WebSettings(SCORING_URL=sc, AWARDS_URL=dead, NOTIFY_URL=dead, EVIDENCE_URL=dead))
        async with running_app(web) as site, httpx.AsyncClient(base_url=site, timeout=60) as client:
            await sign_in(client, token)
            refused = await upload(client, huge)
            assert refused.status_code == 422 and "giải nén ra 51 MB, tối đa 25 MB" in refused.text

            for name, words in {
                "non-numeric <v>": "Ô D2 (trang &#39;Xếp loại&#39;) ghi số &#39;abc&#39; không phải là số",
                "shared-string index out of range": "Ô E2 (trang &#39;Xếp loại&#39;) trỏ tới chuỗi dùng chung",
                "truncated XML": "không phải XML hợp lệ hoặc bị cắt cụt",
                "bad ISO date": "có ngày &#39;2025-13-45&#39; không hợp lệ",
                "zip without a sheet": "không có bảng tính",
            }.items():
                answer = await upload(client, hostile.MALFORMED[name]())
                assert answer.status_code == 422 and words in answer.text, (name, answer.text[-2000:])

            # Every count the declared rows could reach is opened, so only the CPU budget can stop the reader
            # (with the element count left at its default, a fast reader met it just before 2 CPU seconds).
            wide_open = Limits(
                max_member_bytes=10**9,
                max_unpacked_bytes=10**9,
                max_packing_ratio=10**6,
                max_sheet_rows=10**8,
                max_sheet_cells=10**9,
                max_xml_elements=10**9,
            )
            monkeypatch.setattr(import_worker, "LIMITS", wide_open)
            monkeypatch.setattr(import_worker, "PARSE_CPU_SECONDS", 2)
            hostile_upload = asyncio.create_task(upload(client, huge))
            async with httpx.AsyncClient(base_url=site, timeout=60, cookies=client.cookies) as other:
                answered = 0
                while not hostile_upload.done() and answered < 5:
                    page = await other.get("/ratings/import")
                    assert page.status_code == 200
                    answered += 1 if not hostile_upload.done() else 0
            assert answered == 5  # five pages served while the hostile file was being read
            stopped = await hostile_upload
            assert stopped.status_code == 422 and "cần quá 2 giây xử lý nên đã dừng" in stopped.text
