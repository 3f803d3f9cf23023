"""The rescorer's calendar notes: computed once per calendar and period, never shared between calendars or callers."""

from __future__ import annotations

import dataclasses

from services.scoring.adapters.rulefiles import load_rules
from services.scoring.config import RULES
from services.scoring.handlers.rescore import calendar_of


def test_a_calendar_note_follows_its_calendar_and_a_caller_cannot_change_the_next_one() -> None:
    shipped = load_rules(RULES)
    official = dataclasses.replace(
        shipped,
        calendar=dataclasses.replace(shipped.calendar, years=shipped.calendar.years | {2027}),
    )
    for _ in range(2):  # the second round answers from the notes kept by the first
        assert calendar_of(shipped, "2026-12") == {"provisional": True, "provisional_years": [2027]}
        assert calendar_of(official, "2026-12") == {"provisional": False, "provisional_years": []}
        assert calendar_of(shipped, "2025-06") == {"provisional": False, "provisional_years": []}
    note = calendar_of(shipped, "2026-12")
    note["provisional"] = False  # a card built from it, changed later
    assert calendar_of(shipped, "2026-12")["provisional"] is True
