"""Migrations against the real PostgreSQL: applied in order, recorded, safe to re-run."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from thidua.runtime.db import create_pool, migrate


async def test_migrations_apply_once_and_round_trip(database_url: str, tmp_path: Path) -> None:
    (tmp_path / "001_units.sql").write_text("CREATE TABLE unit (id text PRIMARY KEY, name text NOT NULL);")
    (tmp_path / "002_seed.sql").write_text("INSERT INTO unit VALUES ('H40.12', 'Sở Nội vụ');")
    pool = await create_pool(database_url, schema="demo")
    try:
        assert await migrate(pool, schema="demo", directory=tmp_path) == ["001_units.sql", "002_seed.sql"]
        assert await migrate(pool, schema="demo", directory=tmp_path) == []
        # Unicode survives the round trip, and the table lives in the service's own schema.
        assert await pool.fetchval("SELECT name FROM demo.unit WHERE id = 'H40.12'") == "Sở Nội vụ"
        recorded = await pool.fetch("SELECT name FROM demo.schema_migrations ORDER BY name")
        assert [r["name"] for r in recorded] == ["001_units.sql", "002_seed.sql"]
    finally:
        await pool.close()


async def test_a_changed_applied_migration_is_refused(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "001_t.sql"
    path.write_text("CREATE TABLE t (x int);")
    pool = await create_pool(database_url, schema="demo")
    try:
        await migrate(pool, schema="demo", directory=tmp_path)
        path.write_text("CREATE TABLE t (x bigint);")
        with pytest.raises(RuntimeError, match="changed after it was applied"):
            await migrate(pool, schema="demo", directory=tmp_path)
    finally:
        await pool.close()


async def test_a_failing_migration_leaves_nothing_half_applied(database_url: str, tmp_path: Path) -> None:
    (tmp_path / "001_bad.sql").write_text("CREATE TABLE half (x int); SELECT no_such_function();")
    pool = await create_pool(database_url, schema="demo")
    try:
        with pytest.raises(asyncpg.UndefinedFunctionError):
            await migrate(pool, schema="demo", directory=tmp_path)
        assert await pool.fetchval("SELECT to_regclass('demo.half')") is None
        assert await pool.fetchval("SELECT count(*) FROM demo.schema_migrations") == 0
    finally:
        await pool.close()
