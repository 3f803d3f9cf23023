"""Kafka topic names and their settings, defined once for every service (contract.md)."""

from __future__ import annotations

from dataclasses import dataclass, field

EVIDENCE_INBOUND = "evidence.inbound.v1"
EVIDENCE_ACCEPTED = "evidence.accepted.v1"
EVIDENCE_REJECTED = "evidence.rejected.v1"
STANDINGS_CHANGED = "standings.changed.v1"
ALERTS = "alerts.v1"
NOMINATIONS = "nominations.v1"

# Thirty days: long enough to replay a month of evidence into a rebuilt service.
_MONTH_MS = str(30 * 24 * 3600 * 1000)


@dataclass(frozen=True)
class TopicSpec:
    """A topic as the project creates it: explicit partitions and settings, never auto-created."""

    name: str
    partitions: int
    description: str
    configs: dict[str, str] = field(default_factory=dict)


TOPICS: tuple[TopicSpec, ...] = (
    TopicSpec(EVIDENCE_INBOUND, 6, "Raw evidence from upstream systems, keyed by unit_id.",
              {"retention.ms": _MONTH_MS}),
    # The accepted stream is the replayable record scoring and awards rebuild from: keep it.
    TopicSpec(EVIDENCE_ACCEPTED, 6, "Validated, de-duplicated evidence, keyed by unit_id.",
              {"retention.ms": "-1"}),
    TopicSpec(EVIDENCE_REJECTED, 3, "Refused input with original bytes and reasons.",
              {"retention.ms": _MONTH_MS}),
    TopicSpec(STANDINGS_CHANGED, 6, "New score, band or rank of a unit or officer, keyed by subject id.",
              {"retention.ms": _MONTH_MS}),
    TopicSpec(ALERTS, 6, "Conditions a unit must act on, keyed by unit_id.",
              {"retention.ms": _MONTH_MS}),
    TopicSpec(NOMINATIONS, 3, "Nomination created, decided or revoked, keyed by unit_id.",
              {"retention.ms": "-1"}),
)
