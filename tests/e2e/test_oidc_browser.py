"""Officials sign in as officials (issue 27, "Done when"): headless Chromium signs in at a real Keycloak, through its
own login page, as a unit head, an officer, an unmapped person and a council member of a province with evidence;
each sees exactly what the identity rules and the policy allow (403 elsewhere), the council member's vote records
the person's subject, and every sign-out ends the session at both ends: the dashboard asks for a sign-in again and
the provider shows its login form again instead of signing in silently."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait

from services.awards.app import create_app as awards_app
from services.awards.config import Settings as AwardsSettings
from services.dashboard.app import create_app as web_app
from services.dashboard.config import Settings as WebSettings
from services.evidence.app import create_app as evidence_app
from services.evidence.config import Settings as EvidenceSettings
from services.evidence.handlers.sources import add_source
from services.notify.app import create_app as notify_app
from services.notify.config import Settings as NotifySettings
from services.scoring.app import create_app as scoring_app
from services.scoring.config import Settings as ScoringSettings
from tests.e2e.test_browser import browser  # noqa: F401  (the fixture: Debian's Chromium through chromedriver)
from tests.e2e.test_whole_system import CONSUMED, province
from tests.integration.kafka_tools import start_group_at_end
from tests.integration.support import eventually, open_unit_nomination, running_app
from tests.integration.test_tracking import processed
from thidua.operator.localinfra.oidc_realm import COUNCIL_GROUP, UNIT_HEAD_GROUP, Person
from thidua.runtime.identity_rules import add_rule, list_sign_ins
from thidua.runtime.tokens import add_token
from thidua.testing.oidc import Provider, RealmInfo, new_realm

PASSWORD = "Mat-khau-thu-2026"
NAMES = {
    "truongdonvi": ("Trần Thị", "Trưởng"),
    "canbo": ("Nguyễn Văn", "Một"),
    "chuaphanquyen": ("Lê Văn", "Mới"),
    "hoidong": ("Phạm Thị", "Hội Đồng"),
}
HELP_CONTACT = "Văn phòng Hội đồng Thi đua - Khen thưởng"  # WEB_OIDC_HELP_CONTACT's default


@dataclass(frozen=True)
class Scene:
    """What the browser works against: the dashboard, the provider's realm, the province's ids."""

    site: str
    provider: Provider
    realm: RealmInfo
    unit: str
    other_unit: str
    officer: str
    nomination: str


def people(unit: str, officer: str) -> list[Person]:
    """The realm's people: a unit head, an officer of that unit, a person in no group, a council member."""
    given = {
        "truongdonvi": ((UNIT_HEAD_GROUP,), {"unit_code": unit}),
        "canbo": ((), {"officer_id": officer}),
        "chuaphanquyen": ((), {}),
        "hoidong": ((COUNCIL_GROUP,), {}),
    }
    return [
        Person(name, PASSWORD, groups, attributes, first_name=NAMES[name][0], last_name=NAMES[name][1])
        for name, (groups, attributes) in given.items()
    ]


async def map_identities(database_url: str) -> None:
    """The demo's three identity rules, as the operator keeps them (`thidua identity map`)."""
    conn = await asyncpg.connect(database_url)
    try:
        await add_rule(conn, claim="groups", value=COUNCIL_GROUP, role="council", label="Hội đồng TĐKT")
        await add_rule(
            conn, claim="groups", value=UNIT_HEAD_GROUP, role="unit", unit_claim="unit_code", label="Lãnh đạo"
        )
        await add_rule(conn, claim="officer_id", role="officer", officer_claim="officer_id", label="Cán bộ")
    finally:
        await conn.close()


async def test_officials_sign_in_through_the_provider_and_see_what_their_role_allows(
    browser: webdriver.Chrome,  # noqa: F811
    oidc_provider: Provider,
    kafka_bootstrap: str,
    database_url: str,
) -> None:
    p = "K" + uuid.uuid4().hex[:5].upper()
    unit, officer = f"{p}.01", f"{p}.01-CB1"
    suffix = uuid.uuid4().hex[:6]
    for service, topics in CONSUMED.items():
        for topic in topics:
            await start_group_at_end(kafka_bootstrap, f"ob-{service}-{suffix}.{topic}", topic)
    realm = await asyncio.to_thread(new_realm, oidc_provider, people(unit, officer))
    source = await add_source(database_url, name=f"motcua-{suffix}", units=[f"{p}.01", f"{p}.02"])
    # The operator's tokens, for the setup only: the year's close, and seeing that the unit has been told.
    council = await add_token(database_url, role="council", unit_id=None, label="council (setup)")
    unit_token = await add_token(database_url, role="unit", unit_id=unit, label="unit (setup)")
    common: dict[str, Any] = {
        "kafka_bootstrap_servers": kafka_bootstrap,
        "database_url": database_url,
        "OIDC_ISSUER": realm.issuer,
    }
    notify_settings = NotifySettings(**common, group_id=f"ob-notify-{suffix}", digest_enabled=False)
    try:
        async with (
            running_app(evidence_app(EvidenceSettings(**common, group_id=f"ob-evidence-{suffix}"))) as ev,
            running_app(
                scoring_app(ScoringSettings(**common, group_id=f"ob-scoring-{suffix}", tick_seconds=0.5))
            ) as sc,
            running_app(awards_app(AwardsSettings(**common, group_id=f"ob-awards-{suffix}"))) as aw,
            running_app(notify_app(notify_settings)) as nt,
            httpx.AsyncClient(timeout=30) as http,
        ):
            await map_identities(database_url)  # the auth schema is there once a service has started
            # The province of the other e2e tests, and March 2026 dossiers of one officer: their Decree 335 sheet.
            evidence = [*province(p), *(processed(unit, officer, i, late=i == 0) for i in range(6))]
            answer = await http.post(f"{ev}/v1/events", json=evidence, headers={"Authorization": f"Bearer {source}"})
            assert {r["status"] for r in answer.json()} == {"accepted"}, answer.text[:500]
            nomination = await nominated(http, aw, nt, sc, (council, unit_token), unit, officer)
            web = web_app(
                WebSettings(
                    SCORING_URL=sc,
                    AWARDS_URL=aw,
                    NOTIFY_URL=nt,
                    EVIDENCE_URL=ev,
                    oidc_issuer=realm.issuer,
                    oidc_client_id=realm.client_id,
                    oidc_client_secret=realm.client_secret,
                )
            )
            async with running_app(web) as site:
                scene = Scene(site, oidc_provider, realm, unit, f"{p}.02", officer, nomination)
                # Selenium blocks; the servers share this event loop, so the browser works from a thread.
                await asyncio.to_thread(officials, browser, scene)
            conn = await asyncpg.connect(database_url)
            try:  # every sign-in was recorded with the person's subject and the role it gave
                recorded = {(r["role"], r["subject"]) for r in await list_sign_ins(conn, limit=10)}
            finally:
                await conn.close()
            subjects = {name: oidc_provider.admin.user_id(realm.name, name) for name in NAMES}
            assert recorded == {
                ("unit", subjects["truongdonvi"]),
                ("officer", subjects["canbo"]),
                ("person", subjects["chuaphanquyen"]),
                ("council", subjects["hoidong"]),
            }
    finally:
        oidc_provider.admin.delete_realm(realm.name)


async def nominated(
    http: httpx.AsyncClient, aw: str, nt: str, sc: str, tokens: tuple[str, str], unit: str, officer: str
) -> str:
    """2025 closed with the operator's council token: an open nomination of the unit, its inbox told, the sheet made."""
    council, own = tokens
    bearer = {"Authorization": f"Bearer {council}"}
    nomination = await open_unit_nomination(http, aw, council, unit)

    async def told() -> None:
        inbox = await http.get(f"{nt}/v1/units/{unit}/notifications", headers={"Authorization": f"Bearer {own}"})
        assert inbox.json()["items"], inbox.text

    async def sheet() -> None:
        answer = await http.get(f"{sc}/v1/officers/{officer}/tracking", params={"year": 2026}, headers=bearer)
        assert answer.status_code == 200 and any(r["period"] == "2026-03" for r in answer.json()["periods"])

    await eventually(told, timeout=30, interval=0.5)
    await eventually(sheet, timeout=60, interval=0.5)
    return nomination


def officials(chrome: webdriver.Chrome, scene: Scene) -> None:
    """The unit head, the officer, an unmapped person and the council member, one after the other."""
    chrome.delete_all_cookies()
    chrome.set_window_size(1280, 1000)
    chrome.get(f"{scene.site}/sign-in")
    assert "mã truy cập" in chrome.find_element(By.TAG_NAME, "main").text.lower()  # tokens stay, for machines
    unit_head(chrome, scene)
    officer(chrome, scene)
    unmapped(chrome, scene)
    council_member(chrome, scene)
    # Signed out everywhere: the provider asks for the password again rather than signing the browser in silently.
    chrome.get(f"{scene.site}/sign-in/provider")
    wait(chrome, lambda b: b.find_elements(By.ID, "username"), "the provider's login form after sign-out")
    assert chrome.current_url.startswith(scene.provider.base_url)
    refused = [e["message"] for e in chrome.get_log("browser") if "Content Security Policy" in e["message"]]
    assert not refused, refused


def wait(chrome: webdriver.Chrome, condition: Callable[[webdriver.Chrome], object], what: str) -> None:
    """Wait up to 30 s for condition; a timeout says where the browser is and what its console said."""
    try:
        WebDriverWait(chrome, 30).until(condition)
    except TimeoutException:
        body = chrome.find_elements(By.TAG_NAME, "body")
        raise AssertionError(
            f"{what}: still at {chrome.current_url}; console {chrome.get_log('browser')}; "
            f"page {body[0].text[:400] if body else ''!r}"
        ) from None


def provider_sign_in(chrome: webdriver.Chrome, scene: Scene, username: str) -> None:
    """From the dashboard's sign-in page to the provider's login form, and back signed in."""
    chrome.get(f"{scene.site}/sign-in")
    button = chrome.find_element(By.XPATH, "//main//*[self::a or self::button][contains(., 'Đăng nhập bằng')]")
    button.click()
    # The provider's own page: the password is typed there, never on the dashboard.
    wait(chrome, lambda b: b.find_elements(By.ID, "username"), "the provider's login form")
    assert chrome.current_url.startswith(scene.realm.issuer), chrome.current_url
    chrome.find_element(By.ID, "username").send_keys(username)
    chrome.find_element(By.ID, "password").send_keys(PASSWORD)
    chrome.find_element(By.ID, "kc-login").click()
    wait(
        chrome,
        lambda b: b.current_url.startswith(scene.site) and b.find_elements(By.CSS_SELECTOR, "#who form button"),
        f"back on the dashboard signed in as {username}",
    )
    first, last = NAMES[username]
    assert f"{first} {last}" in chrome.find_element(By.ID, "who").text  # the name from the ID token, in the header
    assert scene.provider.admin.user_sessions(scene.realm.name, username) >= 1


def sign_out(chrome: webdriver.Chrome, scene: Scene, username: str) -> None:
    """The header's "Đăng xuất": the dashboard's session and the provider's end; back on the dashboard, signed out."""
    chrome.find_element(By.CSS_SELECTOR, "#who form button").click()
    wait(
        chrome,
        lambda b: b.current_url.startswith(scene.site) and b.find_elements(By.LINK_TEXT, "Đăng nhập"),
        f"back on the dashboard after {username} signed out",
    )
    assert scene.provider.admin.user_sessions(scene.realm.name, username) == 0


def status(chrome: webdriver.Chrome, scene: Scene, path: str) -> int:
    """The status the dashboard answers this browser's session for path (Selenium does not expose it)."""
    jar = {c["name"]: c["value"] for c in chrome.get_cookies()}
    with httpx.Client(base_url=scene.site, cookies=jar, timeout=30, follow_redirects=False) as client:
        return client.get(path).status_code


def main_text(chrome: webdriver.Chrome, scene: Scene, path: str) -> str:
    chrome.get(scene.site + path)
    return str(chrome.find_element(By.TAG_NAME, "main").text)


def unit_head(chrome: webdriver.Chrome, scene: Scene) -> None:
    """The unit head: their unit's inbox, officers and nominations; another unit's are refused; no vote."""
    unit, other = scene.unit, scene.other_unit
    provider_sign_in(chrome, scene, "truongdonvi")
    assert chrome.current_url.endswith(f"/units/{unit}/inbox")  # the unit's home
    inbox = chrome.find_element(By.TAG_NAME, "main").text
    assert "Hộp thư thông báo" in inbox and "Hộp thư trống" not in inbox
    officers = main_text(chrome, scene, f"/units/{unit}/officers?period=2025")
    assert scene.officer in officers  # the unit's ranked officers (the one with dossiers)
    listed = main_text(chrome, scene, "/nominations?period=2025")
    assert unit in listed and other not in listed
    chrome.get(f"{scene.site}/nominations/{scene.nomination}")
    assert not chrome.find_elements(By.ID, "vote-form")  # a unit does not vote
    assert "Không có quyền xem" in main_text(chrome, scene, f"/units/{other}/officers?period=2025")
    expected = {
        f"/units/{unit}/inbox": 200,
        f"/units/{unit}/officers?period=2025": 200,
        f"/officers/{scene.officer}/tracking?year=2026": 200,
        f"/units/{other}/inbox": 403,
        f"/units/{other}/officers?period=2025": 403,
        f"/officers/{other}-CB1/tracking?year=2026": 403,
    }
    assert {path: status(chrome, scene, path) for path in expected} == expected
    sign_out(chrome, scene, "truongdonvi")
    assert "Cần đăng nhập" in main_text(chrome, scene, f"/units/{unit}/inbox")
    assert status(chrome, scene, f"/units/{unit}/inbox") == 401


def officer(chrome: webdriver.Chrome, scene: Scene) -> None:
    """The officer: their own Decree 335 sheet, nobody else's, and not the unit's officers."""
    provider_sign_in(chrome, scene, "canbo")
    wait(chrome, lambda b: f"/officers/{scene.officer}/tracking" in b.current_url, "the officer's own sheet")
    mine = chrome.find_element(By.TAG_NAME, "main").text
    assert "Phiếu theo dõi của tôi" in chrome.page_source and "2026-03" in chrome.page_source, mine[:500]
    me = main_text(chrome, scene, "/me")
    assert chrome.find_elements(By.CSS_SELECTOR, f'main a[href^="/officers/{scene.officer}/tracking"]'), me[:500]
    assert "Không có quyền xem" in main_text(chrome, scene, f"/officers/{scene.unit}-CB2/tracking?year=2026")
    expected = {
        f"/officers/{scene.officer}/tracking?year=2026": 200,
        f"/officers/{scene.unit}-CB2/tracking?year=2026": 403,
        f"/units/{scene.unit}/officers?period=2025": 403,
        f"/units/{scene.unit}/inbox": 403,
    }
    assert {path: status(chrome, scene, path) for path in expected} == expected
    sign_out(chrome, scene, "canbo")


def unmapped(chrome: webdriver.Chrome, scene: Scene) -> None:
    """A person no rule maps: signed in with no rights, told whom to ask."""
    provider_sign_in(chrome, scene, "chuaphanquyen")
    assert HELP_CONTACT in main_text(chrome, scene, "/me")
    expected = {
        f"/units/{scene.unit}/inbox": 403,
        f"/units/{scene.unit}/officers?period=2025": 403,
        f"/officers/{scene.officer}/tracking?year=2026": 403,
        "/?period=2025": 200,  # public pages still work
    }
    assert {path: status(chrome, scene, path) for path in expected} == expected
    sign_out(chrome, scene, "chuaphanquyen")


def council_member(chrome: webdriver.Chrome, scene: Scene) -> None:
    """The council member: every nomination and the vote, which records the person, not just a role."""
    provider_sign_in(chrome, scene, "hoidong")
    assert "/nominations" in chrome.current_url
    listed = main_text(chrome, scene, "/nominations?period=2025")
    assert scene.unit in listed
    chrome.get(f"{scene.site}/nominations/{scene.nomination}")
    form = chrome.find_element(By.ID, "vote-form")
    form.find_element(By.NAME, "members_total").send_keys("10")
    form.find_element(By.NAME, "members_present").send_keys("9")
    form.find_element(By.NAME, "votes_for").send_keys("9")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    flash = WebDriverWait(chrome, 30).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".flash"))
    assert "Đã ghi biểu quyết" in flash[0].text
    subject = scene.provider.admin.user_id(scene.realm.name, "hoidong")
    assert f"council:person#{subject}" in chrome.find_element(By.TAG_NAME, "main").text
    expected = {
        "/nominations?period=2025": 200,
        f"/officers/{scene.officer}/tracking?year=2026": 200,
        f"/units/{scene.unit}/inbox": 403,  # a unit's inbox is the unit's and the administrators'
    }
    assert {path: status(chrome, scene, path) for path in expected} == expected
    sign_out(chrome, scene, "hoidong")
    assert "Cần đăng nhập" in main_text(chrome, scene, "/nominations?period=2025")
