"""The dashboard's rooms over a fake scoring service: the routes reach their pages through the app's dependencies."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import httpx
import pytest

from schemas.http.awards import NominationDetail
from services.dashboard.app import create_app
from services.dashboard.config import Settings
from services.dashboard.rendering import render
from services.dashboard.rooms.nominations import vote_context
from services.dashboard.upstream import Upstream, parsed
from services.dashboard.web import User
from tests.integration.test_dashboard import NOMINATIONS, as_sent

RULEBOOK = Path(__file__).resolve().parents[2] / "services/scoring/rules/rulebook.toml"
CARD: dict[str, Any] = {
    "unit_id": "H40.11",
    "name": "Sở Thử nghiệm",
    "period": "2025",
    "rule_version": "v1",
    "indicators": [],
    "groups": {
        "publicity": {"points": 12.0, "scored_max": 18.0, "max": 18.0},
        "timeliness": {"points": 20.0, "scored_max": 25.0, "max": 25.0},
    },
    "service_index": 85.0,
    "service_band": "Tốt",
    "culture": [],
    "culture_index": None,
    "score": 80.0,
    "band": "Tốt",
    "status": "scored",
    "status_label": "Tốt",
    "evidence": {},
    "missing": [],
    "notes": [],
    "calendar": {"provisional": False, "provisional_years": []},
    "cluster_id": None,
    "cluster_name": None,
    "as_of": "2025-12-31T16:59:00+00:00",
}


def fake_scoring(request: httpx.Request) -> httpx.Response:
    """Scoring's public answers for one unit: its card of 2025 and the rulebook parsed from the shipped rule file."""
    path = request.url.path
    if path == "/v1/rulebook":
        content = tomllib.loads(RULEBOOK.read_text())
        book = {"version": "v1", "activated_at": "2025-01-01T00:00:00+00:00", "content": content}
        return httpx.Response(200, json={**book, "stages": ["2025-2030"], "movements": []})
    if path == "/v1/units/H40.11/scorecard" and request.url.params.get("period") == "2025":
        return httpx.Response(200, json=CARD)
    return httpx.Response(404, json={"error": "not found", "details": []})


async def test_the_web_scorecard_names_its_groups_as_the_rule_file_does() -> None:
    app = create_app(Settings(scoring_url="http://scoring.test", public_cache_seconds=0))
    # The upstream client's seam: its one httpx client, here answering as scoring would.
    app.state.dashboard.services.clients.append(httpx.AsyncClient(transport=httpx.MockTransport(fake_scoring)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://dashboard.test") as web:
        answer = await web.get("/units/H40.11", params={"period": "2025"})
    assert answer.status_code == 200, answer.text
    named = tomllib.loads(RULEBOOK.read_text())["index"]["groups"]["publicity"]["name"]
    assert named == "Công khai, minh bạch"
    assert f'data-label="Nhóm">{named}</td>' in answer.text
    assert 'data-label="Nhóm">publicity<' not in answer.text
    assert 'data-label="Nhóm">Tiến độ, kết quả giải quyết</td>' in answer.text


CALENDAR = {"provisional": False, "provisional_years": []}
WHICH = {"unit_id": "H40.11", "period": "2025", "calendar": CALENDAR}
EVENTS: dict[str, dict[str, Any]] = {
    "on_time": WHICH
    | {
        "indicator": "on_time",
        "rule_version": "v1",
        "cases": [
            {"case": "dossier:HS-1", "counter": "on_time", "numerator": 1, "denominator": 1, "events": ["mc:e-17"]}
        ],
    },
    "training_share": WHICH
    | {
        "indicator": "training_share",
        "events": [
            {"event_id": "hr-1", "source": "hr", "officer_id": None, "at": "2025-03-04T01:00:00Z", "data": {"h": 8}}
        ],
    },
    "conduct": WHICH
    | {"indicator": "conduct", "count": 2, "by_month": {"2025-03": 2}, "events": None, "restricted": "officers"},
    "broken": {"unit_id": "H40.11", "cases": "not a list"},
}


def fake_events(request: httpx.Request) -> httpx.Response:
    """Scoring's answers behind an indicator, in each of their three shapes, and one that is none of them."""
    return httpx.Response(200, json=EVENTS[request.url.params["indicator"]])


@pytest.mark.parametrize(
    ("indicator", "status", "shown", "absent"),
    [
        ("on_time", 200, ["Hồ sơ, vụ việc (1)", "dossier:HS-1", "mc:e-17"], ["Sự kiện (", "Không nhận ra"]),
        ("training_share", 200, ["Sự kiện (1)", "hr-1", "08:00 04/03/2025", '"h": 8'], ["Hồ sơ, vụ việc"]),
        ("conduct", 200, ["Không nhận ra dạng dữ liệu", '"count": 2'], ["Hồ sơ, vụ việc", "Sự kiện ("]),
        ("broken", 502, ['role="alert"'], ["Không nhận ra", "not a list"]),
    ],
)
async def test_the_events_page_shows_the_shape_scoring_answers_and_a_panel_for_none(
    indicator: str, status: int, shown: list[str], absent: list[str]
) -> None:
    app = create_app(Settings(scoring_url="http://scoring.test", public_cache_seconds=0))
    app.state.dashboard.services.clients.append(httpx.AsyncClient(transport=httpx.MockTransport(fake_events)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://dashboard.test") as web:
        answer = await web.get("/units/H40.11/events", params={"period": "2025", "indicator": indicator})
    assert answer.status_code == status, answer.text
    assert all(s in answer.text for s in shown), answer.text
    assert not any(s in answer.text for s in absent)


def test_the_vote_form_explains_the_council_rule_awards_published_and_nothing_else() -> None:
    council = User("t", "council")
    sent = as_sent(NOMINATIONS[0]) | {"history": [], "council_rule": {"quorum_present": 0.75, "approval_share": 0.6}}
    published = NominationDetail.model_validate(sent)
    ruled = vote_context(council, published, {})
    assert ruled is not None and (ruled["quorum"], ruled["threshold"]) == (0.75, 0.6)
    html = render("_vote_form.html", n=published, vote=ruled, csrf="x", vote_problem=None)
    assert 'data-quorum="0.75"' in html and "<strong>75%</strong>" in html and "<strong>60%</strong>" in html
    # A detail without its rule does not parse: the page shows awards' panel, never a form with a made-up rule.
    unruled = {k: v for k, v in sent.items() if k != "council_rule"}
    assert parsed(NominationDetail, Upstream(200, unruled)) is None
    assert vote_context(User("t", "unit", "H40.11"), published, {}) is None
    assert vote_context(council, published.model_copy(update={"status": "approved"}), {}) is None


@pytest.mark.parametrize(
    ("user", "reads_unit", "inbox", "ratings", "official", "votes"),
    [
        (User("t", "council"), True, False, False, True, True),
        (User("t", "admin"), True, True, True, True, True),
        (User("t", "unit", "H40.11"), True, True, False, False, False),
        (User("t", "unit", "H40.12"), False, False, False, False, False),
        (User("t", "source", source="hr"), False, False, True, False, False),
        (User("t", "officer", "H40.11", officer_id="H40.11-CB02"), False, False, False, False, False),
        (User("t", "person", subject="p"), False, False, False, False, False),
    ],
)
def test_what_a_signed_in_user_may_open_is_the_policy_s_word(
    user: User, reads_unit: bool, inbox: bool, ratings: bool, official: bool, votes: bool
) -> None:
    assert user.may_read_unit("H40.11") is reads_unit and user.may_use_inbox("H40.11") is inbox
    assert user.may_import_ratings() is ratings and user.may_import_official() is official and user.votes is votes
    assert user.may_read_sheet("H40.11-CB02") and user.may_read_sheet("H40.11-CB09") is (user.role != "officer")


async def test_a_scorecard_file_without_the_rule_files_group_names_is_not_made() -> None:
    """The official file names its groups as the rule file does; without scoring's rulebook it is not drawn."""

    def no_rulebook(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/rulebook":
            return httpx.Response(503, json={"error": "unavailable", "details": []})
        return fake_scoring(request)

    app = create_app(Settings(scoring_url="http://scoring.test", public_cache_seconds=0))
    app.state.dashboard.services.clients.append(httpx.AsyncClient(transport=httpx.MockTransport(no_rulebook)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://dashboard.test") as web:
        refused = await web.get("/units/H40.11/scorecard.xlsx", params={"period": "2025"})
    assert refused.status_code == 502 and "Không tạo được tệp" in refused.text
    assert not refused.headers["content-type"].startswith("application/vnd")
