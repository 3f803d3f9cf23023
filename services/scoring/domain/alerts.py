"""Conditions a unit must act on while it still can: a dossier due within a working day or overdue, a complaint
(phản ánh, kiến nghị) past its answer clock, a band dropped; and the alerts.v1 each raises."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from schemas.labels import scoring_alert_title
from schemas.outputs import Alert
from schemas.vietnam import VN_TZ
from services.scoring.domain.calendar import CalendarYearMissing, WorkingCalendar
from services.scoring.domain.cases import Complaint, Dossier
from services.scoring.domain.contributions import complaint_deadline
from services.scoring.domain.rulebook import Rules
from services.scoring.domain.working_time import dossier_due

# Alerts about moments further back than this are history, not news (e.g. when a year is backfilled).
HORIZON = timedelta(days=2)


def dossier_conditions(d: Dossier, as_of: datetime, calendar: WorkingCalendar) -> dict[str, datetime]:
    """Active conditions of an open dossier and when each began; the due date is pushed by the time it waited for
    the citizen, and a dossier waiting on an open supplement request has none (paused)."""
    if not d.is_open or d.due_at is None:
        return {}
    due = dossier_due(d, calendar)
    if due is None:
        return {}
    if as_of >= due:
        return {"dossier_overdue": due}
    try:
        due_soon = calendar.next_working_day_before(due)
    except CalendarYearMissing:
        return {}  # no calendar for that year: no "due tomorrow" guess
    if as_of < due_soon:
        return {}
    # Not before the dossier came in: one received on a Saturday and due on Monday (or due within hours) is "due
    # soon" from its receipt; dated the working day before its due date, the condition looked days old and older
    # than HORIZON, so its alert was never sent.
    return {"dossier_due_soon": max(due_soon, d.received_at) if d.received_at else due_soon}


def complaint_conditions(c: Complaint, as_of: datetime, deadline: datetime | None) -> dict[str, datetime]:
    """An open complaint past its answer deadline (15 working days by default) is overdue since the deadline."""
    if c.resolved_at is not None or deadline is None or as_of < deadline:
        return {}
    return {"complaint_overdue": deadline}


def new_conditions(old: dict[str, datetime], new: dict[str, datetime], now: datetime) -> dict[str, datetime]:
    """Conditions that began since the last look, and recently enough to be worth telling."""
    return {kind: since for kind, since in new.items() if kind not in old and now - since <= HORIZON}


def dossier_alerts(old: Dossier, old_as_of: datetime, new: Dossier, rules: Rules, now: datetime) -> list[Alert]:
    """alerts.v1 for the conditions the dossier entered since it was last judged."""
    before = dossier_conditions(old, old_as_of, rules.calendar) if old.due_at else {}
    out: list[Alert] = []
    for kind, since in new_conditions(before, dossier_conditions(new, now, rules.calendar), now).items():
        key = f"{kind}:{new.unit_id}:{new.code}"
        out.append(
            Alert(
                alert_id=key,
                condition_key=key,
                kind=kind,
                priority="high" if kind == "dossier_overdue" else "normal",
                unit_id=new.unit_id,
                occurred_at=now,
                subject_id=new.code,
                title=scoring_alert_title(kind, code=new.code),
                data={
                    "dossier_code": new.code,
                    "due_at": new.due_at.isoformat() if new.due_at else None,
                    "since": since.isoformat(),
                },
                rule_version=rules.version,
            )
        )
    return out


def complaint_alerts(
    old: Complaint | None, old_as_of: datetime, new: Complaint, rules: Rules, now: datetime
) -> list[Alert]:
    """alerts.v1 complaint_overdue when a complaint passed its answer clock since it was last judged."""
    book, cal = rules.book, rules.calendar
    before = complaint_conditions(old, old_as_of, complaint_deadline(old, book, cal)) if old is not None else {}
    out: list[Alert] = []
    for kind, since in new_conditions(
        before, complaint_conditions(new, now, complaint_deadline(new, book, cal)), now
    ).items():
        key = f"{kind}:{new.unit_id}:{new.complaint_id}"
        out.append(
            Alert(
                alert_id=key,
                condition_key=key,
                kind="complaint_overdue",
                priority="high",
                unit_id=new.unit_id,
                occurred_at=now,
                subject_id=new.complaint_id,
                title=scoring_alert_title("complaint_overdue", code=new.complaint_id)[:500],
                data={"complaint_id": new.complaint_id, "due_at": since.isoformat(), "since": since.isoformat()},
                rule_version=rules.version,
            )
        )
    return out


def band_dropped(old_band: str | None, band: str, bands: list[str]) -> bool:
    """The band is lower than before (bands best first)."""
    return old_band is not None and old_band in bands and band in bands and bands.index(band) > bands.index(old_band)


def band_dropped_alert(
    unit_id: str,
    period: str,
    score: float,
    old_score: float | None,
    band: str,
    old_band: str,
    rule_version: str,
    now: datetime,
) -> Alert:
    """alerts.v1 band_dropped for a unit whose band fell in a period."""
    return Alert(
        alert_id=f"band_dropped:{unit_id}:{period}:{now.isoformat()}",
        condition_key=f"band_dropped:{unit_id}:{period}:{band}",
        kind="band_dropped",
        priority="high",
        unit_id=unit_id,
        occurred_at=now,
        period=period,
        title=scoring_alert_title("band_dropped", band=band, previous_band=old_band),
        data={"score": score, "previous_score": old_score, "band": band, "previous_band": old_band},
        rule_version=rule_version,
    )


def calendar_missing_alert(unit_id: str, year: int, today: date, rule_version: str) -> Alert:
    """alerts.v1 calendar_missing, once a day to the office that keeps the rule files: next year's official
    working-day calendar is missing, so its clocks are judged on the provisional one (alert_id per day: a
    restart the same day repeats it, the inbox keeps one)."""
    key = f"calendar_missing:{year}"
    return Alert(
        alert_id=f"{key}:{today.isoformat()}",
        condition_key=key,
        kind="calendar_missing",
        priority="high",
        unit_id=unit_id,
        occurred_at=datetime.combine(today, time(0), tzinfo=VN_TZ),
        subject_id=str(year),
        title=scoring_alert_title("calendar_missing", code=str(year))[:500],
        data={"year": year, "file": f"calendar/{year}.toml"},
        rule_version=rule_version,
    )
