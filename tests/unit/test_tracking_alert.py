"""The open month's task_score_low "while the month can still be saved" (issue 26; Decree 335/2025 Art. 14 task
points, Art. 20 the "complete" line): provisional, once per officer and month, only with enough working days left;
the closed month's alert is claimed apart."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any

from services.scoring.adapters.rulefiles import load_rules
from services.scoring.config import RULES
from services.scoring.domain.tracking import Task, period_sheet
from services.scoring.domain.tracking_tasks import days_left_to_save
from services.scoring.handlers.tracking import OfficerYear, _low_scores

RULES_NOW = load_rules(RULES)
TRACK = RULES_NOW.book.tracking


def at(text: str) -> datetime:
    return datetime.fromisoformat(text + "+07:00")


class Claims:
    """The tracking_alerts table: a claim succeeds once per (officer, key)."""

    def __init__(self) -> None:
        self.taken: set[tuple[str, str]] = set()

    async def fetchrow(self, _query: str, officer_id: str, period: str, _now: datetime) -> dict[str, str] | None:
        if (officer_id, period) in self.taken:
            return None
        self.taken.add((officer_id, period))
        return {"officer_id": officer_id}


def task(n: int, *, done: bool, late: bool) -> Task:
    return Task(f"dossier:U1:HS{n}", 1.0, done, late, 0, 0, 0, (f"s:{n}",))


def december(tasks: list[Task]) -> OfficerYear:
    sheet = period_sheet("2026-12", tasks, None, TRACK)
    data = sheet.as_json() | {"unit_id": "U1"}
    return OfficerYear("O1", "Nguyễn Văn A", "U1", True, None, 2026, sheets=[sheet], sheet_json=[data])


def alerts(conn: Claims, y: OfficerYear, now: datetime, save_days: float = 5.0) -> list[dict[str, Any]]:
    messages = asyncio.run(_low_scores(conn, y, RULES_NOW, now, save_days))
    return [json.loads(value) for _, _, value, _ in messages]


def test_working_days_left_in_the_open_month_counted_on_the_calendar() -> None:
    """December 2026 has 23 working days; at 09:00 on Tuesday 1 December 15 hours of the day and 22 days remain."""
    assert days_left_to_save("2026-12", at("2026-12-01T09:00:00"), RULES_NOW, 5) == 22.625
    # Monday 28 December 09:00: 0.625 + 29, 30, 31 = 3.625 < 5, too late to save the month.
    assert days_left_to_save("2026-12", at("2026-12-28T09:00:00"), RULES_NOW, 5) is None
    assert days_left_to_save("2026-12", at("2026-12-28T09:00:00"), RULES_NOW, 3) == 3.625
    assert days_left_to_save("2026-11", at("2026-12-01T09:00:00"), RULES_NOW, 0) is None  # closed
    assert days_left_to_save("2027-01", at("2026-12-01T09:00:00"), RULES_NOW, 0) is None  # not begun


def test_art_14_the_open_month_below_the_line_is_told_once_as_provisional_then_again_when_it_closes() -> None:
    """Two units assigned and overdue, none done: a = b = c = 0, task points 0 < 50 − 30 = 20 (Art. 14, Art. 20)."""
    y = december([task(1, done=False, late=True), task(2, done=False, late=True)])
    conn = Claims()
    (first,) = alerts(conn, y, at("2026-12-01T09:00:00"))
    assert first["kind"] == "task_score_low" and first["subject_id"] == "O1" and first["unit_id"] == "U1"
    assert first["data"]["provisional"] is True and first["data"]["working_days_left"] == 22.625
    assert first["data"]["task_points"] == 0 and first["data"]["line"] == 20
    assert first["condition_key"] == "task_score_low|O1|2026-12|provisional"
    assert "tạm tính" in first["title"] and "còn 22 ngày làm việc" in first["title"]
    assert alerts(conn, y, at("2026-12-02T09:00:00")) == []  # once per officer and month
    (closed,) = alerts(conn, y, at("2027-01-01T00:00:00"))  # the month ended still below: its own alert
    assert closed["condition_key"] == "task_score_low|O1|2026-12" and "provisional" not in closed["data"]
    assert alerts(conn, y, at("2027-01-02T00:00:00")) == []


def test_no_provisional_alert_late_in_the_month_or_above_the_line() -> None:
    low = december([task(1, done=False, late=True)])
    assert alerts(Claims(), low, at("2026-12-28T09:00:00")) == []  # 3.625 working days left < 5
    assert len(alerts(Claims(), low, at("2026-12-28T09:00:00"), save_days=3)) == 1  # the setting decides
    # Done late: a = 100, b = 100, c = 0 → (100 + 100 + 0) / 3 × 0.7 = 46.67 ≥ 20: nothing to tell.
    fine = december([task(1, done=True, late=True)])
    assert alerts(Claims(), fine, at("2026-12-01T09:00:00")) == []
