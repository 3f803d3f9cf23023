"""Token commands and the principal's audit name, without a database."""

from __future__ import annotations

import pytest

from services.notify.config import Settings as NotifySettings
from thidua.cli import build_parser
from thidua.runtime.auth import Principal


def test_the_token_commands_parse() -> None:
    parser = build_parser()
    add = parser.parse_args(["token", "add", "--role", "unit", "--unit", "H40.12.05", "--expires-days", "90"])
    assert (add.action, add.role, add.unit, add.expires_days) == ("add", "unit", "H40.12.05", 90.0)
    assert parser.parse_args(["token", "add", "--role", "admin"]).expires_days is None
    assert parser.parse_args(["token", "list"]).action == "list"
    assert parser.parse_args(["token", "revoke", "12"]).id == 12
    assert parser.parse_args(["token", "rotate", "7"]).id == 7
    for bad in (
        ["token", "add", "--role", "admin", "--expires-days", "0"],
        ["token", "add", "--role", "admin", "--expires-days", "-3"],
        ["token", "add", "--role", "admin", "--expires-days", "soon"],
        ["token", "revoke", "abc"],
        ["token", "rotate"],
    ):
        with pytest.raises(SystemExit):
            parser.parse_args(bad)


def test_the_audit_name_of_a_principal_carries_its_token_number() -> None:
    assert Principal("council", token_id=12).actor == "council:token#12"
    assert Principal("admin", None, None, 3).actor == "admin:token#3"
    assert Principal("council").actor == "council"  # not read from the token store
    assert Principal("unit", unit_id="H40.01", token_id=5).may_read_unit("H40.01")


def test_metrics_are_public_unless_metrics_public_is_false(monkeypatch: pytest.MonkeyPatch) -> None:
    assert NotifySettings().metrics_public is True
    monkeypatch.setenv("METRICS_PUBLIC", "false")
    assert NotifySettings().metrics_public is False
    assert NotifySettings(metrics_public=True).metrics_public is True
