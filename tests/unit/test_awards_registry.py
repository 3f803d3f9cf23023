"""A new award title is one registration (services/awards/domain/registry.py) and its tests: a made-up "Giấy khen của
Giám đốc Sở" with two criteria is registered here, in the test, and is evaluated for every member, capped to its
share of the unit, named in its criteria, priced from its own multiple and shown in the year-end preview — with no
other file edited."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from typing import get_args

import pytest

from schemas import export
from schemas.labels import CRITERIA_TITLE_NAMES, TITLE_NAMES, TITLE_SHORT_NAMES, TITLES, TitleCode
from services.awards.config import RULES
from services.awards.domain import registry
from services.awards.domain.evaluate import evaluate_unit
from services.awards.domain.money import amount
from services.awards.domain.preview import preview_unit
from services.awards.domain.records import Fact, OfficerRecord, UnitRecord
from services.awards.domain.registry import Subject, TitleSpec, register, title_money, title_name
from services.awards.domain.rulebook import AwardRules, build_award_rules
from services.awards.domain.verdicts import Check, Verdict

RULES_ = build_award_rules(tomllib.loads(RULES.read_text(encoding="utf-8")))
CODE = "giay_khen_giam_doc_so"
NAME = "Giấy khen của Giám đốc Sở"
Y = 2026


def rated_good(o: Subject, year: int, rules: AwardRules) -> Check:
    """First criterion: rated good or better by HR for the year."""
    rating = o.ratings.get(year)
    ok = rating is not None and rating.value in ("good", "excellent")
    return Check("rated_good", ok, "xếp loại tốt trở lên" if ok else "chưa xếp loại tốt")


def one_initiative(o: Subject, year: int, rules: AwardRules) -> Check:
    """Second criterion: an initiative recognised in the year (an officer's record)."""
    found = isinstance(o, OfficerRecord) and any(i.year == year for i in o.initiatives)
    return Check("initiative", found, "có sáng kiến trong năm" if found else "chưa có sáng kiến trong năm")


def evidence(o: Subject, year: int, rules: AwardRules) -> list[str]:
    """The rating and initiatives the title rests on."""
    events = [f.event for f in (o.ratings.get(year),) if f is not None]
    return events + [i.event for i in getattr(o, "initiatives", []) if i.year == year]


SPEC = TitleSpec(
    code=CODE,
    name=NAME,
    subject="officer",
    criteria=(rated_good, one_initiative),
    quota_share=0.5,
    cash_multiple=0.5,
    evidence=evidence,
)


@pytest.fixture(autouse=True)
def registered() -> Iterator[None]:
    """The title registered for one test, and gone after it."""
    register(SPEC)
    yield
    registry.REGISTERED.pop(CODE, None)


def unit(initiatives: int = 3) -> UnitRecord:
    """Four members rated good for Y; the first `initiatives` of them with an initiative (scores rank them)."""
    members = []
    for n in range(4):
        o = OfficerRecord(f"CB-{n}", "U1", name=f"Cán bộ {n}")
        o.ratings[Y] = Fact(Y, "good", f"hr:r{n}")
        o.scores[Y] = 90.0 - n
        if n < initiatives:
            o.initiatives.append(Fact(Y, "unit", f"hr:i{n}"))
        members.append(o)
    return UnitRecord("U1", "K1", "Sở Tư pháp", members=members)


def verdicts(record: UnitRecord, rules: AwardRules = RULES_) -> dict[str, Verdict]:
    """The registered title's verdict for each subject of the unit's year."""
    return {s: v for _, s, v in evaluate_unit(record, Y, rules, date(Y, 12, 20)) if v.title == CODE}


def test_a_registered_title_is_evaluated_on_its_criteria_for_every_member() -> None:
    found = verdicts(unit(initiatives=1))
    assert set(found) == {"CB-0", "CB-1", "CB-2", "CB-3"}
    assert found["CB-0"].met and not found["CB-3"].met
    codes = [c.code for c in found["CB-3"].checks]
    assert codes[:2] == ["rated_good", "initiative"] and "no_discipline" in codes  # conduct comes with every title
    assert found["CB-0"].evidence == ["hr:i0", "hr:r0"]


def test_a_registered_title_is_capped_to_its_share_best_ranked_first() -> None:
    found = verdicts(unit(initiatives=3))  # three meet it, half of four members may have it
    met = sorted(s for s, v in found.items() if v.met)
    assert met == ["CB-0", "CB-1"]  # the higher scores
    quota = next(c for c in found["CB-2"].checks if c.code == "quota")
    assert not quota.met and "ngoài chỉ tiêu 50% số thành viên (2/4" in quota.reason


def test_a_registered_title_is_named_and_priced_from_its_registration() -> None:
    assert title_name(CODE) == NAME and title_name("lao_dong_tien_tien") == "Lao động tiên tiến"
    rules = replace(RULES_, registration_required=True)
    checks = verdicts(unit(), rules)["CB-0"].checks
    registration = next(c for c in checks if c.code == "registered")
    assert registration.reason == f"chưa đăng ký thi đua danh hiệu {NAME} năm {Y}"
    money = title_money(RULES_, "officer", CODE, date(Y, 12, 20))
    assert (
        money.multiple == 0.5
        and money.cash_vnd == amount(0.5, money.base_salary_vnd, RULES_.money.round_up_to_vnd)
        and NAME in money.source
    )


def test_the_preview_shows_a_registered_title_with_its_estimate() -> None:
    part = preview_unit(unit(), Y, RULES_, date(Y, 12, 20), officers_visible=True)
    mine = [n for n in part["nominations"] if n["title"] == CODE]
    assert [n["subject_id"] for n in mine] == ["CB-0", "CB-1"] and all(n["cash_vnd"] > 0 for n in mine)


def test_a_title_is_registered_once_and_the_built_in_ones_are_not_replaced() -> None:
    with pytest.raises(ValueError, match="already known"):
        register(SPEC)
    with pytest.raises(ValueError, match="already known"):
        register(replace(SPEC, code="lao_dong_tien_tien"))


def test_without_registrations_the_built_in_titles_are_all_there_is() -> None:
    registry.REGISTERED.pop(CODE)
    assert not verdicts(unit())


def test_a_title_of_the_contract_is_declared_once_with_its_words_and_the_tables_follow() -> None:
    """schemas/labels.py: TitleCode spells the codes (the type checker cannot read them from a table) and TITLES holds
    each one's words once; the name tables and the JSON Schemas' enumerations follow from them."""
    assert tuple(TITLES) == get_args(TitleCode)
    assert list(TITLE_NAMES) == list(CRITERIA_TITLE_NAMES) == list(TITLES)  # documents list titles in this order
    assert TITLE_NAMES["co_thi_dua_tinh"] == "Cờ thi đua của UBND tỉnh"
    assert CRITERIA_TITLE_NAMES["co_thi_dua_tinh"] == "Cờ thi đua cấp tỉnh"  # the flag by its level, in criteria
    assert CRITERIA_TITLE_NAMES["lao_dong_tien_tien"] == TITLE_NAMES["lao_dong_tien_tien"] == "Lao động tiên tiến"
    assert TITLE_SHORT_NAMES == {
        "tap_the_lao_dong_tien_tien": "Tập thể lao động tiên tiến",
        "tap_the_lao_dong_xuat_sac": "Tập thể lao động xuất sắc",
        "co_thi_dua_tinh": "Cờ thi đua",
    }
    files = export.generated()
    evidence = json.loads(files["evidence.json"])["$defs"]
    enums = [
        json.loads(files["nomination_changed.json"])["properties"]["title"]["enum"],
        evidence["TitleAwarded"]["properties"]["title"]["enum"],
        evidence["EmulationRegistered"]["properties"]["titles"]["items"]["enum"],
    ]
    assert all(enum == list(TITLES) for enum in enums)
    for code in TITLES:  # awards knows each as built in: a registration cannot take its code
        with pytest.raises(ValueError, match="already known"):
            register(replace(SPEC, code=code))
