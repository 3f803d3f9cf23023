"""docs/operations.md lists every environment variable the settings classes read, as `thidua settings` prints it."""

from __future__ import annotations

from pathlib import Path

import pytest

from thidua import registry
from thidua.operator import cli, settings_doc

OPERATIONS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def test_the_manual_table_is_the_generated_one() -> None:
    documented = settings_doc.table_in(OPERATIONS.read_text(encoding="utf-8"))
    assert documented is not None, f"docs/operations.md lacks {settings_doc.BEGIN} … {settings_doc.END}"
    assert documented == settings_doc.markdown(), (
        "docs/operations.md, 'Environment variables', differs from the settings classes: run "
        "`.venv/bin/thidua settings --markdown --update docs/operations.md` (or paste `thidua settings --markdown`)"
    )


def test_every_field_of_every_service_has_a_row() -> None:
    names = {s.env for s in settings_doc.collect()}
    for spec in registry.services():
        model = registry._load(spec.settings_class)
        for name, field in model.model_fields.items():
            assert settings_doc.env_name(model, name, field) in names
    for shared in (
        "KAFKA_BOOTSTRAP_SERVERS",
        "DATABASE_URL",
        "METRICS_PUBLIC",
        "SCORING_TICK_SECONDS",
        "WEB_HTTP_PORT",
    ):
        assert shared in names
    assert "EVIDENCE_DATABASE_URL" not in names  # an alias replaces the prefixed name


def test_secrets_never_show_a_default_and_paths_are_relative() -> None:
    rows = {s.env: s for s in settings_doc.collect()}
    for secret in ("KAFKA_PASSWORD", "NOTIFY_SECRET_KEY", "NOTIFY_ZALO_ACCESS_TOKEN", "WEB_SESSION_SECRET"):
        assert rows[secret].default == settings_doc.SECRET
    assert rows["SCORING_RULES_FILE"].default == "services/scoring/rules/rulebook.toml"
    assert rows["KAFKA_BOOTSTRAP_SERVERS"].services == registry.kafka_names()
    assert "consume" in rows["SCORING_ROLES"].description  # the comment above the field


def test_the_command_prints_and_updates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["settings", "--markdown"]) == 0
    assert capsys.readouterr().out == settings_doc.markdown()
    doc = tmp_path / "ops.md"
    doc.write_text(f"# Ops\n{settings_doc.BEGIN}\nstale\n{settings_doc.END}\nafter\n", encoding="utf-8")
    assert cli.main(["settings", "--markdown", "--update", str(doc)]) == 0
    text = doc.read_text(encoding="utf-8")
    assert settings_doc.table_in(text) == settings_doc.markdown() and "stale" not in text and text.endswith("after\n")
