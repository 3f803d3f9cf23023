"""`thidua run`'s demo sign-ins: the people, their claims and the identity rules that map them."""

from __future__ import annotations

import re
from datetime import date

from schemas.common import OFFICER_ID_PATTERN, UNIT_ID_PATTERN
from thidua.operator.demo_present import present_events
from thidua.operator.demo_staff import assessed_officer
from thidua.operator.localinfra.oidc_demo import DEMO_SEED, DEMO_UNIT, IDENTITY_RULES, demo_people
from thidua.operator.localinfra.oidc_realm import COUNCIL_GROUP, UNIT_HEAD_GROUP


def test_the_demo_officer_gets_monthly_points_from_the_demo_unit() -> None:
    officer = assessed_officer(DEMO_SEED, 2026, DEMO_UNIT)
    assert re.fullmatch(OFFICER_ID_PATTERN, officer) and re.fullmatch(UNIT_ID_PATTERN, DEMO_UNIT)
    assessed = [
        body
        for _, body in present_events(DEMO_SEED, date(2026, 4, 10))
        if body["type"] == "officer.assessed" and body.get("officer_id") == officer
    ]
    assert [b["payload"]["period"] for b in assessed] == ["2026-01", "2026-02", "2026-03"]
    assert {b["unit_id"] for b in assessed} == {DEMO_UNIT}


def test_each_demo_person_meets_the_rule_meant_for_them() -> None:
    people = {p.username: p for p in demo_people("H4011-CB040")}
    assert set(people) == {"truongdonvi", "hoidong", "canbo", "chuaphanquyen"}
    assert people["truongdonvi"].groups == [UNIT_HEAD_GROUP]
    assert people["truongdonvi"].attributes == {"unit_code": DEMO_UNIT}
    assert people["hoidong"].groups == [COUNCIL_GROUP]
    assert people["canbo"].attributes["officer_id"] == "H4011-CB040" and not people["canbo"].groups
    assert not people["chuaphanquyen"].groups and not people["chuaphanquyen"].attributes
    rules = [dict(zip(r[::2], r[1::2], strict=True)) for r in IDENTITY_RULES]
    assert [r["--role"] for r in rules] == ["council", "unit", "officer"]
    assert rules[0]["--value"] == COUNCIL_GROUP and rules[1]["--value"] == UNIT_HEAD_GROUP
    assert rules[1]["--unit-claim"] == "unit_code" and rules[2]["--officer-claim"] == "officer_id"
    assert len({p.password for p in people.values()}) == 4


def test_the_demo_rules_are_commands_the_operator_cli_accepts() -> None:
    from thidua.operator.cli import build_parser
    from thidua.runtime.identity import rule_problem

    for rule in IDENTITY_RULES:
        args = build_parser().parse_args(["identity", "map", *rule])
        assert (args.command, args.action) == ("identity", "map")
        fields = {"value": args.value, "unit_claim": args.unit_claim, "officer_claim": args.officer_claim}
        assert rule_problem(claim=args.claim, role=args.role, unit_id=args.unit, **fields) is None
