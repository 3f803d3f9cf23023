"""Reconciliation with the official Decision 766 index (issue 25): official beside ours, the difference and what
explains it, the alert beyond the setting, units named by id or administrative code (pure rules)."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from schemas.outputs import Alert
from services.notify.domain import rules as notify_rules
from services.scoring.domain.reconcile import (
    METHOD_NOTES,
    OfficialRow,
    RowIn,
    check_rows,
    compare,
    gap_alert,
    resolve_unit,
)
from services.scoring.domain.rulebook import Rulebook, build_rulebook
from services.scoring.domain.scorecard import CultureInputs, unit_scorecard

RULES = Path(__file__).resolve().parents[2] / "services" / "scoring" / "rules" / "rulebook.toml"
NOW = datetime(2026, 2, 3, 2, 0, tzinfo=UTC)
U = "H40.12.05"
GROUPS = ["publicity", "timeliness", "online", "digitisation", "satisfaction"]


@pytest.fixture(scope="module")
def book() -> Rulebook:
    return build_rulebook(tomllib.loads(RULES.read_text(encoding="utf-8")))


def _card(book: Rulebook) -> dict[str, Any]:
    """The scorecard of test_unit_scorecard_by_hand: service index 68.53, no publicity evidence."""
    counters = {
        "on_time": (18.0, 20.0),
        "online_submission": (5.0, 20.0),
        "online_payment": (8.0, 10.0),
        "digitised": (12.0, 20.0),
        "data_reuse": (0.0, 20.0),
        "dossier_ok": (19.0, 20.0),
        "pakn_on_time": (3.0, 4.0),
        "pakn_ok": (2.0, 4.0),
    }
    culture = CultureInputs(officers=50, trained_officers=30, weighted_findings=2, inspections=1, disciplined=0)
    return unit_scorecard(U, "2025", counters, culture, book).as_json()


OFFICIAL = OfficialRow(
    U,
    "13669",
    80.0,
    {"publicity": 15.0, "timeliness": 20.0, "online": 16.0, "digitisation": 14.0, "satisfaction": 15.0},
)


def test_decision_766_official_beside_ours_with_the_difference_ours_minus_official(book: Rulebook) -> None:
    c = compare(OFFICIAL, _card(book), name="Sở Tư pháp", groups=GROUPS)
    assert c["status"] == "compared" and c["given"] == "13669" and c["name"] == "Sở Tư pháp"
    assert c["official"] == {"total": 80.0, "groups": dict(OFFICIAL.groups)}
    assert c["ours"]["total"] == 68.53
    assert c["ours"]["groups"] == {
        "publicity": None,  # no evidence of group 1 in the period
        "timeliness": 18.0,
        "online": 12.0,
        "digitisation": 8.25,
        "satisfaction": 13.83,
    }
    assert c["difference"]["total"] == -11.47
    assert c["difference"]["groups"] == {
        "publicity": None,
        "timeliness": -2.0,
        "online": -4.0,
        "digitisation": -5.75,
        "satisfaction": -1.17,
    }


def test_decision_766_on_time_is_explained_by_dates_upstream_and_timestamps_here(book: Rulebook) -> None:
    c = compare(OFFICIAL, _card(book), name=None, groups=GROUPS)
    [on_time] = [e for e in c["explanations"] if e["indicator"] == "on_time"]
    assert on_time["group"] == "timeliness"
    assert on_time["ours"] == {"numerator": 18.0, "denominator": 20.0, "rate": pytest.approx(0.9), "points": 18.0}
    assert "theo ngày" in on_time["note"] and "theo thời điểm" in on_time["note"]
    # Every indicator of a differing group is listed, each with how its method differs.
    assert {e["indicator"] for e in c["explanations"] if e["group"] == "online"} == {
        "online_service_coverage",
        "online_submission",
        "online_payment",
    }
    coverage = next(e for e in c["explanations"] if e["indicator"] == "online_service_coverage")
    assert coverage["ours"]["points"] is None and coverage["note"].startswith("Không có dữ liệu trong kỳ ở đây.")
    assert all(e["note"] for e in c["explanations"])


def test_a_group_that_agrees_is_not_explained(book: Rulebook) -> None:
    agreeing = OfficialRow(U, U, 68.53, {"timeliness": 18.0, "online": 16.0})
    c = compare(agreeing, _card(book), name=None, groups=GROUPS)
    assert c["difference"] == {"total": 0.0, "groups": {"timeliness": 0.0, "online": -4.0}}
    assert {e["group"] for e in c["explanations"]} == {"online"}  # groups the file leaves out are not compared


def test_every_indicator_of_the_shipped_rulebook_has_its_method_note(book: Rulebook) -> None:
    assert set(book.indicators) <= set(METHOD_NOTES)


def test_a_unit_without_a_scorecard_or_below_the_minimum_is_listed_without_a_difference(book: Rulebook) -> None:
    none = compare(OFFICIAL, None, name=None, groups=GROUPS)
    assert none["status"] == "no_score" and none["difference"]["total"] is None and none["explanations"] == []
    few = {**_card(book), "service_index": None, "notes": ["Chưa đủ dữ liệu: 3 hồ sơ"]}
    c = compare(OFFICIAL, few, name=None, groups=GROUPS)
    assert c["status"] == "insufficient_data" and c["difference"]["total"] is None and c["notes"]
    assert gap_alert(c, period="2025", threshold=10, file_name=None, now=NOW, rule_version="r") is None


@pytest.mark.parametrize(("official", "alerted"), [(78.53, False), (78.54, True), (58.53, False), (58.52, True)])
def test_official_index_gap_beyond_the_setting_either_way(book: Rulebook, official: float, alerted: bool) -> None:
    row = OfficialRow(U, U, official, {})
    c = compare(row, _card(book), name=None, groups=GROUPS)
    alert = gap_alert(c, period="2025", threshold=10.0, file_name="ket-qua.xlsx", now=NOW, rule_version="2026.1")
    assert (alert is not None) == alerted
    if alert is not None:
        assert isinstance(alert, Alert) and alert.kind == "official_index_gap" and alert.unit_id == U
        assert alert.data["official_total"] == official and alert.data["our_total"] == 68.53
        assert alert.title is not None and "2025" in alert.title


def test_the_same_figures_give_the_same_alert_id_and_new_figures_a_new_one(book: Rulebook) -> None:
    card = _card(book)

    def alert_id(total: float) -> str:
        c = compare(OfficialRow(U, U, total, {}), card, name=None, groups=GROUPS)
        a = gap_alert(c, period="2025", threshold=10, file_name=None, now=NOW, rule_version="r")
        assert a is not None
        return a.alert_id

    assert alert_id(90.0) == alert_id(90.0) != alert_id(91.0)


def test_notify_tells_the_unit_in_vietnamese_and_links_the_reconciliation(book: Rulebook) -> None:
    c = compare(OFFICIAL, _card(book), name=None, groups=GROUPS)
    alert = gap_alert(c, period="2025", threshold=10, file_name="ket-qua.xlsx", now=NOW, rule_version="r")
    assert alert is not None
    candidate = notify_rules.from_alert(alert, unit_name="Sở Tư pháp", base_url="http://dash")
    m = candidate.message
    assert m.title.startswith("Chỉ số phục vụ kỳ 2025 chênh lệch")
    assert "Chênh lệch (tại đây − chính thức): -11,47." in m.body and "ket-qua.xlsx" in m.body
    assert m.link == f"http://dash/units/{U}/reconciliation?period=2025"


def test_units_are_named_by_id_or_by_their_one_administrative_code() -> None:
    units = {"H40.12.05": "13669", "H40.12.06": "13672", "H40.01": None, "H40.99": "13672"}
    assert resolve_unit(" H40.12.05 ", units) == ("H40.12.05", None)
    assert resolve_unit("13669", units) == ("H40.12.05", None)
    unit, why = resolve_unit("13672", units)
    assert unit is None and why is not None and "H40.12.06" in why and "H40.99" in why
    unit, why = resolve_unit("000.00.12.H40", units)
    assert unit is None and why is not None and "'000.00.12.H40'" in why


def test_rows_refused_name_the_field_and_the_value() -> None:
    units = {"H40.12.05": "13669", "H40.01": None}
    rows = [
        RowIn("13669", 80.0, {"timeliness": 20.0}),
        RowIn("XYZ", 70.0, {}),
        RowIn("H40.12.05", 70.0, {}),
        RowIn("H40.01", 70.0, {"nhom6": 1.0, "online": 22.5}),
    ]
    found, problems = check_rows(rows, units, {"timeliness": 20.0, "online": 22.0})
    assert [p["field"] for p in problems] == [
        "rows.1.unit",
        "rows.2.unit",
        "rows.3.groups.nhom6",
        "rows.3.groups.online",
    ]
    assert "'XYZ'" in problems[0]["message"] and "row 0" in problems[1]["message"]
    assert [r.unit_id for r in found] == ["H40.12.05", "H40.12.05", "H40.01"]
    ok, none = check_rows(rows[:1], units, {"timeliness": 20.0})
    assert none == [] and ok == [OfficialRow("H40.12.05", "13669", 80.0, {"timeliness": 20.0})]
