"""Award alert rules (pure): which collective titles are within reach, when a signal is due, its exact texts."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime

import pytest

from schemas.outputs import StandingChanged
from services.awards.config import RULES
from services.awards.domain.rulebook import build_award_rules
from services.awards.domain.signals import award_alert, on_track_signals, signal_due

RULES_ = build_award_rules(tomllib.loads(RULES.read_text(encoding="utf-8")))
NOW = datetime(2025, 6, 1, 3, tzinfo=UTC)


def standing(band: str, rank: int | None) -> StandingChanged:
    """A unit's 2025 standing."""
    return StandingChanged(
        event_id="st-1",
        occurred_at=NOW,
        period="2025",
        subject_kind="unit",
        subject_id="H40.01",
        unit_id="H40.01",
        score=91.5,
        band=band,
        rank_in_cluster=rank,
        rule_version="2025.1",
    )


@pytest.mark.parametrize(
    ("band", "rank", "expected"),
    [
        ("Tốt", 1, {"co_thi_dua_tinh": True, "tap_the_lao_dong_xuat_sac": True, "tap_the_lao_dong_tien_tien": True}),
        ("Tốt", 2, {"co_thi_dua_tinh": False, "tap_the_lao_dong_xuat_sac": True, "tap_the_lao_dong_tien_tien": True}),
        ("Khá", 1, {"co_thi_dua_tinh": False, "tap_the_lao_dong_xuat_sac": False, "tap_the_lao_dong_tien_tien": True}),
        ("Yếu", 1, {"co_thi_dua_tinh": False, "tap_the_lao_dong_xuat_sac": False, "tap_the_lao_dong_tien_tien": False}),
    ],
)
def test_collective_titles_within_reach_follow_band_and_rank(band: str, rank: int, expected: dict[str, bool]) -> None:
    assert on_track_signals(standing(band, rank), RULES_) == expected


def test_only_transitions_are_signalled_and_never_at_risk_first() -> None:
    assert signal_due(None, True) and not signal_due(None, False)
    assert signal_due("on_track", False) and signal_due("at_risk", True)
    assert not signal_due("on_track", True) and not signal_due("at_risk", False)


def test_award_alerts_keep_their_titles_keys_and_deadlines() -> None:
    on = award_alert(standing("Tốt", 1), 2025, "co_thi_dua_tinh", True, NOW, RULES_)
    assert on.title == "Đang đạt tiêu chí hướng tới Cờ thi đua; nộp hồ sơ trước 10/12/2025"
    assert (on.kind, on.priority, on.alert_id) == (
        "award_on_track",
        "low",
        "award_on_track:H40.01:2025:co_thi_dua_tinh:st-1",
    )
    assert on.data == {
        "rank_in_cluster": 1,
        "band": "Tốt",
        "score": 91.5,
        "dossier_deadline": "2025-12-10",
        "rating_deadline": "2025-12-15",
    }
    risk = award_alert(standing("Khá", 3), 2025, "tap_the_lao_dong_xuat_sac", False, NOW, RULES_)
    assert risk.title == "Có nguy cơ không đạt Tập thể lao động xuất sắc; hạn nộp hồ sơ 10/12/2025"
    assert (risk.kind, risk.priority, risk.condition_key) == (
        "award_at_risk",
        "normal",
        "award_at_risk:H40.01:2025:tap_the_lao_dong_xuat_sac",
    )
