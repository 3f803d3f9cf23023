"""Scoring's answer models (schemas/http/scoring*.py) send the JSON the routes always sent: numbers as stored, moments
with `+00:00`, optional keys only when set, nothing unknown."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import TypeAdapter, ValidationError

from schemas.http.scoring import IndicatorEvents, Standings
from schemas.http.scoring_tracking import UnitTracking

AT = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)


def _standings(**row: Any) -> dict[str, Any]:
    base = {
        "rank": 1,
        "subject_id": "H40.11",
        "name": "Sở A",
        "score": 91,
        "band": "Tốt",
        "previous_rank": None,
        "unit_id": "H40.11",
        "cluster_id": "k1",
        "cluster_name": "Khối 1",
    }
    return {
        "period": "2026-03",
        "subject": "unit",
        "cluster": None,
        "unit": None,
        "rule_version": "v1",
        "as_of": AT,
        "rows": [base | row],
        "unranked": [],
    }


def _served(model: Any, answer: dict[str, Any]) -> Any:
    """The JSON a route declared with `model` sends for `answer` (the way scoring's routes declare it)."""
    app = FastAPI()

    @app.get("/x", response_model=model, response_model_exclude_unset=True)
    async def route() -> dict[str, Any]:
        return answer

    return TestClient(app).get("/x").json()


def test_numbers_and_moments_are_sent_as_before() -> None:
    body = _served(Standings, _standings(predecessors=["H40.09"]))
    assert body["as_of"] == "2026-03-01T08:30:00+00:00"
    assert body["rows"][0]["score"] == 91 and isinstance(body["rows"][0]["score"], int)
    assert body["rows"][0]["predecessors"] == ["H40.09"]
    assert body["cluster"] is None  # None values are sent, not dropped


def test_a_key_the_route_did_not_set_is_not_sent() -> None:
    """An officers' standing has no `predecessors`: the model's default must not add one."""
    body = _served(Standings, _standings())
    assert "predecessors" not in body["rows"][0]


def test_a_key_the_model_does_not_know_is_left_out_never_an_error() -> None:
    """A stored answer carrying a key its model lacks (written by an older version) is served without it, not as a
    500; the golden test is what catches a model that leaves out a key the routes send today."""
    assert _served(Standings, _standings(surprise=1)) == _served(Standings, _standings())
    tracking = {"unit_id": "u", "period": "2026-Q1", "rule_version": "v", "officers": []}
    assert (
        UnitTracking.model_validate(tracking | {"x": 1}).model_dump()
        == UnitTracking.model_validate(tracking).model_dump()
    )
    with pytest.raises(ValidationError):  # a key the model needs is still required
        UnitTracking.model_validate({k: v for k, v in tracking.items() if k != "officers"})


def test_the_evidence_behind_an_indicator_takes_exactly_one_of_its_three_shapes() -> None:
    note = {"provisional": False, "provisional_years": []}
    counts = {"unit_id": "u", "period": "2026", "indicator": "discipline", "count": 2, "by_month": {"2026-01": 2}}
    counts |= {"events": None, "restricted": "officer records need the unit's token, council or admin"}
    cases = {"unit_id": "u", "period": "2026", "indicator": "on_time", "rule_version": "v", "cases": []}
    adapter: TypeAdapter[Any] = TypeAdapter(IndicatorEvents)
    assert type(adapter.validate_python(counts | {"calendar": note})).__name__ == "EventCounts"
    assert type(adapter.validate_python(cases | {"calendar": note})).__name__ == "EventCases"
    fact = {"event_id": "e1", "source": "s", "officer_id": "o1", "at": AT, "data": {"hours": 4}}
    facts = {"unit_id": "u", "period": "2026", "indicator": "training_share", "events": [fact], "calendar": note}
    body = _served(IndicatorEvents, facts)
    assert body["events"] == [fact | {"at": "2026-03-01T08:30:00+00:00"}]  # no `unit_id`: the unit's own fact
