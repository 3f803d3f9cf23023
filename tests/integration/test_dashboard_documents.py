"""Document downloads from the dashboard over the real services (evidence, scoring, awards on the session's Kafka
and PostgreSQL): the standings and a unit's scorecard for anybody, the list of nominations for a unit (its own)
and the council (all), the council's minutes for the council only. Each file is opened with an independent
reader (python-docx, openpyxl, poppler's pdftotext) and must say the expected Vietnamese text and the scores
with two decimals."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from docx import Document
from openpyxl import load_workbook

from schemas import vietnam
from services.awards.app import create_app as awards_app
from services.awards.config import Settings as AwardsSettings
from services.dashboard import documents
from services.dashboard.app import create_app as web_app
from services.dashboard.config import Settings as WebSettings
from services.evidence.app import create_app as evidence_app
from services.evidence.config import Settings as EvidenceSettings
from services.evidence.handlers.sources import add_source
from services.scoring.app import create_app as scoring_app
from services.scoring.config import Settings as ScoringSettings
from tests.e2e.test_whole_system import province
from tests.integration.kafka_tools import start_group_at_end
from tests.integration.support import open_unit_nomination, running_app
from tests.integration.test_dashboard import sign_in
from thidua.runtime.tokens import add_token


def docx_text(blob: bytes) -> str:
    doc = Document(io.BytesIO(blob))
    parts = [p.text for p in doc.paragraphs]
    parts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return re.sub(r"\s+", " ", "\n".join(parts))


def pdf_text(blob: bytes, folder: Path) -> str:
    assert blob.startswith(b"%PDF-")
    tool = shutil.which("pdftotext") or "/usr/bin/pdftotext"
    path = folder / f"{uuid.uuid4().hex}.pdf"
    path.write_bytes(blob)
    out = subprocess.run([tool, "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, timeout=60)
    return re.sub(r"\s+", " ", out.stdout.decode("utf-8"))


def xlsx_cells(blob: bytes) -> list[tuple[object, str]]:
    """Every non-empty cell of every sheet: its value and number format."""
    wb = load_workbook(io.BytesIO(blob))
    return [(c.value, c.number_format) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]


def text_of(ext: str, blob: bytes, folder: Path) -> str:
    if ext == "docx":
        return docx_text(blob)
    if ext == "pdf":
        return pdf_text(blob, folder)
    return " ".join(str(v) for v, _ in xlsx_cells(blob))


def check_file(answer: httpx.Response, ext: str, name: str) -> None:
    assert answer.status_code == 200, answer.text[:2000]
    assert answer.headers["content-type"] == documents.CONTENT_TYPES[ext]
    assert answer.headers["content-disposition"] == f'attachment; filename="{name}"'


async def test_documents_download_with_the_users_rights(
    kafka_bootstrap: str, database_url: str, tmp_path: Path
) -> None:
    p = "G" + uuid.uuid4().hex[:5].upper()
    unit, other = f"{p}.01", f"{p}.02"
    suffix = uuid.uuid4().hex[:6]
    consumed = {
        "evidence": ("evidence.inbound.v1",),
        "scoring": ("evidence.accepted.v1",),
        "awards": ("evidence.accepted.v1", "standings.changed.v1", "ratings.v1"),
    }
    for service, topics in consumed.items():
        for topic in topics:
            await start_group_at_end(kafka_bootstrap, f"dd-{service}-{suffix}.{topic}", topic)
    source = await add_source(database_url, name=f"motcua-{suffix}", units=[unit, other])
    council = await add_token(database_url, role="council", unit_id=None, label="council (documents)")
    unit_token = await add_token(database_url, role="unit", unit_id=unit, label="unit (documents)")
    common: dict[str, Any] = {"kafka_bootstrap_servers": kafka_bootstrap, "database_url": database_url}
    async with (
        running_app(evidence_app(EvidenceSettings(**common, group_id=f"dd-evidence-{suffix}"))) as ev,
        running_app(scoring_app(ScoringSettings(**common, group_id=f"dd-scoring-{suffix}", tick_seconds=0.5))) as sc,
        running_app(awards_app(AwardsSettings(**common, group_id=f"dd-awards-{suffix}"))) as aw,
        httpx.AsyncClient(timeout=30) as http,
    ):
        answer = await http.post(f"{ev}/v1/events", json=province(p), headers={"Authorization": f"Bearer {source}"})
        assert {r["status"] for r in answer.json()} == {"accepted"}
        bearer = {"Authorization": f"Bearer {council}"}
        nomination = await open_unit_nomination(http, aw, council, unit)
        vote = {"members_total": 10, "members_present": 9, "votes_for": 8}
        voted = await http.post(f"{aw}/v1/nominations/{nomination}/votes", json=vote, headers=bearer)
        assert voted.status_code == 200, voted.text
        standings = (await http.get(f"{sc}/v1/standings", params={"period": "2025"})).json()
        scores = {r["subject_id"]: r["score"] for r in standings["rows"]}
        card = (await http.get(f"{sc}/v1/units/{other}/scorecard", params={"period": "2025"})).json()
        # Names stored before the contract refused control characters (issue 23): one vertical tab in a unit's
        # name once made every download below answer 500; the documents now leave it out.
        db = await asyncpg.connect(database_url)
        try:
            for schema in ("scoring", "awards"):
                await db.execute(
                    f"UPDATE {schema}.units SET name = name || E'\\x0b' WHERE unit_id = ANY($1)", [unit, other]
                )
        finally:
            await db.close()

        dead = "http://127.0.0.1:9"
        web = web_app(WebSettings(SCORING_URL=sc, AWARDS_URL=aw, NOTIFY_URL=dead, EVIDENCE_URL=ev))
        async with running_app(web) as site, httpx.AsyncClient(base_url=site, timeout=60) as client:
            # Anybody: the standings and a unit's scorecard; the links are on the pages.
            home = await client.get("/", params={"period": "2025"})
            assert 'href="/standings.xlsx?period=2025"' in home.text
            page = await client.get(f"/units/{other}", params={"period": "2025"})
            for ext in ("docx", "pdf", "xlsx"):
                assert f'href="/units/{other}/scorecard.{ext}?period=2025"' in page.text

            board = await client.get("/standings.xlsx", params={"period": "2025"})
            check_file(board, "xlsx", "bang-xep-hang_2025.xlsx")
            cells = xlsx_cells(board.content)
            texts = " ".join(str(v) for v, _ in cells)
            assert "Sở Nội vụ" in texts and "Sở Tư pháp" in texts
            assert "Sở Tư pháp" in [v for v, _ in cells] and "\x0b" not in texts
            assert any(v == scores[unit] and "0.00" in fmt for v, fmt in cells), "the score with two decimals"

            for ext in ("docx", "pdf", "xlsx"):
                answer = await client.get(f"/units/{other}/scorecard.{ext}", params={"period": "2025"})
                check_file(answer, ext, f"phieu-cham-diem_{other}_2025.{ext}")
                if ext == "xlsx":
                    cells = xlsx_cells(answer.content)
                    assert any(v == card["score"] and "0.00" in fmt for v, fmt in cells)
                    text = " ".join(str(v) for v, _ in cells)
                else:
                    text = text_of(ext, answer.content, tmp_path)
                    assert vietnam.score(card["score"]) in text, text
                    assert re.search(r"\d,\d\d\b", text)
                assert "PHIẾU CHẤM ĐIỂM THI ĐUA" in text.upper() and "Sở Tư pháp" in text and "\x0b" not in text
                assert "Tỷ lệ hồ sơ giải quyết đúng hạn" in text

            missing = await client.get("/units/KHONG.CO/scorecard.pdf", params={"period": "2025"})
            assert missing.status_code == 404 and "Chưa có phiếu điểm" in missing.text
            assert (await client.get(f"/units/{other}/scorecard.odt", params={"period": "2025"})).status_code == 404
            for path in ("/nominations/minutes.docx", "/nominations/minutes.pdf", "/nominations/list.pdf"):
                nobody = await client.get(path, params={"period": "2025"})
                assert nobody.status_code == 401 and "Cần đăng nhập" in nobody.text, path

            # A unit: its own nominations, not the minutes.
            await sign_in(client, unit_token)
            own = await client.get("/nominations/list.docx", params={"period": "2025"})
            check_file(own, "docx", f"danh-sach-de-nghi-khen-thuong_{unit}_2025.docx")
            text = docx_text(own.content)
            assert "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG" in text and "Sở Nội vụ" in text and other not in text
            refused = await client.get("/nominations/minutes.pdf", params={"period": "2025"})
            assert refused.status_code == 403 and "Hội đồng" in refused.text

            # The council: every nomination and the minutes with the vote counts.
            await sign_in(client, council)
            listing = await client.get("/nominations", params={"period": "2025"})
            assert 'href="/nominations/minutes.pdf?period=2025"' in listing.text
            assert 'href="/nominations/list.docx?period=2025"' in listing.text
            for ext in ("docx", "pdf"):
                answer = await client.get(f"/nominations/list.{ext}", params={"period": "2025"})
                check_file(answer, ext, f"danh-sach-de-nghi-khen-thuong_2025.{ext}")
                text = text_of(ext, answer.content, tmp_path)
                assert "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG" in text and "Sở Nội vụ" in text
                assert "Cờ thi đua" in text or "Tập thể" in text or "Lao động tiên tiến" in text
                minutes = await client.get(f"/nominations/minutes.{ext}", params={"period": "2025"})
                check_file(minutes, ext, f"bien-ban-hop-hoi-dong-thi-dua-khen-thuong_2025.{ext}")
                text = text_of(ext, minutes.content, tmp_path)
                assert "BIÊN BẢN" in text and "Hội đồng Thi đua" in text and "Sở Nội vụ" in text
                assert "có mặt: 9" in text and "80%" in text and "Thông qua" in text, text
            bad = await client.get("/nominations/list.pdf", params={"period": "2025-Q1"})
            assert bad.status_code == 400

            # Every document is issued by the settings' province: by default the demo province after 1 July 2025.
            for ext, blob in (await every_document(client, other)).items():
                text = text_of(ext.rpartition(".")[2], blob, tmp_path)
                assert "UBND TỈNH NINH BÌNH" in text, ext
                assert "Nam Định" not in text and "NAM ĐỊNH" not in text, ext

        # Another province: one setting group changes the heading, the place and the signature of every file.
        city = WebSettings(
            SCORING_URL=sc,
            AWARDS_URL=aw,
            NOTIFY_URL=dead,
            EVIDENCE_URL=ev,
            issuer_province="Hải Phòng",
            issuer_province_kind="thành phố",
            issuer_signatory_titles=["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"],
            issuer_signer="Đỗ Văn Ký",
        )
        async with running_app(web_app(city)) as site, httpx.AsyncClient(base_url=site, timeout=60) as client:
            await sign_in(client, council)
            files = await every_document(client, other)
            # Every kind but an officer's tracking sheet (Decree 335, from 2026: this province has 2025 only), whose
            # issuer heading tests/unit/test_dashboard_tracking.py checks.
            assert len(files) == len(set(documents.KINDS) - {"tracking_pdf", "tracking_xlsx"})
            for kind, blob in files.items():
                text = text_of(kind.rpartition(".")[2], blob, tmp_path)
                assert "UBND THÀNH PHỐ HẢI PHÒNG" in text, (kind, text[:600])
                assert "NINH BÌNH" not in text.upper() and "NAM ĐỊNH" not in text.upper(), kind
                if kind.endswith((".docx", ".pdf")):
                    assert re.search(r"Hải Phòng, ngày \d\d? tháng \d\d? năm 20\d\d", text), (kind, text[:600])
                if kind.startswith(("scorecard", "list")) and not kind.endswith(".xlsx"):
                    assert "KT. CHỦ TỊCH PHÓ CHỦ TỊCH" in text and "Đỗ Văn Ký" in text, kind
                    assert "TM. HỘI ĐỒNG" not in text, kind
                if kind == "standings.xlsx":
                    assert "Phạm vi xếp hạng: toàn thành phố Hải Phòng" in text


async def every_document(client: httpx.AsyncClient, unit: str) -> dict[str, bytes]:
    """Every kind of file the dashboard produces for 2025 (the client signed in as the council), by a short name."""
    paths = {
        "standings.xlsx": "/standings.xlsx",
        **{f"scorecard.{ext}": f"/units/{unit}/scorecard.{ext}" for ext in ("docx", "pdf", "xlsx")},
        **{f"{what}.{ext}": f"/nominations/{what}.{ext}" for what in ("list", "minutes") for ext in ("docx", "pdf")},
    }
    files = {}
    for name, path in paths.items():
        answer = await client.get(path, params={"period": "2025"})
        assert answer.status_code == 200, (path, answer.text[:1000])
        files[name] = answer.content
    return files
