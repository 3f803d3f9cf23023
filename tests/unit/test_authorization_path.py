"""One authorization path (issue 28): every decision about a role is the policy module's; routes only ask it.

Read from the source: no comparison of a `.role` (==, !=, in, not in) outside thidua/runtime/policy.py, auth.py (the
token's holder) and identity.py (which maps the provider's rules to a role, deciding who one is, not what one may do).
The dashboard's own `User.may_*` are being moved onto the policy in the same issue and join this test then."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from thidua.runtime import policy
from thidua.runtime.auth import Principal
from thidua.runtime.callers import ApiError, require

ROOT = Path(__file__).resolve().parents[2]
DECIDERS = {"thidua/runtime/policy.py", "thidua/runtime/auth.py", "thidua/runtime/identity.py"}
NOT_YET = ("services/dashboard/",)


def _role_comparisons(path: Path) -> list[int]:
    """Line numbers of comparisons that read an attribute named `role`."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(isinstance(o, ast.Attribute) and o.attr == "role" for o in operands):
                lines.append(node.lineno)
    return lines


def _modules() -> list[Path]:
    found = [*(ROOT / "services").rglob("*.py"), *(ROOT / "thidua" / "runtime").rglob("*.py")]
    return sorted(p for p in found if not str(p.relative_to(ROOT)).startswith(NOT_YET))


def test_no_module_but_the_policy_decides_a_role() -> None:
    offenders = {
        str(p.relative_to(ROOT)): lines
        for p in _modules()
        if str(p.relative_to(ROOT)) not in DECIDERS and (lines := _role_comparisons(p))
    }
    assert offenders == {}


def test_the_scan_sees_a_role_decided_in_a_route(tmp_path: Path) -> None:
    route = tmp_path / "api.py"
    route.write_text('def allowed(principal):\n    return principal.role in ("admin",)\n', encoding="utf-8")
    assert _role_comparisons(route) == [2]


def test_the_policy_allows_a_role_or_the_units_own_token() -> None:
    unit = Principal("unit", unit_id="H40.01", token_id=1)
    assert policy.allowed(unit, ("council",), "H40.01")
    assert not policy.allowed(unit, ("council",), "H40.02")
    assert not policy.allowed(unit, ("council",))
    assert policy.allowed(Principal("council"), ("council", "admin"), "H40.02")
    assert policy.is_admin(Principal("admin")) and not policy.is_admin(Principal("council"))


def test_only_a_named_source_submits_and_opens_a_portal_session() -> None:
    source = Principal("source", source="dvc-ninhbinh", token_id=3)
    assert policy.may_submit(source)
    assert not policy.may_submit(Principal("source"))
    assert not policy.may_submit(Principal("admin"))
    assert policy.may_open_portal_session(source, "dvc-ninhbinh")
    assert not policy.may_open_portal_session(source, "another")
    assert not policy.may_open_portal_session(None, "dvc-ninhbinh")


def test_require_asks_the_policy_and_refuses_in_the_contracts_shape() -> None:
    with pytest.raises(ApiError) as missing:
        require(None, roles=("admin",))
    assert (missing.value.status, missing.value.details[0]["field"]) == (401, "Authorization")
    with pytest.raises(ApiError) as refused:
        require(Principal("unit", unit_id="H40.01"), roles=("admin",), unit_id="H40.02")
    assert refused.value.status == 403
    assert refused.value.details == [{"field": "Authorization", "message": "role 'unit' is not allowed here"}]
    assert require(Principal("unit", unit_id="H40.01"), roles=("admin",), unit_id="H40.01").unit_id == "H40.01"
