"""The tracking figure's load (bench/tracking.py): a 2026 the evidence intake accepts, for officers whose 2025
dossiers the backfill holds, and answer checks that fail on a sheet or an officer missing."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime

from bench.dataset import make_event
from bench.tracking import (
    DOSSIERS_PER_MONTH,
    OFFICERS_PER_UNIT,
    TRACKING_UNITS,
    months_before,
    officer_check,
    officer_ids,
    tracking_events,
    unit_check,
)
from schemas.evidence import parse_evidence


def test_months_before_are_the_whole_months_of_2026_before_today() -> None:
    assert months_before(date(2026, 12, 5)) == [f"2026-{m:02d}" for m in range(1, 12)]
    assert months_before(date(2027, 1, 2))[-1] == "2026-12"
    assert months_before(date(2026, 1, 20)) == [] and months_before(date(2025, 6, 1)) == []


def test_every_event_parses_and_each_officer_has_its_dossiers_and_general_points_every_month() -> None:
    months = ["2026-01", "2026-02", "2026-03"]
    events = tracking_events("bench-tracking-t", months)
    now = datetime(2026, 12, 5, tzinfo=UTC)
    for body in events:
        parse_evidence(body, now=now, source_required=False)
    assert len({e["event_id"] for e in events}) == len(events)
    kinds = Counter(e["type"] for e in events)
    officers = len(TRACKING_UNITS) * OFFICERS_PER_UNIT
    assert kinds["officer.registered"] == officers
    assert kinds["procedure.processed"] == officers * len(months) * DOSSIERS_PER_MONTH
    assert kinds["officer.assessed"] == officers * len(months)
    assert kinds["procedure.returned"] > 0 and kinds["objective_cause.confirmed"] > 0
    late = [
        e for e in events if e["type"] == "procedure.processed" and e["payload"]["finished_at"] > e["payload"]["due_at"]
    ]
    assert 0 < len(late) < kinds["procedure.processed"] / 4
    dossiers = {(e["officer_id"], e["payload"]["dossier_code"]) for e in events if e["type"] == "procedure.processed"}
    for e in events:
        if e["type"] in ("procedure.returned", "objective_cause.confirmed"):
            assert (e["officer_id"], e["payload"]["dossier_code"]) in dossiers  # about one of the officer's own


def test_the_tracked_officers_include_those_the_backfill_names_in_their_unit() -> None:
    rng = random.Random(0)
    named = {body["officer_id"] for n in range(2_000) for unit, body in [make_event(n, rng, "s")]}
    for unit in TRACKING_UNITS:
        ours = officer_ids(unit)
        assert len(set(ours)) == OFFICERS_PER_UNIT
        assert {o for o in named if o.startswith(f"{unit}-")} == set(ours[:4])


def test_the_checks_refuse_a_missing_month_rating_or_officer() -> None:
    check = officer_check(["2026-01", "2026-02"])
    whole = {"periods": [{"period": "2026-01"}, {"period": "2026-02"}], "year_rating": {"level": "good"}}
    assert check("/o", whole) is None
    assert check("/o", whole | {"periods": [{"period": "2026-01"}]}) is not None
    assert check("/o", whole | {"year_rating": None}) is not None
    officers = [{"officer_id": f"O{i}", "total": 80.0} for i in range(OFFICERS_PER_UNIT)]
    assert unit_check("/u", {"officers": officers}) is None
    assert unit_check("/u", {"officers": officers[1:]}) is not None
    assert unit_check("/u", {"officers": [*officers[1:], {"officer_id": "X", "total": None}]}) is not None
