"""The awards' answer models (schemas/http/awards.py) carry every answer unchanged: the JSON through the model equals
the JSON FastAPI sent before the models (jsonable_encoder of the same body), and a field not modelled is left
out, never an error."""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.encoders import jsonable_encoder
from pydantic import TypeAdapter, ValidationError

from schemas.http import awards as answers
from schemas.lineage import Reorganization
from schemas.vietnam import VN_TZ
from services.awards import views
from services.awards.config import RULES
from services.awards.domain.lifecycle import nomination_row
from services.awards.domain.money import cash_table_on, schedule
from services.awards.domain.preview import assemble, closed, preview_unit
from services.awards.domain.records import Fact, Forebear, OfficerRecord, OpenCase, UnitRecord
from services.awards.domain.rulebook import build_award_rules
from services.awards.domain.verdicts import Check, Verdict

RULES_ = build_award_rules(tomllib.loads(RULES.read_text(encoding="utf-8")))
TODAY = date(2026, 12, 4)
AT = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)


def same_json(model: Any, body: Any) -> None:
    """The body through the model, serialized as FastAPI does (by alias, JSON mode), is the body as sent before."""
    through = TypeAdapter(model).dump_python(TypeAdapter(model).validate_python(body), mode="json", by_alias=True)
    assert json.dumps(through, sort_keys=True) == json.dumps(jsonable_encoder(body), sort_keys=True)


def unit() -> UnitRecord:
    """A unit with rated, unrated and held members, a predecessor merged into it and a carried title."""
    members = []
    for n, level in enumerate(("excellent", "good", "good", None)):
        o = OfficerRecord(f"CB-{n}", "U1", name=f"Cán bộ {n}")
        if level:
            o.ratings[2026] = Fact(2026, level, f"hr:r{n}")
        members.append(o)
    members[1].open_grievances = [OpenCase("hr:g1", "complaint", "KN-1")]
    merge = Reorganization("src:m", "merge", ("A",), ("U1",), datetime(2026, 7, 1, tzinfo=VN_TZ), "NQ 1/2026")
    u = UnitRecord("U1", "K1", "Sở Tư pháp", members=members, changes=[merge])
    u.unit_names = {"U1": "Sở Tư pháp", "A": "Phường A"}
    u.forebears = {"A": Forebear("A", "Phường A")}
    u.forebears["A"].titles[2025] = {"tap_the_lao_dong_xuat_sac": "src:t-A"}
    u.open_grievances = [OpenCase("hr:g2", None, "KN-2")]
    return u


def stored(status: str = "proposed", **extra: Any) -> dict[str, Any]:
    """A nominations row as PostgreSQL gives it (criteria and evidence as JSON text)."""
    verdict = Verdict("lao_dong_tien_tien", True, [Check("rating_good_or_better", False, "chưa")], ["hr:r1"])
    row = nomination_row("lao_dong_tien_tien:2026:officer:CB-1", "officer", "CB-1", "U1", 2026, verdict, RULES_)
    row.update(criteria=json.dumps(row["criteria"]), evidence_ids=json.dumps(row["evidence_ids"]))
    row.update(status=status, votes=None, reason=None, created_at=AT, updated_at=AT, held_from=None)
    row.update(decision_date=None, recover_vnd=None, rating_basis="hr", cash_vnd=None, cash_source=None)
    row.update(base_salary_vnd=None)
    row.update(extra)
    return row


@pytest.mark.parametrize("visible", [True, False])
def test_preview_of_an_open_year_is_sent_unchanged(visible: bool) -> None:
    part = preview_unit(unit(), 2026, RULES_, TODAY, officers_visible=visible)
    body = assemble(2026, RULES_, TODAY, [part])
    assert part["lineage"] is not None and part["missing"]["open_cases"]
    assert bool(part["nominations"]) is visible  # the unit itself is unrated: only officers' titles are met
    same_json(answers.Preview | answers.PreviewClosed, body)


def test_preview_of_a_closed_year_is_sent_unchanged() -> None:
    same_json(answers.Preview | answers.PreviewClosed, closed(2025, AT.isoformat()))


def test_cash_tables_are_sent_unchanged_with_from_as_the_key() -> None:
    body = {"rule_version": RULES_.version, **cash_table_on(RULES_.money, TODAY), **schedule(RULES_.money)}
    same_json(answers.CashMultiples, body)
    assert "from" in answers.CashMultiples.model_validate(body).model_dump(by_alias=True)["cash_tables"][0]


def test_nominations_decided_or_not_are_sent_unchanged() -> None:
    votes = json.dumps({"members_total": 9, "members_present": 7, "votes_for": 6})
    decided = stored(
        "revoked", votes=votes, decision_date=date(2026, 12, 2), cash_vnd=760_000, cash_source="NĐ", recover_vnd=1
    )
    decided.update(base_salary_vnd=2_530_000, reason="thu hồi")
    rows = [views.as_json(stored(), RULES_, TODAY), views.as_json(decided, RULES_, TODAY)]
    body = {"period": "2026", "rule_version": RULES_.version, **cash_table_on(RULES_.money, TODAY), "nominations": rows}
    same_json(answers.Nominations, body)
    history = [{"from_status": None, "to_status": "proposed", "reason": "đủ", "actor": "council:token#1", "at": AT}]
    council = {"quorum_present": RULES_.quorum_present, "approval_share": RULES_.vote_threshold("lao_dong_tien_tien")}
    same_json(answers.NominationDetail, {**rows[1], "history": history, "council_rule": council})
    same_json(answers.Nomination, rows[0])


def test_a_close_is_sent_unchanged() -> None:
    body = {
        "period": "2026",
        "created": 1,
        "nominations": ["x"],
        "rule_version": RULES_.version,
        "forced": False,
        "rating_deadline": "2027-01-15",
        "dossier_deadline": "2027-02-15",
    }
    same_json(answers.Closed, body)


def test_timestamps_keep_their_offset_and_whole_multiples_stay_integers() -> None:
    decided = {"decision_date": TODAY, "cash_vnd": 2_530_000, "base_salary_vnd": 2_530_000, "cash_source": "NĐ"}
    row = views.as_json(stored("approved", cash_multiple=1, **decided), RULES_, TODAY)
    sent = answers.Nomination.model_validate(row).model_dump(mode="json")
    assert sent["created_at"] == "2026-12-01T08:30:00+00:00" and sent["cash_multiple"] == 1
    assert isinstance(sent["cash_multiple"], int)


def test_a_field_the_model_does_not_know_is_left_out_never_an_error() -> None:
    """A stored row with a key the model lacks is answered without it (not a 500); a missing field is still refused."""
    row = views.as_json(stored(), RULES_, TODAY)
    known = answers.Nomination.model_validate(row).model_dump(mode="json")
    assert answers.Nomination.model_validate(row | {"unexpected": 1}).model_dump(mode="json") == known
    with pytest.raises(ValidationError):
        answers.Nomination.model_validate({k: v for k, v in row.items() if k != "status"})
