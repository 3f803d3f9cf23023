"""The operator's mappings for the national portal's door (issue 25): what may be mapped (pure) and the commands."""

from __future__ import annotations

import pytest

from services.evidence.domain.mappings import MAX_CODE_CHARS, officer_target, unit_target, upstream_name
from services.evidence.domain.principal import SourceScope
from thidua.operator import source_mappings
from thidua.operator.cli import build_parser

SCOPE = SourceScope("motcua-namdinh", frozenset({"H40.12.05", "H40.12.06"}))
PROVINCE = SourceScope("tinh", frozenset({"*"}))


@pytest.mark.parametrize("value", ["000.00.12.H40", "12345", "UBND/XA-01", "nguyễn.văn.a", "C" * MAX_CODE_CHARS])
def test_an_upstream_name_is_taken_as_it_comes(value: str) -> None:
    assert upstream_name(value, "code") is None


@pytest.mark.parametrize(
    ("value", "words"),
    [("", "1-200"), ("C" * (MAX_CODE_CHARS + 1), "1-200"), ("a\tb", "control"), ("x\x7f", "control")],
)
def test_an_upstream_name_out_of_bounds_is_refused_naming_the_field(value: str, words: str) -> None:
    problem = upstream_name(value, "username")
    assert problem is not None and problem.field == "username" and words in problem.message


def test_a_code_maps_only_to_a_unit_the_source_covers() -> None:
    assert unit_target(SCOPE, "H40.12.05") is None
    assert unit_target(PROVINCE, "H40.99.01") is None
    outside = unit_target(SCOPE, "H40.99.01")
    assert outside is not None and outside.field == "unit_id"
    assert "H40.99.01" in outside.message and "motcua-namdinh" in outside.message


@pytest.mark.parametrize("unit_id", ["h40.12.05", "H40 12", "X", "H" * 33, "ADMIN"])
def test_a_malformed_or_reserved_unit_is_refused(unit_id: str) -> None:
    problem = unit_target(PROVINCE, unit_id)
    assert problem is not None and problem.field == "unit_id"


def test_a_user_maps_to_an_officer_whose_home_the_source_covers_or_not_yet_registered() -> None:
    assert officer_target(SCOPE, "CB-004512", "H40.12.06") is None
    assert officer_target(SCOPE, "CB-004512", None) is None  # mapped ahead of its registration
    assert officer_target(PROVINCE, "CB-004512", "H40.99.01") is None
    outside = officer_target(SCOPE, "CB-004512", "H40.99.01")
    assert outside is not None and outside.field == "officer_id" and "H40.99.01" in outside.message
    malformed = officer_target(SCOPE, "CB 4512", None)
    assert malformed is not None and malformed.field == "officer_id"


def test_the_mapping_commands_parse() -> None:
    parser = build_parser()
    unit = parser.parse_args(["source", "map-unit", "motcua", "000.00.12.H40", "H40.12.05"])
    assert (unit.command, unit.action, unit.source, unit.code, unit.unit, unit.remove) == (
        "source",
        "map-unit",
        "motcua",
        "000.00.12.H40",
        "H40.12.05",
        False,
    )
    gone = parser.parse_args(["source", "map-officer", "motcua", "nguyenvana", "--remove"])
    assert (gone.username, gone.officer, gone.remove) == ("nguyenvana", None, True)
    listing = parser.parse_args(["source", "mappings", "motcua"])
    assert (listing.action, listing.source) == ("mappings", "motcua")
    added = parser.parse_args(["source", "add", "motcua", "--units", "*"])
    assert (added.action, added.name, added.units) == ("add", "motcua", "*")


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["source", "map-unit", "motcua", "X1"], "--remove"),
        (["source", "map-officer", "motcua", "u1", "CB-1", "--remove"], "takes no officer_id"),
    ],
)
def test_a_half_command_is_refused_before_touching_the_database(
    argv: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # No database is reachable at this address: the command must refuse before trying.
    assert source_mappings.run(build_parser().parse_args(argv), "postgresql://nobody@127.0.0.1:1/none") == 2
    assert words in capsys.readouterr().err
