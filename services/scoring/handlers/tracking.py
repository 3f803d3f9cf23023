"""Use case: officers' tracking sheets and year ratings under Decree 335/2025 (computed from the stored evidence on
request and by a pass that publishes ratings.v1 and task_score_low alerts)."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import asyncpg

from schemas import topics
from schemas.outputs import Alert, OfficerRating
from schemas.vietnam import VN_TZ
from services.scoring.adapters import tracking_store as ts
from services.scoring.domain import cases as c
from services.scoring.domain.memberships import unit_at
from services.scoring.domain.rulebook import Rules
from services.scoring.domain.tracking import (
    Sheet,
    Task,
    is_civil_servant,
    leave_only,
    period_bounds,
    period_sheet,
    periods_of,
)
from services.scoring.domain.tracking_tasks import Facts, days_left_to_save, tasks_by_period
from services.scoring.domain.tracking_year import YearRating, apply_cap, year_rating
from services.scoring.handlers import alert_message
from services.scoring.handlers.tracking_load import Held, held_facts, hold, stored_cases
from thidua.runtime.outbox import Message, enqueue
from thidua.runtime.worker_pool import LowPriorityWorker

PASS_LIMIT = 200
"""Officers taken from the queue per pass."""
SAVE_DAYS = 5.0
"""Working days that must remain in the open month for its provisional task_score_low (settings override it)."""


@dataclass
class OfficerYear:
    """An officer's sheets of a year, with the tasks behind them and the year's rating (before the cap)."""

    officer_id: str
    name: str
    unit_id: str
    civil_servant: bool
    peer_group: str | None
    year: int
    sheets: list[Sheet] = field(default_factory=list)
    sheet_json: list[dict[str, Any]] = field(default_factory=list)
    tasks: dict[str, list[tuple[str, Task]]] = field(default_factory=dict)
    rating: YearRating | None = None
    hr_rating: str | None = None


def _local_day(value: str) -> date:
    return datetime.fromisoformat(value).astimezone(VN_TZ).date()


def _within(at: datetime, period: str) -> bool:
    start, end = period_bounds(period)
    return start <= at < end


async def officer_year(
    conn: asyncpg.Connection, officer_id: str, year: int, rules: Rules, now: datetime
) -> OfficerYear | None:
    """The officer's sheets and rating of a year at now; None for an officer the directory does not know."""
    return (await officers_years(conn, [officer_id], year, rules, now)).get(officer_id)


Judge = Callable[[Held, Sequence[str], int, Rules, datetime], Awaitable[dict[str, OfficerYear]]]
"""Runs judge_years somewhere: in a thread of this process (a request) or in a worker process (the pass)."""


async def in_thread(
    held: Held, officers: Sequence[str], year: int, rules: Rules, now: datetime
) -> dict[str, OfficerYear]:
    """judge_years in a thread: the interpreter hands the event loop its turn every few milliseconds."""
    return await asyncio.to_thread(judge_years, held, officers, year, rules, now)


def in_process(worker: LowPriorityWorker) -> Judge:
    """judge_years in a worker process (the pass's judging, off the consumer's and rescorers' process)."""

    async def judge(
        held: Held, officers: Sequence[str], year: int, rules: Rules, now: datetime
    ) -> dict[str, OfficerYear]:
        return await worker.run(judge_years, held, list(officers), year, rules, now)

    return judge


async def officers_years(
    conn: asyncpg.Connection,
    officers: Sequence[str],
    year: int,
    rules: Rules,
    now: datetime,
    judge: Judge = in_thread,
) -> dict[str, OfficerYear]:
    """The years of the officers the directory knows (their evidence read once for all of them)."""
    return await judge(await hold(conn, officers, year), officers, year, rules, now)


def judge_years(held: Held, officers: Sequence[str], year: int, rules: Rules, now: datetime) -> dict[str, OfficerYear]:
    """The years of the held officers the directory knows."""
    facts = held_facts(held)
    found = {o: year_of(o, held, facts, year, rules, now) for o in officers}
    return {o: y for o, y in found.items() if y is not None}


def year_of(officer_id: str, held: Held, facts: Facts, year: int, rules: Rules, now: datetime) -> OfficerYear | None:
    """An officer's sheets and rating of a year at now from the held evidence (None: not in the directory)."""
    entry = held.entries.get(officer_id)
    if entry is None:
        return None
    track = rules.book.tracking
    timeline = held.timelines.get(officer_id, [])
    units = set(held.units.get(officer_id, []))
    own = held.own.get(officer_id, [])
    complaints = [r for r in held.complaints if officer_id in r["named"] and r["unit_id"] in units]
    found = tasks_by_period(officer_id, stored_cases(held, officer_id), facts, now, rules)
    out = OfficerYear(
        officer_id,
        entry["full_name"],
        entry["unit_id"],
        is_civil_servant(entry["staff_kind"], entry["category"]),
        entry["peer_group"],
        year,
    )
    assessments: dict[str, dict[str, Any]] = {}
    for f in own:  # oldest first: a later assessment of the period replaces an earlier one
        if f["kind"] == "assessment":
            assessments[str(f["data"]["period"])] = f
    leaves = [
        (_local_day(f["data"]["leave_from"]), _local_day(f["data"]["leave_until"])) for f in own if f["kind"] == "leave"
    ]
    for period in periods_of(year, track):
        start, end = period_bounds(period)
        if start > now:
            break
        tasks = found.get(period, [])
        assessed = assessments.get(period)
        if not tasks and assessed is None:
            continue
        criteria = {str(k): float(v) for k, v in assessed["data"]["criteria"].items()} if assessed else None
        sheet = period_sheet(period, [t for _, t in tasks], criteria, track)
        data = sheet.as_json()
        if assessed is not None and data.get("general") is not None:
            data["general"] |= {"assessor": assessed["data"].get("assessor"), "event": assessed["event"]}
        data["unit_id"] = unit_at(timeline, end) or (tasks[0][0] if tasks else entry["unit_id"])
        data["general_evidence"] = _general_evidence(own, complaints, period)
        out.sheets.append(sheet)
        out.sheet_json.append(data)
        out.tasks[period] = tasks
    excluded = {p for p in periods_of(year, track) if leave_only(p, leaves)}
    disciplines = [
        (str(f["data"]["form"]), bool(f["data"].get("duty_related", True)), f["event"])
        for f in own
        if f["kind"] == "discipline" and f["at"].astimezone(VN_TZ).year == year
    ]
    out.rating = year_rating(year, out.sheets, excluded, disciplines, track)
    hr = [f for f in own if f["kind"] == "evaluation" and f["data"].get("year") == year]
    out.hr_rating = str(hr[-1]["data"]["level"]) if hr else None
    return out


def _general_evidence(
    own: Sequence[dict[str, Any]], complaints: Sequence[dict[str, Any]], period: str
) -> dict[str, Any]:
    """What the system holds beside the general criteria in a period: shown, never scored (Art. 12-13)."""
    inside = [f for f in own if _within(f["at"], period)]
    conduct = []
    for row in complaints:
        v = c.complaint_view(row["unit_id"], row["case_id"], row["state"])
        if v.category == "conduct" and v.substantiated and v.resolved_at is not None and _within(v.resolved_at, period):
            conduct.append({"complaint_id": v.complaint_id, "unit_id": v.unit_id, "events": list(v.event_keys)})
    return {
        "disciplines": [
            {
                "form": f["data"].get("form"),
                "decision_no": f["data"].get("decision_no"),
                "duty_related": f["data"].get("duty_related", True),
                "event": f["event"],
            }
            for f in inside
            if f["kind"] == "discipline"
        ],
        "conduct_complaints": conduct,
        "inspection_findings": [
            {"findings": f["data"].get("findings", []), "event": f["event"]}
            for f in inside
            if f["kind"] == "inspection"
        ],
        "training_hours": round(sum(float(f["data"].get("hours", 0)) for f in inside if f["kind"] == "training"), 2),
    }


async def unit_year(
    conn: asyncpg.Connection, unit_id: str, year: int, rules: Rules, now: datetime, judge: Judge = in_thread
) -> dict[str, OfficerYear]:
    """The years of the unit's officers (those whose home is the unit), the excellence cap applied to their ratings."""
    every = await officers_years(conn, await ts.unit_officers(conn, [unit_id]), year, rules, now, judge)
    found = {o: y for o, y in every.items() if y.unit_id == unit_id}
    rated = {o: y.rating for o, y in found.items() if y.civil_servant and y.rating is not None and y.rating.level}
    capped = apply_cap(rated, {o: found[o].peer_group for o in rated}, rules.book.tracking)
    for officer_id, rating in capped.items():
        found[officer_id].rating = rating
    return found


def rating_json(y: OfficerYear) -> dict[str, Any]:
    """The year's rating as the API shows it, with HR's rating beside it."""
    assert y.rating is not None
    return y.rating.as_json() | {"hr_rating": y.hr_rating}


async def officer_view(
    conn: asyncpg.Connection, officer_id: str, year: int, rules: Rules, now: datetime
) -> dict[str, Any] | None:
    """GET /v1/officers/{id}/tracking: the sheets of the year and its rating (cap within the unit applied)."""
    entry = (await ts.officer_entries(conn, [officer_id])).get(officer_id)
    if entry is None:
        return None
    # The unit's year holds the officer's own (read and judged once, its cap applied); one not listed in the unit's
    # memberships is judged alone.
    own = (await unit_year(conn, entry["unit_id"], year, rules, now)).get(officer_id)
    if own is None and (own := await officer_year(conn, officer_id, year, rules, now)) is None:
        return None
    return {
        "officer_id": officer_id,
        "name": own.name,
        "unit_id": own.unit_id,
        "year": year,
        "rule_version": rules.version,
        "period_kind": rules.book.tracking.period_kind,
        "as_of": now.isoformat(),
        "civil_servant": own.civil_servant,
        "periods": own.sheet_json,
        "year_rating": rating_json(own) if own.rating is not None and own.civil_servant else None,
    }


def task_json(unit_id: str, t: Task) -> dict[str, Any]:
    """One task behind a sheet's numbers."""
    return {
        "key": t.key,
        "kind": t.kind,
        "unit_id": unit_id,
        "weight": t.weight,
        "done": t.done,
        "late": t.late,
        "quality_failures": t.quality_failures,
        "excused_late": t.excused_late,
        "excused_quality": t.excused_quality,
        "events": list(t.events),
    }


async def run_pass(
    conn: asyncpg.Connection,
    rules: Rules,
    now: datetime,
    *,
    limit: int = PASS_LIMIT,
    save_days: float = SAVE_DAYS,
    judge: Judge = in_thread,
) -> int:
    """Take queued officers; publish the ratings of their units that changed and the low task scores; the count."""
    officers = await ts.take_queued(conn, limit)
    if not officers:
        return 0
    track = rules.book.tracking
    year = now.astimezone(VN_TZ).year
    years = [y for y in range(track.effective_from.year, year + 1)]
    homes = {
        r["officer_id"]: r["unit_id"]
        for r in await conn.fetch(
            "SELECT officer_id, unit_id FROM officers WHERE officer_id = ANY($1::text[])", officers
        )
    }
    messages: list[Message] = []
    for y in years:
        for unit_id in sorted(set(homes.values())):
            found = await unit_year(conn, unit_id, y, rules, now, judge)
            for officer_id, oy in sorted(found.items()):
                if oy.civil_servant and oy.rating is not None and oy.rating.level is not None:
                    messages += await _publish(conn, oy, rules, now)
                if officer_id in officers and oy.civil_servant:
                    messages += await _low_scores(conn, oy, rules, now, save_days)
    await enqueue(conn, messages)
    return len(officers)


async def _publish(conn: asyncpg.Connection, y: OfficerYear, rules: Rules, now: datetime) -> list[Message]:
    """An OfficerRating on ratings.v1 when the year's rating differs from the one last published (outbox)."""
    r = y.rating
    if r is None or r.level is None or r.score is None:
        return []  # no period counts: nothing the evidence rates
    score = round(min(100.0, max(0.0, r.score)), 4)
    reasons = [n[:500] for n in r.not_complete][:10]
    body = {"score": score, "level": r.level, "periods": len(r.periods), "not_complete": reasons, "unit_id": y.unit_id}
    last = await ts.published(conn, y.officer_id, y.year)
    if last is not None and json.loads(last["rating"]) == body and last["rule_version"] == rules.version:
        return []
    await ts.save_published(conn, y.officer_id, y.year, y.unit_id, body, rules.version, now)
    digest = hashlib.sha256(json.dumps([y.officer_id, y.year, body, now.isoformat()]).encode()).hexdigest()[:24]
    rating = OfficerRating(
        event_id=f"rating-{digest}",
        occurred_at=now,
        year=y.year,
        officer_id=y.officer_id,
        unit_id=y.unit_id,
        score=score,
        level=r.level,
        periods=len(r.periods),
        not_complete=reasons,
        rule_version=rules.version,
    )
    return [(topics.RATINGS, y.officer_id, rating.model_dump_json(exclude_none=True).encode(), {})]


async def _low_scores(
    conn: asyncpg.Connection, y: OfficerYear, rules: Rules, now: datetime, save_days: float = SAVE_DAYS
) -> list[Message]:
    """task_score_low: a closed period whose task points cannot reach "complete" even with full general points; and
    once, provisional, the open period whose work assigned and counted so far leaves it there while at least
    save_days working days remain to finish what is pending (issue 26: "while the month can still be saved")."""
    track = rules.book.tracking
    line = track.complete - track.general_max
    out: list[Message] = []
    for sheet, data in zip(y.sheets, y.sheet_json, strict=True):
        points = sheet.task.points
        if points is None or points >= line:
            continue
        closed = period_bounds(sheet.period)[1] <= now
        left = None if closed else days_left_to_save(sheet.period, now, rules, save_days)
        if not closed and left is None:
            continue  # too late in the month to save it: the closed month's alert tells it
        # The provisional alert is claimed apart from the closed one: the month's end still alerts if it stays low.
        claim, tail = (sheet.period, "") if closed else (f"{sheet.period}:provisional", "-provisional")
        if not await ts.claim_alert(conn, y.officer_id, claim, now):
            continue
        title = (
            f"Điểm kết quả nhiệm vụ của {y.name} kỳ {sheet.period} dưới mức hoàn thành"
            if closed
            else f"Điểm kết quả nhiệm vụ tạm tính của {y.name} kỳ {sheet.period} đang dưới mức hoàn thành "
            f"(còn {int(left or 0)} ngày làm việc để khắc phục)"
        )
        extra: dict[str, Any] = {} if closed else {"provisional": True, "working_days_left": left}
        alert = Alert(
            alert_id=f"task_score_low-{y.officer_id}-{sheet.period}{tail}",
            condition_key=f"task_score_low|{y.officer_id}|{sheet.period}{tail.replace('-', '|')}",
            kind="task_score_low",
            priority="high",
            unit_id=data["unit_id"],
            occurred_at=now,
            period=sheet.period,
            subject_id=y.officer_id,
            title=title[:500],
            data={
                "task_points": points,
                "line": line,
                "complete": track.complete,
                "general_max": track.general_max,
                "officer_name": y.name,  # to the unit only (alerts are never public), as the title names the officer
            }
            | extra,
            rule_version=rules.version,
        )
        out.append(alert_message(alert))
    return out
