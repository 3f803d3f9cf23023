"""The office's documents (issue 14, item 3): built from API-shaped JSON and read back with independent readers
(python-docx, openpyxl, poppler's pdftotext), which must find the Vietnamese text and the numbers."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import tomllib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook

from schemas.http.awards import Nominations
from schemas.http.scoring import Standings, UnitScorecard
from schemas.vietnam import VN_TZ, number, percent, score
from services.awards.domain.evaluate import cash_multiple, cash_table_on, council_decision
from services.awards.domain.lifecycle import decided_money, nomination_row
from services.awards.domain.rulebook import AwardRules, build_award_rules
from services.awards.domain.verdicts import Check, Verdict
from services.awards.views import as_json
from services.dashboard import documents
from services.dashboard.config import Settings
from services.dashboard.documents.content import CULTURE_GROUP, place_date
from services.dashboard.documents.pdf_writer import FontMissing, font_files
from services.dashboard.documents.text import printable
from services.scoring.domain.rulebook import Rulebook, build_rulebook
from services.scoring.domain.scorecard import CultureInputs, unit_scorecard

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 25)
DECIDED_ON = date(2025, 12, 20)
YEAR = 2025
AWARDS_TOML = ROOT / "services/awards/rules/awards.toml"
QUORUM = float(tomllib.loads(AWARDS_TOML.read_text(encoding="utf-8"))["council"]["quorum_present"])
"""The council's quorum as awards publishes it (its rule file): the minutes are given it, they keep no copy."""
MEETING = documents.Meeting(
    held_at=datetime(2026, 11, 25, 7, 30, tzinfo=UTC),  # 14:30 in Vietnam
    quorum_share=QUORUM,
    place="Phòng họp tầng 3, Sở Nội vụ",
    chair="Lê Văn Hùng",
    secretary="Phạm Thị Hoa",
)
ISSUER = documents.issuer_of(Settings())  # the settings' defaults: the demo province
NAMES = {
    "H40.05": "Sở Tư pháp",
    "H40.12.07": "Xã Mỹ Lộc",
    "CB-004512": "Nguyễn Thị Lan",
    "CB-004513": "Trần Văn Minh",
}


# ------------------------------------------------------------------------------------------ sample API answers


GROUPS = {
    code: group["name"]
    for code, group in tomllib.loads((ROOT / "services/scoring/rules/rulebook.toml").read_text(encoding="utf-8"))[
        "index"
    ]["groups"].items()
}
"""The rule file's group names, as the dashboard reads them from scoring's published rulebook."""


@pytest.fixture(scope="module")
def scoring_rules() -> Rulebook:
    doc = tomllib.loads((ROOT / "services/scoring/rules/rulebook.toml").read_text(encoding="utf-8"))
    return build_rulebook(doc)


@pytest.fixture(scope="module")
def award_rules() -> AwardRules:
    doc = tomllib.loads((ROOT / "services/awards/rules/awards.toml").read_text(encoding="utf-8"))
    return build_award_rules(doc)


def as_api(body: dict[str, Any]) -> dict[str, Any]:
    """What a client receives: the body through JSON (timestamps as ISO strings, as FastAPI encodes them)."""
    loaded: dict[str, Any] = json.loads(json.dumps(body, default=lambda v: v.isoformat()))
    return loaded


def as_card(answer: dict[str, Any]) -> UnitScorecard:
    """A scorecard answer as the dashboard parses it before drawing it (schemas.http.scoring.UnitScorecard)."""
    return UnitScorecard.model_validate(as_api(answer))


def as_table(answer: dict[str, Any]) -> Standings:
    """A standings answer as the dashboard parses it before drawing it (schemas.http.scoring.Standings)."""
    return Standings.model_validate(as_api(answer))


@pytest.fixture(scope="module")
def card(scoring_rules: Rulebook) -> dict[str, Any]:
    """GET /v1/units/H40.05/scorecard?period=2025: the scoring domain's own card plus the API's name fields."""
    counters = {
        "on_time": (184.0, 190.0),
        "online_submission": (88.0, 190.0),
        "online_payment": (97.0, 140.0),
        "digitised": (150.0, 190.0),
        "data_reuse": (120.0, 190.0),
        "dossier_ok": (176.0, 190.0),
        "result_publication": (180.0, 190.0),
        "pakn_on_time": (11.0, 12.0),
        "pakn_ok": (10.0, 12.0),
        "conduct_substantiated": (1.0, 0.0),
    }
    culture = CultureInputs(
        officers=58,
        trained_officers=47,
        weighted_findings=3,
        inspections=2,
        disciplined=0,
        procedures=146,
        procedures_online=121,
        procedures_published=146,
    )
    scored = unit_scorecard("H40.05", str(YEAR), counters, culture, scoring_rules)
    assert scored.score == 88.1  # the sample is chosen so: score() must print it "88,10"
    return as_api(
        {
            **scored.as_json(),
            "name": "Sở Tư pháp",
            "cluster_id": "K01",
            "cluster_name": "Khối các sở, ban, ngành",
            "as_of": datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
            "calendar": {"provisional": False, "provisional_years": []},
        }
    )


@pytest.fixture(scope="module")
def standings(scoring_rules: Rulebook) -> dict[str, Any]:
    """GET /v1/standings?period=2025: ranked units and one unit below the minimum of dossiers."""
    rows = [
        ("H40.07", "Sở Tài chính", 91.35, None),
        ("H40.05", "Sở Tư pháp", 88.1, 3),
        ("H40.12.07", "Xã Mỹ Lộc", 82.2, 2),
    ]
    return as_api(
        {
            "period": str(YEAR),
            "subject": "unit",
            "cluster": None,
            "unit": None,
            "rule_version": scoring_rules.version,
            "as_of": datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
            "rows": [
                {
                    "rank": rank,
                    "subject_id": unit,
                    "name": name,
                    "score": value,
                    "band": scoring_rules.band(value),
                    "previous_rank": previous,
                    "unit_id": unit,
                    "cluster_id": "K01",
                    "cluster_name": "Khối các sở, ban, ngành",
                }
                for rank, (unit, name, value, previous) in enumerate(rows, start=1)
            ],
            "unranked": [
                {
                    "subject_id": "H40.12.09",
                    "name": "Xã Mỹ Thành",
                    "cluster_id": "K07",
                    "status": "insufficient_data",
                    "status_label": "Chưa đủ dữ liệu",
                    "dossiers": 12.0,
                    "min_dossiers": scoring_rules.min_dossiers,
                }
            ],
        }
    )


def _nomination(
    rules: AwardRules,
    title: str,
    kind: str,
    subject: str,
    unit: str,
    checks: list[Check],
    vote: tuple[int, int, int] | None = None,
) -> dict[str, Any]:
    """A nomination as awards stores it (lifecycle.nomination_row, the council's decision) and shows it
    (views.as_json)."""
    nid = f"{title}:{YEAR}:{kind}:{subject}"
    row = nomination_row(nid, kind, subject, unit, YEAR, Verdict(title, True, checks, [f"motcua:{subject}"]), rules)
    status, reason, votes = "proposed", None, None
    money: dict[str, Any] = {}
    if vote is not None:
        total, present, votes_for = vote
        decided, reason = council_decision(title, total, present, votes_for, rules)
        assert decided is not None
        status, votes = decided, {"members_total": total, "members_present": present, "votes_for": votes_for}
        m = decided_money(row, rules, DECIDED_ON)  # the amount is fixed on the decision date (Decree 152/2025)
        money = {"cash_multiple": m.multiple, "cash_vnd": m.cash_vnd, "base_salary_vnd": m.base_salary_vnd}
        money |= {"cash_source": m.source, "decision_date": DECIDED_ON}
    stored = {
        **row,
        "status": status,
        "criteria": json.dumps(row["criteria"]),
        "evidence_ids": json.dumps(row["evidence_ids"]),
        "votes": json.dumps(votes) if votes else None,
        "reason": reason,
        "held_from": None,
        "decision_date": None,
        "recover_vnd": None,
        "rating_basis": None,
        **money,
        "created_at": datetime(2025, 12, 16, 8, 0, tzinfo=UTC),
        "updated_at": datetime(2025, 12, 20, 8, 0, tzinfo=UTC),
    }
    shown: dict[str, Any] = as_json(stored, rules, TODAY)  # a dict reads like an asyncpg Record here
    assert shown["cash_multiple"] == cash_multiple(kind, title, rules, DECIDED_ON if vote else TODAY)
    assert shown["cash_estimate"] is (vote is None)
    return shown


@pytest.fixture(scope="module")
def nominations(award_rules: AwardRules) -> Nominations:
    """GET /v1/nominations?period=2025: two individuals, two collectives, three of them decided by the council."""
    rules = award_rules
    rating = Check("rating_good_or_better", True, f"xếp loại hoàn thành tốt nhiệm vụ năm {YEAR}")
    clean = Check("no_discipline", True, "không bị kỷ luật trong năm")
    noms = [
        _nomination(rules, "lao_dong_tien_tien", "officer", "CB-004512", "H40.05", [rating, clean]),
        _nomination(
            rules,
            "chien_si_thi_dua_co_so",
            "officer",
            "CB-004513",
            "H40.05",
            [
                Check("rating_excellent", True, f"hoàn thành xuất sắc nhiệm vụ năm {YEAR}"),
                Check("initiative", True, "01 sáng kiến được công nhận cấp cơ sở"),
            ],
            vote=(15, 13, 13),
        ),
        _nomination(
            rules,
            "chien_si_thi_dua_tinh",
            "officer",
            "CB-004513",
            "H40.05",
            [Check("three_cstdcs", True, "03 lần liên tục Chiến sĩ thi đua cơ sở (2023–2025)")],
            vote=(15, 13, 12),
        ),
        _nomination(
            rules,
            "co_thi_dua_tinh",
            "unit",
            "H40.12.07",
            "H40.12.07",
            [
                Check("cluster_leader", True, "xếp thứ 1 trong cụm, khối thi đua"),
                Check("targets_exceeded", True, "xếp loại Tốt (cần từ Tốt)"),
                Check("no_open_grievance", False, "có 01 khiếu nại đang giải quyết", "hold"),
            ],
        ),
    ]
    sent = {
        **cash_table_on(rules.money, TODAY),
        "period": str(YEAR),
        "rule_version": rules.version,
        "nominations": noms,
    }
    return Nominations.model_validate(as_api(sent))  # the dashboard draws the answer as parsed


def no_nominations(rule_version: str = "2025.2") -> Nominations:
    """GET /v1/nominations of a year without any."""
    tables = {"on": "2026-11-25", "base_salary_vnd": 2340000, "base_salary_source": "Nghị định 73/2024/NĐ-CP"}
    tables |= {"cash_source": "Nghị định 152/2025/NĐ-CP", "cash_multiples": {}}
    return Nominations.model_validate(tables | {"period": "2025", "rule_version": rule_version, "nominations": []})


# -------------------------------------------------------------------------------------------------- readers


def docx_text(blob: bytes) -> str:
    """Every paragraph and table cell of a DOCX, read by python-docx."""
    doc = Document(io.BytesIO(blob))
    parts = [p.text for p in doc.paragraphs]
    parts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def docx_rows(blob: bytes) -> list[list[str]]:
    doc = Document(io.BytesIO(blob))
    return [[cell.text for cell in row.cells] for table in doc.tables for row in table.rows]


def pdf_text(blob: bytes, tmp_path: Path) -> str:
    """The PDF's text as poppler's pdftotext reads it, whitespace runs made single spaces (cells wrap)."""
    assert blob.startswith(b"%PDF-")
    tool = shutil.which("pdftotext")
    assert tool, "pdftotext is missing: run `make doc-deps` (installs poppler-utils)"
    path = tmp_path / "document.pdf"
    path.write_bytes(blob)
    out = subprocess.run([tool, "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, timeout=60)
    return re.sub(r"\s+", " ", out.stdout.decode("utf-8"))


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


STATUTORY = (
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "UBND TỈNH NINH BÌNH",
    "HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG",
)


# ---------------------------------------------------------------------------------------------------- tests


def test_place_and_date_line_writes_small_days_and_months_with_a_zero() -> None:
    assert place_date("Ninh Bình", TODAY) == "Ninh Bình, ngày 25 tháng 11 năm 2026"
    assert place_date("Ninh Bình", date(2026, 1, 5)) == "Ninh Bình, ngày 05 tháng 01 năm 2026"
    assert place_date("Ninh Bình", date(2026, 3, 9)) == "Ninh Bình, ngày 09 tháng 3 năm 2026"


def _nominations_expectations(text: str) -> None:
    for words in STATUTORY:
        assert words in text
    assert "Ninh Bình, ngày 25 tháng 11 năm 2026" in text
    assert "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG" in text
    assert "Danh sách đề nghị khen thưởng năm 2025" in text
    # Grouped by title, in TITLE_NAMES' order, each group numbered.
    groups = [
        "I. Danh hiệu “Lao động tiên tiến” (1)",
        "II. Danh hiệu “Chiến sĩ thi đua cơ sở” (1)",
        "III. Danh hiệu “Chiến sĩ thi đua cấp tỉnh” (1)",
        "IV. Danh hiệu “Cờ thi đua của UBND tỉnh” (1)",
    ]
    positions = [text.find(g) for g in groups]
    assert -1 not in positions and positions == sorted(positions), positions
    for words in (
        "Nguyễn Thị Lan (CB-004512)",
        "Trần Văn Minh (CB-004513)",
        "Sở Tư pháp",
        "Xã Mỹ Lộc (H40.12.07)",
        "hoàn thành xuất sắc nhiệm vụ năm 2025",
        "Chưa đạt: có 01 khiếu nại đang giải quyết",
        "Được duyệt",
        "Không duyệt",
        "Tổng số: 4 đề nghị (3 cá nhân, 1 tập thể)",
        # CSTĐCS decided 20/12/2025: 1 × 2.340.000; LĐTT and Cờ not decided, estimated on 25/11/2026 at 2.530.000
        # (Decree 161/2026) under Decree 152/2025: 0,3 → 759.000 rounded up to 760.000, 8 → 20.240.000. The CSTĐ
        # tỉnh the council rejected is not counted.
        "không tính đề nghị không duyệt hoặc thu hồi: 23.340.000 ₫",
        "Tiền thưởng (ước tính): 760.000 ₫",
        "TM. HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG",
        "Nơi nhận:",
    ):
        assert words in text, words


def test_nominations_docx_lists_the_nominations_by_title_under_the_statutory_heading(
    nominations: Nominations,
) -> None:
    blob = documents.nominations_docx(nominations, period="2025", issued_on=TODAY, issuer=ISSUER, names=NAMES)
    _nominations_expectations(docx_text(blob))
    rows = docx_rows(blob)
    header = next(r for r in rows if r and r[0] == "STT")
    assert header[1:5] == ["Họ và tên / Tên tập thể", "Đơn vị", "Thành tích, tiêu chuẩn đạt được", "Hình thức đề nghị"]
    lan = next(r for r in rows if r[1] == "Nguyễn Thị Lan (CB-004512)")
    assert lan[0] == "1" and lan[2] == "Sở Tư pháp" and lan[4] == "Lao động tiên tiến"
    cash = nominations.nominations[0].cash_vnd
    assert f"Tiền thưởng (ước tính): {number(cash, 0)} ₫" in lan[5]  # not decided yet: an estimate
    assert Document(io.BytesIO(blob)).core_properties.title == "Danh sách đề nghị khen thưởng năm 2025"


def test_nominations_pdf_reads_back_with_the_same_vietnamese_text(nominations: Nominations, tmp_path: Path) -> None:
    blob = documents.nominations_pdf(nominations, period="2025", issued_on=TODAY, issuer=ISSUER, names=NAMES)
    _nominations_expectations(pdf_text(blob, tmp_path))


def _minutes_expectations(text: str) -> None:
    for words in STATUTORY:
        assert words in text
    for words in (
        "BIÊN BẢN",
        "Họp Hội đồng Thi đua – Khen thưởng xét khen thưởng năm 2025",
        "Thời gian: 14:30 25/11/2026",  # the meeting's UTC time in Vietnam time
        "Địa điểm: Phòng họp tầng 3, Sở Nội vụ",
        "tổng số thành viên Hội đồng: 15; có mặt: 13 (86,67%); vắng mặt: 2",
        "Phiên họp đủ điều kiện tiến hành",
        "Tổng hợp: 2 đề nghị đã biểu quyết, trong đó 1 thông qua, 1 không thông qua; 2 đề nghị chưa biểu quyết",
        "THƯ KÝ",
        "CHỦ TRÌ",
        "Lê Văn Hùng",
        "Phạm Thị Hoa",
        "Trần Văn Minh (CB-004513)",
        "Xã Mỹ Lộc (H40.12.07)",
        "Chưa biểu quyết",
        "Không thông qua",
    ):
        assert words in text, words


def test_minutes_docx_give_each_vote_its_counts_share_and_outcome(nominations: Nominations) -> None:
    blob = documents.minutes_docx(nominations, period="2025", meeting=MEETING, issuer=ISSUER, names=NAMES)
    text = docx_text(blob)
    _minutes_expectations(text)
    rows = [r for r in docx_rows(blob) if len(r) == 8 and r[1] == "Trần Văn Minh (CB-004513)"]
    # CSTĐCS: 13 of 15 for (86,67% ≥ 80%), CSTĐ tỉnh: 12 of 15 (80% < 90%); present 13, not for = present − for.
    assert [r[3:] for r in rows] == [
        ["13", "13", "0", "86,67%", "Thông qua"],
        ["13", "12", "1", "80%", "Không thông qua"],
    ]


def test_minutes_pdf_read_back_with_vote_counts(nominations: Nominations, tmp_path: Path) -> None:
    text = pdf_text(
        documents.minutes_pdf(nominations, period="2025", meeting=MEETING, issuer=ISSUER, names=NAMES), tmp_path
    )
    _minutes_expectations(text)
    assert "86,67%" in text and "80%" in text


def test_minutes_without_a_quorum_say_so_and_take_the_council_size_given() -> None:
    meeting = documents.Meeting(
        held_at=datetime(2026, 11, 25, 14, 0, tzinfo=VN_TZ), quorum_share=QUORUM, members_total=15, members_present=11
    )
    text = docx_text(documents.minutes_docx(no_nominations(), period="2025", meeting=meeting, issuer=ISSUER))
    assert "có mặt: 11 (73,33%); vắng mặt: 4" in text
    assert "không đủ điều kiện biểu quyết (chưa đủ túc số)" in text
    assert "Không có đề nghị khen thưởng nào được đưa ra xem xét." in text


def test_minutes_judge_the_quorum_by_the_share_they_are_given_and_by_none_without_one() -> None:
    at = datetime(2026, 11, 25, 14, 0, tzinfo=VN_TZ)
    stricter = documents.Meeting(held_at=at, quorum_share=0.9, members_total=10, members_present=8)
    text = docx_text(documents.minutes_docx(no_nominations(), period="2025", meeting=stricter, issuer=ISSUER))
    assert "chưa đủ túc số" in text and "cần từ 90% tổng số thành viên" in text
    looser = documents.Meeting(held_at=at, quorum_share=0.75, members_total=10, members_present=8)
    text = docx_text(documents.minutes_docx(no_nominations(), period="2025", meeting=looser, issuer=ISSUER))
    assert "Phiên họp đủ điều kiện tiến hành: số thành viên có mặt cần từ 75%" in text
    unruled = documents.Meeting(held_at=at, quorum_share=None, members_total=10, members_present=8)
    text = docx_text(documents.minutes_docx(no_nominations(), period="2025", meeting=unruled, issuer=ISSUER))
    assert "có mặt: 8 (80%)" in text and "túc số" not in text and "điều kiện" not in text


def _scorecard_expectations(text: str, card: dict[str, Any]) -> None:
    for words in STATUTORY:
        assert words in text
    on_time = next(i for i in card["indicators"] if i["code"] == "on_time")
    training = next(i for i in card["culture"] if i["code"] == "training_share")
    for words in (
        "PHIẾU CHẤM ĐIỂM THI ĐUA",
        "Sở Tư pháp — năm 2025",
        "Đơn vị: Sở Tư pháp (mã định danh H40.05)",
        "Khối các sở, ban, ngành",
        "số liệu đến 10:04 02/01/2026",
        f"Bộ quy tắc chấm điểm: phiên bản {card['rule_version']}",
        "Tỷ lệ hồ sơ giải quyết đúng hạn",
        "Tiến độ, kết quả giải quyết",
        "Tỷ lệ cán bộ được bồi dưỡng văn hóa công sở, chuyên môn",
        "Điểm thi đua",
        "88,10",
        "Khá",
        score(card["service_index"]),
        score(card["culture_index"]),
        # Each indicator's numerator, denominator, rate and points the Vietnamese way.
        "184",
        "190",
        percent(on_time["rate"]),
        score(on_time["points"]),
        percent(training["rate"]),
        "Công khai, minh bạch khác (đánh giá của Văn phòng Chính phủ)",
    ):
        assert words in text, words


def test_scorecard_docx_shows_every_indicator_with_its_counts(card: dict[str, Any]) -> None:
    blob = documents.scorecard_docx(as_card(card), issued_on=TODAY, issuer=ISSUER, groups=GROUPS)
    _scorecard_expectations(docx_text(blob), card)
    rows = docx_rows(blob)
    on_time = next(r for r in rows if r[1:2] == ["Tỷ lệ hồ sơ giải quyết đúng hạn"])
    assert on_time[2:] == ["184", "190", "96,84%", "100%", "19,37", "20"]
    total = next(r for r in rows if r[0] == "Điểm thi đua")
    assert total[1:] == ["88,10", "Khá"]


def test_scorecard_pdf_reads_back(card: dict[str, Any], tmp_path: Path) -> None:
    _scorecard_expectations(
        pdf_text(documents.scorecard_pdf(as_card(card), issued_on=TODAY, issuer=ISSUER, groups=GROUPS), tmp_path), card
    )


def test_standings_xlsx_keeps_numbers_as_numbers(standings: dict[str, Any]) -> None:
    wb = load_workbook(io.BytesIO(documents.standings_xlsx(as_table(standings), issued_on=TODAY, issuer=ISSUER)))
    assert wb.sheetnames == ["Bảng xếp hạng", "Chưa xếp hạng"]
    ws = wb["Bảng xếp hạng"]
    assert ws["A1"].value == "BẢNG XẾP HẠNG THI ĐUA NĂM 2025"
    assert "Phạm vi xếp hạng: toàn tỉnh Ninh Bình;" in str(ws["A2"].value)
    assert ws["A3"].value == "UBND TỈNH NINH BÌNH – HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG"
    assert wb["Chưa xếp hạng"]["A2"].value == "UBND TỈNH NINH BÌNH – HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG"
    header = next(r for r in ws.iter_rows() if r[0].value == "Hạng")
    assert [c.value for c in header] == [
        "Hạng",
        "Mã đơn vị",
        "Tên đơn vị",
        "Cụm, khối thi đua",
        "Điểm thi đua",
        "Xếp loại",
        "Hạng kỳ trước",
    ]
    body = {r[1].value: r for r in ws.iter_rows(min_row=header[0].row + 1) if r[1].value}
    tu_phap, my_loc = body["H40.05"], body["H40.12.07"]
    assert [c.value for c in tu_phap] == [2, "H40.05", "Sở Tư pháp", "Khối các sở, ban, ngành", 88.1, "Khá", 3]
    assert isinstance(tu_phap[4].value, float) and tu_phap[4].number_format == "0.00"
    assert my_loc[2].value == "Xã Mỹ Lộc" and my_loc[4].value == 82.2 and my_loc[4].number_format == "0.00"
    assert body["H40.07"][6].value is None  # no previous rank: an empty cell, not a dash
    assert ws.freeze_panes == f"A{header[0].row + 1}"
    unranked = wb["Chưa xếp hạng"]
    row = next(r for r in unranked.iter_rows() if r[0].value == "H40.12.09")
    assert [c.value for c in row] == ["H40.12.09", "Xã Mỹ Thành", "K07", "Chưa đủ dữ liệu", 12, 20]


def test_scorecard_xlsx_has_counts_rates_and_points_as_numbers(card: dict[str, Any]) -> None:
    wb = load_workbook(
        io.BytesIO(documents.scorecard_xlsx(as_card(card), issued_on=TODAY, issuer=ISSUER, groups=GROUPS))
    )
    ws = wb["Phiếu chấm điểm"]
    assert ws["A1"].value == "PHIẾU CHẤM ĐIỂM THI ĐUA NĂM 2025"
    assert "Sở Tư pháp (mã định danh H40.05)" in str(ws["A2"].value)
    assert ws["A4"].value == "UBND TỈNH NINH BÌNH – HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG"
    header = next(r for r in ws.iter_rows() if r[0].value == "Nhóm")
    assert [c.value for c in header][3:] == ["Tử số", "Mẫu số", "Tỷ lệ", "Ngưỡng", "Điểm", "Tối đa"]
    rows = {r[1].value: r for r in ws.iter_rows(min_row=header[0].row + 1) if r[1].value}
    on_time = rows["on_time"]
    assert on_time[0].value == "Tiến độ, kết quả giải quyết"
    assert on_time[2].value == "Tỷ lệ hồ sơ giải quyết đúng hạn"
    assert (on_time[3].value, on_time[4].value) == (184, 190)
    assert on_time[5].value == pytest.approx(184 / 190) and on_time[5].number_format == "0.00%"
    assert on_time[7].value == pytest.approx(184 / 190 * 20) and on_time[7].number_format == "0.00"
    # A rate per 100 officers is a plain number, not a percentage; a part without evidence is an empty cell.
    assert rows["conduct_complaints"][5].number_format == "#,##0.00"
    assert rows["publicity_other"][7].value is None
    assert set(rows) >= {"training_share", "inspection_findings", "discipline"}
    labels = {r[2].value: r for r in ws.iter_rows() if r[2].value}
    total = labels["Điểm thi đua"]
    assert total[7].value == 88.1 and total[7].number_format == "0.00" and total[8].value == "Khá"
    assert labels["Bộ quy tắc chấm điểm"][7].value == card["rule_version"]


def test_the_scorecard_files_name_the_groups_as_the_rule_file_does(
    scoring_rules: Rulebook, card: dict[str, Any]
) -> None:
    """The groups' names come with the rulebook scoring publishes (the rule file's), never from a copy here."""
    assert GROUPS == {code: name for code, (name, _) in scoring_rules.groups.items()}
    scored = as_card(card)
    renamed = {**GROUPS, "publicity": "Nhóm đổi tên"}
    text = docx_text(documents.scorecard_docx(scored, issued_on=TODAY, issuer=ISSUER, groups=renamed))
    assert ". Nhóm đổi tên\n" in text and f". {GROUPS['publicity']}\n" not in text
    sheet = documents.scorecard_xlsx(scored, issued_on=TODAY, issuer=ISSUER, groups=renamed)
    ws = load_workbook(io.BytesIO(sheet)).active
    assert "Nhóm đổi tên" in {c.value for c in ws["A"]} and CULTURE_GROUP in {c.value for c in ws["A"]}


def test_pdf_without_the_fonts_says_how_to_install_them(tmp_path: Path) -> None:
    with pytest.raises(FontMissing, match="make doc-deps"):
        font_files([tmp_path])
    assert font_files()[""].name == "DejaVuSans.ttf"


def test_file_names_and_content_types() -> None:
    assert documents.filename("standings_xlsx", "2025-Q1") == "bang-xep-hang_2025-Q1.xlsx"
    assert documents.filename("scorecard_pdf", "2025", "H40.05") == "phieu-cham-diem_H40.05_2025.pdf"
    assert documents.filename("minutes_docx", "2025") == "bien-ban-hop-hoi-dong-thi-dua-khen-thuong_2025.docx"
    assert documents.filename("scorecard_xlsx", "2019-2025", "../x y") == "phieu-cham-diem_x-y_2019-2025.xlsx"
    assert set(documents.CONTENT_TYPES) == {ext for _, ext in documents.KINDS.values()}
    assert documents.content_type("nominations_pdf") == "application/pdf"
    for kind in documents.KINDS:
        assert callable(getattr(documents, kind))


def test_xlsx_text_from_upstream_is_never_a_formula(standings: dict[str, Any]) -> None:
    hostile = {**standings, "rows": [{**standings["rows"][0], "name": '=HYPERLINK("http://example.invalid","Sở")'}]}
    ws = load_workbook(io.BytesIO(documents.standings_xlsx(as_table(hostile), issued_on=TODAY, issuer=ISSUER)))[
        "Bảng xếp hạng"
    ]
    cell = next(r[2] for r in ws.iter_rows() if r[1].value == "H40.07")
    assert cell.value == '=HYPERLINK("http://example.invalid","Sở")' and cell.data_type == "s"


def test_an_empty_year_is_said_in_words(tmp_path: Path) -> None:
    empty = no_nominations("2025.2")
    text = pdf_text(documents.nominations_pdf(empty, period="2025", issued_on=TODAY, issuer=ISSUER), tmp_path)
    assert "Không có đề nghị khen thưởng nào trong kỳ." in text
    assert "Tổng số: 0 đề nghị (0 cá nhân, 0 tập thể)" in text


# A unit named with a vertical tab (stored before the contract refused control characters) once made the
# anonymous standings XLSX, the scorecard XLSX/DOCX and the nominations/minutes DOCX fail for everyone.
DIRTY = "Phòng A\x0b"
UNFIT = "\x00\x08\x0c\x1b\x7f\x85\ud800\ufffe"


def test_printable_leaves_out_what_no_format_holds() -> None:
    assert printable(DIRTY) == "Phòng A"
    assert printable(f"Sở{UNFIT} Tư pháp") == "Sở Tư pháp"
    assert printable("a\tb\r\nc\rd") == "a b\nc\nd"
    assert printable("Sở Tư pháp\n(Khối 1)") == "Sở Tư pháp\n(Khối 1)"


def test_standings_and_scorecard_xlsx_drop_control_characters(standings: dict[str, Any], card: dict[str, Any]) -> None:
    dirty = {**standings, "rows": [{**standings["rows"][0], "name": DIRTY + UNFIT}]}
    ws = load_workbook(io.BytesIO(documents.standings_xlsx(as_table(dirty), issued_on=TODAY, issuer=ISSUER)))[
        "Bảng xếp hạng"
    ]
    assert next(r[2].value for r in ws.iter_rows() if r[1].value == "H40.07") == "Phòng A"
    dirty_card = {**card, "name": DIRTY, "cluster_name": "Khối\x01 sở", "notes": [f"ghi chú{UNFIT}"]}
    sheet = load_workbook(
        io.BytesIO(documents.scorecard_xlsx(as_card(dirty_card), issued_on=TODAY, issuer=ISSUER, groups=GROUPS))
    )["Phiếu chấm điểm"]
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any("Đơn vị: Phòng A (" in c and "cụm, khối thi đua: Khối sở" in c for c in cells)
    assert "ghi chú" in cells and not any(ch in c for c in cells for ch in "\x0b\x01\x00\x7f")


def test_scorecard_docx_and_pdf_drop_control_characters(card: dict[str, Any], tmp_path: Path) -> None:
    dirty_card = {**card, "name": DIRTY + UNFIT, "notes": ["ghi\x0b chú\tmột"]}
    text = docx_text(documents.scorecard_docx(as_card(dirty_card), issued_on=TODAY, issuer=ISSUER, groups=GROUPS))
    assert "Phòng A" in text and "ghi chú một" in text
    assert not any(ch in text for ch in "\x0b\x00\x7f\ud800")
    assert "Phòng A" in pdf_text(
        documents.scorecard_pdf(as_card(dirty_card), issued_on=TODAY, issuer=ISSUER, groups=GROUPS), tmp_path
    )


def test_nominations_and_minutes_drop_control_characters(nominations: Nominations, tmp_path: Path) -> None:
    names = {**NAMES, "H40.12.07": DIRTY, "CB-004512": "Nguyễn\x00 Thị Lan"}
    reasoned = [n.model_copy(update={"reason": f"lý do{UNFIT}"}) for n in nominations.nominations]
    data = nominations.model_copy(update={"nominations": reasoned})
    for render in (documents.nominations_docx, documents.minutes_docx):
        kwargs: dict[str, Any] = {"meeting": MEETING} if render is documents.minutes_docx else {"issued_on": TODAY}
        text = docx_text(render(data, period=str(YEAR), issuer=ISSUER, names=names, **kwargs))
        assert "Phòng A" in text and not any(ch in text for ch in "\x0b\x00\x7f")
    assert "Nguyễn Thị Lan" in docx_text(
        documents.nominations_docx(data, period=str(YEAR), issued_on=TODAY, issuer=ISSUER, names=names)
    )
    pdfs = (
        documents.nominations_pdf(data, period=str(YEAR), issued_on=TODAY, issuer=ISSUER, names=names),
        documents.minutes_pdf(data, period=str(YEAR), meeting=MEETING, issuer=ISSUER, names=names),
    )
    for blob in pdfs:
        assert "Phòng A" in pdf_text(blob, tmp_path)
