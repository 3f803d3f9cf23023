"""HTTP face of awards: nominations with their criteria and evidence, closing a year, council votes."""

from datetime import UTC, date, datetime
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from schemas.http import awards as answers
from schemas.vietnam import VN_TZ
from services.awards import views
from services.awards.adapters.postgres import PostgresAwardsStore
from services.awards.domain.money import cash_table_on, decision_date_problem, schedule
from services.awards.domain.rulebook import AwardRules, deadline
from services.awards.handlers.close import CloseRefused, close_year
from services.awards.handlers.preview import preview_year
from services.awards.handlers.vote import VoteRefused, vote
from thidua.runtime.http import OptionalCaller, refuse, require, require_officer_access, runtime_of
from thidua.runtime.policy import may_see_officers
from thidua.runtime.service import Runtime


class Votes(BaseModel):
    """A council session's vote on one nomination."""

    model_config = ConfigDict(extra="forbid")

    # JSON integers only: "12", 12.0, true or "²" are refused with the field named, never coerced.
    members_total: StrictInt = Field(ge=1, le=1000)
    members_present: StrictInt = Field(ge=0, le=1000)
    votes_for: StrictInt = Field(ge=0, le=1000)
    # Added: the date the decision is signed (ISO), which fixes the amount (base salary and multiples in force
    # that day); default the Vietnam date of the vote. Bounded: not before 2000, not after today + 1 year.
    decision_date: date | None = None


def today_vn() -> date:
    """Today in Vietnam (amounts before a decision are estimated at today's tables)."""
    return datetime.now(VN_TZ).date()


def year_of(period: str) -> int:
    """The year of a path or query parameter; 422 unless 2000-2100 (four ASCII digits, looked at before int():
    5,000 digits would pass Python's int-digits limit, '²' is a digit int() refuses)."""
    if not (len(period) == 4 and period.isascii() and period.isdigit()) or not 2000 <= int(period) <= 2100:
        raise refuse(422, "period must be a year", "period", "a year from 2000 to 2100")
    return int(period)


def bounded(name: str, value: str | None, limit: int = 64) -> str | None:
    """A free query filter, 422 when longer than limit (nothing unbounded reaches a query)."""
    if value is not None and len(value) > limit:
        raise refuse(422, f"{name} is too long", name, f"at most {limit} characters")
    return value


def rules_of(request: Request) -> AwardRules:
    """The award rule file loaded by create_app (app.state.award_rules)."""
    return cast(AwardRules, request.app.state.award_rules)


Rules = Annotated[AwardRules, Depends(rules_of)]
Service = Annotated[Runtime, Depends(runtime_of)]
api = APIRouter(prefix="/v1", tags=["awards"])
"""The awards endpoints; create_app sets app.state.runtime (http.install) and app.state.award_rules."""


@api.get(
    "/nominations",
    response_model=answers.Nominations,
    summary="Nominations of a year (council, admin, or a unit's own)",
)
async def nominations(
    period: str,
    principal: OptionalCaller,
    runtime: Service,
    rules: Rules,
    status: str | None = None,
    title: str | None = None,
) -> dict[str, Any]:
    # Council and admin see every nomination; a unit only its own (policy: data about named officers).
    who = require(principal, roles=("council", "admin", "unit"))
    own_unit = None if may_see_officers(who, None) else who.unit_id
    year, status, title = year_of(period), bounded("status", status), bounded("title", title)
    async with runtime.pool.acquire() as conn:
        rows = await views.nominations(conn, year, status=status, title=title, unit_id=own_unit)
    today = today_vn()
    return {
        "period": period,
        "rule_version": rules.version,
        **cash_table_on(rules.money, today),  # today's base salary and multiples (estimates use them)
        "nominations": [views.as_json(r, rules, today) for r in rows],
    }


@api.get(
    "/cash-multiples",
    response_model=answers.CashMultiples,
    summary="Cash rewards of every title and form on a date (default today) and the dated tables (public)",
)
async def cash(rules: Rules, on: str | None = None) -> dict[str, Any]:
    day = today_vn()
    if on is not None:
        try:
            day = date.fromisoformat(on) if len(on) == 10 else date.min
        except ValueError:
            day = date.min
        problem = "must be a date YYYY-MM-DD" if day == date.min else decision_date_problem(day, today_vn())
        if problem:
            raise refuse(422, "bad date", "on", problem.replace("decision_date ", ""))
    return {"rule_version": rules.version, **cash_table_on(rules.money, day), **schedule(rules.money)}


@api.get(
    "/periods/{period}/preview",
    response_model=answers.Preview | answers.PreviewClosed,
    summary="What the year would give if it closed today: provisional nominations and what is missing",
)
async def preview(
    period: str, principal: OptionalCaller, runtime: Service, rules: Rules, unit: str | None = None
) -> dict[str, Any]:
    # Public at the unit level; officers (names, their titles, criteria) only for their unit's token, the
    # council or admin (policy.may_see_officers), as for every other officer record.
    year = year_of(period)
    if unit is not None and not 1 <= len(unit) <= 200:
        raise refuse(422, "bad unit", "unit", "a unit id of 1 to 200 characters")
    async with runtime.pool.acquire() as conn:
        body = await preview_year(
            PostgresAwardsStore(conn),
            year,
            rules=rules,
            today=today_vn(),
            officers_visible=lambda unit_id: may_see_officers(principal, unit_id),
            unit_id=unit,
        )
    if body is None:
        raise refuse(404, "no such unit", "unit", str(unit))
    return body


@api.get(
    "/nominations/{nomination_id}",
    response_model=answers.NominationDetail,
    summary="One nomination: criteria, evidence, blocks, cash, history",
)
async def nomination(nomination_id: str, principal: OptionalCaller, runtime: Service, rules: Rules) -> dict[str, Any]:
    async with runtime.pool.acquire() as conn:
        row = await views.nomination(conn, nomination_id)
        history = await views.history(conn, nomination_id)
    # A nomination names officers (their titles, ratings, blocks): the policy decides who may read it.
    require_officer_access(principal, row["unit_id"] if row else None)
    if row is None:
        raise refuse(404, "no such nomination", "nomination_id", nomination_id)
    # The council's rule for this title, so a voting page explains it from the rule file, never a copy.
    council = {"quorum_present": rules.quorum_present, "approval_share": rules.vote_threshold(row["title"])}
    return {**views.as_json(row, rules, today_vn()), "history": history, "council_rule": council}


@api.post(
    "/periods/{period}/close",
    response_model=answers.Closed,
    summary="Evaluate the year-end titles and create nominations (council)",
)
async def close(
    period: str, principal: OptionalCaller, runtime: Service, rules: Rules, force: bool = False
) -> dict[str, Any]:
    who = require(principal)
    year = year_of(period)
    async with runtime.pool.acquire() as conn:
        try:
            created = await close_year(
                PostgresAwardsStore(conn),
                year,
                rules=rules,
                now=datetime.now(UTC),
                actor=f"{who.role}:{who.unit_id or ''}",
                force=force,
            )
        except CloseRefused as exc:
            raise refuse(
                409, "the rating deadline has not passed (chưa hết hạn đánh giá, xếp loại)", "period", str(exc)
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


@api.post(
    "/nominations/{nomination_id}/votes",
    response_model=answers.Nomination,
    summary="Record the council's vote and decide (council)",
)
async def votes(
    nomination_id: str, body: Votes, principal: OptionalCaller, runtime: Service, rules: Rules
) -> dict[str, Any]:
    who = require(principal)
    if body.decision_date is not None and (problem := decision_date_problem(body.decision_date, today_vn())):
        raise refuse(422, "decision_date out of bounds", "decision_date", problem)
    async with runtime.pool.acquire() as conn:
        try:
            row = await vote(
                PostgresAwardsStore(conn),
                nomination_id,
                members_total=body.members_total,
                members_present=body.members_present,
                votes_for=body.votes_for,
                rules=rules,
                now=datetime.now(UTC),
                actor=who.actor,
                decision_date=body.decision_date,
            )  # e.g. council:token#12
        except KeyError as exc:
            raise refuse(404, "no such nomination", "nomination_id", nomination_id) from exc
        except VoteRefused as exc:
            raise refuse(409, "the vote decides nothing", "votes", str(exc)) from exc
    return views.as_json(row, rules, today_vn())
