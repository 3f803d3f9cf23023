"""Cash rewards (pure): dated base salaries and multiples, the amount on a decision date, rounded up."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal
from typing import Any, TypeVar

EARLIEST_DECISION = date(2000, 1, 1)  # the oldest decision date the API accepts


@dataclass(frozen=True)
class BaseSalary:
    """The base salary (lương cơ sở) in force from a date, with the decree that set it."""

    start: date
    vnd: int
    source: str


@dataclass(frozen=True)
class CashTable:
    """The cash multiples of every title and form for decisions from a date, with the decree that set them."""

    start: date
    source: str
    multiples: Mapping[str, float]


_Dated = TypeVar("_Dated", "BaseSalary", "CashTable")


@dataclass(frozen=True)
class Money:
    """The cash of one award on one date: the multiple, the base salary, the amount and where they come from."""

    multiple: float
    base_salary_vnd: int
    cash_vnd: int
    on: date
    source: str


@dataclass(frozen=True)
class MoneyRules:
    """The dated tables of the rule file, oldest first, and the rounding step."""

    base_salaries: tuple[BaseSalary, ...]
    cash_tables: tuple[CashTable, ...]
    round_up_to_vnd: int = 10_000

    def base_on(self, day: date) -> BaseSalary:
        """The base salary in force on day (the earliest entry for a day before it: the file knows no older one)."""
        return _in_force(self.base_salaries, day)

    def table_on(self, day: date) -> CashTable:
        """The cash table for a decision on day (the earliest table for a day before it)."""
        return _in_force(self.cash_tables, day)


def _in_force(entries: Sequence[_Dated], day: date) -> _Dated:
    current = entries[0]
    for entry in entries:
        if entry.start <= day:
            current = entry
    return current


def round_up(vnd: Decimal, step: int) -> int:
    """Round an amount UP to the next multiple of step (Decree 98/2023 Art. 53: to the ten thousand)."""
    # Decimal's // truncates toward zero (not a floor), so the ceiling is asked for by name.
    return int((vnd / step).to_integral_value(rounding=ROUND_CEILING)) * step


def amount(multiple: float, base_vnd: int, step: int) -> int:
    """multiple × base salary, computed exactly (0.3 × 2,530,000 is 759,000, not 759,000.0000001), rounded up."""
    return round_up(Decimal(str(multiple)) * base_vnd, step)


def title_key(kind: str, title: str) -> str:
    """The rule file's key of a title for an individual or a collective (Bằng khen differs by kind)."""
    if title == "bang_khen_chu_tich_tinh":
        return f"{title}_{'collective' if kind == 'unit' else 'individual'}"
    return title


def money_on(rules: MoneyRules, key: str, day: date) -> Money:
    """The cash of the award keyed key for a decision on day: the multiples and base salary in force that day."""
    table, base = rules.table_on(day), rules.base_on(day)
    multiple = table.multiples.get(key, 0.0)
    return Money(
        multiple=multiple,
        base_salary_vnd=base.vnd,
        cash_vnd=amount(multiple, base.vnd, rules.round_up_to_vnd),
        on=day,
        source=f"{table.source}; lương cơ sở {base.vnd:,} đồng ({base.source})".replace(",", "."),
    )


def cash_table_on(rules: MoneyRules, day: date) -> dict[str, Any]:
    """Every multiple in force for a decision on day with its amount, the base salary and both sources."""
    table, base = rules.table_on(day), rules.base_on(day)
    step = rules.round_up_to_vnd
    return {
        "on": day.isoformat(),
        "base_salary_vnd": base.vnd,
        "base_salary_source": base.source,
        "cash_source": table.source,
        "cash_multiples": {
            k: {"multiple": v, "vnd": amount(v, base.vnd, step)} for k, v in sorted(table.multiples.items())
        },
    }


def schedule(rules: MoneyRules) -> dict[str, Any]:
    """The dated tables as the rule file has them (GET /v1/cash-multiples)."""
    return {
        "round_up_to_vnd": rules.round_up_to_vnd,
        "base_salaries": [{"from": b.start.isoformat(), "vnd": b.vnd, "source": b.source} for b in rules.base_salaries],
        "cash_tables": [
            {"from": t.start.isoformat(), "source": t.source, "multiples": dict(sorted(t.multiples.items()))}
            for t in rules.cash_tables
        ],
    }


def recover_vnd(status: str, cash_vnd: int | None) -> int:
    """The amount to recover when a nomination is revoked: what was paid on approval, nothing if never approved."""
    return int(cash_vnd or 0) if status == "approved" else 0


def decision_date_problem(day: date, today: date) -> str | None:
    """Why a decision date is out of bounds (before 2000, or more than a year after today), or None."""
    if day < EARLIEST_DECISION:
        return f"decision_date must not be before {EARLIEST_DECISION.isoformat()}"
    latest = _plus_one_year(today)
    if day > latest:
        return f"decision_date must not be after {latest.isoformat()} (today + 1 year)"
    return None


def _plus_one_year(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _date(value: object, what: str) -> date:
    if not isinstance(value, date):
        raise ValueError(f"{what}: 'from' must be a TOML date (YYYY-MM-DD)")
    return value


def build_money(doc: Mapping[str, Any]) -> MoneyRules:
    """The dated tables of the rule file ([[base_salary]], [[cash_table]], [cash]); ValueError names the fault."""
    bases = tuple(
        sorted(
            (BaseSalary(_date(b["from"], "base_salary"), int(b["vnd"]), str(b["source"])) for b in doc["base_salary"]),
            key=lambda b: b.start,
        )
    )
    tables = tuple(
        sorted(
            (
                CashTable(
                    _date(t["from"], "cash_table"),
                    str(t["source"]),
                    {str(k): float(v) for k, v in t["multiples"].items()},
                )
                for t in doc["cash_table"]
            ),
            key=lambda t: t.start,
        )
    )
    step = int(doc.get("cash", {}).get("round_up_to_vnd", 10_000))
    if not bases or not tables:
        raise ValueError("the rule file needs at least one [[base_salary]] and one [[cash_table]]")
    if step <= 0 or any(b.vnd <= 0 for b in bases) or any(v < 0 for t in tables for v in t.multiples.values()):
        raise ValueError("base salaries and the rounding step must be positive, multiples not negative")
    if len({b.start for b in bases}) < len(bases) or len({t.start for t in tables}) < len(tables):
        raise ValueError("two dated entries start on the same day")
    return MoneyRules(bases, tables, step)
