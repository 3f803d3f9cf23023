"""What a person sees: headless Chromium (Debian's package, driven by Selenium through chromedriver) opens
the leaderboard and a unit's scorecard served by the dashboard over the real evidence and scoring services."""

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

from services.dashboard.app import create_app as web_app
from services.dashboard.config import Settings as WebSettings
from services.evidence.app import create_app as evidence_app
from services.evidence.config import Settings as EvidenceSettings
from services.evidence.handlers.sources import add_source
from services.scoring.app import create_app as scoring_app
from services.scoring.config import Settings as ScoringSettings
from tests.e2e.test_whole_system import province
from tests.integration.kafka_tools import start_group_at_end
from tests.integration.support import eventually, running_app


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
