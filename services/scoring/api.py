"""HTTP face of scoring: standings, scorecards and the events behind every number."""

import json
from datetime import timedelta
from typing import Annotated, Any, Literal

import asyncpg
from fastapi import APIRouter, Depends, Query

from schemas.lineage import Reorganization, ceased, combined_units, listed
from schemas.vietnam import VN_TZ
from services.scoring import views
from services.scoring.adapters.rulefiles import RulesCache
from services.scoring.domain.calendar import calendar_note
from services.scoring.domain.judging import case_view, contribution
from services.scoring.domain.lineage import ended_message, lineage_json, lineage_units
from services.scoring.domain.next_band import MAX_SUCCESSES, inputs_from_card, what_it_takes
from services.scoring.domain.periods import Period, Stages, parse_period
from services.scoring.domain.rulebook import Movement, build_rulebook
from services.scoring.domain.scorecard import INSUFFICIENT, evidence_behind
from thidua.runtime.auth import Principal
from thidua.runtime.http import ApiError, bearer
from thidua.runtime.policy import may_see_officer, may_see_officers, officer_denial
from thidua.runtime.service import Runtime


def _period(label: str, stages: Stages) -> Period:
    try:
        return parse_period(label, stages)
    except ValueError as exc:
        raise ApiError(422, "invalid period", [{"field": "period", "message": str(exc)}]) from exc


def movement_json(m: Movement) -> dict[str, Any]:
    """A configured movement as the API lists it: its period label and its stages' (unconfirmed dates marked)."""
    return {
        "code": m.code,
        "name": m.name,
        "source": m.source,
        "period": m.label,
        "closed": m.closed,
        "titles": list(m.titles),
        "indicators": list(m.indicators),
        "stages": [{"name": s.name, "period": s.label, "confirmed": s.confirmed} for s in m.stages],
    }


def _found(row: asyncpg.Record | None, unit_id: str, period: str) -> asyncpg.Record:
    """A unit's stored scorecard, or 404 as every scorecard endpoint answers without one."""
    if row is None:
        raise ApiError(
            404,
            "no score for this unit and period",
            [{"field": "unit_id", "message": f"{unit_id} has no evidence in {period}"}],
        )
    return row


async def _listed_card(
    conn: asyncpg.Connection, unit_id: str, period: Period, cache: RulesCache
) -> tuple[asyncpg.Record, list[Reorganization]]:
    """A unit's stored scorecard and the reorganizations; 404 naming what the unit became when the period no
    longer lists it (folded into a successor, split, dissolved), else 404 without a score."""
    changes = await views.reorganizations(conn)
    ended = ceased(unit_id, changes)
    if ended is not None:
        mode = (await cache.active(conn)).book.year_of_change
        if not listed(unit_id, period.start, period.end, changes, mode):
            names = await views.unit_names(conn, ended.successors)
            raise ApiError(
                404,
                "unit not listed in this period",
                [
                    {"field": "unit_id", "message": ended_message(unit_id, ended, period.label, names)}
                    # A machine-readable pointer for readers such as the dashboard (one successor per item).
                    | ({"successor": ended.successors[0]} if len(ended.successors) == 1 else {})
                ],
            )
    return _found(await views.unit_card(conn, unit_id, period.label), unit_id, period.label), changes


def router(runtime: Runtime, cache: RulesCache) -> APIRouter:
    """The scoring endpoints, bound to the service's runtime."""
    api = APIRouter(prefix="/v1", tags=["scoring"])

    optional_caller = bearer(runtime)

    async def known_period(label: str) -> Period:
        """The period, a stage only of the active rulebook's movements; 422 naming `period` otherwise."""
        async with runtime.pool.acquire() as conn:
            rules = await cache.active(conn)
        return _period(label, rules.book.stages)

    @api.get("/standings", summary="Ranked units (public) or officers (the unit's token, council or admin)")
    async def standings(
        period: str,
        cluster: str | None = None,
        subject: Annotated[Literal["unit", "officer"], Query()] = "unit",
        unit: str | None = None,
        principal: Annotated[Principal | None, Depends(optional_caller)] = None,
    ) -> dict[str, Any]:
        await known_period(period)
        if subject == "officer" and not may_see_officers(principal, unit):
            status, error, message = officer_denial(principal)
            raise ApiError(status, error, [{"field": "Authorization", "message": message}])
        by_group = cluster if subject == "unit" else unit
        async with runtime.pool.acquire() as conn:
            rows = await views.standings(conn, subject, period, by_group or None)
            rules = await cache.active(conn)
            unranked = [] if subject != "unit" else await views.unranked_units(conn, period, cluster)
        return {
            "period": period,
            "subject": subject,
            "cluster": cluster,
            "unit": unit,
            "rule_version": rows[0]["rule_version"] if rows else rules.version,
            "as_of": max((r["changed_at"] for r in rows), default=None),
            "rows": [
                {
                    "rank": r["rank"],
                    "subject_id": r["subject_id"],
                    "name": r["name"],
                    "score": r["score"],
                    "band": r["band"],
                    "previous_rank": r["previous_rank"],
                    "unit_id": r["unit_id"],
                    "cluster_id": r["cluster_id"],
                    "cluster_name": r["cluster_name"],
                    # Units: the predecessors this row combines (issue 24), [] when none; officers: absent.
                    **({"predecessors": json.loads(r["predecessors"] or "[]")} if subject == "unit" else {}),
                }
                for r in rows
            ],
            # Not ranked: too few dossiers for the service index (rulebook index.min_dossiers).
            "unranked": [
                {
                    "subject_id": r["unit_id"],
                    "name": r["name"],
                    "cluster_id": r["cluster_id"],
                    "status": "insufficient_data",
                    "status_label": INSUFFICIENT,
                    "dossiers": r["dossiers"],
                    "min_dossiers": rules.book.min_dossiers,
                }
                for r in unranked
            ],
        }

    @api.get("/units/{unit_id}/scorecard", summary="Every indicator of a unit with the counts behind it")
    async def unit_scorecard(unit_id: str, period: str) -> dict[str, Any]:
        p = await known_period(period)
        async with runtime.pool.acquire() as conn:
            row, changes = await _listed_card(conn, unit_id, p, cache)
            card = json.loads(row["card"])
            combined = card.pop("combined", [])
            mode = card.pop("year_of_change", None)
            lineage = None
            if changes:
                mode = mode or (await cache.active(conn)).book.year_of_change
                names = await views.unit_names(conn, lineage_units(unit_id, changes))
                lineage = lineage_json(unit_id, changes, names, combined, mode)
        return {
            **card,
            "name": row["name"],
            "cluster_id": row["cluster_id"],
            "cluster_name": row["cluster_name"],
            "as_of": row["updated_at"],
            **({"lineage": lineage} if lineage is not None else {}),
        }

    @api.get(
        "/units/{unit_id}/scorecard/next-band",
        summary="What it takes to reach the next band: per indicator of the unit's scorecard, whether it is capped and "
        "the fewest more successes this period that alone lift the unit there (public, unit-level figures only)",
    )
    async def next_band(unit_id: str, period: str) -> dict[str, Any]:
        p = await known_period(period)
        async with runtime.pool.acquire() as conn:
            row, _ = await _listed_card(conn, unit_id, p, cache)
            card = json.loads(row["card"])
            book = (await cache.active(conn)).book
            if card["rule_version"] != book.version:  # scored under an earlier rulebook: answer under that one
                content = await views.rulebook_content(conn, card["rule_version"])
                if content is None:
                    raise ApiError(503, "the rulebook this scorecard was computed under is not stored")
                book = build_rulebook(json.loads(content))
        answer = what_it_takes(unit_id, period, inputs_from_card(card, book), book)
        return {
            **answer.as_json(),
            "name": row["name"],
            "cluster_id": row["cluster_id"],
            "as_of": row["updated_at"],
            "max_successes": MAX_SUCCESSES,
        }

    @api.get(
        "/units/{unit_id}/scorecard/events",
        summary="The evidence behind one indicator of a unit's scorecard "
        "(public: counts only for records about named officers; the unit's token, council or admin: the events)",
    )
    async def indicator_events(
        unit_id: str,
        period: str,
        indicator: str,
        principal: Annotated[Principal | None, Depends(optional_caller)] = None,
    ) -> dict[str, Any]:
        p = await known_period(period)
        async with runtime.pool.acquire() as conn:
            rules = await cache.active(conn)
            # Whether the clocks behind these numbers can reach a year judged on a provisional calendar.
            note = calendar_note(rules.calendar, p.start.date(), (p.end - timedelta(days=1)).date())
            behind = evidence_behind(rules.book)  # the rulebook's indicators, then the office-culture parts
            if indicator not in behind:
                raise ApiError(
                    422, "unknown indicator", [{"field": "indicator", "message": "one of: " + ", ".join(behind)}]
                )
            kind = behind[indicator].fact_kind
            # The unit and the predecessors its period combines (their evidence is in its figures).
            changes = await views.reorganizations(conn)
            units = sorted(combined_units(unit_id, p.start, p.end, changes, rules.book.year_of_change))
            if kind is not None and not may_see_officers(principal, unit_id):
                # Trainings, inspections and disciplinary decisions name officers: the public sees counts only.
                counts = await views.fact_counts(conn, units, kind, p, VN_TZ.key)
                return {
                    "unit_id": unit_id,
                    "period": period,
                    "indicator": indicator,
                    "count": sum(r["n"] for r in counts),
                    "by_month": {r["month"]: r["n"] for r in counts},
                    "events": None,
                    "restricted": "officer records need the unit's token, council or admin",
                    "calendar": note,
                }
            if kind is not None:
                found = await views.facts(conn, units, kind, p)
                items = [
                    {
                        "event_id": r["event_id"],
                        "source": r["source"],
                        **({"unit_id": r["unit_id"]} if r["unit_id"] != unit_id else {}),
                        "officer_id": r["officer_id"],
                        "at": r["at"],
                        "data": json.loads(r["data"]),
                    }
                    for r in found
                ]
                return {
                    "unit_id": unit_id,
                    "period": period,
                    "indicator": indicator,
                    "events": items,
                    "calendar": note,
                }
            rows = await views.unit_cases(conn, units, p)
        cases = []
        for r in rows:
            owner = r["unit_id"]
            view = case_view(r["kind"], owner, r["case_id"], json.loads(r["state"]))
            tally = contribution(view, r["as_of"], rules)
            for counter in behind[indicator].counters:
                num, den = tally.get(("unit", owner, owner, period, counter), (0.0, 0.0))
                if den:
                    cases.append(
                        {
                            "case": f"{r['kind']}:{r['case_id']}",
                            # A predecessor's case counted in this unit's figures names the unit it was sent under.
                            **({"unit_id": owner} if owner != unit_id else {}),
                            "counter": counter,
                            "numerator": num,
                            "denominator": den,
                            "events": list(view.event_keys),
                        }
                    )
        return {
            "unit_id": unit_id,
            "period": period,
            "indicator": indicator,
            "rule_version": rules.version,
            "cases": cases,
            "calendar": note,
        }

    @api.get("/officers/{officer_id}/scorecard", summary="An officer's evidence-based score (token required)")
    async def officer_scorecard(
        officer_id: str, period: str, principal: Annotated[Principal | None, Depends(optional_caller)] = None
    ) -> dict[str, Any]:
        await known_period(period)
        async with runtime.pool.acquire() as conn:
            row = await views.officer_card(conn, officer_id, period)
            # Without a score in the period the directory says whose officer it is (the unit may ask).
            home = row["unit_id"] if row else await views.officer_home(conn, officer_id)
        if not may_see_officer(principal, officer_id, home):  # the officer's own token too
            status, error, message = officer_denial(principal)
            raise ApiError(status, error, [{"field": "Authorization", "message": message}])
        if row is None:
            raise ApiError(
                404,
                "no score for this officer and period",
                [{"field": "officer_id", "message": f"no evidence in {period}"}],
            )
        return {
            **json.loads(row["card"]),
            "unit_id": row["unit_id"],
            "name": row["full_name"],
            "as_of": row["updated_at"],
        }

    @api.get(
        "/rulebook",
        summary="The active rulebook (indicators, weights, bands, calendar, movements and their stages)",
    )
    async def rulebook() -> dict[str, Any]:
        async with runtime.pool.acquire() as conn:
            row = await views.active_rulebook(conn)
        if row is None:
            raise ApiError(503, "no rulebook active yet")
        content = json.loads(row["content"])
        book = build_rulebook(content)
        return {
            "version": row["version"],
            "activated_at": row["activated_at"],
            "content": content,
            # The periods the movements add (GET /v1/standings?period=): every stage label, then each movement's.
            "stages": sorted(book.stages.labels),
            "movements": [movement_json(m) for m in book.movements],
        }

    return api
