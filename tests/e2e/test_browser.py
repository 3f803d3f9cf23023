"""What a person sees: headless Chromium (Debian's package, driven by Selenium through chromedriver) opens
the leaderboard and a unit's scorecard served by the dashboard over the real services; nobody, a unit and the
council sign in and see what their role allows, and a council member records a vote from the page; the HR office
uploads 200 ratings with 5 bad rows through the import form and exactly those 5 are rejected, the rest reach awards."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
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
from tests.e2e.test_whole_system import province
from tests.integration.kafka_tools import start_group_at_end
from tests.integration.support import eventually, open_unit_nomination, running_app
from tests.integration.test_ratings_import import two_hundred, workbook
from thidua.runtime.tokens import add_token
from thidua.testing.database import fetch


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium and driver, "Debian's chromium and chromium-driver are needed (make test installs them)"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    profile = tempfile.mkdtemp(prefix="thidua-chromium-")
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--window-size=1280,1600",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # the console: CSP violations show there
    chrome = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    try:
        yield chrome
    finally:
        chrome.quit()
        shutil.rmtree(profile, ignore_errors=True)


async def test_the_leaderboard_and_a_scorecard_as_a_person_sees_them(
    browser: webdriver.Chrome, kafka_bootstrap: str, database_url: str
) -> None:
    p = "W" + uuid.uuid4().hex[:5].upper()
    suffix = uuid.uuid4().hex[:6]
    for group, topic in ((f"b-ev-{suffix}", "evidence.inbound.v1"), (f"b-sc-{suffix}", "evidence.accepted.v1")):
        await start_group_at_end(kafka_bootstrap, f"{group}.{topic}", topic)
    source = await add_source(database_url, name=f"motcua-{suffix}", units=[f"{p}.01", f"{p}.02"])
    common: dict[str, Any] = {"kafka_bootstrap_servers": kafka_bootstrap, "database_url": database_url}
    async with (
        running_app(evidence_app(EvidenceSettings(**common, group_id=f"b-ev-{suffix}"))) as ev,
        running_app(scoring_app(ScoringSettings(**common, group_id=f"b-sc-{suffix}"))) as sc,
        httpx.AsyncClient(timeout=30) as http,
    ):
        answer = await http.post(f"{ev}/v1/events", json=province(p), headers={"Authorization": f"Bearer {source}"})
        assert {r["status"] for r in answer.json()} == {"accepted"}

        async def scored() -> None:
            rows = (await http.get(f"{sc}/v1/standings", params={"period": "2025"})).json()["rows"]
            assert {r["subject_id"] for r in rows} >= {f"{p}.01", f"{p}.02"}

        await eventually(scored, timeout=60)
        web = web_app(WebSettings(SCORING_URL=sc, AWARDS_URL="http://127.0.0.1:9", NOTIFY_URL="http://127.0.0.1:9"))
        async with running_app(web) as site:
            # Selenium blocks; the servers share this event loop, so the browser works from a thread.
            await asyncio.to_thread(look, browser, site, p)


def look(browser: webdriver.Chrome, site: str, p: str) -> None:
    """Open the leaderboard, follow a unit to its scorecard and an indicator to its events."""
    browser.get(f"{site}/?period=2025")
    table = browser.find_element(By.CSS_SELECTOR, f'section[data-cluster="{p}-KHOI"] table')
    rows = [r.text for r in table.find_elements(By.CSS_SELECTOR, "tbody tr")]
    # Sở Nội vụ finished every dossier on time, Sở Tư pháp half of them late: first and second.
    assert rows[0].startswith("1") and "Sở Nội vụ" in rows[0]
    assert rows[1].startswith("2") and "Sở Tư pháp" in rows[1]
    assert any(band in rows[0] for band in ("Tốt", "Khá", "Trung bình", "Yếu"))
    table.find_element(By.LINK_TEXT, "Sở Tư pháp").click()
    heading = browser.find_element(By.TAG_NAME, "h1").text
    assert "Sở Tư pháp" in heading or f"{p}.02" in heading
    on_time = browser.find_element(By.CSS_SELECTOR, 'tr[data-indicator="on_time"]').text
    assert "Tỷ lệ hồ sơ giải quyết đúng hạn" in on_time and "5" in on_time and "10" in on_time
    browser.save_screenshot(str(Path(tempfile.gettempdir()) / "thidua-scorecard.png"))
    browser.find_element(By.CSS_SELECTOR, 'tr[data-indicator="on_time"] a').click()
    page = browser.find_element(By.TAG_NAME, "main").text
    assert f"{p}.02-HS0" in page or "HS0" in page  # the events behind the number


def fits(browser: webdriver.Chrome) -> bool:
    """Nothing on the page scrolls sideways."""
    return bool(browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1"))


async def test_nobody_a_unit_and_the_council_sign_in_and_the_council_votes(
    browser: webdriver.Chrome, kafka_bootstrap: str, database_url: str
) -> None:
    p = "V" + uuid.uuid4().hex[:5].upper()
    unit = f"{p}.01"
    suffix = uuid.uuid4().hex[:6]
    consumed = {
        "evidence": ("evidence.inbound.v1",),
        "scoring": ("evidence.accepted.v1",),
        "awards": ("evidence.accepted.v1", "standings.changed.v1", "ratings.v1"),
        "notify": ("alerts.v1", "nominations.v1", "standings.changed.v1", "evidence.accepted.v1"),
    }
    for service, topics in consumed.items():
        for topic in topics:
            await start_group_at_end(kafka_bootstrap, f"bv-{service}-{suffix}.{topic}", topic)
    source = await add_source(database_url, name=f"motcua-{suffix}", units=[f"{p}.01", f"{p}.02"])
    council = await add_token(database_url, role="council", unit_id=None, label="council (browser)")
    unit_token = await add_token(database_url, role="unit", unit_id=unit, label="unit (browser)")
    common: dict[str, Any] = {"kafka_bootstrap_servers": kafka_bootstrap, "database_url": database_url}
    notify_settings = NotifySettings(**common, group_id=f"bv-notify-{suffix}", digest_enabled=False)
    async with (
        running_app(evidence_app(EvidenceSettings(**common, group_id=f"bv-evidence-{suffix}"))) as ev,
        running_app(scoring_app(ScoringSettings(**common, group_id=f"bv-scoring-{suffix}", tick_seconds=0.5))) as sc,
        running_app(awards_app(AwardsSettings(**common, group_id=f"bv-awards-{suffix}"))) as aw,
        running_app(notify_app(notify_settings)) as nt,
        httpx.AsyncClient(timeout=30) as http,
    ):
        answer = await http.post(f"{ev}/v1/events", json=province(p), headers={"Authorization": f"Bearer {source}"})
        assert {r["status"] for r in answer.json()} == {"accepted"}
        nomination = await open_unit_nomination(http, aw, council, unit)

        async def told() -> None:
            inbox = await http.get(
                f"{nt}/v1/units/{unit}/notifications", headers={"Authorization": f"Bearer {unit_token}"}
            )
            assert inbox.json()["items"], inbox.text

        await eventually(told, timeout=60, interval=0.5)
        web = web_app(WebSettings(SCORING_URL=sc, AWARDS_URL=aw, NOTIFY_URL=nt, EVIDENCE_URL=ev))
        async with running_app(web) as site:
            await asyncio.to_thread(roles, browser, site, p, unit_token, council, nomination)


def sign_in(browser: webdriver.Chrome, site: str, token: str) -> None:
    """Sign in through the form, as a person would."""
    browser.delete_all_cookies()
    browser.get(f"{site}/sign-in")
    browser.find_element(By.ID, "token").send_keys(token)
    browser.find_element(By.CSS_SELECTOR, "form.sign-in-form button").click()
    # The click only starts the POST and its redirect: wait until the browser has left the sign-in page (a refused
    # token stays there, and the caller's next assertion says so).
    WebDriverWait(browser, 30).until(
        lambda b: (
            not b.current_url.split("?")[0].endswith("/sign-in") or b.find_elements(By.CSS_SELECTOR, ".error-text")
        )
    )


def roles(browser: webdriver.Chrome, site: str, p: str, unit_token: str, council: str, nomination: str) -> None:
    """Nobody, the unit, the council: what each sees; the council votes; the layout fits a desktop and a phone."""
    unit = f"{p}.01"
    browser.delete_all_cookies()
    browser.set_window_size(1280, 1000)
    browser.get(f"{site}/?period=2025")
    assert browser.find_element(By.CSS_SELECTOR, f'section[data-cluster="{p}-KHOI"] table').is_displayed()
    assert fits(browser), "the leaderboards scroll sideways at 1280 px"
    header = browser.find_element(By.CSS_SELECTOR, f'section[data-cluster="{p}-KHOI"] thead').text
    assert "Hạng toàn tỉnh" in header
    name = browser.find_element(By.CSS_SELECTOR, f'section[data-cluster="{p}-KHOI"] td.name')
    assert name.size["width"] > 100, "unit names are squeezed letter by letter"
    browser.find_element(By.LINK_TEXT, "Đăng nhập")
    browser.get(f"{site}/nominations?period=2025")
    assert "Cần đăng nhập" in browser.find_element(By.TAG_NAME, "main").text
    browser.get(f"{site}/units/{unit}/inbox")
    assert "Cần đăng nhập" in browser.find_element(By.TAG_NAME, "main").text
    browser.set_window_size(400, 900)
    for path in ("/?period=2025", f"/units/{unit}?period=2025"):
        browser.get(site + path)
        assert fits(browser), f"{path} scrolls sideways on a phone"
    browser.set_window_size(1280, 1000)

    sign_in(browser, site, unit_token)
    assert browser.current_url.endswith(f"/units/{unit}/inbox")
    main = browser.find_element(By.TAG_NAME, "main").text
    assert "Hộp thư thông báo" in main and "Hộp thư trống" not in main
    assert unit in browser.find_element(By.ID, "who").text
    browser.get(f"{site}/nominations?period=2025")
    listed = browser.find_element(By.TAG_NAME, "main").text
    assert unit in listed and f"{p}.02" not in listed.replace(unit, "")
    browser.get(f"{site}/nominations/{nomination}")
    assert not browser.find_elements(By.ID, "vote-form")  # a unit does not vote
    browser.find_element(By.CSS_SELECTOR, "#who button").click()  # sign out
    # The click starts the POST and its redirect: wait for the page that follows (a busy machine is slow to load it).
    WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.LINK_TEXT, "Đăng nhập"))

    sign_in(browser, site, council)
    assert "/nominations" in browser.current_url
    browser.get(f"{site}/nominations/{nomination}")
    form = browser.find_element(By.ID, "vote-form")
    assert "túc số" in form.text and "%" in form.text  # quorum and threshold before submitting
    form.find_element(By.NAME, "members_total").send_keys("10")
    form.find_element(By.NAME, "members_present").send_keys("9")
    form.find_element(By.NAME, "votes_for").send_keys("9")
    assert "được duyệt" in browser.find_element(By.ID, "vote-preview").text  # app.js runs under the CSP
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    flash = WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".flash"))
    assert "Đã ghi biểu quyết: được duyệt" in flash[0].text
    assert not browser.find_elements(By.ID, "vote-form")
    assert "council:token#" in browser.find_element(By.TAG_NAME, "main").text
    badge = browser.find_element(By.CSS_SELECTOR, ".badge")  # coloured by a class: no inline style under the CSP
    assert badge.value_of_css_property("background-color") not in ("rgba(0, 0, 0, 0)", "transparent")
    refused = [e["message"] for e in browser.get_log("browser") if "Content Security Policy" in e["message"]]
    assert not refused, refused
    browser.save_screenshot(str(Path(tempfile.gettempdir()) / "thidua-council-vote.png"))


async def test_the_hr_office_imports_ratings_through_the_form(
    browser: webdriver.Chrome, kafka_bootstrap: str, database_url: str
) -> None:
    prefix = "B" + uuid.uuid4().hex[:6].upper()
    suffix = uuid.uuid4().hex[:6]
    consumed = {
        "evidence": ("evidence.inbound.v1",),
        "scoring": ("evidence.accepted.v1",),
        "awards": ("evidence.accepted.v1", "standings.changed.v1", "ratings.v1"),
    }
    for service, topics in consumed.items():
        for topic in topics:
            await start_group_at_end(kafka_bootstrap, f"bi-{service}-{suffix}.{topic}", topic)
    token = await add_source(database_url, name=f"hr-{suffix}", units=[f"{prefix}.U{i}" for i in range(4)])
    folder = Path(tempfile.mkdtemp(prefix="thidua-import-"))
    upload = folder / "xep-loai-2025.xlsx"
    upload.write_bytes(workbook(two_hundred(prefix)))
    common: dict[str, Any] = {"kafka_bootstrap_servers": kafka_bootstrap, "database_url": database_url}

    async def ratings_in_awards() -> int:
        found = await fetch(
            database_url, "SELECT subject_id FROM awards.ratings WHERE subject_kind = 'officer' AND year = 2025"
        )
        return sum(1 for r in found if r["subject_id"].startswith(prefix))

    try:
        async with (
            running_app(evidence_app(EvidenceSettings(**common, group_id=f"bi-evidence-{suffix}"))) as ev,
            running_app(scoring_app(ScoringSettings(**common, group_id=f"bi-scoring-{suffix}"))) as sc,
            running_app(awards_app(AwardsSettings(**common, group_id=f"bi-awards-{suffix}"))),
        ):
            dead = "http://127.0.0.1:9"
            web = web_app(WebSettings(SCORING_URL=sc, AWARDS_URL=dead, NOTIFY_URL=dead, EVIDENCE_URL=ev))
            async with running_app(web) as site:
                await asyncio.to_thread(import_ratings, browser, site, token, upload)

            async def reached_awards() -> None:
                assert await ratings_in_awards() == 195

            await eventually(reached_awards, timeout=30)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def import_ratings(browser: webdriver.Chrome, site: str, token: str, upload: Path) -> None:
    """The HR office signs in, lands on the import page and uploads the workbook through the form."""
    browser.set_window_size(1280, 1000)
    sign_in(browser, site, token)
    WebDriverWait(browser, 30).until(lambda b: b.current_url.endswith("/ratings/import"))
    assert browser.find_element(By.LINK_TEXT, "Tải tệp mẫu (XLSX)")
    browser.find_element(By.CSS_SELECTOR, "form.upload input[type=file]").send_keys(str(upload))
    browser.find_element(By.CSS_SELECTOR, "form.upload button[type=submit]").click()
    report = WebDriverWait(browser, 60).until(lambda b: b.find_element(By.ID, "import-report"))
    counts = {
        status: report.find_element(By.CSS_SELECTOR, f'tr[data-count="{status}"] td').text
        for status in ("accepted", "duplicate", "rejected")
    }
    assert counts == {"accepted": "195", "duplicate": "0", "rejected": "5"}
    rejected = browser.find_elements(By.CSS_SELECTOR, "#import-rejected tbody tr")
    assert sorted(int(r.get_attribute("data-row") or 0) for r in rejected) == [12, 52, 92, 132, 172]
    assert "Mức xếp loại" in browser.find_element(By.CSS_SELECTOR, '#import-rejected tr[data-row="92"]').text
    assert fits(browser), "the import report scrolls sideways at 1280 px"
    browser.save_screenshot(str(Path(tempfile.gettempdir()) / "thidua-ratings-import.png"))
