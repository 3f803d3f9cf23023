"""Titles added by one registration (pure): a new year-end title is its TitleSpec — criteria, whom it is for, its cap
and its money — registered once; evaluate_unit evaluates it after the built-in titles, the money and the name follow.

The built-in titles (titles.py, collective_titles.py) feed each other (Lao động tiên tiến counts towards the
collective titles, Chiến sĩ thi đua cơ sở towards the provincial ones) and stay named functions evaluated in the
law's order; a registered title stands on its own criteria. Publishing its nominations (nominations.v1) needs its
code in the contract's TitleCode, with its words in TITLES (schemas/labels.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from schemas.labels import CRITERIA_TITLE_NAMES
from services.awards.domain.money import Money, amount, money_on, title_key
from services.awards.domain.records import OfficerRecord, UnitRecord
from services.awards.domain.rulebook import AwardRules
from services.awards.domain.verdicts import Check

Subject = OfficerRecord | UnitRecord
Criterion = Callable[[Subject, int, AwardRules], Check]
"""One criterion of a title: the subject's record, the year and the rules give a Check (code, met, reason)."""
Evidence = Callable[[Subject, int, AwardRules], list[str]]


def _no_evidence(subject: Subject, year: int, rules: AwardRules) -> list[str]:
    return []


@dataclass(frozen=True)
class TitleSpec:
    """A year-end title in one place: its code and name, whom it is for (officer: individual, unit: collective),
    its criteria (the conduct ones — disciplines, open cases — are added to every title), the share of a unit's
    members it may go to (0: no cap; the best-ranked first, as the CSTĐCS quota) and its cash multiple of the base
    salary (when the rule file's table has none for it)."""

    code: str
    name: str
    subject: Literal["officer", "unit"]
    criteria: tuple[Criterion, ...]
    quota_share: float = 0.0
    cash_multiple: float = 0.0
    evidence: Evidence = _no_evidence


REGISTERED: dict[str, TitleSpec] = {}
"""Every title registered, in registration order (evaluated in that order, after the built-in titles)."""


def register(spec: TitleSpec) -> TitleSpec:
    """Add a title; its code must be new (a built-in title or one registered already is refused)."""
    if spec.code in REGISTERED or spec.code in CRITERIA_TITLE_NAMES:
        raise ValueError(f"title {spec.code} is already known")
    if not 0 <= spec.quota_share <= 1 or spec.cash_multiple < 0:
        raise ValueError(f"title {spec.code}: quota_share must be 0..1 and cash_multiple not negative")
    REGISTERED[spec.code] = spec
    return spec


def title_name(code: str) -> str:
    """The name people read for a title: the built-in names (schemas/labels.py), else the registered one."""
    spec = REGISTERED.get(code)
    return spec.name if spec is not None else CRITERIA_TITLE_NAMES.get(code, code)


def title_money(rules: AwardRules, kind: str, title: str, day: date) -> Money:
    """The cash of a title for a decision on day: the rule file's multiple in force, else the registered title's."""
    key = title_key(kind, title)
    money = money_on(rules.money, key, day)
    spec = REGISTERED.get(title)
    if spec is None or key in rules.money.table_on(day).multiples:
        return money
    cash = amount(spec.cash_multiple, money.base_salary_vnd, rules.money.round_up_to_vnd)
    salary = money.source.split("; ", 1)[-1]
    return replace(
        money, multiple=spec.cash_multiple, cash_vnd=cash, source=f"{spec.name} (danh hiệu đăng ký); {salary}"
    )
