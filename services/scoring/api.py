"""HTTP face of scoring: standings, scorecards and the events behind every number."""

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from services.scoring import handlers
from services.scoring.domain.periods import Period, parse_period
from services.scoring.rules import RulesCache
from thidua.runtime.auth import Principal
from thidua.runtime.http import ApiError, bearer
from thidua.runtime.policy import may_see_officers, officer_denial
from thidua.runtime.service import Runtime

# Scorecard indicator -> the counters whose cases explain it.
CASE_COUNTERS = {"on_time": ["on_time"], "online_submission": ["online_submission"],
                 "online_payment": ["online_payment"], "digitised": ["digitised"], "data_reuse": ["data_reuse"],
                 "dossier_satisfaction": ["dossier_ok"], "pakn_on_time": ["pakn_on_time"],
                 "pakn_satisfaction": ["pakn_ok"], "conduct_complaints": ["conduct_substantiated"],
                 "result_publication": ["result_publication"]}
FACT_KINDS = {"training_share": "training", "inspection_findings": "inspection", "discipline": "discipline",
              "procedures_published": "catalogue", "online_service_coverage": "catalogue"}


def _period(label: str) -> Period:
    try:
        return parse_period(label)
    except ValueError as exc:
        raise ApiError(422, "invalid period", [{"field": "period", "message": str(exc)}]) from exc


def router(runtime: Runtime, cache: RulesCache) -> APIRouter:
    """The scoring endpoints, bound to the service's runtime."""
    api = APIRouter(prefix="/v1", tags=["scoring"])

    optional_caller = bearer(runtime)

    @api.get("/standings", summary="Ranked units (public) or officers (the unit's token, council or admin)")
    async def standings(period: str, cluster: str | None = None,
                        subject: Annotated[Literal["unit", "officer"], Query()] = "unit",
                        unit: str | None = None,
                        principal: Annotated[Principal | None, Depends(optional_caller)] = None) -> dict[str, Any]:
        _period(period)
        if subject == "officer" and not may_see_officers(principal, unit):
            status, error, message = officer_denial(principal)
            raise ApiError(status, error, [{"field": "Authorization", "message": message}])
        by_group = cluster if subject == "unit" else unit
        rank, previous = ("rank_in_cluster", "previous_rank_in_cluster") if by_group else (
            "rank_in_province", "previous_rank_in_province")
        where = "s.subject_kind = $1 AND s.period = $2"
        if by_group:
            where += " AND s.cluster_id = $3" if subject == "unit" else " AND s.unit_id = $3"
        name = "u.name, u.cluster_name" if subject == "unit" else "o.full_name AS name, NULL AS cluster_name"
        join = ("LEFT JOIN units u ON u.unit_id = s.subject_id" if subject == "unit"
                else "LEFT JOIN officers o ON o.officer_id = s.subject_id")
        async with runtime.pool.acquire() as conn:
            rows = await conn.fetch(
                f"SELECT s.{rank} AS rank, s.subject_id, {name}, s.score, s.band,"
                f" s.{previous} AS previous_rank,"
                f" s.unit_id, s.cluster_id, s.rule_version, s.changed_at FROM standings s {join} WHERE {where}"
                f" ORDER BY s.{rank}, s.subject_id", *([subject, period] + ([by_group] if by_group else [])))
            rules = await cache.active(conn)
            unranked = [] if subject != "unit" else await conn.fetch(
                "SELECT s.unit_id, u.name, u.cluster_id, (s.card->'evidence'->>'dossiers_finished')::float8 AS dossiers"
                " FROM unit_scores s LEFT JOIN units u USING (unit_id) WHERE s.period = $1 AND s.score IS NULL"
                " AND ($2::text IS NULL OR u.cluster_id = $2) ORDER BY s.unit_id", period, cluster)
        return {"period": period, "subject": subject, "cluster": cluster, "unit": unit,
                "rule_version": rows[0]["rule_version"] if rows else rules.version,
                "as_of": max((r["changed_at"] for r in rows), default=None),
                "rows": [{"rank": r["rank"], "subject_id": r["subject_id"], "name": r["name"], "score": r["score"],
                          "band": r["band"], "previous_rank": r["previous_rank"], "unit_id": r["unit_id"],
                          "cluster_id": r["cluster_id"], "cluster_name": r["cluster_name"]} for r in rows],
                # Not ranked: too few dossiers for the service index (rulebook index.min_dossiers).
                "unranked": [{"subject_id": r["unit_id"], "name": r["name"], "cluster_id": r["cluster_id"],
                              "status": "insufficient_data", "status_label": "Chưa đủ dữ liệu",
                              "dossiers": r["dossiers"], "min_dossiers": rules.book.min_dossiers} for r in unranked]}

    @api.get("/units/{unit_id}/scorecard", summary="Every indicator of a unit with the counts behind it")
    async def unit_scorecard(unit_id: str, period: str) -> dict[str, Any]:
        _period(period)
        async with runtime.pool.acquire() as conn:
            row = await conn.fetchrow(
                "SELECT s.card::text AS card, s.updated_at, u.name, u.cluster_id, u.cluster_name FROM unit_scores s"
                " LEFT JOIN units u USING (unit_id) WHERE s.unit_id = $1 AND s.period = $2", unit_id, period)
        if row is None:
            raise ApiError(404, "no score for this unit and period",
                           [{"field": "unit_id", "message": f"{unit_id} has no evidence in {period}"}])
        return {**json.loads(row["card"]), "name": row["name"], "cluster_id": row["cluster_id"],
                "cluster_name": row["cluster_name"], "as_of": row["updated_at"]}

    @api.get("/units/{unit_id}/scorecard/events", summary="The evidence behind one indicator of a unit's scorecard "
             "(public: counts only for records about named officers; the unit's token, council or admin: the events)")
    async def indicator_events(unit_id: str, period: str, indicator: str,
                               principal: Annotated[Principal | None, Depends(optional_caller)] = None
                               ) -> dict[str, Any]:
        p = _period(period)
        if indicator not in CASE_COUNTERS and indicator not in FACT_KINDS:
            raise ApiError(422, "unknown indicator", [{"field": "indicator", "message": "one of: "
                                                       + ", ".join([*CASE_COUNTERS, *FACT_KINDS])}])
        async with runtime.pool.acquire() as conn:
            rules = await cache.active(conn)
            if indicator in FACT_KINDS and not may_see_officers(principal, unit_id):
                # Trainings, inspections and disciplinary decisions name officers: the public sees counts only.
                counts = await conn.fetch(
                    "SELECT to_char(at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM') AS month, count(*) AS n FROM facts"
                    " WHERE unit_id = $1 AND kind = $2 AND NOT retracted AND at >= $3 AND at < $4 GROUP BY 1"
                    " ORDER BY 1", unit_id, FACT_KINDS[indicator], p.start, p.end)
                return {"unit_id": unit_id, "period": period, "indicator": indicator,
                        "count": sum(r["n"] for r in counts), "by_month": {r["month"]: r["n"] for r in counts},
                        "events": None, "restricted": "officer records need the unit's token, council or admin"}
            if indicator in FACT_KINDS:
                rows = await conn.fetch(
                    "SELECT source, event_id, officer_id, at, data::text AS data FROM facts WHERE unit_id = $1"
                    " AND kind = $2 AND NOT retracted AND at >= $3 AND at < $4 ORDER BY at",
                    unit_id, FACT_KINDS[indicator], p.start, p.end)
                items = [{"event_id": r["event_id"], "source": r["source"], "officer_id": r["officer_id"],
                          "at": r["at"], "data": json.loads(r["data"])} for r in rows]
                return {"unit_id": unit_id, "period": period, "indicator": indicator, "events": items}
            rows = await conn.fetch(
                "SELECT kind, case_id, state::text AS state, as_of FROM cases WHERE unit_id = $1"
                " AND (opened_at IS NULL OR opened_at < $3) AND (closed_at IS NULL OR closed_at >= $2)"
                " ORDER BY case_id", unit_id, p.start, p.end)
        items = []
        for r in rows:
            view = handlers.case_view(r["kind"], unit_id, r["case_id"], json.loads(r["state"]))
            tally = handlers.contribution(view, r["as_of"], rules)
            for counter in CASE_COUNTERS[indicator]:
                num, den = tally.get(("unit", unit_id, unit_id, period, counter), (0.0, 0.0))
                if den:
                    items.append({"case": f"{r['kind']}:{r['case_id']}", "counter": counter, "numerator": num,
                                  "denominator": den, "events": list(view.event_keys)})
        return {"unit_id": unit_id, "period": period, "indicator": indicator, "rule_version": rules.version,
                "cases": items}

    @api.get("/officers/{officer_id}/scorecard", summary="An officer's evidence-based score (token required)")
    async def officer_scorecard(officer_id: str, period: str,
                                principal: Annotated[Principal | None, Depends(optional_caller)] = None
                                ) -> dict[str, Any]:
        _period(period)
        async with runtime.pool.acquire() as conn:
            row = await conn.fetchrow(
                "SELECT s.card::text AS card, s.unit_id, s.updated_at, o.full_name FROM officer_scores s"
                " LEFT JOIN officers o USING (officer_id) WHERE s.officer_id = $1 AND s.period = $2",
                officer_id, period)
            # Without a score in the period the directory says whose officer it is (the unit may ask).
            home = row["unit_id"] if row else await conn.fetchval(
                "SELECT unit_id FROM officers WHERE officer_id = $1", officer_id)
        if not may_see_officers(principal, home):
            status, error, message = officer_denial(principal)
            raise ApiError(status, error, [{"field": "Authorization", "message": message}])
        if row is None:
            raise ApiError(404, "no score for this officer and period", [{"field": "officer_id",
                                                                         "message": f"no evidence in {period}"}])
        return {**json.loads(row["card"]), "unit_id": row["unit_id"], "name": row["full_name"],
                "as_of": row["updated_at"]}

    @api.get("/rulebook", summary="The active rulebook (indicators, thresholds, weights, bands, calendar)")
    async def rulebook() -> dict[str, Any]:
        async with runtime.pool.acquire() as conn:
            row = await conn.fetchrow("SELECT version, content::text AS content, activated_at FROM rulebooks"
                                      " WHERE activated_at IS NOT NULL ORDER BY activated_at DESC LIMIT 1")
        if row is None:
            raise ApiError(503, "no rulebook active yet")
        return {"version": row["version"], "activated_at": row["activated_at"], "content": json.loads(row["content"])}

    return api
