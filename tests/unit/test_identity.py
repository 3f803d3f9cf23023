"""Identity rules: a provider's claims become a Principal through the operator's mapping (pure)."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from thidua.runtime.auth import Principal
from thidua.runtime.identity import IdentityRule, claim_at, principal_for, rule_problem
from thidua.runtime.policy import may_see_officer, may_see_officers, may_use_inbox

ISSUER = "https://sso.example.gov.vn/realms/thidua"
COUNCIL = IdentityRule(1, "groups", "council", value="TĐKT-HĐ")
HEADS = IdentityRule(2, "groups", "unit", value="LANH-DAO-DON-VI", unit_claim="unit_code")
OFFICERS = IdentityRule(3, "officer_id", "officer", officer_claim="officer_id")
DEMO = [COUNCIL, HEADS, OFFICERS]


def who(claims: Mapping[str, object], rules: list[IdentityRule] = DEMO) -> Principal:
    return principal_for(claims, rules, subject="sub-1", issuer=ISSUER)


def test_council_group_maps_to_council_with_subject_and_issuer() -> None:
    principal = who({"groups": ["TĐKT-HĐ", "other"]})
    assert (principal.role, principal.subject, principal.issuer) == ("council", "sub-1", ISSUER)
    assert principal.actor == "council:person#sub-1"
    assert principal.token_id is None


def test_unit_head_takes_the_unit_from_its_claim() -> None:
    principal = who({"groups": ["LANH-DAO-DON-VI"], "unit_code": "H40.11"})
    assert (principal.role, principal.unit_id) == ("unit", "H40.11")
    assert may_use_inbox(principal, "H40.11") and not may_use_inbox(principal, "H40.12")


def test_unit_rule_does_not_apply_to_a_malformed_or_missing_or_reserved_unit() -> None:
    assert who({"groups": ["LANH-DAO-DON-VI"], "unit_code": "h40 11; drop"}).role == "person"
    assert who({"groups": ["LANH-DAO-DON-VI"]}).role == "person"
    assert who({"groups": ["LANH-DAO-DON-VI"], "unit_code": "ADMIN"}).role == "person"


def test_fixed_unit_rule() -> None:
    rule = IdentityRule(7, "department", "unit", value="Sở Nội vụ", unit_id="H40.03")
    assert who({"department": "Sở Nội vụ"}, [rule]).unit_id == "H40.03"
    assert who({"department": "Sở Y tế"}, [rule]).role == "person"


def test_officer_reads_only_their_own_records() -> None:
    principal = who({"officer_id": "H40.11-0007"})
    assert (principal.role, principal.officer_id) == ("officer", "H40.11-0007")
    assert may_see_officer(principal, "H40.11-0007", "H40.11")
    assert not may_see_officer(principal, "H40.11-0008", "H40.11")
    assert not may_see_officers(principal, "H40.11")


def test_unmapped_person_has_no_rights() -> None:
    principal = who({"groups": ["Khách"], "officer_id": "bad id with spaces"})
    assert principal == Principal("person", subject="sub-1", issuer=ISSUER)
    assert principal.actor == "person:person#sub-1"
    assert not may_see_officers(principal, "H40.11") and not may_use_inbox(principal, "H40.11")
    assert not principal.may_read_unit("H40.11")


def test_highest_role_wins_then_lowest_rule_id() -> None:
    claims = {"groups": ["TĐKT-HĐ", "LANH-DAO-DON-VI"], "unit_code": "H40.11", "officer_id": "X1"}
    assert who(claims).role == "council"
    admin = IdentityRule(99, "groups", "admin", value="LANH-DAO-DON-VI")
    assert who(claims, [*DEMO, admin]).role == "admin"
    first = IdentityRule(5, "groups", "unit", value="LANH-DAO-DON-VI", unit_id="H40.01")
    second = IdentityRule(4, "groups", "unit", value="LANH-DAO-DON-VI", unit_id="H40.02")
    assert who(claims, [first, second]).unit_id == "H40.02"


def test_value_absent_means_any_value_present() -> None:
    rule = IdentityRule(1, "employee", "council")
    assert who({"employee": "yes"}, [rule]).role == "council"
    assert who({"employee": ""}, [rule]).role == "person"
    assert who({"employee": []}, [rule]).role == "person"
    assert who({"other": 1}, [rule]).role == "person"


def test_dotted_path_up_to_three_deep() -> None:
    rule = IdentityRule(1, "realm_access.roles", "council", value="hoi-dong")
    assert who({"realm_access": {"roles": ["hoi-dong"]}}, [rule]).role == "council"
    assert who({"realm_access": {"roles": ["khac"]}}, [rule]).role == "person"
    assert who({"realm_access": "hoi-dong"}, [rule]).role == "person"
    assert claim_at({"a": {"b": {"c": {"d": 1}}}}, "a.b.c") == {"d": 1}
    assert claim_at({"a.b": "flat"}, "a.b") == "flat"


def test_scalar_and_typed_values() -> None:
    rule = IdentityRule(1, "level", "council", value="3")
    assert who({"level": 3}, [rule]).role == "council"
    assert who({"level": True}, [IdentityRule(1, "level", "council", value="True")]).role == "person"
    assert who({"level": {"3": 1}}, [rule]).role == "person"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"claim": "groups", "role": "source"}, "role"),
        ({"claim": "groups", "role": "person"}, "role"),
        ({"claim": "a.b.c.d", "role": "council"}, "claim"),
        ({"claim": "bad claim", "role": "council"}, "claim"),
        ({"claim": "groups", "role": "unit"}, "unit"),
        ({"claim": "groups", "role": "unit", "unit_id": "H40.11", "unit_claim": "unit_code"}, "unit"),
        ({"claim": "groups", "role": "unit", "unit_id": "ADMIN"}, "unit"),
        ({"claim": "groups", "role": "unit", "unit_id": "h40"}, "unit"),
        ({"claim": "groups", "role": "council", "unit_id": "H40.11"}, "unit"),
        ({"claim": "groups", "role": "officer"}, "officer_claim"),
        ({"claim": "groups", "role": "council", "officer_claim": "oid"}, "officer_claim"),
        ({"claim": "groups", "role": "council", "value": ""}, "value"),
    ],
)
def test_rule_problems(kwargs: dict[str, str], field: str) -> None:
    problem = rule_problem(**kwargs)
    assert problem is not None and problem[0] == field


def test_demo_rules_are_accepted() -> None:
    assert rule_problem(claim="groups", role="council", value="TĐKT-HĐ") is None
    assert rule_problem(claim="groups", role="unit", value="LANH-DAO-DON-VI", unit_claim="unit_code") is None
    assert rule_problem(claim="officer_id", role="officer", officer_claim="officer_id") is None


def test_token_principal_actor_unchanged() -> None:
    assert Principal("council", token_id=12).actor == "council:token#12"
    assert Principal("admin").actor == "admin"
