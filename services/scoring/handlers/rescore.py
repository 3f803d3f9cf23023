"""Use case: rescore the subjects batches touched, re-rank their periods and publish what changed."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import orjson

from schemas import topics
from schemas.outputs import StandingChanged
from services.scoring.adapters import case_store, directory_store, score_store
from services.scoring.adapters.fact_memo import FactMemo
from services.scoring.domain.alerts import band_dropped, band_dropped_alert
from services.scoring.domain.calendar import calendar_note
from services.scoring.domain.clusters import ClusterMembership, cluster_at
from services.scoring.domain.judging import Affected
from services.scoring.domain.lineage import Lineage, Plan, plan, sum_counters, sum_inputs
from services.scoring.domain.memberships import listed_under, unit_at
from services.scoring.domain.officer_scorecard import OfficerInputs, officer_scorecard
from services.scoring.domain.periods import parse_period, period_fraction
from services.scoring.domain.rulebook import Rules
from services.scoring.domain.scorecard import CultureInputs, UnitScorecard, unit_scorecard
from services.scoring.handlers import QUARANTINED, alert_message
from thidua.runtime.outbox import Message, enqueue
from thidua.runtime.parking import describe, is_transient

log = logging.getLogger(__name__)


async def rescore_dirty(
    conn: asyncpg.Connection, *, rules: Rules, now: datetime, units: int = 20000, officers: int = 500
) -> list[tuple[str, datetime]]:
    """Recompute queued units, then some queued officers, each in one transaction; return (kind, waited since).

    Callers loop until nothing is returned (the service paces the kinds itself with Cadence and rescore_kind)."""
    waited = await rescore_kind(conn, "unit", rules=rules, now=now, limit=units)
    return waited + await rescore_kind(conn, "officer", rules=rules, now=now, limit=officers)


async def rescore_kind(
    conn: asyncpg.Connection, kind: str, *, rules: Rules, now: datetime, limit: int, memo: FactMemo | None = None
) -> list[tuple[str, datetime]]:
    """rescore_dirty for one kind (memo: what this rescorer read of the facts in earlier passes)."""
    memo = memo or FactMemo()
    try:
        return await _rescore_some(conn, kind, rules=rules, now=now, limit=limit, memo=memo)
    except Exception as exc:
        if is_transient(exc):
            raise
        log.warning("scoring: rescoring %d %s(s) failed (%s); isolating the subject at fault", limit, kind, exc)
    # The pass rolled back: one subject per transaction, and a subject that cannot be scored leaves the queue.
    waited: list[tuple[str, datetime]] = []
    for _ in range(limit):
        try:
            done = await _rescore_some(conn, kind, rules=rules, now=now, limit=1, memo=memo)
        except Exception as exc:
            if is_transient(exc):
                raise
            row = await score_store.drop_first_dirty(conn, kind)
            QUARANTINED.labels("rescore").inc()
            log.error(
                "scoring: %s %s cannot be scored for %s; left as it was: %s",
                kind,
                row and row["subject_id"],
                row and row["period"],
                describe(exc),
            )
            continue
        if not done:
            break
        waited += done
    return waited


async def _rescore_some(
    conn: asyncpg.Connection, kind: str, *, rules: Rules, now: datetime, limit: int, memo: FactMemo
) -> list[tuple[str, datetime]]:
    async with conn.transaction():
        rows = await score_store.take_dirty(conn, kind, limit)
        if not rows:
            return []
        affected = Affected()
        waited: dict[tuple[str, str], datetime] = {}  # each standing once, with its oldest evidence
        for r in rows:
            if r["subject_kind"] == "unit":
                affected.units.add((r["subject_id"], r["period"]))
            else:
                affected.officers.add((r["subject_id"], r["unit_id"], r["period"]))
            standing = (r["subject_id"], r["period"])
            waited[standing] = min(waited.get(standing, r["accepted_at"]), r["accepted_at"])
        await rescore(conn, affected, rules=rules, now=now, memo=memo)
        return [(kind, since) for since in waited.values()]


async def rescore(
    conn: asyncpg.Connection, affected: Affected, *, rules: Rules, now: datetime, memo: FactMemo | None = None
) -> None:
    """Recompute the scorecards of the affected subjects, then the standings of their periods (memo: the facts'
    sums a rescorer read in earlier passes, kept where no fact changed since)."""
    if not affected.units and not affected.officers:
        return
    memo = memo or FactMemo()
    book = rules.book
    # The lineage, read once per pass: a unit a period no longer lists has no row there, and the successor carrying
    # its evidence is scored with the evidence of every unit it combines (docs/contract.md, "Unit lineage").
    lineage = Lineage(await directory_store.reorganizations(conn) if affected.units else [], book.year_of_change)
    rows = plan(affected.units, lineage, _bounds)
    gone: list[tuple[str, str, str]] = [("unit", u, p) for u, p in sorted(rows.hidden)]
    every = {(m, p) for (_, p), members in rows.members.items() for m in members}
    counters = await case_store.counters_of(conn, "unit", every)
    by_period: defaultdict[str, list[str]] = defaultdict(list)
    for unit, period in sorted(rows.members):
        by_period[period].append(unit)
    unit_rows = []
    unranked: list[tuple[str, str]] = []
    clusters = await directory_store.cluster_timelines(conn, {u for u, _ in rows.members})
    # Officers' registrations once for every period of the pass (each period's headcount is read from them).
    timelines = await directory_store.timelines_of_units(conn, sorted({u for u, _ in every}))
    # Every period's culture inputs in one read (one per period was ten round trips a pass, each waiting its turn
    # in the event loop beside the consumer's batches), the facts' sums read only for units whose facts changed.
    culture = await memo.culture_inputs_of_periods(
        conn,
        {
            label: (parse_period(label), sorted({m for u in units for m in rows.members[(u, label)]}))
            for label, units in by_period.items()
        },
        sorted(book.culture.training_topics),
        book.culture.finding_weights,
        timelines,
    )
    for label, units in by_period.items():
        end = parse_period(label).end
        inputs = culture[label]
        for unit in units:
            members = rows.members[(unit, label)]
            got = sum_counters([counters[(m, label)] for m in members])
            x = sum_inputs([inputs[m] for m in members])
            if not _has_evidence(got) and not (x["trained"] or x["inspections"] or x["disciplined"]):
                gone.append(("unit", unit, label))  # e.g. its only evidence was retracted
                continue
            card = unit_scorecard(unit, label, got, _culture_inputs(x), book)
            if card.score is None:
                unranked.append((unit, label))  # listed as "chưa đủ dữ liệu", never on the leaderboard
            # Ranked in the cluster it belonged to at the period's end (a later move leaves the period as it was).
            member = cluster_at(clusters.get(unit, ()), end)
            unit_rows.append(_unit_row(card, rules, lineage_of(rows, unit, label, book.year_of_change), member))
    await score_store.save_unit_scores(conn, unit_rows, now)
    officers_unranked: list[tuple[str, str]] = []
    officer_rows = await _officer_rows(conn, affected, rules, gone, officers_unranked, memo)
    await score_store.forget_scores(conn, gone)
    await score_store.forget_standings(conn, "unit", unranked)
    await score_store.forget_standings(conn, "officer", officers_unranked)
    await score_store.save_officer_scores(conn, officer_rows, now)
    messages: list[Message] = []
    # Only the kinds rescored are re-ranked: a unit pass must not rank thousands of officers.
    if affected.units:
        messages += await _publish_changes(conn, "unit", sorted({p for _, p in affected.units}), rules, now)
    if affected.officers:
        messages += await _publish_changes(conn, "officer", sorted({p for _, _, p in affected.officers}), rules, now)
    await enqueue(conn, messages)


def _culture_inputs(x: Mapping[str, float]) -> CultureInputs:
    """A unit's summed culture inputs for the scorecard."""
    return CultureInputs(
        int(x["officers"]),
        int(x["trained"]),
        x["findings"],
        int(x["inspections"]),
        int(x["disciplined"]),
        int(x["procedures"]),
        int(x["procedures_online"]),
        int(x["procedures_published"]),
    )


def _unit_row(
    card: UnitScorecard, rules: Rules, lineage: Mapping[str, Any], member: ClusterMembership | None
) -> tuple[Any, ...]:
    """The unit_scores row of a scorecard: the card as sent (calendar and lineage added), its cluster of the period."""
    label = card.period
    body = {**card.as_json(), "calendar": calendar_of(rules, label), **lineage}
    cluster = (member.cluster_id, member.cluster_name) if member else (None, None)
    return (
        card.unit_id,
        label,
        card.score,
        card.band,
        card.service_index,
        card.culture_index,
        rules.book.version,
        orjson.dumps(body).decode(),
        *cluster,
    )


def _bounds(label: str) -> tuple[datetime, datetime]:
    p = parse_period(label)
    return p.start, p.end


def lineage_of(rows: Plan, unit: str, label: str, mode: str) -> dict[str, Any]:
    """What the card keeps of its lineage: the predecessors its figures combine (read by the standings and the
    scorecard's `lineage`) and the rule file's choice they were combined under."""
    combined = rows.predecessors(unit, label)
    return {"combined": combined, "year_of_change": mode} if combined else {}


_NOTES: dict[tuple[int, str], tuple[object, dict[str, Any]]] = {}
"""calendar_of's notes by (calendar, period), each kept beside its calendar (so that id is not reused meanwhile)."""


def calendar_of(rules: Rules, label: str) -> dict[str, Any]:
    """The scorecard's calendar note: whether the period's clocks can reach a year judged on a provisional
    calendar (no official file yet)."""
    key = (id(rules.calendar), label)
    found = _NOTES.get(key)
    if found is None or found[0] is not rules.calendar:
        if len(_NOTES) >= 4096:  # periods are few; many rule versions over a long life must not grow it for ever
            _NOTES.clear()
        p = parse_period(label)
        found = _NOTES[key] = (
            rules.calendar,
            calendar_note(rules.calendar, p.start.date(), (p.end - timedelta(days=1)).date()),
        )
    return dict(found[1])  # a copy: callers embed it in cards


def _has_evidence(counters: dict[str, tuple[float, float]]) -> bool:
    """A subject is scored in a period only when some evidence of the period counts."""
    return any(num or den for num, den in counters.values())


async def _officer_rows(
    conn: asyncpg.Connection,
    affected: Affected,
    rules: Rules,
    gone: list[tuple[str, str, str]],
    unranked: list[tuple[str, str]],
    memo: FactMemo,
) -> list[tuple[Any, ...]]:
    if not affected.officers:
        return []
    officers = sorted({o for o, _, _ in affected.officers})
    timelines = await directory_store.timelines(conn, officers)
    counters, sent_under = await case_store.officer_counters(conn, {(o, p) for o, _, p in affected.officers})
    by_period: defaultdict[str, set[str]] = defaultdict(set)
    for officer, unit, period in affected.officers:
        by_period[period].add(officer)
        sent_under[(officer, period)].add(unit)
    rows = []
    inputs = await memo.officer_inputs_of_periods(
        conn, {label: (parse_period(label), sorted(members)) for label, members in by_period.items()}
    )
    for label, members in by_period.items():
        bounds = parse_period(label)
        facts = inputs[label]
        for n, officer in enumerate(sorted(members)):
            if n % 256 == 255:
                await asyncio.sleep(0)  # thousands of scorecards: let the consumers and the unit pass run between
            got = counters[(officer, label)]
            hours, disciplined = facts[officer]
            if not _has_evidence(got) and not hours and not disciplined:
                gone.append(("officer", officer, label))
                continue
            card = officer_scorecard(
                officer,
                label,
                OfficerInputs(
                    got.get("on_time", (0.0, 0.0)),
                    hours,
                    got.get("conduct_substantiated", (0.0, 0.0))[0],
                    disciplined,
                    period_fraction(label),
                ),
                rules.book,
            )
            if card.weight_covered < rules.book.officer.min_ranked_coverage:
                unranked.append((officer, label))  # listed with its coverage, never ranked above a full record
            rows.append(
                (
                    officer,
                    # The unit it belonged to at the period's end, when evidence of the period was sent under it.
                    listed_under(unit_at(timelines.get(officer, ()), bounds.end), sent_under[(officer, label)]),
                    label,
                    card.score,
                    card.band,
                    rules.version,
                    orjson.dumps({**card.as_json(), "calendar": calendar_of(rules, label)}).decode(),
                )
            )
    return rows


async def _publish_changes(
    conn: asyncpg.Connection, kind: str, periods: list[str], rules: Rules, now: datetime
) -> list[Message]:
    """standings.changed.v1 for every subject whose score, band or rank moved; alerts for band drops."""
    changed = []
    messages: list[Message] = []
    order = [name for name, _ in rules.book.bands]
    for n, r in enumerate(await score_store.ranked(conn, kind, periods, rules.book.officer.min_ranked_coverage)):
        if n % 256 == 255:
            await asyncio.sleep(0)  # thousands of officers' standings: the consumer and the unit pass run between
        score = round(float(r["score"]), 2)
        old_score = None if r["old_score"] is None else round(float(r["old_score"]), 2)
        same = (
            old_score == score
            and r["old_band"] == r["band"]
            and r["old_rank_in_cluster"] == r["rank_in_cluster"]
            and r["old_rank_in_province"] == r["rank_in_province"]
            and r["old_cluster_id"] == r["cluster_id"]  # a unit moved with the same rank is published too
        )
        if same:
            continue
        changed.append(
            (
                r["subject_id"],
                r["period"],
                r["unit_id"],
                r["cluster_id"],
                score,
                r["band"],
                r["rank_in_cluster"],
                r["rank_in_province"],
                r["rule_version"],
                r["old_rank_in_cluster"],
                r["old_rank_in_province"],
                old_score,
                r["old_band"],
            )
        )
        event = StandingChanged(
            event_id=f"{kind}:{r['subject_id']}:{r['period']}:{now.isoformat()}",
            occurred_at=now,
            period=r["period"],
            subject_kind=kind,
            subject_id=r["subject_id"],
            unit_id=r["unit_id"],
            cluster_id=r["cluster_id"] if kind == "unit" else None,
            score=score,
            band=r["band"],
            rank_in_cluster=r["rank_in_cluster"],
            rank_in_province=r["rank_in_province"],
            previous_rank_in_cluster=r["old_rank_in_cluster"],
            previous_rank_in_province=r["old_rank_in_province"],
            previous_score=old_score,
            previous_band=r["old_band"],
            rule_version=r["rule_version"],
            calendar_provisional=True if calendar_of(rules, r["period"])["provisional"] else None,
        )
        messages.append(
            (topics.STANDINGS_CHANGED, r["subject_id"], event.model_dump_json(exclude_none=True).encode(), {})
        )
        if kind == "unit" and band_dropped(r["old_band"], r["band"], order):
            messages.append(
                alert_message(
                    band_dropped_alert(
                        r["unit_id"], r["period"], score, old_score, r["band"], r["old_band"], r["rule_version"], now
                    )
                )
            )
    await score_store.save_standings(conn, kind, changed, now)
    return messages
