"""Least privilege in PostgreSQL (issue 23, finding 5): a password is required, and each service's role keeps to
its own schema, checking tokens through auth.principal_of only."""

from __future__ import annotations

import importlib
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest

from tests.integration.support import running_app
from thidua.runtime import auth, db_roles
from thidua.runtime.db import create_pool, prepare_schema
from thidua.runtime.tokens import issue_token
from thidua.testing.database import fetchval
from thidua.testing.infra import Infrastructure

SERVICES = ("evidence", "scoring", "awards", "notify")


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    user = parts.netloc.rsplit("@", 1)[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}@{parts.netloc.rsplit('@', 1)[1]}"))


async def test_a_connection_without_the_password_is_refused(infra: Infrastructure) -> None:
    assert urlsplit(infra.database_url).password, "the session's server has a generated password"
    with pytest.raises((asyncpg.InvalidPasswordError, asyncpg.InvalidAuthorizationSpecificationError)):
        await asyncpg.connect(_without_password(infra.database_url), timeout=10)
    with pytest.raises(asyncpg.InvalidPasswordError):
        await asyncpg.connect(db_roles.url_as(infra.database_url, "postgres", "not-the-password"), timeout=10)


def _migrations(service: str) -> Path:
    return Path(str(importlib.import_module(f"services.{service}").__file__)).parent / "migrations"


async def _migrate_as_admin(url: str, service: str) -> None:
    pool = await create_pool(url, schema=service, max_size=1)
    try:
        await prepare_schema(pool, schema=service, directory=_migrations(service))
    finally:
        await pool.close()


async def test_each_service_role_keeps_to_its_own_schema(database_url: str) -> None:
    # Schemas made before the roles existed (everything the admin's, as every deployment before issue 23) are
    # handed over to their services.
    for service in SERVICES:
        await _migrate_as_admin(database_url, service)
    token_id, token = await issue_token(database_url, role="council", unit_id=None, label="roles")
    urls = await db_roles.provision(database_url, {s: f"pw-{s}-{token_id}" for s in SERVICES})
    for service in SERVICES:
        conn = await asyncpg.connect(urls[service])
        try:
            assert await conn.fetchval("SELECT current_user") == db_roles.service_role(service)
            # Its own schema: it reads, writes and owns it (its migrations run as itself).
            assert await conn.fetchval(f"SELECT count(*) FROM {service}.schema_migrations") > 0
            await conn.execute(f"CREATE TABLE {service}.scratch (x int)")
            # The token store: not the table, only the function.
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.fetch("SELECT * FROM auth.tokens")
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute("UPDATE auth.tokens SET revoked_at = NULL")
            principal = await auth.find_principal(conn, token)
            assert principal is not None and (principal.role, principal.token_id) == ("council", token_id)
            assert await auth.find_principal(conn, token + "x") is None
            # Nobody else's schema: not notify's keys and sealed secrets, not scoring's counters.
            for other in SERVICES:
                if other != service:
                    with pytest.raises(asyncpg.InsufficientPrivilegeError):
                        await conn.fetch(f"SELECT * FROM {other}.schema_migrations")
            if service != "notify":
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await conn.fetch("SELECT * FROM notify.keys")
            # No new schemas, no temporary tables.
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute("CREATE SCHEMA intruder")
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute("CREATE TEMPORARY TABLE t (x int)")
        finally:
            await conn.close()
        # Its migrations and the token-store check still pass under its own role (a restart of the service).
        pool = await create_pool(urls[service], schema=service, max_size=1)
        try:
            assert await prepare_schema(pool, schema=service, directory=_migrations(service)) == []
            await auth.ensure_schema(pool)
        finally:
            await pool.close()


async def test_an_admin_migrating_a_service_schema_leaves_it_the_services(database_url: str, tmp_path: Path) -> None:
    urls = await db_roles.provision(database_url, {"evidence": "pw-evidence-admin"})
    directory = tmp_path
    (directory / "001_extra.sql").write_text("CREATE TABLE extra (id bigserial PRIMARY KEY);")
    pool = await create_pool(database_url, schema="evidence", max_size=1)  # the admin, e.g. `thidua source add`
    try:
        assert "001_extra.sql" in await prepare_schema(pool, schema="evidence", directory=directory)
    finally:
        await pool.close()
    conn = await asyncpg.connect(urls["evidence"])
    try:
        await conn.execute("INSERT INTO evidence.extra DEFAULT VALUES")
        owners = await conn.fetch(
            "SELECT DISTINCT pg_get_userbyid(c.relowner) AS owner FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'evidence'"
        )
        assert [r["owner"] for r in owners] == ["thidua_evidence"]
    finally:
        await conn.close()


async def test_a_service_role_without_provisioning_is_told_what_to_run(database_url: str) -> None:
    urls = await db_roles.provision(database_url, {"awards": "pw-awards-told"})
    admin = await asyncpg.connect(database_url)
    try:
        await admin.execute("REVOKE EXECUTE ON FUNCTION auth.principal_of(text) FROM thidua_services")
    finally:
        await admin.close()
    pool = await create_pool(urls["awards"], schema="awards", max_size=1)
    try:
        with pytest.raises(auth.AuthNotProvisioned, match="thidua db provision"):
            await auth.ensure_schema(pool)
    finally:
        await pool.close()


@pytest.mark.parametrize("name", SERVICES)
async def test_service_runs_as_its_own_database_role(name: str, kafka_bootstrap: str, database_url: str) -> None:
    """As under `thidua run`: migrations, probes and bearer checks with the service's role (issue 23, finding 5)."""
    urls = await db_roles.provision(database_url, {name: f"pw-{name}-start"})
    _, token = await issue_token(database_url, role="unit", unit_id="H40.12.01", label="own role")
    config = importlib.import_module(f"services.{name}.config")
    app_module = importlib.import_module(f"services.{name}.app")
    settings = config.Settings(
        kafka_bootstrap_servers=kafka_bootstrap, database_url=urls[name], group_id=f"test-{uuid.uuid4().hex[:8]}"
    )
    async with running_app(app_module.create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        ready = await http.get("/readyz")
        assert ready.status_code == 200, ready.json()  # PostgreSQL answered the service's own role
        whoami = await http.get("/v1/whoami", headers={"Authorization": f"Bearer {token}"})
        assert whoami.status_code == 200, whoami.text
        assert (whoami.json()["role"], whoami.json()["unit_id"]) == ("unit", "H40.12.01")
        assert (await http.get("/v1/whoami", headers={"Authorization": "Bearer td_nope"})).status_code == 401
    owner = "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = $1"
    assert await fetchval(database_url, owner, name) == db_roles.service_role(name)


async def test_a_cluster_made_with_trust_is_upgraded_in_place(tmp_path: Path) -> None:
    """A `.state/postgres` from before issue 23 (pg_hba.conf `trust`, no password file) asks for a password after
    its next start, its data kept."""
    from thidua.operator.localinfra.postgres import LocalPostgres
    from thidua.operator.localinfra.process import free_port

    tmp_path.chmod(0o711)  # the server's own user (when run as root) traverses to its data directory
    pg = LocalPostgres(tmp_path / "postgres", port=free_port(), durable=False)
    pg.start()
    try:
        conn = await asyncpg.connect(pg.url)
        await conn.execute("CREATE TABLE kept (x int); INSERT INTO kept VALUES (7)")
        await conn.close()
    finally:
        pg.stop()
    hba = pg.data_dir / "pg_hba.conf"
    hba.write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
    (pg.passwords_dir / "postgres").unlink()
    pg.start()
    try:
        assert (pg.passwords_dir / "postgres").stat().st_mode & 0o777 == 0o600
        assert "trust" not in hba.read_text().split("\n", 1)[1]
        with pytest.raises(asyncpg.InvalidPasswordError):
            await asyncpg.connect(_without_password(pg.url), timeout=10)
        conn = await asyncpg.connect(pg.url)
        assert await conn.fetchval("SELECT x FROM kept") == 7
        await conn.close()
    finally:
        pg.stop()


async def test_thidua_db_provision_takes_the_passwords_from_the_environment(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    from thidua.operator import cli

    monkeypatch.setenv("DATABASE_URL", _without_password(database_url))
    monkeypatch.setenv("DATABASE_PASSWORD", urlsplit(database_url).password or "")
    monkeypatch.delenv("SCORING_DATABASE_PASSWORD", raising=False)
    assert await asyncio.to_thread(cli.main, ["db", "provision", "--service", "scoring"]) == 2
    assert "SCORING_DATABASE_PASSWORD is not set" in capsys.readouterr().err
    monkeypatch.setenv("SCORING_DATABASE_PASSWORD", "pw-scoring-cli")
    assert await asyncio.to_thread(cli.main, ["db", "provision", "--service", "scoring"]) == 0
    conn = await asyncpg.connect(db_roles.url_as(database_url, "thidua_scoring", "pw-scoring-cli"))
    try:
        assert await conn.fetchval("SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'scoring'") == (
            "thidua_scoring"
        )
    finally:
        await conn.close()
