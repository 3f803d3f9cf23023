"""`thidua run`'s own OpenID Connect provider: a Keycloak with the demo realm, its people and the identity rules."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from thidua.operator.localinfra.keycloak import KeycloakAdmin, LocalKeycloak
from thidua.operator.localinfra.oidc_realm import COUNCIL_GROUP, UNIT_HEAD_GROUP, Person, realm
from thidua.operator.localinfra.process import port_open
from thidua.operator.localinfra.secret_files import write_secret

REALM = "thidua"
CLIENT_ID = "thidua-dashboard"
AUDIENCE = "thidua-api"
DEMO_UNIT = "H40.11"
DEMO_SEED = 7

IDENTITY_RULES: tuple[tuple[str, ...], ...] = (
    ("--claim", "groups", "--value", COUNCIL_GROUP, "--role", "council", "--label", "Hội đồng TĐKT (demo)"),
    (
        "--claim",
        "groups",
        "--value",
        UNIT_HEAD_GROUP,
        "--role",
        "unit",
        "--unit-claim",
        "unit_code",
        "--label",
        "Lãnh đạo đơn vị (demo)",
    ),
    ("--claim", "officer_id", "--role", "officer", "--officer-claim", "officer_id", "--label", "Cán bộ (demo)"),
)
"""The demo's rules, as `thidua identity map` arguments: council by group, unit heads by group and unit code,
officers by their officer id."""


def demo_people(officer_id: str) -> list[Person]:
    """The demo's sign-ins (user name = password's start; printed by `thidua run` and in the README)."""
    return [
        Person("truongdonvi", "truongdonvi-demo", [UNIT_HEAD_GROUP], {"unit_code": DEMO_UNIT}, "Nguyễn Văn", "Trưởng"),
        Person("hoidong", "hoidong-demo", [COUNCIL_GROUP], {}, "Trần Thị", "Hội Đồng"),
        Person("canbo", "canbo-demo", [], {"officer_id": officer_id, "unit_code": DEMO_UNIT}, "Lê Văn", "Cán Bộ"),
        Person("chuaphanquyen", "chuaphanquyen-demo", [], {}, "Phạm Thị", "Chưa Phân Quyền"),
    ]


def demo_officer() -> str:
    """The demo officer: one of the demo unit's officers its head assesses every month this year."""
    from thidua.operator.demo_staff import assessed_officer
    from thidua.operator.demo_units import VN

    return assessed_officer(DEMO_SEED, datetime.now(VN).year, DEMO_UNIT)


@dataclass
class DemoProvider:
    """The running provider and the settings the services and the dashboard take from it."""

    server: LocalKeycloak
    people: list[Person]
    service_env: dict[str, str]
    dashboard_env: dict[str, str]

    @property
    def issuer(self) -> str:
        return f"{self.server.base_url}/realms/{REALM}"

    def describe(self) -> list[str]:
        folder = self.server.log_path.parent.parent / "keycloak"
        lines = [f"  keycloak     {self.issuer}  (đăng nhập một lần; quản trị: admin, mật khẩu trong {folder})"]
        for person in self.people:
            lines.append(f"               {person.username} / {person.password}")
        return lines


def _kept_secret(path: Path) -> str:
    if not path.exists():
        write_secret(path, secrets.token_urlsafe(24))
    return path.read_text().strip()


def demo_realm(client_secret: str, dashboard_url: str, people: list[Person]) -> dict[str, Any]:
    """The demo realm: the dashboard at dashboard_url as its confidential client, and the demo people."""
    return realm(
        REALM,
        client_id=CLIENT_ID,
        client_secret=client_secret,
        redirect_uris=[f"{dashboard_url}/auth/callback"],
        post_logout_uris=[f"{dashboard_url}/"],
        people=people,
        audience=AUDIENCE,
    )


def start_demo_provider(state_dir: Path, *, port: int, dashboard_url: str) -> DemoProvider:
    """Start Keycloak on loopback (in-memory: the realm is made again at each start) with the demo realm."""
    if port_open(port):
        raise SystemExit(f"port {port} is taken: stop what listens there, set THIDUA_KEYCLOAK_PORT or THIDUA_OIDC=off")
    folder = state_dir / "keycloak"
    folder.mkdir(parents=True, exist_ok=True)
    server = LocalKeycloak(port, _kept_secret(folder / "admin.password"), log_path=state_dir / "logs" / "keycloak.log")
    server.start()
    secret = _kept_secret(folder / "client.secret")
    people = demo_people(demo_officer())
    admin = KeycloakAdmin(server.base_url, server.admin_password)
    try:
        admin.create_realm(demo_realm(secret, dashboard_url, people))
    except BaseException:
        server.stop()  # a server without its realm would only confuse the sign-in page
        raise
    finally:
        admin.close()
    issuer = f"{server.base_url}/realms/{REALM}"
    return DemoProvider(
        server,
        people,
        {"OIDC_ISSUER": issuer, "OIDC_AUDIENCE": AUDIENCE},
        {
            "WEB_OIDC_ISSUER": issuer,
            "WEB_OIDC_CLIENT_ID": CLIENT_ID,
            "WEB_OIDC_CLIENT_SECRET": secret,
            "WEB_OIDC_PUBLIC_URL": dashboard_url,
        },
    )


def missing_rules(database_url: str) -> list[tuple[str, ...]]:
    """The demo's identity rules not yet live in the database (the rules outlive a restart; no duplicates)."""
    import asyncpg

    from thidua.runtime.identity_rules import list_rules

    async def live() -> set[tuple[str, str | None, str]]:
        conn = await asyncpg.connect(database_url)
        try:
            return {(r["claim"], r["value"], r["role"]) for r in await list_rules(conn)}
        finally:
            await conn.close()

    present = asyncio.run(live())
    wanted = []
    for rule in IDENTITY_RULES:
        options = dict(zip(rule[::2], rule[1::2], strict=True))
        if (options["--claim"], options.get("--value"), options["--role"]) not in present:
            wanted.append(rule)
    return wanted
