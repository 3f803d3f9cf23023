"""An officer's own token (issue 26 item 4, groundwork for issue 27's officer role): bound to one officer id, it
reads that officer's scorecard and Decree 335/2025 tracking and nothing else."""

from __future__ import annotations

import pytest

from thidua.operator import cli
from thidua.operator.cli import build_parser
from thidua.runtime.auth import Principal
from thidua.runtime.policy import may_see_officer, may_see_officers, may_use_inbox, officer_denial

OWN = Principal("officer", officer_id="CB-0001", token_id=9)


def test_the_officer_token_command_parses() -> None:
    args = build_parser().parse_args(["token", "add", "--role", "officer", "--officer", "CB-0001"])
    assert (args.role, args.officer, args.unit) == ("officer", "CB-0001", None)


@pytest.mark.parametrize(
    "argv",
    [
        ["token", "add", "--role", "officer"],  # no officer named
        ["token", "add", "--role", "unit", "--unit", "H40.01", "--officer", "CB-0001"],  # an officer on a unit token
        ["token", "add", "--role", "council", "--officer", "CB-0001"],
        ["token", "add", "--role", "officer", "--officer", "../x"],  # outside the officer id grammar
        ["token", "add", "--role", "officer", "--officer", ".."],
    ],
)
def test_an_officer_token_needs_exactly_one_valid_officer(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(argv) == 2  # refused before any database is touched
    err = capsys.readouterr().err
    assert err.startswith("refused:") and ("--officer" in err or "--unit" in err)


def test_the_officer_sees_only_their_own_records() -> None:
    assert may_see_officer(OWN, "CB-0001", "H40.01")
    assert may_see_officer(OWN, "CB-0001", None)  # own records even where the directory has no unit yet
    assert not may_see_officer(OWN, "CB-0002", "H40.01")  # a colleague of the same unit
    assert not may_see_officers(OWN, "H40.01")  # never a unit's list of officers
    assert not may_use_inbox(OWN, "H40.01")  # nor the unit's mailbox
    assert not OWN.may_read_unit("H40.01")
    assert not may_see_officer(Principal("officer", officer_id=None, token_id=1), "CB-0001", "H40.01")
    status, _, message = officer_denial(OWN)
    assert status == 403 and "own" in message


def test_the_other_roles_keep_their_rights_on_one_officer() -> None:
    assert may_see_officer(Principal("unit", unit_id="H40.01", token_id=1), "CB-0002", "H40.01")
    assert not may_see_officer(Principal("unit", unit_id="H40.02", token_id=2), "CB-0002", "H40.01")
    assert may_see_officer(Principal("council", token_id=3), "CB-0002", "H40.01")
    assert may_see_officer(Principal("admin", token_id=4), "CB-0002", None)
    assert not may_see_officer(Principal("source", source="s", token_id=5), "CB-0002", "H40.01")
    assert not may_see_officer(None, "CB-0002", "H40.01")
