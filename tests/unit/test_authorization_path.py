"""One authorization path (issue 28): every decision about a role is the policy module's; routes only ask it.

Read from the source: no comparison of a `.role` (==, !=, in, not in) outside thidua/runtime/policy.py, auth.py (the
token's holder) and identity.py (which maps the provider's rules to a role, deciding who one is, not what one may do).
The dashboard is scanned too: its `User.may_*` ask the policy, and what a page is scoped to (a unit's, an officer's
or a source's own token) is the policy's `own_*` word."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from thidua.runtime import policy
from thidua.runtime.auth import Principal
from thidua.runtime.callers import ApiError, require

ROOT = Path(__file__).resolve().parents[2]
DECIDERS = {"thidua/runtime/policy.py", "thidua/runtime/auth.py", "thidua/runtime/identity.py"}


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
    return sorted(found)


def test_no_module_but_the_policy_decides_a_role() -> None:
    offenders = {
        str(p.relative_to(ROOT)): lines
        for p in _modules()
        if str(p.relative_to(ROOT)) not in DECIDERS and (lines := _role_comparisons(p))
    }
    assert offenders == {}


def test_the_scan_reads_the_dashboard() -> None:
    assert any(str(p.relative_to(ROOT)) == "services/dashboard/rooms/officers.py" for p in _modules())


def test_the_dashboards_imports_and_sheets_are_the_policys_word() -> None:
    assert policy.may_import_ratings(Principal("source", source="hr-ninhbinh", token_id=2))
    assert policy.may_import_ratings(Principal("admin"))
    assert not policy.may_import_ratings(Principal("source"))
    assert not policy.may_import_ratings(Principal("council"))
    assert not policy.may_import_ratings(Principal("unit", unit_id="H40.01"))
    officer = Principal("officer", officer_id="CB001")
    assert policy.may_open_sheet(officer, "CB001") and not policy.may_open_sheet(officer, "CB002")
    assert not policy.may_open_sheet(Principal("officer"), "CB001")
    assert policy.may_open_sheet(Principal("unit", unit_id="H40.01"), "CB002")  # scoring decides from the unit


def test_a_page_is_scoped_to_the_tokens_own_unit_officer_or_source() -> None:
    unit = Principal("unit", unit_id="H40.01")
    assert (policy.own_unit(unit), policy.own_officer(unit), policy.own_source(unit)) == ("H40.01", None, None)
    officer = Principal("officer", unit_id="H40.01", officer_id="CB001")
    assert (policy.own_unit(officer), policy.own_officer(officer)) == (None, "CB001")
    assert policy.own_source(Principal("source", source="hr")) == "hr"
    assert policy.own_source(Principal("admin", source="hr")) is None
    assert policy.own_unit(Principal("council", unit_id="H40.01")) is None


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
