"""Units on the map after 1 July 2025 (issue 24, item 2): two-level government levels, Decision 19/2025 codes, no
district registered from the day districts ended."""

from __future__ import annotations

import typing
from datetime import UTC, datetime
from typing import Any

import pytest

from schemas.errors import EvidenceInvalid, FieldError
from schemas.evidence import UnitRegisteredEvent, parse_evidence
from schemas.evidence_types.units import COMMUNE_LEVELS, PROVINCE_LEVELS, TWO_LEVEL_SINCE, UnitLevel
from schemas.labels import UNIT_LEVEL_NAMES
from schemas.vietnam import VN_TZ

NOW = datetime(2026, 3, 1, tzinfo=UTC)
LAST_DISTRICT_MOMENT = "2025-06-30T23:59:59+07:00"
FIRST_TWO_LEVEL_MOMENT = "2025-07-01T00:00:00+07:00"


def unit(level: str = "commune", occurred_at: str = "2025-09-01T08:00:00+07:00", **payload: Any) -> dict[str, Any]:
    return {
        "event_id": "u-1",
        "type": "unit.registered",
        "schema_version": 1,
        "occurred_at": occurred_at,
        "unit_id": "H37.13669",
        "source": "motcua",
        "payload": {"name": "Phường Nam Định", "level": level, "cluster_id": "CUM-1", **payload},
    }


def refusal(data: dict[str, Any]) -> list[FieldError]:
    with pytest.raises(EvidenceInvalid) as refused:
        parse_evidence(data, now=NOW, source_required=True)
    return refused.value.details


def test_the_two_level_date_is_the_first_of_july_2025_in_vietnam() -> None:
    assert TWO_LEVEL_SINCE == datetime(2025, 7, 1, tzinfo=VN_TZ)
    assert TWO_LEVEL_SINCE == datetime(2025, 6, 30, 17, 0, tzinfo=UTC)


def test_a_district_is_readable_until_the_last_second_of_june_2025() -> None:
    event = parse_evidence(unit("district", LAST_DISTRICT_MOMENT), now=NOW, source_required=True)
    assert isinstance(event, UnitRegisteredEvent) and event.payload.level == "district"
    # The same instant written in UTC is still before the date.
    assert parse_evidence(unit("district", "2025-06-30T16:59:59Z"), now=NOW, source_required=True)


@pytest.mark.parametrize("at", [FIRST_TWO_LEVEL_MOMENT, "2025-06-30T17:00:00Z", "2026-01-15T09:00:00+07:00"])
def test_a_district_is_refused_from_the_first_of_july_2025(at: str) -> None:
    [problem] = refusal(unit("district", at))
    assert problem.field == "payload.level"
    assert "district is refused from 2025-07-01" in problem.message
    assert "Resolution 202/2025/QH15" in problem.message


@pytest.mark.parametrize("level", ["province", "department", "agency", "commune", "ward", "special_zone", "other"])
def test_every_level_of_the_two_level_government_is_accepted_after_the_date(level: str) -> None:
    event = parse_evidence(unit(level, FIRST_TWO_LEVEL_MOMENT), now=NOW, source_required=True)
    assert isinstance(event, UnitRegisteredEvent) and event.payload.level == level


def test_an_unknown_level_is_refused_naming_the_field() -> None:
    [problem] = refusal(unit("hamlet"))
    assert problem.field == "payload.level"


@pytest.mark.parametrize(("level", "code"), [("province", "37"), ("department", "37"), ("ward", "13669")])
def test_admin_codes_of_two_and_five_digits_are_accepted(level: str, code: str) -> None:
    event = parse_evidence(unit(level, admin_code=code), now=NOW, source_required=True)
    assert isinstance(event, UnitRegisteredEvent) and event.payload.admin_code == code


def test_admin_code_is_optional() -> None:
    event = parse_evidence(unit("commune"), now=NOW, source_required=True)
    assert isinstance(event, UnitRegisteredEvent) and event.payload.admin_code is None


BAD_CODES = ["373", "3766", "136690", "1366", "3", "", "AB", "1366A", "١٣٦٦٩", " 13669", "13669\n"]


@pytest.mark.parametrize("code", BAD_CODES)
def test_admin_codes_of_other_lengths_or_letters_are_refused(code: str) -> None:
    [problem] = refusal(unit("other", admin_code=code))
    assert problem.field == "payload.admin_code"


@pytest.mark.parametrize("code", [37, 13669, None])
def test_admin_code_is_a_string(code: int | None) -> None:
    if code is None:
        assert parse_evidence(unit(admin_code=None), now=NOW, source_required=True)
        return
    [problem] = refusal(unit(admin_code=code))
    assert problem.field == "payload.admin_code"


@pytest.mark.parametrize(("level", "code"), [("commune", "37"), ("ward", "37"), ("special_zone", "37")])
def test_a_commune_level_unit_carries_its_five_digit_code(level: str, code: str) -> None:
    [problem] = refusal(unit(level, admin_code=code))
    assert problem.field == "payload.admin_code" and "5-digit" in problem.message


@pytest.mark.parametrize("level", ["province", "department", "agency"])
def test_a_province_level_unit_carries_the_provinces_two_digit_code(level: str) -> None:
    [problem] = refusal(unit(level, admin_code="13669"))
    assert problem.field == "payload.admin_code" and "2 digits" in problem.message


def test_every_level_has_a_vietnamese_label_and_a_tier() -> None:
    levels = set(typing.get_args(UnitLevel))
    assert set(UNIT_LEVEL_NAMES) == levels
    assert PROVINCE_LEVELS | COMMUNE_LEVELS <= levels and not PROVINCE_LEVELS & COMMUNE_LEVELS
    assert UNIT_LEVEL_NAMES["ward"] == "Phường" and UNIT_LEVEL_NAMES["special_zone"] == "Đặc khu"
