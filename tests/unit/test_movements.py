"""Movements as data (issue 24, item 5): the rule file's [[movements]] decide the stage periods cases feed."""

from __future__ import annotations

import copy
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from schemas.periods import STAGE, is_period
from schemas.vietnam import VN_TZ
from services.scoring.adapters.rulefiles import read_rules_file
from services.scoring.domain.contributions import dossier_contribution
from services.scoring.domain.periods import LEGACY, parse_period, period_fraction, periods_of
from services.scoring.domain.rulebook import RulebookInvalid, build_rulebook, rules_from
from tests.unit.test_scoring_rules import RULES_DIR, cells, dossier, processed

RULES = RULES_DIR / "rulebook.toml"
T = "+07:00"
LOCAL_PLAN = """
[[movements]]
code = "ke_hoach_tinh"
name = "Kế hoạch thi đua của tỉnh giai đoạn 2026–2030"
source = "Local policy: the province's own plan (example)"
from = 2026
to = 2030
indicators = ["on_time", "emulation"]
[[movements.stages]]
name = "Sơ kết 2028"
from = 2026
to = 2028
"""


@pytest.fixture
def doc() -> dict[str, Any]:
    return tomllib.loads(RULES.read_text(encoding="utf-8"))


def test_the_shipped_movements_are_the_office_culture_one_closed_and_the_2025_2030_one_with_unconfirmed_phases(
    doc: dict[str, Any],
) -> None:
    book = build_rulebook(doc)
    culture, innovation = book.movements
    assert (culture.label, culture.closed, "733/QĐ-TTg" in culture.source) == ("2019-2025", True, True)
    assert [(s.name, s.label, s.confirmed) for s in culture.stages] == [
        ("Sơ kết 2022", "2019-2022", True),
        ("Tổng kết 2025", "2019-2025", True),
    ]
    assert (innovation.label, innovation.closed, "923/QĐ-TTg" in innovation.source) == ("2025-2030", False, True)
    assert [(s.label, s.confirmed) for s in innovation.stages] == [("2025-2027", False), ("2028-2030", False)]
    assert book.stages.labels == {"2019-2022", "2019-2025", "2025-2027", "2025-2030", "2028-2030"}
    # The public label 2019-2025 keeps its bounds and its length (officers' yearly training target × 7).
    stage = parse_period(STAGE, book.stages)
    assert (stage.start, stage.end) == (datetime(2019, 1, 1, tzinfo=VN_TZ), datetime(2026, 1, 1, tzinfo=VN_TZ))
    assert period_fraction(STAGE) == 7.0 and period_fraction("2025-2027") == 3.0


def test_a_rule_file_without_movements_keeps_the_single_stage_2019_2025(doc: dict[str, Any]) -> None:
    """A rulebook stored before 2026.1 (no [[movements]]) judges exactly as it did."""
    del doc["movements"]
    book = build_rulebook(doc)
    assert (book.movements, book.stages) == ((), LEGACY)
    assert [p.label for p in periods_of(datetime(2025, 6, 1, tzinfo=VN_TZ), book.stages)] == [
        "2025-06",
        "2025-Q2",
        "2025",
        STAGE,
    ]
    with pytest.raises(ValueError, match="not a stage of a configured movement"):
        parse_period("2025-2030", book.stages)


def test_adding_a_movement_is_a_rule_file_edit_its_stages_are_periods_cases_feed(tmp_path: Path) -> None:
    edited = tmp_path / "rulebook.toml"
    edited.write_text(RULES.read_text(encoding="utf-8") + LOCAL_PLAN, encoding="utf-8")
    (tmp_path / "calendar").symlink_to(RULES_DIR / "calendar")
    rules = rules_from(read_rules_file(edited))
    shipped = rules_from(read_rules_file(RULES))
    assert rules.book.movements[-1].name == "Kế hoạch thi đua của tỉnh giai đoạn 2026–2030"
    # Accepted where a period is asked for (the API's check), and only under the rulebook that configures it.
    assert parse_period("2026-2028", rules.book.stages).end == datetime(2029, 1, 1, tzinfo=VN_TZ)
    assert parse_period("2026-2030", rules.book.stages).start == datetime(2026, 1, 1, tzinfo=VN_TZ)
    with pytest.raises(ValueError, match="2026-2028"):
        parse_period("2026-2028", shipped.book.stages)
    with pytest.raises(ValueError, match=r"stages: 2019-2022, 2019-2025, 2025-2027, 2025-2030, 2026-2028"):
        parse_period("2031-2035", rules.book.stages)
    # A dossier finished in March 2027 feeds the new stages beside its month, quarter, year and the 2025–2030 ones.
    finished = dossier(
        (
            "processed",
            "s:p1",
            processed(at=f"2027-03-10T09:00:00{T}", due=f"2027-03-20T17:00:00{T}", finished=f"2027-03-12T10:00:00{T}"),
        )
    )
    fed = cells(
        dossier_contribution(finished, datetime(2027, 4, 1, tzinfo=VN_TZ), rules.book, rules.calendar), "on_time"
    )
    assert set(fed) == {"2027-03", "2027-Q1", "2027", "2025-2027", "2025-2030", "2026-2028", "2026-2030"}
    assert fed["2026-2028"] == (1.0, 1.0)
    before = dossier_contribution(finished, datetime(2027, 4, 1, tzinfo=VN_TZ), shipped.book, shipped.calendar)
    assert "2026-2028" not in cells(before, "on_time")


def test_a_months_periods_are_computed_once_per_rulebook(doc: dict[str, Any]) -> None:
    stages = build_rulebook(doc).stages
    first = periods_of(datetime(2025, 3, 5, tzinfo=VN_TZ), stages)
    assert periods_of(datetime(2025, 3, 28, tzinfo=VN_TZ), stages) is first  # cached by (year, month)
    assert build_rulebook(doc).stages == stages and hash(build_rulebook(doc).stages) == hash(stages)


def _with(doc: dict[str, Any], n: int, **changes: Any) -> dict[str, Any]:
    edited = copy.deepcopy(doc)
    edited["movements"][n].update(changes)
    return edited


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: _with(d, 0, name=""), "movement van_hoa_cong_so: name is missing"),
        (lambda d: _with(d, 0, source="  "), "movement van_hoa_cong_so: source is missing"),
        (lambda d: _with(d, 1, code="van_hoa_cong_so"), "movement van_hoa_cong_so: code used twice"),
        (lambda d: _with(d, 0, to=2019), r"movement van_hoa_cong_so: from \(2019\) must come before to \(2019\)"),
        (lambda d: _with(d, 0, to=20255), "movement van_hoa_cong_so: to must be a year from 1990 to 2100"),
        (lambda d: _with(d, 0, to="2025"), "movement van_hoa_cong_so: to must be a year"),
        (
            lambda d: _with(d, 0, to=2024),
            r"stage Tổng kết 2025 \(2019-2025\) lies outside the movement's years 2019-2024",
        ),
        (
            lambda d: _with(
                d, 1, stages=[{"name": "A", "from": 2025, "to": 2028}, {"name": "B", "from": 2027, "to": 2030}]
            ),
            r"stages A \(2025-2028\) and B \(2027-2030\) overlap without one containing the other",
        ),
        (
            lambda d: _with(
                d, 1, stages=[{"name": "A", "from": 2025, "to": 2027}, {"name": "B", "from": 2025, "to": 2027}]
            ),
            "stages A and B have the same years",
        ),
        (lambda d: _with(d, 1, stages=[{"from": 2025, "to": 2027}]), "stage 1: name is missing"),
        (lambda d: _with(d, 1, indicators=["nope"]), "unknown indicator nope"),
        (lambda d: _with(d, 1, closed="yes"), "closed must be true or false"),
        (
            lambda d: _with(d, 1, stages=[{"name": "A", "from": 2025, "to": 2027, "confirmed": "false"}]),
            "stage 1: confirmed must be true or false",
        ),
        (lambda d: {**d, "movements": {"code": "x"}}, r"movements must be an array of tables"),
    ],
)
def test_invalid_movements_are_refused_with_what_is_wrong(doc: dict[str, Any], change: Any, message: str) -> None:
    with pytest.raises(RulebookInvalid, match=message):
        build_rulebook(change(doc))


def test_the_contract_grammar_takes_any_well_formed_stage_scoring_decides_which_exist() -> None:
    assert is_period("2025-2030") and is_period(STAGE)
    assert not is_period("2030-2025") and not is_period("2025-2025") and not is_period("2025-20301")
