"""The awards store: what the use cases read and write, whatever keeps it (PostgreSQL, or a fake in tests)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import date, datetime
from typing import Any, Protocol

from schemas.lineage import Reorganization
from schemas.outputs import OfficerRating, StandingChanged
from services.awards.domain.memberships import Membership
from services.awards.domain.money import Money
from services.awards.domain.records import CaseEvent, Discipline, StatusChange, UnitRecord
from thidua.runtime.outbox import Message

Row = Mapping[str, Any]
"""A stored row (an asyncpg Record, a dict in a fake): read by column name."""


class AwardsStore(Protocol):
    """Everything the awards use cases need kept: facts from evidence, a unit's year, nominations, signals."""

    def transaction(self, *, readonly: bool = ...) -> AbstractAsyncContextManager[None]:
        """One unit of work: all of it is kept, or none (read-only: one snapshot)."""
        ...

    async def claim(self, keys: Sequence[str]) -> set[str]:
        """Record keys in the inbox; return those not seen before."""
        ...

    async def enqueue(self, messages: Sequence[Message]) -> None:
        """Queue messages to publish once the unit of work is kept."""
        ...

    async def upsert_unit(self, unit_id: str, name: str, cluster: str | None, parent: str | None, at: datetime) -> None:
        """The unit's latest registration: name, cluster, parent (an older one is ignored)."""
        ...

    async def upsert_officer(self, officer_id: str, name: str, joined: Membership) -> None:
        """The officer's latest registration: unit, name, date, staff kind and peer group (an older one is ignored)."""
        ...

    async def add_membership(self, m: Membership, officer_id: str) -> None:
        """Keep a registration with its date (a repeated one changes nothing)."""
        ...

    async def timeline(self, officer_id: str) -> list[Membership]:
        """An officer's registrations, locked (two batches moving the same officer judge one after the other)."""
        ...

    async def upsert_rating(
        self, kind: str, subject: str, unit: str, year: int, level: str, event: str, at: datetime
    ) -> None:
        """Record a rating decision in the history; the latest ARRIVED decision for the subject and year counts (a
        correction supersedes by its issue order, even when back-dated)."""
        ...

    async def add_title(self, kind: str, subject: str, unit: str, year: int, title: str, ref: str) -> None:
        """A title held by the subject, given under unit (the envelope's unit, or the nomination's)."""
        ...

    async def add_row(self, table: str, values: tuple[Any, ...]) -> None:
        """Insert into initiatives, research or disciplines (keyed by event; a repeat is ignored)."""
        ...

    async def add_discipline(self, officer: str, unit: str, d: Discipline) -> None:
        """Record a discipline under its counted year with its facts; a repeat is ignored."""
        ...

    async def set_grievance(self, case: CaseEvent) -> Row | None:
        """The latest event of a case decides whether it is open (its kind kept from the opening when the closing does
        not say); return the row when this event is the latest."""
        ...

    async def add_registration(
        self, event: str, kind: str, subject: str, unit: str, year: int, titles: list[str]
    ) -> None:
        """Record an emulation registration (đăng ký thi đua); a repeat is ignored."""
        ...

    async def set_officer_score(
        self, officer: str, unit: str, year: int, score: float, event: str, at: datetime
    ) -> None:
        """Keep the latest evidence-based score of an officer for a year, with the unit scoring scored it in."""
        ...

    async def set_evidence_rating(self, r: OfficerRating, key: str) -> set[tuple[str, int | None]]:
        """Keep the latest evidence rating (ratings.v1) of an officer and year (by occurred_at, then event id);
        return the (unit, year) it changes: its unit and, when it moved, the unit it was computed for before (none
        if older)."""
        ...

    async def remove_title(self, ref: str) -> None:
        """A revoked nomination's title no longer counts."""
        ...

    async def forget_event(self, event: str) -> list[tuple[str, int | None]]:
        """A retraction: remove what the event recorded; return the (unit, year) it touched."""
        ...

    async def add_reorganization(self, change: Reorganization, unit_id: str) -> None:
        """Keep an accepted unit.reorganized (a repeated one changes nothing)."""
        ...

    async def set_standing(self, d: StandingChanged, year: int) -> None:
        """Keep the unit's latest year standing, with the cluster it is ranked in for that year."""
        ...

    async def reorganizations(self) -> list[Reorganization]:
        """Every accepted reorganization still counting (the resolver needs them all: chains, the earliest ending)."""
        ...

    async def load_unit(self, unit_id: str, year: int) -> UnitRecord:
        """The unit and its members for year (those in it, or in a predecessor folded into it, at the year's end) with
        every year of their records, its lineage and the titles of the units it may continue."""
        ...

    async def units_of_year(self, year: int) -> list[str]:
        """Units with anything to evaluate in year: registered units, rated units, units of rated officers; less the
        units merged or renamed into a successor before the year began (their people and year are the successor's)."""
        ...

    async def closed_year(self, year: int) -> Row | None:
        """The closed year (year, closed_at, rule_version), or None."""
        ...

    async def closed_years(self) -> set[int]:
        """Every year closed so far."""
        ...

    async def mark_closed(self, year: int, now: datetime, rule_version: str) -> None:
        """Record that year was closed (the first close counts; closing again changes nothing)."""
        ...

    async def nominations_of(self, unit_id: str, year: int) -> dict[str, Row]:
        """The unit's nominations of year by id, locked."""
        ...

    async def subject_nominations(
        self, kind: str, subject: str, unit: str, statuses: tuple[str, ...], years: tuple[int, int]
    ) -> list[Row]:
        """The subject's nominations under unit in the given statuses and years (inclusive), locked."""
        ...

    async def lock_nomination(self, nomination_id: str) -> Row | None:
        """The nomination, locked for a decision; None when there is no such nomination."""
        ...

    async def nomination(self, nomination_id: str) -> Row | None:
        """The nomination as it now stands (after a write in the same transaction)."""
        ...

    async def create_nomination(self, row: dict[str, Any], now: datetime) -> bool:
        """Insert a nomination in row["status"] (held_from and reason optional); False when it already exists."""
        ...

    async def set_status(self, nomination_id: str, change: StatusChange, now: datetime) -> None:
        """Move a nomination to a status (held_from kept only while on hold; evidence, criteria replaced when given)."""
        ...

    async def fix_amount(self, nomination_id: str, money: Money, decision_date: date) -> None:
        """Store the multiple, base salary, amount and source in force on the decision date."""
        ...

    async def record_recovery(self, nomination_id: str, before: Row) -> None:
        """On a revocation: the amount paid on approval is to be recovered (0 if never approved; unknown, left empty,
        for a decision taken before amounts were stored: the API then computes it from the decision date)."""
        ...

    async def audit(
        self, nomination_id: str, before: str | None, after: str, reason: str, actor: str, now: datetime
    ) -> None:
        """One transition of a nomination, for the audit trail."""
        ...

    async def signal_state(self, unit_id: str, year: int, title: str) -> str | None:
        """The last award signal sent for the unit, year and title (on_track, at_risk), or None."""
        ...

    async def set_signal_state(self, unit_id: str, year: int, title: str, state: str) -> None:
        """Remember the award signal just sent, so only transitions are sent."""
        ...
