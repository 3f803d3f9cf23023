"""Awards' money writes: the amount fixed by a decision, the amount to recover on a revocation."""

from __future__ import annotations

from datetime import date

import asyncpg

from services.awards.domain.money import Money, recover_vnd


async def fix_amount(conn: asyncpg.Connection, nomination_id: str, money: Money, decision_date: date) -> None:
    """Store the multiple, base salary, amount and source in force on the decision date."""
    await conn.execute(
        "UPDATE nominations SET decision_date = $2, cash_multiple = $3, base_salary_vnd = $4, cash_vnd = $5,"
        " cash_source = $6 WHERE id = $1",
        nomination_id,
        decision_date,
        money.multiple,
        money.base_salary_vnd,
        money.cash_vnd,
        money.source,
    )


async def record_recovery(conn: asyncpg.Connection, nomination_id: str, before: asyncpg.Record) -> None:
    """On a revocation: the amount paid on approval is to be recovered (0 if never approved; unknown, left empty,
    for a decision taken before amounts were stored: the API then computes it from the decision date)."""
    if before["status"] == "approved" and before["cash_vnd"] is None:
        return
    amount = recover_vnd(before["status"], before["cash_vnd"])
    await conn.execute("UPDATE nominations SET recover_vnd = $2 WHERE id = $1", nomination_id, amount)
