"""Operators' answers every service gives: its parked (poison) records and the outcome of replaying them."""

from __future__ import annotations

from schemas.http.common import Answer, Moment


class ParkedRecord(Answer):
    """One parked record: where it came from, its key and (at most 2,000 characters of) value, and why."""

    id: int
    topic: str
    partition: int
    offset: int
    key: str
    value: str
    error: str | None
    attempts: int
    parked_at: Moment
    replayed_at: Moment | None


class Parked(Answer):
    """GET /v1/parked: this service's parked records."""

    service: str
    parked: list[ParkedRecord]


class ReplayOutcome(Answer):
    """One record's replay: replayed, or the error it failed with again (`error` only then)."""

    id: int
    replayed: bool
    error: str | None = None


class Replayed(Answer):
    """POST /v1/parked/replay: how many records were replayed and each one's outcome."""

    service: str
    replayed: int
    outcomes: list[ReplayOutcome]
