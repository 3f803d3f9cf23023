"""Token commands and the principal's audit name, without a database."""

from __future__ import annotations

import pytest

from services.notify.config import Settings as NotifySettings
from thidua.operator.cli import build_parser
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


def test_metrics_and_docs_are_private_unless_a_setting_opens_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("METRICS_PUBLIC", raising=False)
    monkeypatch.delenv("DOCS_PUBLIC", raising=False)
    assert NotifySettings().metrics_public is False and NotifySettings().docs_public is False
    monkeypatch.setenv("METRICS_PUBLIC", "true")
    monkeypatch.setenv("DOCS_PUBLIC", "true")
    assert NotifySettings().metrics_public is True and NotifySettings().docs_public is True
    assert NotifySettings(metrics_public=False).metrics_public is False


def test_no_unit_token_is_issued_for_the_operators_inbox(capsys: pytest.CaptureFixture[str]) -> None:
    """docs/contract.md (notify, issue 22 item 1): `thidua token add --role unit --unit ADMIN` is refused with a
    clear message before any database is touched; any other unit id passes this check."""
    from schemas.outputs import ADMIN_INBOX
    from thidua.operator import cli
    from thidua.runtime.policy import reserved_unit

    assert cli.main(["token", "add", "--role", "unit", "--unit", ADMIN_INBOX]) == 2
    err = capsys.readouterr().err
    assert err.startswith("refused:") and "ADMIN" in err and "--role admin" in err
    assert reserved_unit("ADMIN") and not reserved_unit("ADMIN.01") and not reserved_unit("H40.01")
    assert not reserved_unit(None)


def test_the_operators_inbox_is_admins_alone() -> None:
    """docs/contract.md (notify): the ADMIN inbox is read by admin tokens only; a unit token naming ADMIN (never
    issued, e.g. one stored by hand) is refused like the council, another unit and no token; units keep theirs."""
    from thidua.runtime.policy import may_use_inbox

    assert may_use_inbox(Principal("admin", token_id=1), "ADMIN")
    assert not may_use_inbox(Principal("unit", unit_id="ADMIN", token_id=2), "ADMIN")
    assert not may_use_inbox(Principal("unit", unit_id="H40.01", token_id=3), "ADMIN")
    assert not may_use_inbox(Principal("council", token_id=4), "ADMIN")
    assert not may_use_inbox(None, "ADMIN")
    assert may_use_inbox(Principal("unit", unit_id="H40.01", token_id=3), "H40.01")
    assert may_use_inbox(Principal("admin", token_id=1), "H40.01")


def test_scoring_tells_the_operators_inbox_of_a_missing_calendar_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """Labour Code 2019 art. 112 (issue 22 item 1): SCORING_CALENDAR_ALERT_UNIT defaults to ADMIN, the operators'
    inbox; an office may point it at a real unit; a value outside the unit-id grammar is refused."""
    from pydantic import ValidationError

    from schemas.outputs import ADMIN_INBOX
    from services.scoring.config import Settings as ScoringSettings

    monkeypatch.delenv("SCORING_CALENDAR_ALERT_UNIT", raising=False)
    assert ScoringSettings().calendar_alert_unit == ADMIN_INBOX == "ADMIN"
    monkeypatch.setenv("SCORING_CALENDAR_ALERT_UNIT", "H40.10")
    assert ScoringSettings().calendar_alert_unit == "H40.10"
    with pytest.raises(ValidationError):
        ScoringSettings(calendar_alert_unit="admin inbox")
