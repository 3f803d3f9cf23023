"""The rebuild's pure replay: partial sums over chunks add up to the whole, catch-up deltas cancel, progress text."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from services.scoring.adapters.rulefiles import load_rules
from services.scoring.config import RULES
from services.scoring.domain import cases as c
from services.scoring.domain.contributions import accumulate
from services.scoring.domain.judging import case_view, contribution, span
from services.scoring.domain.periods import parse_period
from services.scoring.domain.replay import CaseRow, add_totals, counter_rows, progress_text, tally

AS_OF = datetime(2025, 5, 5, tzinfo=UTC)


def _rows(n: int) -> list[CaseRow]:
    out: list[CaseRow] = []
    for i in range(n):
        record = {
            "dossier_code": f"HS-{i}",
            "channel": "online" if i % 2 else "counter",
            "received_at": f"2025-0{1 + i % 4}-03T08:00:00+07:00",
            "due_at": f"2025-0{1 + i % 4}-07T17:00:00+07:00",
            "finished_at": f"2025-0{1 + i % 4}-{5 + i % 5:02d}T09:00:00+07:00",
            "status": "resolved",
            "occurred_at": "2025-01-01T00:00:00+07:00",
            "officer_id": f"CB-{i % 3}",
        }
        state = c.merge(c.empty(), "processed", f"s:e-{i}", record)
        opened, closed = span(case_view("dossier", "U", f"HS-{i}", state))
        out.append(("dossier", "U", f"HS-{i}", json.dumps(state), AS_OF, opened, closed))
    return out


def test_chunks_add_up_to_the_contributions_of_every_case_in_the_chosen_periods() -> None:
    r = load_rules(RULES)
    chosen = {label: parse_period(label) for label in ("2025-02", "2025-Q1", "2025")}
    rows = _rows(40)
    whole: dict = {}
    for kind, unit, case_id, state, as_of, _, _ in rows:
        accumulate(whole, contribution(case_view(kind, unit, case_id, json.loads(state)), as_of, r))
    expected = {k: v for k, v in whole.items() if k[3] in chosen}
    parts: dict = {}
    for start in range(0, 40, 7):
        add_totals(parts, tally(rows[start : start + 7], r, chosen))
    assert counter_rows(parts) == counter_rows(expected)
    assert {k[3] for k in parts} == set(chosen)


def test_a_catch_up_of_an_unchanged_case_changes_nothing() -> None:
    r = load_rules(RULES)
    chosen = {"2025": parse_period("2025")}
    rows = _rows(5)
    totals = tally(rows, r, chosen)
    before = counter_rows(totals)
    add_totals(totals, tally(rows[2:3], r, chosen), sign=-1.0)
    add_totals(totals, tally(rows[2:3], r, chosen))
    assert counter_rows(totals) == before


def test_progress_text_says_done_total_rate_and_time_left() -> None:
    assert progress_text(425_062, 850_124, 20.0) == "425,062/850,124 cases (50%), 21,253 cases/s, about 20 s left"
    assert progress_text(10, 10, 1.0) == "10/10 cases (100%), 10 cases/s"
