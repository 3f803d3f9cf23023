"""Use cases of the awards service: take in evidence and standings, close a year, decide by vote."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from schemas import topics
from schemas.evidence import (
    DisciplineRecordedEvent,
    EmulationRegisteredEvent,
    EvaluationRecordedEvent,
    EvidenceEvent,
    EvidenceRetractedEvent,
    GrievanceClosedEvent,
    GrievanceOpenedEvent,
    InitiativeRecognizedEvent,
    OfficerRegisteredEvent,
    ResearchAcceptedEvent,
    TitleAwardedEvent,
    UnitRegisteredEvent,
)
from schemas.outputs import Alert, Criterion, NominationChanged, StandingChanged
from services.awards.adapters import postgres as pg
from services.awards.domain.evaluate import cash_multiple, close_refusal, council_decision, evaluate_unit
from services.awards.domain.rulebook import AwardRules, deadline
from services.awards.domain.titles import Verdict
from thidua.runtime import inbox
from thidua.runtime.outbox import Message, enqueue

log = logging.getLogger(__name__)
VN = ZoneInfo("Asia/Ho_Chi_Minh")
PENDING = ("proposed", "needs_review")  # open to a council vote
LIVE = ("proposed", "needs_review", "on_hold", "approved")  # not yet rejected or revoked
Touched = set[tuple[str, int | None]]


def _year(at: datetime) -> int:
    """The Vietnam calendar year of an instant (a decision at 23:30 on 31/12 UTC+7 belongs to that year)."""
    return at.astimezone(VN).year


def evidence_key(event: EvidenceEvent) -> str:
    """The inbox key and evidence id of an accepted event: "source:event_id"."""
    return f"{event.source}:{event.event_id}"


async def apply_evidence(conn: asyncpg.Connection, events: Sequence[EvidenceEvent], *, rules: AwardRules,
                         now: datetime) -> None:
    """Record what the award rules need from accepted evidence; re-evaluate closed years it touches.

    One transaction: a failure leaves nothing behind (the inbox claim included), so the batch can be retried
    record by record and a parked record replayed later."""
    async with conn.transaction():
        keys = [evidence_key(e) for e in events]
        fresh = await inbox.claim(conn, keys)
        touched: Touched = set()
        findings: list[asyncpg.Record] = []
        for key, e in zip(keys, events, strict=True):
            if key in fresh:
                fresh.discard(key)  # the same event twice in one batch counts once
                touched |= await _record(conn, key, e, findings)
        for finding in findings:
            touched |= await _substantiated(conn, finding, rules=rules, now=now)
        await _reevaluate(conn, touched, rules=rules, now=now)


def _subject(e: EvidenceEvent) -> tuple[str, str]:
    """(kind, id) of whom the event is about: its officer when it names one, otherwise its unit."""
    return ("officer", e.officer_id) if e.officer_id else ("unit", e.unit_id)


async def _record(conn: asyncpg.Connection, key: str, e: EvidenceEvent, findings: list[asyncpg.Record]) -> Touched:
    unit, at = e.unit_id, e.occurred_at
    if isinstance(e, UnitRegisteredEvent):
        await pg.upsert_unit(conn, unit, e.payload.name, e.payload.cluster_id, e.payload.parent_id, at)
    elif isinstance(e, OfficerRegisteredEvent):
        await pg.upsert_officer(conn, e.officer_id, unit, e.payload.full_name, at)
    elif isinstance(e, EvaluationRecordedEvent):
        kind, subject = _subject(e)
        await pg.upsert_rating(conn, kind, subject, unit, e.payload.year, e.payload.level, key, at)
        return {(unit, e.payload.year)}
    elif isinstance(e, TitleAwardedEvent):
        kind, subject = _subject(e)
        await pg.add_title(conn, kind, subject, e.payload.year, e.payload.title, key)
        return {(unit, e.payload.year)}
    elif isinstance(e, InitiativeRecognizedEvent | ResearchAcceptedEvent):
        year = _year(e.payload.decided_at)
        table = "initiatives" if isinstance(e, InitiativeRecognizedEvent) else "research"
        await pg.add_row(conn, table, (key, e.officer_id, unit, year, e.payload.scope))
        return {(unit, year)}
    elif isinstance(e, EmulationRegisteredEvent):
        kind, subject = _subject(e)
        await pg.add_registration(conn, key, kind, subject, unit, e.payload.year, list(e.payload.titles))
        return {(unit, e.payload.year)}
    elif isinstance(e, DisciplineRecordedEvent):
        year = _year(e.payload.decided_at)
        await pg.add_row(conn, "disciplines", (key, e.officer_id, unit, year, e.payload.form))
        return {(unit, year)}
    elif isinstance(e, GrievanceOpenedEvent | GrievanceClosedEvent):
        closed = isinstance(e, GrievanceClosedEvent)
        substantiated = e.payload.substantiated if isinstance(e, GrievanceClosedEvent) else None
        row = await pg.set_grievance(conn, f"{e.source}|{unit}|{e.payload.case_id}", unit, e.officer_id,
                                     not closed, substantiated, key, at)
        if row is not None and closed and substantiated is True:
            findings.append(row)
        return {(unit, None)}
    elif isinstance(e, EvidenceRetractedEvent):
        return set(await pg.forget_event(conn, f"{e.source}:{e.payload.target_event_id}"))
    return set()


async def _substantiated(conn: asyncpg.Connection, g: asyncpg.Record, *, rules: AwardRules, now: datetime
                         ) -> Touched:
    """A substantiated complaint or denunciation revokes the subject's approved and held nominations of the year it
    was opened and the years before it the rule file names (Luật 06/2022, chương VII)."""
    opened_year = (g["opened_at"] or g["occurred_at"]).astimezone(VN).year
    kind, subject = ("officer", g["officer_id"]) if g["officer_id"] else ("unit", g["unit_id"])
    keys = [k for k in (g["opened_event"], g["event"]) if k]
    reason = (f"khiếu nại, tố cáo được kết luận có căn cứ ({', '.join(keys)}): thu hồi theo Luật Thi đua, "
              "Khen thưởng 06/2022/QH15, chương VII")
    touched: Touched = set()
    messages: list[Message] = []
    for row in await pg.subject_nominations(conn, kind, subject, ("approved", "on_hold"),
                                            (opened_year - rules.grievance_revoke_years_back, opened_year)):
        messages.append(await _revoke(conn, row, reason, keys, "evidence", now))
        touched.add((row["unit_id"], row["year"] + 1))
    await enqueue(conn, messages)
    return touched


async def _reevaluate(conn: asyncpg.Connection, touched: Touched, *, rules: AwardRules, now: datetime) -> None:
    """Evaluate again every closed year touched, and the closed years after it (streaks count earlier titles)."""
    closed = {r["year"] for r in await conn.fetch("SELECT year FROM closed_years")}
    todo: dict[str, set[int]] = {}
    for unit, year in touched:
        todo.setdefault(unit, set()).update(y for y in closed if year is None or y >= year)
    for unit in sorted(todo):
        for y in sorted(todo[unit]):
            await sync_unit_year(conn, unit, y, rules=rules, now=now, actor="evidence",
                                 create=_before_deadline(y, rules, now))


def _before_deadline(year: int, rules: AwardRules, now: datetime) -> bool:
    """Late input still creates nominations until the deadline of the following year."""
    return now.astimezone(VN).date() <= deadline(year + 1, rules.late_input_until)


async def sync_unit_year(conn: asyncpg.Connection, unit_id: str, year: int, *, rules: AwardRules, now: datetime,
                         actor: str, create: bool) -> list[str]:
    """Evaluate the unit's titles for year: create nominations newly met (proposed, needs_review or on_hold),
    hold pending ones an open grievance now concerns, release those it no longer does, revoke live ones no longer
    met (a discipline in the year revokes even approved ones; an open grievance never does)."""
    record = await pg.load_unit(conn, unit_id)
    existing = await pg.nominations_of(conn, unit_id, year)
    messages: list[Message] = []
    created: list[str] = []
    for kind, subject, verdict in evaluate_unit(record, year, rules):
        nid = f"{verdict.title}:{year}:{kind}:{subject}"
        current = existing.get(nid)
        held = "; ".join(c.reason for c in verdict.checks if c.effect == "hold" and not c.met)
        if current is None:
            if verdict.met and create:
                row = _row(nid, kind, subject, unit_id, year, verdict, rules)
                status = row["status"] = verdict.status
                if status == "on_hold":
                    row["held_from"], row["reason"] = "needs_review" if verdict.review else "proposed", held
                elif status == "needs_review":
                    row["reason"] = "; ".join(c.reason for c in verdict.checks if c.effect == "review" and not c.met)
                if await pg.create_nomination(conn, row, now):
                    await pg.audit(conn, nid, None, status, row.get("reason") or "đủ tiêu chuẩn khi xét", actor, now)
                    messages.append(_event(row, "created", status, row.get("reason"), now))
                    created.append(nid)
            continue
        status = current["status"]
        if status not in LIVE:
            continue
        if not verdict.met:
            before = set(json.loads(current["evidence_ids"]))
            new = [e for e in verdict.evidence if e not in before]
            reason = "; ".join(c.reason for c in verdict.checks if not c.met and c.effect == "block")
            if new:
                reason += f" (căn cứ: {', '.join(new)})"
            criteria = _row(nid, kind, subject, unit_id, year, verdict, rules)["criteria"]
            messages.append(await _revoke(conn, current, reason, new, actor, now, criteria))
        elif status in PENDING and verdict.held:
            await pg.set_status(conn, nid, "on_hold", held, now, held_from=status)
            await pg.audit(conn, nid, status, "on_hold", held, actor, now)
            messages.append(_event(dict(current), "held", "on_hold", held, now))
        elif status == "on_hold" and not verdict.held:
            back = current["held_from"] or ("needs_review" if verdict.review else "proposed")
            reason = "khiếu nại, tố cáo đã giải quyết xong, không có căn cứ: tiếp tục xét"
            await pg.set_status(conn, nid, back, reason, now)
            await pg.audit(conn, nid, "on_hold", back, reason, actor, now)
            messages.append(_event(dict(current), "released", back, reason, now))
    await enqueue(conn, messages)
    return created


async def _revoke(conn: asyncpg.Connection, current: asyncpg.Record, reason: str, evidence: list[str], actor: str,
                  now: datetime, criteria: list[dict[str, Any]] | None = None) -> Message:
    """Revoke a live nomination with the reason and the evidence behind it (and the criteria as now evaluated);
    its title stops counting."""
    nid = current["id"]
    ids = sorted(set(json.loads(current["evidence_ids"])) | set(evidence))
    await pg.set_status(conn, nid, "revoked", reason, now, evidence_ids=ids, criteria=criteria)
    await pg.audit(conn, nid, current["status"], "revoked", reason, actor, now)
    await pg.remove_title(conn, nid)
    return _event({**dict(current), "evidence_ids": ids, "criteria": criteria or current["criteria"]}, "revoked",
                  "revoked", reason, now)


def _row(nid: str, kind: str, subject: str, unit: str, year: int, verdict: Verdict, rules: AwardRules
         ) -> dict[str, Any]:
    return {"id": nid, "title": verdict.title, "year": year, "subject_kind": kind, "subject_id": subject,
            "unit_id": unit, "cash_multiple": cash_multiple(kind, verdict.title, rules), "rule_version": rules.version,
            "criteria": [{"code": c.code, "met": c.met, "reason": c.reason[:500]} for c in verdict.checks],
            "evidence_ids": verdict.evidence}


def _event(row: dict[str, Any], change: str, status: str, reason: str | None, now: datetime) -> Message:
    criteria = row["criteria"] if isinstance(row["criteria"], list) else json.loads(row["criteria"])
    evidence = row["evidence_ids"] if isinstance(row["evidence_ids"], list) else json.loads(row["evidence_ids"])
    event = NominationChanged(
        event_id=f"{row['id']}:{change}:{now.isoformat()}", nomination_id=row["id"], change=change,
        status=status, title=row["title"], year=row["year"], subject_kind=row["subject_kind"],
        subject_id=row["subject_id"], unit_id=row["unit_id"], cash_multiple=row["cash_multiple"],
        rule_version=row["rule_version"], criteria=[Criterion(**c) for c in criteria], evidence_ids=evidence,
        reason=reason[:500] if reason else None, occurred_at=now)
    return (topics.NOMINATIONS, row["unit_id"], event.model_dump_json(exclude_none=True).encode(), {})


class CloseRefused(Exception):
    """The year may not be closed yet (before the rating deadline of the rule file)."""


async def close_year(conn: asyncpg.Connection, year: int, *, rules: AwardRules, now: datetime, actor: str,
                     force: bool = False) -> list[str]:
    """Evaluate every unit's year-end titles and create the nominations met; closing twice creates nothing new.
    Before the rating deadline (domain.md §5) the close is refused unless forced."""
    refusal = close_refusal(year, now.astimezone(VN).date(), rules)
    if refusal and not force:
        raise CloseRefused(refusal)
    async with conn.transaction():
        await conn.execute("INSERT INTO closed_years VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", year, now,
                           rules.version)
        created: list[str] = []
        for unit in await pg.units_of_year(conn, year):
            created += await sync_unit_year(conn, unit, year, rules=rules, now=now, actor=actor, create=True)
        return created


class VoteRefused(Exception):
    """The session could not decide (no quorum, bad numbers) or the nomination is not open to a vote."""


async def vote(conn: asyncpg.Connection, nomination_id: str, *, members_total: int, members_present: int,
               votes_for: int, rules: AwardRules, now: datetime, actor: str) -> asyncpg.Record:
    """Record a council vote and decide the nomination by the thresholds and quorum of the rule file.

    actor names the voter in the audit row: role and token number, e.g. `council:token#12`. A session that cannot
    decide (no quorum, bad numbers) is audited too: that row is committed, then VoteRefused is raised."""
    undecided: str | None = None
    async with conn.transaction():
        row = await conn.fetchrow("SELECT * FROM nominations WHERE id = $1 FOR UPDATE", nomination_id)
        if row is None:
            raise KeyError(nomination_id)
        if row["status"] == "on_hold":
            raise VoteRefused("hồ sơ đang tạm dừng xét do có khiếu nại, tố cáo chưa giải quyết xong, không thể biểu "
                              "quyết (on hold until the complaint or denunciation is closed)")
        if row["status"] not in PENDING:
            raise VoteRefused(f"hồ sơ đang ở trạng thái {row['status']}, không thể biểu quyết")
        decision, reason = council_decision(row["title"], members_total, members_present, votes_for, rules)
        votes = {"members_total": members_total, "members_present": members_present, "votes_for": votes_for}
        if decision is None:
            await pg.audit(conn, nomination_id, row["status"], row["status"],
                           f"phiên họp không quyết định: {reason}", actor, now)
            undecided = reason
        else:
            await pg.set_status(conn, nomination_id, decision, reason, now, votes)
            await pg.audit(conn, nomination_id, row["status"], decision, reason, actor, now)
            if decision == "approved":
                await pg.add_title(conn, row["subject_kind"], row["subject_id"], row["year"], row["title"],
                                   nomination_id)
                # Streaks count approved titles: later closed years may now qualify (CSTĐ cấp tỉnh, Bằng khen).
                await _reevaluate(conn, {(row["unit_id"], row["year"] + 1)}, rules=rules, now=now)
            await enqueue(conn, [_event(dict(row), "decided", decision, reason, now)])
        updated = await conn.fetchrow("SELECT * FROM nominations WHERE id = $1", nomination_id)
        assert updated is not None
    if undecided is not None:
        raise VoteRefused(undecided)
    return updated


async def apply_standings(conn: asyncpg.Connection, events: Sequence[StandingChanged], *, rules: AwardRules,
                          now: datetime) -> None:
    """Keep each unit's and officer's year standing; send on-track / at-risk signals for the flag when they change.

    Standings of other periods (quarters, months, terms) are not for the awards. One transaction per call."""
    async with conn.transaction():
        yearly = [d for d in events if d.period.isdigit()]
        fresh = await inbox.claim(conn, [f"standings:{d.event_id}" for d in yearly])
        messages: list[Message] = []
        for d in yearly:
            key = f"standings:{d.event_id}"
            if key not in fresh:
                continue
            fresh.discard(key)  # the same event twice in one batch counts once
            year = int(d.period)
            if d.subject_kind == "officer":
                await pg.set_officer_score(conn, d.subject_id, year, d.score, d.event_id, d.occurred_at)
                continue
            await pg.set_standing(conn, d.unit_id, year, d.rank_in_cluster, d.band, d.score, d.event_id,
                                  d.occurred_at)
            for title, on_track in on_track_signals(d, rules).items():
                messages += await _signal(conn, d, year, title, on_track, now, rules)
        await enqueue(conn, messages)


SIGNAL_NAMES = {"co_thi_dua_tinh": "Cờ thi đua", "tap_the_lao_dong_xuat_sac": "Tập thể lao động xuất sắc",
                "tap_the_lao_dong_tien_tien": "Tập thể lao động tiên tiến"}


def on_track_signals(standing: StandingChanged, rules: AwardRules) -> dict[str, bool]:
    """During the year, from a unit's year standing: is each collective title within reach?"""
    band = standing.band
    return {"co_thi_dua_tinh": standing.rank_in_cluster == 1 and band == rules.flag_min_band,
            "tap_the_lao_dong_xuat_sac": band == "Tốt",
            "tap_the_lao_dong_tien_tien": band in ("Tốt", "Khá")}


async def _signal(conn: asyncpg.Connection, d: StandingChanged, year: int, title: str, on_track: bool,
                  now: datetime, rules: AwardRules) -> list[Message]:
    """An award_on_track / award_at_risk alert when the unit's state for title changes."""
    state = "on_track" if on_track else "at_risk"
    before = await conn.fetchval("SELECT state FROM signals WHERE unit_id = $1 AND year = $2 AND title = $3",
                                 d.unit_id, year, title)
    if before == state or (before is None and not on_track):
        return []  # only transitions, and no "at risk" for a unit that never was on track
    await conn.execute("INSERT INTO signals VALUES ($1, $2, $3, $4) ON CONFLICT (unit_id, year, title)"
                       " DO UPDATE SET state = EXCLUDED.state", d.unit_id, year, title, state)
    name = SIGNAL_NAMES[title]
    dossier, rating = deadline(year, rules.dossier_deadline), deadline(year, rules.rating_deadline)
    alert = Alert(
        alert_id=f"award_{state}:{d.unit_id}:{year}:{title}:{d.event_id}",
        condition_key=f"award_{state}:{d.unit_id}:{year}:{title}", kind=f"award_{state}",
        priority="low" if on_track else "normal", unit_id=d.unit_id, occurred_at=now, period=str(year),
        subject_id=title, title=(f"Đang đạt tiêu chí hướng tới {name}; nộp hồ sơ trước {dossier:%d/%m/%Y}" if on_track
                                 else f"Có nguy cơ không đạt {name}; hạn nộp hồ sơ {dossier:%d/%m/%Y}"),
        data={"rank_in_cluster": d.rank_in_cluster, "band": d.band, "score": d.score,
              "dossier_deadline": dossier.isoformat(), "rating_deadline": rating.isoformat()},
        rule_version=rules.version)
    return [(topics.ALERTS, d.unit_id, alert.model_dump_json(exclude_none=True).encode(), {})]
