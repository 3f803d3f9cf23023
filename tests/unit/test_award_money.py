"""Money and the year-end preview at their edges, each test naming its source: the base salary in force on the
decision date (Decree 73/2024, Decree 161/2026/NĐ-CP), the multiples (Decree 98/2023 before 1 July 2025, Decree
152/2025 Art. 54-55 from it), rounding up to 10,000 VND (Decree 98/2023 Art. 53), the amount to recover on a
revocation (Law 06/2022 ch. VII), the preview of a year not yet closed (Decree 90/2020 calendar, rule file)."""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from schemas.http.awards import Nominations
from services.awards.config import RULES
from services.awards.domain.evaluate import cash_multiple
from services.awards.domain.lifecycle import cash_fields, decided_money, nomination_changed, nomination_row
from services.awards.domain.money import (
    amount,
    build_money,
    cash_table_on,
    decision_date_problem,
    money_on,
    recover_vnd,
    round_up,
    schedule,
)
from services.awards.domain.preview import assemble, closed, deadlines, preview_unit
from services.awards.domain.records import Fact, OfficerRecord, OpenCase, UnitRecord
from services.awards.domain.rulebook import build_award_rules
from services.awards.domain.verdicts import Check, Verdict
from services.dashboard.config import Settings
from services.dashboard.documents import issuer_of
from services.dashboard.documents.content import nominations as nominations_document

DOC = tomllib.loads(RULES.read_text(encoding="utf-8"))
RULES_ = build_award_rules(DOC)
MONEY = RULES_.money
NEW_BASE = date(2026, 7, 1)  # Decree 161/2026
DECREE_152 = date(2025, 7, 1)


# --- Base salary on the decision date (Decree 73/2024, Decree 161/2026/NĐ-CP) -----------------------------------


@pytest.mark.parametrize(
    ("day", "base"),
    [
        (date(2024, 7, 1), 2_340_000),  # Decree 73/2024 from its first day
        (date(2026, 6, 30), 2_340_000),  # just before Decree 161/2026
        (date(2026, 7, 1), 2_530_000),  # at
        (date(2026, 7, 2), 2_530_000),  # just after
    ],
)
def test_base_salary_in_force_on_the_decision_date_decree_73_2024_decree_161_2026(day: date, base: int) -> None:
    assert MONEY.base_on(day).vnd == base
    assert ("161/2026" in MONEY.base_on(day).source) is (day >= NEW_BASE)


def test_lao_dong_tien_tien_702000_before_and_760000_after_1_july_2026_decree_161_2026_decree_152_2025() -> None:
    assert Decimal("0.3") * 2_340_000 == 702_000  # the product at the old base ...
    assert money_on(MONEY, "lao_dong_tien_tien", date(2026, 6, 30)).cash_vnd == 710_000  # ... rounded up (Art. 53)
    at_new = money_on(MONEY, "lao_dong_tien_tien", date(2026, 7, 1))
    assert (at_new.multiple, at_new.base_salary_vnd, at_new.cash_vnd) == (0.3, 2_530_000, 760_000)  # 759,000 ↑
    assert "152/2025" in at_new.source and "161/2026" in at_new.source


# --- Rounding up to the next 10,000 VND (Decree 98/2023 Art. 53, carried over) ----------------------------------


@pytest.mark.parametrize(
    ("vnd", "rounded"),
    [
        (Decimal(2_020_000), 2_020_000),  # already a multiple of 10,000: unchanged
        (Decimal(2_020_001), 2_030_000),  # just above: up
        (Decimal(2_024_000), 2_030_000),  # TT LĐTT 0.8 × 2,530,000
        (Decimal(2_029_999), 2_030_000),  # just below the next step
        (Decimal(3_795_000), 3_800_000),  # TT LĐXS 1.5 × 2,530,000
        (Decimal(0), 0),
    ],
)
def test_amounts_round_up_to_the_next_10000_vnd_decree_98_2023_art_53(vnd: Decimal, rounded: int) -> None:
    assert round_up(vnd, 10_000) == rounded


def test_collective_amounts_at_2530000_decree_152_2025_art_54_55() -> None:
    on = date(2026, 7, 1)
    assert money_on(MONEY, "tap_the_lao_dong_tien_tien", on).cash_vnd == 2_030_000  # 2,024,000 ↑
    assert money_on(MONEY, "tap_the_lao_dong_xuat_sac", on).cash_vnd == 3_800_000  # 3,795,000 ↑
    assert money_on(MONEY, "chien_si_thi_dua_co_so", on).cash_vnd == 2_530_000  # a multiple already: unchanged
    assert amount(0.3, 2_530_000, 10_000) == 760_000  # exact decimals: 0.3 × 2,530,000 is 759,000, not 759,000.0…1


# --- Multiples: Decree 98/2023 before 1 July 2025, Decree 152/2025 Art. 54-55 from it -----------------------------


@pytest.mark.parametrize(
    ("day", "individual", "source"),
    [(date(2025, 6, 30), 1.0, "98/2023"), (DECREE_152, 1.5, "152/2025"), (date(2025, 7, 2), 1.5, "152/2025")],
)
def test_bang_khen_individual_1_0_before_and_1_5_from_decree_152_2025(
    day: date, individual: float, source: str
) -> None:
    assert cash_multiple("officer", "bang_khen_chu_tich_tinh", RULES_, day) == individual
    assert cash_multiple("unit", "bang_khen_chu_tich_tinh", RULES_, day) == 3.0  # collective = 2 × individual (M)
    assert source in MONEY.table_on(day).source


def test_decree_152_2025_multiples_with_giay_khen_art_54_55() -> None:
    table = cash_table_on(MONEY, date(2026, 12, 4))["cash_multiples"]
    multiples = {k: v["multiple"] for k, v in table.items()}
    assert multiples == {
        "bang_khen_chu_tich_tinh_collective": 3.0,
        "bang_khen_chu_tich_tinh_individual": 1.5,
        "chien_si_thi_dua_co_so": 1.0,
        "chien_si_thi_dua_tinh": 3.0,
        "co_thi_dua_tinh": 8.0,
        "giay_khen_ca_nhan": 0.3,
        "giay_khen_tap_the": 0.6,
        "lao_dong_tien_tien": 0.3,
        "tap_the_lao_dong_tien_tien": 0.8,
        "tap_the_lao_dong_xuat_sac": 1.5,
    }
    assert table["giay_khen_ca_nhan"]["vnd"] == 760_000 and table["co_thi_dua_tinh"]["vnd"] == 20_240_000
    listed = schedule(MONEY)
    assert [b["from"] for b in listed["base_salaries"]] == ["2024-07-01", "2026-07-01"]
    assert [t["from"] for t in listed["cash_tables"]] == ["2000-01-01", "2025-07-01"]


def test_dated_money_tables_are_validated_decree_152_2025() -> None:
    with pytest.raises(ValueError):
        build_award_rules({k: v for k, v in DOC.items() if k != "cash_table"})
    with pytest.raises(ValueError):
        build_money({**DOC, "base_salary": [{"from": "2024-07-01", "vnd": 1, "source": "x"}]})  # not a TOML date
    with pytest.raises(ValueError):
        build_money({**DOC, "base_salary": [*DOC["base_salary"], {**DOC["base_salary"][0], "vnd": 1}]})  # same day
    assert build_money({**DOC, "cash": {"round_up_to_vnd": 1000}}).round_up_to_vnd == 1000


@pytest.mark.parametrize(
    ("day", "ok"),
    [
        (date(1999, 12, 31), False),
        (date(2000, 1, 1), True),
        (date(2027, 12, 4), True),  # today + 1 year
        (date(2027, 12, 5), False),
    ],
)
def test_decision_date_is_bounded_decree_152_2025(day: date, ok: bool) -> None:
    assert (decision_date_problem(day, date(2026, 12, 4)) is None) is ok


# --- The nomination's amount: decided or estimated; the amount to recover (Law 06/2022 ch. VII) ------------------


def _row(title: str = "lao_dong_tien_tien", kind: str = "officer", **extra: Any) -> dict[str, Any]:
    verdict = Verdict(title, True, [Check("rating_good_or_better", True, "tốt")], ["hr:r1"])
    row = nomination_row(f"{title}:2026:{kind}:CB-1", kind, "CB-1", "U1", 2026, verdict, RULES_)
    row.update({"status": "proposed", "decision_date": None, "recover_vnd": None})
    row.update(extra)
    return row


def test_undecided_nomination_shows_an_estimate_at_todays_tables_decree_161_2026() -> None:
    row = {**_row(), "cash_vnd": None, "base_salary_vnd": None, "cash_source": None}  # as stored before a decision
    before = cash_fields(row, RULES_, date(2026, 6, 30))
    after = cash_fields(row, RULES_, date(2026, 7, 1))
    assert (before["cash_vnd"], before["cash_estimate"], before["decision_date"]) == (710_000, True, None)
    assert (after["cash_vnd"], after["base_salary_vnd"], after["cash_estimate"]) == (760_000, 2_530_000, True)


def test_decided_nomination_keeps_the_amount_of_its_decision_date_decree_161_2026() -> None:
    decided_on = date(2026, 7, 1)
    m = decided_money(_row(), RULES_, decided_on)
    row = _row(status="approved", decision_date=decided_on, cash_vnd=m.cash_vnd)
    row.update(base_salary_vnd=m.base_salary_vnd, cash_source=m.source, cash_multiple=m.multiple)
    shown = cash_fields(row, RULES_, date(2030, 1, 1))  # read years later: still the decision's amount
    assert (shown["cash_vnd"], shown["cash_estimate"], shown["decision_date"]) == (760_000, False, decided_on)
    legacy = {**row, "cash_vnd": None}  # decided before amounts were stored: computed from its decision date
    assert cash_fields(legacy, RULES_, date(2030, 1, 1))["cash_vnd"] == 760_000
    dated_june = {**legacy, "decision_date": date(2026, 6, 30)}
    assert cash_fields(dated_june, RULES_, date(2030, 1, 1))["cash_vnd"] == 710_000


def test_revocation_recovers_the_approved_amount_only_law_06_2022_chapter_vii() -> None:
    assert recover_vnd("approved", 760_000) == 760_000
    assert recover_vnd("proposed", 760_000) == 0
    assert recover_vnd("on_hold", None) == 0
    now = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)
    approved = _row(status="approved", decision_date=date(2026, 7, 1), cash_vnd=760_000)
    approved.update(base_salary_vnd=2_530_000)
    event = nomination_changed(approved, "revoked", "revoked", "kỷ luật", now)
    assert event.recover_vnd == 760_000 and event.cash_vnd == 760_000 and event.cash_estimate is False
    pending = {**_row(), "cash_vnd": None, "base_salary_vnd": None, "cash_source": None}
    assert nomination_changed(pending, "revoked", "revoked", "kỷ luật", now).recover_vnd == 0
    # The creation's message carries the estimate; stored revoked rows show what is to be recovered.
    created = nomination_changed(_row(), "created", "proposed", None, now)
    assert created.cash_estimate is True and created.cash_vnd == 760_000 and created.recover_vnd is None
    assert json.loads(created.model_dump_json(exclude_none=True))["cash_vnd"] == 760_000
    shown = cash_fields({**approved, "status": "revoked", "recover_vnd": 760_000}, RULES_, date(2026, 12, 4))
    assert shown["recover_vnd"] == 760_000


def test_nominations_document_shows_the_amount_to_recover_law_06_2022_chapter_vii() -> None:
    revoked = {
        "id": "lao_dong_tien_tien:2026:officer:CB-1",
        "title": "lao_dong_tien_tien",
        "subject_kind": "officer",
        "subject_id": "CB-1",
        "unit_id": "U1",
        "status": "revoked",
        "criteria": [],
        "cash_vnd": 760_000,
        "cash_estimate": False,
        "recover_vnd": 760_000,
    }
    # The rest of awards' answer (schemas.http.awards.Nomination), as the dashboard parses it.
    revoked |= {"year": 2026, "cash_multiple": 0.3, "rule_version": "2026.1", "evidence_ids": [], "votes": None}
    revoked |= {"reason": "thu hồi", "created_at": "2026-12-01T02:00:00Z", "updated_at": "2026-12-03T02:00:00Z"}
    revoked |= {"held_from": None, "decision_date": "2026-01-15", "base_salary_vnd": 2_530_000, "cash_source": "NĐ 152"}
    revoked |= {"rating_basis": None, "blocks": []}
    tables = {"on": "2026-12-04", "base_salary_vnd": 2_530_000, "base_salary_source": "NĐ", "cash_source": "NĐ"}
    data = Nominations.model_validate(
        tables | {"cash_multiples": {}, "period": "2026", "rule_version": "2026.1", "nominations": [revoked]}
    )
    doc = nominations_document(data, period="2026", issued_on=date(2026, 12, 4), issuer=issuer_of(Settings()), names={})
    text = json.dumps([getattr(b, "__dict__", str(b)) for b in doc.blocks], ensure_ascii=False, default=str)
    assert "Phải thu hồi: 760.000 ₫" in text and "phải thu hồi do thu hồi khen thưởng: 760.000 ₫" in text


# --- The year-end preview (Decree 90/2020 calendar; rule file [calendar]) ----------------------------------------


def _unit() -> UnitRecord:
    members = []
    for n, level in enumerate(("excellent", "good", "good", None)):
        o = OfficerRecord(f"CB-{n}", "U1", name=f"Cán bộ {n}")
        if level:
            o.ratings[2026] = Fact(2026, level, f"hr:r{n}")
        members.append(o)
    members[1].open_grievances = [OpenCase("hr:g1", "complaint", "KN-1")]
    u = UnitRecord("U1", "K1", "Sở Tư pháp", members=members)
    return u


def test_preview_lists_provisional_nominations_and_what_is_missing_decree_90_2020() -> None:
    part = preview_unit(_unit(), 2026, RULES_, date(2026, 12, 4), officers_visible=True)
    ids = {n["id"]: n for n in part["nominations"]}
    assert all(n["provisional"] and n["cash_estimate"] for n in ids.values())
    ldtt = ids["lao_dong_tien_tien:2026:officer:CB-0"]
    assert ldtt["status"] == "proposed" and ldtt["cash_vnd"] == 760_000 and ldtt["criteria"]
    assert ids["lao_dong_tien_tien:2026:officer:CB-1"]["status"] == "on_hold"  # open grievance holds it
    missing = part["missing"]
    assert missing["unit_rating"] is True  # the unit's own rating has not been received
    assert (missing["unrated_count"], missing["unrated_members"]) == (1, [{"officer_id": "CB-3", "name": "Cán bộ 3"}])
    assert missing["hold_count"] >= 1 and any(h["subject_id"] == "CB-1" for h in missing["holds"])
    assert missing["open_cases"] == [
        {"subject_kind": "officer", "subject_id": "CB-1", "kind": "complaint", "case_id": "KN-1"}
    ]
    assert missing["votes_to_come"] == sum(1 for n in ids.values() if n["status"] in ("proposed", "needs_review"))
    assert part["cash_estimate_vnd"] == sum(n["cash_vnd"] for n in ids.values())


def test_preview_hides_named_officers_from_other_units_policy() -> None:
    part = preview_unit(_unit(), 2026, RULES_, date(2026, 12, 4), officers_visible=False)
    assert all(n["subject_kind"] == "unit" for n in part["nominations"])
    assert part["officer_nomination_count"] >= 2 and part["missing"]["unrated_members"] is None
    assert part["missing"]["unrated_count"] == 1 and not any(
        h["subject_kind"] == "officer" for h in part["missing"]["holds"]
    )
    assert "CB-" not in json.dumps(part["missing"]["vote_ids"]) and part["missing"]["open_cases"] == []
    assert part["missing"]["open_case_count"] == 1


def test_preview_never_names_an_officer_whose_id_reads_like_a_unit_nomination_policy() -> None:
    """An officer id may contain ":unit:" (the officer-id grammar allows colons): the public preview filters the votes
    to come by the subject's kind, not by the id's text."""
    unit = _unit()
    unit.members[0].officer_id = "X:unit:Y"
    part = preview_unit(unit, 2026, RULES_, date(2026, 12, 4), officers_visible=False)
    assert "X:unit:Y" not in json.dumps(part)
    assert all(":officer:" not in v for v in part["missing"]["vote_ids"])


@pytest.mark.parametrize(
    ("today", "rating_left", "dossier_left"),
    [(date(2026, 12, 4), 11, 6), (date(2026, 12, 10), 5, 0), (date(2026, 12, 15), 0, 0), (date(2026, 12, 16), 0, 0)],
)
def test_preview_days_left_to_the_deadlines_decree_90_2020(today: date, rating_left: int, dossier_left: int) -> None:
    left = deadlines(2026, RULES_, today)
    assert (left["rating_days_left"], left["dossier_days_left"]) == (rating_left, dossier_left)
    assert (left["rating_deadline"], left["dossier_deadline"]) == ("2026-12-15", "2026-12-10")


def test_preview_assembly_totals_and_a_closed_year_decree_90_2020() -> None:
    today = date(2026, 12, 4)
    parts = [preview_unit(_unit(), 2026, RULES_, today, officers_visible=v) for v in (True, False)]
    whole = assemble(2026, RULES_, today, parts)
    assert whole["provisional"] is True and whole["closed"] is False and whole["totals"]["units"] == 2
    assert whole["totals"]["unrated_members"] == 2 and whole["totals"]["units_without_rating"] == 2
    assert whole["totals"]["cash_estimate_vnd"] == 2 * parts[0]["cash_estimate_vnd"]
    done = closed(2025, "2025-12-16T08:00:00+00:00")
    assert done["closed"] is True and done["nominations"] == "/v1/nominations?period=2025" and not done["units"]
