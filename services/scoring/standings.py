"""Rescore the subjects a batch touched, re-rank their periods and publish what changed."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

import asyncpg

from schemas import topics
from schemas.outputs import Alert, StandingChanged
from services.scoring.adapters import postgres as pg
from services.scoring.domain.periods import STAGE, parse_period
from services.scoring.domain.scorecard import CultureInputs, OfficerInputs, officer_scorecard, unit_scorecard
from services.scoring.rules import Rules
from thidua.runtime.outbox import Message, enqueue

if TYPE_CHECKING:
    from services.scoring.handlers import Affected



def period_fraction(label: str) -> float:
    """Length of a period in years, to prorate yearly targets."""
    if label == STAGE:
        return 7.0
    if "-Q" in label:
        return 0.25
    if "-" in label:
        return 1 / 12
    return 1.0


async def rescore(conn: asyncpg.Connection, affected: Affected, *, rules: Rules, now: datetime) -> None:
    """Recompute the scorecards of the affected subjects, then the standings of their periods."""
    if not affected.units and not affected.officers:
        return
    book = rules.book
    counters = await pg.counters_of(conn, "unit", affected.units)
    by_period: defaultdict[str, list[str]] = defaultdict(list)
    for unit, period in sorted(affected.units):
        by_period[period].append(unit)
    unit_rows = []
    gone: list[tuple[str, str, str]] = []
    unranked: list[tuple[str, str]] = []
    for label, units in by_period.items():
        inputs = await pg.culture_inputs(conn, parse_period(label), units, sorted(book.culture.training_topics),
                                         book.culture.finding_weights)
        for unit in units:
            x = inputs[unit]
            if not _has_evidence(counters[(unit, label)]) and not (x["trained"] or x["inspections"]
                                                                    or x["disciplined"]):
                gone.append(("unit", unit, label))  # e.g. its only evidence was retracted
                continue
            card = unit_scorecard(unit, label, counters[(unit, label)],
                                  CultureInputs(int(x["officers"]), int(x["trained"]), x["findings"],
                                                int(x["inspections"]), int(x["disciplined"]), int(x["procedures"]),
                                                int(x["procedures_online"]), int(x["procedures_published"])), book)
            if card.score is None:
                unranked.append((unit, label))  # listed as "chưa đủ dữ liệu", never on the leaderboard
            unit_rows.append((unit, label, card.score, card.band, card.service_index, card.culture_index, book.version,
                              json.dumps(card.as_json(), ensure_ascii=False)))
    await pg.save_unit_scores(conn, unit_rows, now)
    officers_unranked: list[tuple[str, str]] = []
    officer_rows = await _officer_rows(conn, affected, rules, gone, officers_unranked)
    await pg.forget_scores(conn, gone)
    await pg.forget_standings(conn, "unit", unranked)
    await pg.forget_standings(conn, "officer", officers_unranked)
    await pg.save_officer_scores(conn, officer_rows, now)
    messages: list[Message] = []
    # Only the kinds rescored are re-ranked: a unit pass must not rank thousands of officers.
    if affected.units:
        messages += await _publish_changes(conn, "unit", sorted({p for _, p in affected.units}), rules, now)
    if affected.officers:
        messages += await _publish_changes(conn, "officer", sorted({p for _, _, p in affected.officers}), rules, now)
    await enqueue(conn, messages)


def _has_evidence(counters: dict[str, tuple[float, float]]) -> bool:
    """A subject is scored in a period only when some evidence of the period counts."""
    return any(num or den for num, den in counters.values())


async def _officer_rows(conn: asyncpg.Connection, affected: Affected, rules: Rules,
                        gone: list[tuple[str, str, str]], unranked: list[tuple[str, str]]) -> list[tuple[Any, ...]]:
    if not affected.officers:
        return []
    officers = sorted({o for o, _, _ in affected.officers})
    homes = await pg.officer_units(conn, officers)
    counters = await pg.counters_of(conn, "officer", {(o, p) for o, _, p in affected.officers})
    by_period: defaultdict[str, set[str]] = defaultdict(set)
    fallback: dict[str, str] = {}
    for officer, unit, period in affected.officers:
        by_period[period].add(officer)
        fallback.setdefault(officer, unit)
    rows = []
    for label, members in by_period.items():
        facts = await pg.officer_inputs(conn, parse_period(label), sorted(members))
        for officer in sorted(members):
            got = counters[(officer, label)]
            hours, disciplined = facts[officer]
            if not _has_evidence(got) and not hours and not disciplined:
                gone.append(("officer", officer, label))
                continue
            card = officer_scorecard(officer, label, OfficerInputs(
                got.get("on_time", (0.0, 0.0)), hours, got.get("conduct_substantiated", (0.0, 0.0))[0], disciplined,
                period_fraction(label)), rules.book)
            if card.weight_covered < rules.book.officer.min_ranked_coverage:
                unranked.append((officer, label))  # listed with its coverage, never ranked above a full record
            rows.append((officer, homes.get(officer, fallback[officer]), label, card.score, card.band,
                         rules.version, json.dumps(card.as_json(), ensure_ascii=False)))
    return rows


async def _publish_changes(conn: asyncpg.Connection, kind: str, periods: list[str], rules: Rules, now: datetime
                           ) -> list[Message]:
    """standings.changed.v1 for every subject whose score, band or rank moved; alerts for band drops."""
    changed = []
    messages: list[Message] = []
    order = [name for name, _ in rules.book.bands]
    for r in await pg.ranked(conn, kind, periods, rules.book.officer.min_ranked_coverage):
        score = round(float(r["score"]), 2)
        old_score = None if r["old_score"] is None else round(float(r["old_score"]), 2)
        same = (old_score == score and r["old_band"] == r["band"] and r["old_rank_in_cluster"] == r["rank_in_cluster"]
                and r["old_rank_in_province"] == r["rank_in_province"])
        if same:
            continue
        changed.append((r["subject_id"], r["period"], r["unit_id"], r["cluster_id"], score, r["band"],
                        r["rank_in_cluster"], r["rank_in_province"], r["rule_version"], r["old_rank_in_cluster"],
                        r["old_rank_in_province"], old_score, r["old_band"]))
        event = StandingChanged(
            event_id=f"{kind}:{r['subject_id']}:{r['period']}:{now.isoformat()}", occurred_at=now, period=r["period"],
            subject_kind=kind, subject_id=r["subject_id"], unit_id=r["unit_id"],
            cluster_id=r["cluster_id"] if kind == "unit" else None, score=score, band=r["band"],
            rank_in_cluster=r["rank_in_cluster"], rank_in_province=r["rank_in_province"],
            previous_rank_in_cluster=r["old_rank_in_cluster"], previous_rank_in_province=r["old_rank_in_province"],
            previous_score=old_score, previous_band=r["old_band"], rule_version=r["rule_version"])
        messages.append((topics.STANDINGS_CHANGED, r["subject_id"], event.model_dump_json(exclude_none=True).encode(),
                         {}))
        dropped = (r["old_band"] in order and r["band"] in order
                   and order.index(r["band"]) > order.index(r["old_band"]))
        if kind == "unit" and dropped:
            alert = Alert(
                alert_id=f"band_dropped:{r['unit_id']}:{r['period']}:{now.isoformat()}",
                condition_key=f"band_dropped:{r['unit_id']}:{r['period']}:{r['band']}", kind="band_dropped",
                priority="high", unit_id=r["unit_id"], occurred_at=now, period=r["period"],
                title=f"Xếp loại giảm từ {r['old_band']} xuống {r['band']}",
                data={"score": score, "previous_score": old_score, "band": r["band"], "previous_band": r["old_band"]},
                rule_version=r["rule_version"])
            messages.append((topics.ALERTS, r["unit_id"], alert.model_dump_json(exclude_none=True).encode(), {}))
    await pg.save_standings(conn, kind, changed, now)
    return messages
