"""HTTP face of the evidence behind one indicator of a unit's scorecard: counts, facts or the cases counted."""

import json
from datetime import timedelta
from typing import Any

import asyncpg
from fastapi import APIRouter

from schemas.http.scoring import IndicatorEvents
from schemas.lineage import combined_units
from schemas.vietnam import VN_TZ
from services.scoring import views
from services.scoring.domain.calendar import calendar_note
from services.scoring.domain.judging import case_view, contribution
from services.scoring.domain.rulebook import Rules
from services.scoring.domain.scorecard import evidence_behind
from services.scoring.web import Caller, Service, known_period
from thidua.runtime.http import refuse
from thidua.runtime.policy import may_see_officers

router = APIRouter(prefix="/v1", tags=["scoring"])


@router.get(
    "/units/{unit_id}/scorecard/events",
    response_model=IndicatorEvents,
    response_model_exclude_unset=True,
    summary="The evidence behind one indicator of a unit's scorecard "
    "(public: counts only for records about named officers; the unit's token, council or admin: the events)",
)
async def indicator_events(
    unit_id: str, period: str, indicator: str, service: Service, principal: Caller = None
) -> dict[str, Any]:
    p = await known_period(service, period)
    asked = {"unit_id": unit_id, "period": period, "indicator": indicator}
    async with service.runtime.pool.acquire() as conn:
        rules = await service.cache.active(conn)
        # Whether the clocks behind these numbers can reach a year judged on a provisional calendar.
        note = calendar_note(rules.calendar, p.start.date(), (p.end - timedelta(days=1)).date())
        behind = evidence_behind(rules.book)  # the rulebook's indicators, then the office-culture parts
        if indicator not in behind:
            raise refuse(422, "unknown indicator", "indicator", "one of: " + ", ".join(behind))
        kind = behind[indicator].fact_kind
        # The unit and the predecessors its period combines (their evidence is in its figures).
        changes = await views.reorganizations(conn)
        units = sorted(combined_units(unit_id, p.start, p.end, changes, rules.book.year_of_change))
        if kind is not None and not may_see_officers(principal, unit_id):
            # Trainings, inspections and disciplinary decisions name officers: the public sees counts only.
            counts = await views.fact_counts(conn, units, kind, p, VN_TZ.key)
            return asked | {
                "count": sum(r["n"] for r in counts),
                "by_month": {r["month"]: r["n"] for r in counts},
                "events": None,
                "restricted": "officer records need the unit's token, council or admin",
                "calendar": note,
            }
        if kind is not None:
            found = await views.facts(conn, units, kind, p)
            return asked | {"events": [_fact(r, unit_id) for r in found], "calendar": note}
        rows = await views.unit_cases(conn, units, p)
    counters = behind[indicator].counters
    cases = _cases(rows, unit_id, period, counters, rules)
    return asked | {"rule_version": rules.version, "cases": cases, "calendar": note}


def _fact(r: asyncpg.Record, unit_id: str) -> dict[str, Any]:
    """One fact behind the indicator; a predecessor's names the unit it was sent under."""
    return {
        "event_id": r["event_id"],
        "source": r["source"],
        **({"unit_id": r["unit_id"]} if r["unit_id"] != unit_id else {}),
        "officer_id": r["officer_id"],
        "at": r["at"],
        "data": json.loads(r["data"]),
    }


def _cases(
    rows: list[asyncpg.Record], unit_id: str, period: str, counters: tuple[str, ...], rules: Rules
) -> list[dict[str, Any]]:
    """The cases that count in the indicator's counters, with their share and the events behind them."""
    cases = []
    for r in rows:
        owner = r["unit_id"]
        view = case_view(r["kind"], owner, r["case_id"], json.loads(r["state"]))
        tally = contribution(view, r["as_of"], rules)
        for counter in counters:
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
    return cases
