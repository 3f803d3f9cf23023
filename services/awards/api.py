"""HTTP face of awards: nominations with their criteria and evidence, closing a year, council votes."""

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from services.awards import views
from services.awards.domain.evaluate import cash_table
from services.awards.domain.rulebook import AwardRules, deadline
from services.awards.handlers.close import CloseRefused, close_year
from services.awards.handlers.vote import VoteRefused, vote
from thidua.runtime.auth import Principal
from thidua.runtime.http import ApiError, bearer, require, require_officer_access
from thidua.runtime.policy import may_see_officers
from thidua.runtime.service import Runtime


class Votes(BaseModel):
    """A council session's vote on one nomination."""

    model_config = ConfigDict(extra="forbid")

    members_total: int = Field(gt=0, le=1000)
    members_present: int = Field(ge=0, le=1000)
    votes_for: int = Field(ge=0, le=1000)


def router(runtime: Runtime, rules: AwardRules) -> APIRouter:
    """The awards endpoints, bound to the runtime and the rule file."""
    api = APIRouter(prefix="/v1", tags=["awards"])
    caller = bearer(runtime)

    @api.get("/nominations", summary="Nominations of a year (council, admin, or a unit's own)")
    async def nominations(
        period: str,
        principal: Annotated[Principal | None, Depends(caller)],
        status: str | None = None,
        title: str | None = None,
    ) -> dict[str, Any]:
        # Council and admin see every nomination; a unit only its own (policy: data about named officers).
        who = require(principal, roles=("council", "admin", "unit"))
        own_unit = None if may_see_officers(who, None) else who.unit_id
        if not (period.isascii() and period.isdigit()):
            raise ApiError(422, "period must be a year", [{"field": "period", "message": "e.g. 2025"}])
        async with runtime.pool.acquire() as conn:
            rows = await views.nominations(conn, int(period), status=status, title=title, unit_id=own_unit)
        return {
            "period": period,
            "rule_version": rules.version,
            "base_salary_vnd": rules.base_salary_vnd,
            "cash_multiples": cash_table(rules),
            "nominations": [views.as_json(r, rules) for r in rows],
        }

    @api.get("/cash-multiples", summary="Cash rewards of every title and form, Giấy khen tập thể included (public)")
    async def cash() -> dict[str, Any]:
        return {
            "rule_version": rules.version,
            "base_salary_vnd": rules.base_salary_vnd,
            "cash_multiples": cash_table(rules),
        }

    @api.get("/nominations/{nomination_id}", summary="One nomination: criteria, evidence, blocks, cash, history")
    async def nomination(nomination_id: str, principal: Annotated[Principal | None, Depends(caller)]) -> dict[str, Any]:
        async with runtime.pool.acquire() as conn:
            row = await views.nomination(conn, nomination_id)
            history = await views.history(conn, nomination_id)
        # A nomination names officers (their titles, ratings, blocks): the policy decides who may read it.
        require_officer_access(principal, row["unit_id"] if row else None)
        if row is None:
            raise ApiError(404, "no such nomination", [{"field": "nomination_id", "message": nomination_id}])
        # The council's rule for this title, so a voting page explains it from the rule file, never a copy.
        council = {"quorum_present": rules.quorum_present, "approval_share": rules.vote_threshold(row["title"])}
        return {**views.as_json(row, rules), "history": history, "council_rule": council}

    @api.post("/periods/{period}/close", summary="Evaluate the year-end titles and create nominations (council)")
    async def close(
        period: str, principal: Annotated[Principal | None, Depends(caller)], force: bool = False
    ) -> dict[str, Any]:
        who = require(principal)
        if not (period.isascii() and period.isdigit()) or not 2000 <= int(period) <= 2100:
            raise ApiError(422, "period must be a year", [{"field": "period", "message": "e.g. 2025"}])
        year = int(period)
        async with runtime.pool.acquire() as conn:
            try:
                created = await close_year(
                    conn, year, rules=rules, now=datetime.now(UTC), actor=f"{who.role}:{who.unit_id or ''}", force=force
                )
            except CloseRefused as exc:
                raise ApiError(
                    409,
                    "the rating deadline has not passed (chưa hết hạn đánh giá, xếp loại)",
                    [{"field": "period", "message": str(exc)}],
                ) from exc
        return {
            "period": period,
            "created": len(created),
            "nominations": created,
            "rule_version": rules.version,
            "forced": force,
            "rating_deadline": deadline(year, rules.rating_deadline).isoformat(),
            "dossier_deadline": deadline(year, rules.dossier_deadline).isoformat(),
        }

    @api.post("/nominations/{nomination_id}/votes", summary="Record the council's vote and decide (council)")
    async def votes(
        nomination_id: str, body: Votes, principal: Annotated[Principal | None, Depends(caller)]
    ) -> dict[str, Any]:
        who = require(principal)
        async with runtime.pool.acquire() as conn:
            try:
                row = await vote(
                    conn,
                    nomination_id,
                    members_total=body.members_total,
                    members_present=body.members_present,
                    votes_for=body.votes_for,
                    rules=rules,
                    now=datetime.now(UTC),
                    actor=who.actor,
                )  # e.g. council:token#12
            except KeyError as exc:
                raise ApiError(
                    404, "no such nomination", [{"field": "nomination_id", "message": nomination_id}]
                ) from exc
            except VoteRefused as exc:
                raise ApiError(409, "the vote decides nothing", [{"field": "votes", "message": str(exc)}]) from exc
        return views.as_json(row, rules)

    return api
