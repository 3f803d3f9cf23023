"""Notify's pure rules: templates in Vietnamese, who is told, damping, signatures and backoff."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from schemas.evidence import EVIDENCE_ADAPTER, UnitRegisteredEvent
from schemas.outputs import Alert, NominationChanged, StandingChanged
from services.notify.domain import delivery, rules, templates

BASE = "http://127.0.0.1:8080"
AT = datetime(2025, 3, 14, 2, 30, tzinfo=UTC)


def _standing(rank: int | None, previous: int | None, **extra: object) -> StandingChanged:
    doc = {
        "event_id": "s-1",
        "occurred_at": AT,
        "period": "2025-03",
        "subject_kind": "unit",
        "subject_id": "H40.01",
        "unit_id": "H40.01",
        "cluster_id": "K-SO",
        "score": 87.5,
        "band": "Tốt",
        "rank_in_cluster": rank,
        "previous_rank_in_cluster": previous,
        "rule_version": "2025.1",
        **extra,
    }
    return StandingChanged.model_validate(doc)


def test_numbers_and_times_are_written_the_vietnamese_way() -> None:
    assert templates.number(87.5) == "87,5"
    assert templates.number(1234.25) == "1.234,25"
    assert templates.number(3) == "3"
    assert templates.moment("2025-03-14T09:30:00+07:00") == "09:30 14/03/2025"
    assert templates.moment(AT) == "09:30 14/03/2025"


def test_an_overdue_alert_names_the_dossier_and_links_the_scorecard() -> None:
    alert = Alert(
        alert_id="k",
        condition_key="k",
        kind="dossier_overdue",
        priority="high",
        unit_id="H40.01",
        occurred_at=AT,
        period="2025-03",
        data={"dossier_code": "HS-1", "due_at": "2025-03-07T17:00:00+07:00"},
    )
    c = rules.from_alert(alert, unit_name="UBND xã Hải Đường", base_url=BASE)
    assert c.unit_id == "H40.01" and c.priority == "high" and c.condition_key == "k"
    assert c.message.title == "Hồ sơ HS-1 đã quá hạn giải quyết"
    assert "UBND xã Hải Đường (H40.01)" in c.message.body
    assert "Hạn giải quyết: 17:00 07/03/2025." in c.message.body
    assert c.message.link == f"{BASE}/units/H40.01?period=2025-03"
    assert c.message.link in c.message.body


def test_only_rank_moves_inside_the_cluster_are_told_drops_now_rises_in_the_digest() -> None:
    assert rules.from_standing(_standing(2, 2), unit_name=None, base_url=BASE) is None
    assert rules.from_standing(_standing(2, None), unit_name=None, base_url=BASE) is None
    assert rules.from_standing(_standing(2, 1, cluster_id=None), unit_name=None, base_url=BASE) is None
    drop = rules.from_standing(_standing(3, 1), unit_name="Sở Tư pháp", base_url=BASE)
    rise = rules.from_standing(_standing(1, 3), unit_name=None, base_url=BASE)
    assert drop is not None and rise is not None
    assert drop.priority == "normal" and rise.priority == "low"
    assert drop.message.title == "Thứ hạng trong cụm thi đua giảm: từ 1 xuống 3"
    assert "Điểm: 87,5; xếp loại: Tốt." in drop.message.body
    assert drop.condition_key == "rank:H40.01:2025-03:3"


def test_nominations_link_to_the_nomination_and_decisions_are_urgent() -> None:
    doc = {
        "event_id": "n-1",
        "nomination_id": "N/1",
        "change": "decided",
        "status": "approved",
        "title": "co_thi_dua_tinh",
        "year": 2025,
        "subject_kind": "unit",
        "subject_id": "H40.01",
        "unit_id": "H40.01",
        "cash_multiple": 1.5,
        "rule_version": "2025.1",
        "criteria": [],
        "evidence_ids": [],
        "occurred_at": AT,
    }
    c = rules.from_nomination(NominationChanged.model_validate(doc), base_url=BASE)
    assert c.priority == "high" and c.message.link == f"{BASE}/nominations/N%2F1"
    assert "Cờ thi đua của UBND tỉnh" in c.message.title and "đã được Hội đồng" in c.message.title
    assert "1,5 lần mức lương cơ sở" in c.message.body


def test_nomination_messages_name_the_amount_and_the_amount_to_recover_decree_152_2025_law_06_2022() -> None:
    """Decree 152/2025 (amount on the decision date's base salary) and Law 06/2022 ch. VII (money recovered)."""
    doc = {
        "event_id": "n-2",
        "nomination_id": "lao_dong_tien_tien:2026:officer:CB-1",
        "status": "approved",
        "title": "lao_dong_tien_tien",
        "year": 2026,
        "subject_kind": "officer",
        "subject_id": "CB-1",
        "unit_id": "H40.01",
        "cash_multiple": 0.3,
        "rule_version": "2026.1",
        "criteria": [],
        "evidence_ids": [],
        "occurred_at": AT,
    }
    decided = NominationChanged.model_validate({**doc, "change": "decided", "cash_vnd": 760000, "cash_estimate": False})
    body = rules.from_nomination(decided, base_url=BASE).message.body
    assert "0,3 lần mức lương cơ sở: 760.000 ₫." in body and "ước tính" not in body and "phải thu hồi" not in body
    estimate = NominationChanged.model_validate(
        {**doc, "change": "created", "status": "proposed", "cash_vnd": 760000, "cash_estimate": True}
    )
    assert "760.000 ₫ (ước tính" in rules.from_nomination(estimate, base_url=BASE).message.body
    revoked = NominationChanged.model_validate(
        {**doc, "change": "revoked", "status": "revoked", "cash_vnd": 760000, "recover_vnd": 760000}
    )
    assert "Số tiền thưởng phải thu hồi: 760.000 ₫." in rules.from_nomination(revoked, base_url=BASE).message.body
    never = NominationChanged.model_validate({**doc, "change": "revoked", "status": "revoked", "recover_vnd": 0})
    assert "phải thu hồi" not in rules.from_nomination(never, base_url=BASE).message.body


def test_damping_is_by_event_time_in_either_direction() -> None:
    assert not rules.damped(None, AT, 3600)
    assert rules.damped(AT, AT + timedelta(minutes=59), 3600)
    assert rules.damped(AT, AT - timedelta(minutes=59), 3600)
    assert not rules.damped(AT, AT + timedelta(hours=1), 3600)
    assert not rules.damped(AT, AT, 0)


def test_escalation_goes_to_the_parent_and_the_digest_lists_every_item() -> None:
    c = rules.escalation(
        parent_id="H40",
        unit_id="H40.01",
        unit_name="Phường Lộc Hạ",
        count=3,
        at=AT,
        window_seconds=86400,
        base_url=BASE,
    )
    assert c.unit_id == "H40" and c.priority == "high"
    assert c.message.title == "Đơn vị trực thuộc Phường Lộc Hạ (H40.01) có 3 hồ sơ quá hạn trong 24 giờ"
    d = templates.digest(
        unit_id="H40.01",
        unit_name=None,
        day=date(2025, 3, 14),
        items=[("Thứ hạng tăng", f"{BASE}/a"), ("Đạt tiêu chí", None)],
        base_url=BASE,
    )
    assert d.title == "Bản tin thi đua ngày 14/03/2025: 2 thông báo"
    assert f"• Thứ hạng tăng — {BASE}/a" in d.body and "• Đạt tiêu chí" in d.body


def test_directory_entries_come_from_typed_unit_registered_events() -> None:
    doc = {
        "event_id": "u-1",
        "type": "unit.registered",
        "schema_version": 1,
        "occurred_at": AT.isoformat(),
        "unit_id": "H40.01",
        "payload": {"name": "Xã Ý Yên", "level": "commune", "cluster_id": "K-XA", "parent_id": "H40"},
    }
    event = EVIDENCE_ADAPTER.validate_python(doc)
    assert isinstance(event, UnitRegisteredEvent)
    assert rules.directory_entry(event) == ("H40.01", "Xã Ý Yên", "H40")
    top = EVIDENCE_ADAPTER.validate_python({**doc, "payload": {"name": "Tỉnh", "level": "province", "cluster_id": "K"}})
    assert isinstance(top, UnitRegisteredEvent) and rules.directory_entry(top) == ("H40.01", "Tỉnh", None)


def test_signature_is_hmac_sha256_of_the_raw_utf8_body() -> None:
    body = delivery.body_bytes({"title": "Hồ sơ quá hạn", "n": 1})
    assert "Hồ sơ quá hạn".encode() in body and json.loads(body) == {"title": "Hồ sơ quá hạn", "n": 1}
    header = delivery.signature("bí mật", body)
    assert header.startswith("sha256=") and len(header) == 7 + 64
    assert delivery.verify("bí mật", body, header)
    assert not delivery.verify("khác", body, header) and not delivery.verify("bí mật", body + b" ", header)
    assert delivery.new_secret() != delivery.new_secret()


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    assert delivery.backoff(1, base=2, cap=3600, jitter=0) == 1
    assert delivery.backoff(1, base=2, cap=3600, jitter=1) == 2
    assert delivery.backoff(3, base=2, cap=3600, jitter=0.5) == 6
    assert delivery.backoff(30, base=2, cap=100, jitter=1) == 100
    spread = {delivery.backoff(4, base=1, cap=3600, jitter=j / 10) for j in range(10)}
    assert len(spread) == 10 and min(spread) >= 4 and max(spread) <= 8


# ---- complaint_overdue: the PAKN answer clock (Decision 766/QĐ-TTg, group 5) ----------------------------------


def _complaint_overdue(unit: str = "H40.01", complaint: str = "H40.01-PA007") -> Alert:
    key = f"complaint_overdue:{unit}:{complaint}"
    return Alert(
        alert_id=key,
        condition_key=key,
        kind="complaint_overdue",
        priority="high",
        unit_id=unit,
        occurred_at=AT,
        period="2025",
        subject_id=complaint,
        title=f"Phản ánh, kiến nghị {complaint} đã quá hạn giải quyết",
        data={"complaint_id": complaint, "due_at": "2025-03-07T17:00:00+07:00", "since": "2025-03-07T17:00:00+07:00"},
    )


def test_an_overdue_complaint_is_told_to_its_unit_urgently_with_its_clock() -> None:
    """Decision 766/QĐ-TTg, PAKN answer clock (≤ 15 working days): the unit hears at once, as for a dossier."""
    c = rules.from_alert(_complaint_overdue(), unit_name="Xã Ý Yên", base_url=BASE)
    assert c.unit_id == "H40.01" and c.priority == "high" and c.kind == "complaint_overdue"
    assert c.condition_key == "complaint_overdue:H40.01:H40.01-PA007"
    assert c.message.title == "Phản ánh, kiến nghị H40.01-PA007 đã quá hạn giải quyết"
    assert "Xã Ý Yên (H40.01)" in c.message.body and "Mã phản ánh: H40.01-PA007." in c.message.body
    assert "Hạn giải quyết: 17:00 07/03/2025." in c.message.body and "Quá hạn từ: 17:00 07/03/2025." in c.message.body
    assert "Đề nghị đơn vị khẩn trương xử lý." in c.message.body
    assert c.message.link == f"{BASE}/units/H40.01?period=2025"


def test_an_overdue_complaint_without_a_title_gets_the_same_heading_as_scoring_gives() -> None:
    """Decision 766/QĐ-TTg, PAKN answer clock: the fallback heading says 'quá hạn giải quyết' like the alert."""
    alert = _complaint_overdue().model_copy(update={"title": None})
    c = rules.from_alert(alert, unit_name=None, base_url=BASE)
    assert c.message.title == "Phản ánh, kiến nghị H40.01-PA007 đã quá hạn giải quyết"


def test_overdue_complaints_escalate_to_the_parent_like_dossiers_but_counted_apart() -> None:
    """Decision 766/QĐ-TTg, PAKN answer clock and dossier timeliness: both pile-ups reach the parent unit, each kind
    under its own condition key (so one does not damp the other)."""
    assert rules.escalates("dossier_overdue") and rules.escalates("complaint_overdue")
    assert not rules.escalates("dossier_due_soon") and not rules.escalates("band_dropped")
    c = rules.escalation(
        parent_id="H40",
        unit_id="H40.01",
        unit_name="Phường Lộc Hạ",
        count=3,
        at=AT,
        window_seconds=86400,
        base_url=BASE,
        kind="complaint_overdue",
    )
    d = rules.escalation(
        parent_id="H40",
        unit_id="H40.01",
        unit_name="Phường Lộc Hạ",
        count=3,
        at=AT,
        window_seconds=86400,
        base_url=BASE,
    )
    assert c.unit_id == "H40" and c.priority == "high" and c.kind == "escalation"
    assert c.condition_key == "escalation:complaint_overdue:H40.01" != d.condition_key
    assert d.condition_key == "escalation:dossier_overdue:H40.01"
    assert c.message.title == "Đơn vị trực thuộc Phường Lộc Hạ (H40.01) có 3 phản ánh, kiến nghị quá hạn trong 24 giờ"
    assert "3 phản ánh, kiến nghị quá hạn giải quyết trong 24 giờ qua" in c.message.body
    assert c.message.data == {"child_unit_id": "H40.01", "count": 3, "kind": "complaint_overdue"}
    assert d.message.data == {"child_unit_id": "H40.01", "count": 3}
    assert "hồ sơ thủ tục hành chính" in d.message.body


def test_only_a_unit_moving_inside_its_cluster_is_worth_an_inbox_row() -> None:
    assert rules.moved_in_cluster(_standing(3, 1)) and rules.moved_in_cluster(_standing(1, 3))
    assert not rules.moved_in_cluster(_standing(2, 2))
    assert not rules.moved_in_cluster(_standing(2, None))
    assert not rules.moved_in_cluster(_standing(2, 1, cluster_id=None))
    assert not rules.moved_in_cluster(_standing(3, 1, subject_kind="officer", subject_id="CB-1", cluster_id=None))


def test_labour_code_art_112_calendar_missing_reaches_the_operators_inbox_in_vietnamese() -> None:
    """Labour Code 2019 art. 112 (days off announced yearly; issue 22 item 1): scoring's calendar_missing for 2027,
    addressed to the reserved ADMIN inbox, is told there (never dropped for an unregistered unit), in Vietnamese,
    the year written as a year, and links no scorecard of a unit that does not exist."""
    from schemas.outputs import ADMIN_INBOX
    from services.scoring.domain.alerts import calendar_missing_alert

    alert = calendar_missing_alert(ADMIN_INBOX, 2027, date(2026, 10, 1), "2026.1")
    c = rules.from_alert(alert, unit_name=None, base_url=BASE)
    assert (c.unit_id, c.kind, c.priority) == ("ADMIN", "calendar_missing", "high")
    assert c.message.title.startswith("Chưa có lịch nghỉ lễ, Tết chính thức năm 2027")
    assert "Quản trị hệ thống (ADMIN)" in c.message.body
    assert "Năm: 2027." in c.message.body and "2.027" not in c.message.body
    assert "Tệp lịch cần bổ sung: calendar/2027.toml." in c.message.body
    assert c.message.link is None and "/units/" not in c.message.body
    # A real unit named by the setting instead keeps its scorecard link.
    other = rules.from_alert(
        calendar_missing_alert("H40.10", 2027, date(2026, 10, 1), "2026.1"), unit_name=None, base_url=BASE
    )
    assert other.message.link == f"{BASE}/units/H40.10"


def test_labour_code_art_112_a_daily_calendar_missing_is_not_damped_by_the_default_hour() -> None:
    """Labour Code 2019 art. 112: the calendar watch repeats calendar_missing once a day (same condition, event time
    midnight UTC+7); notify's default damping (one hour) lets each day's through, a same-day repeat is damped."""
    from services.notify.config import Settings as NotifySettings
    from services.scoring.domain.alerts import calendar_missing_alert

    damping = NotifySettings().damping_seconds
    first = calendar_missing_alert("ADMIN", 2027, date(2026, 10, 1), "2026.1")
    next_day = calendar_missing_alert("ADMIN", 2027, date(2026, 10, 2), "2026.1")
    assert first.condition_key == next_day.condition_key and first.alert_id != next_day.alert_id
    assert not rules.damped(first.occurred_at, next_day.occurred_at, damping)
    assert rules.damped(first.occurred_at, first.occurred_at, damping)
