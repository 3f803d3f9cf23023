"""Kafka topic names and their settings, defined once for every service (docs/contract.md, "Kafka topics")."""

from __future__ import annotations

from dataclasses import dataclass, field

EVIDENCE_INBOUND = "evidence.inbound.v1"
EVIDENCE_ACCEPTED = "evidence.accepted.v1"
EVIDENCE_REJECTED = "evidence.rejected.v1"
STANDINGS_CHANGED = "standings.changed.v1"
ALERTS = "alerts.v1"
NOMINATIONS = "nominations.v1"
RATINGS = "ratings.v1"  # added (issue 26): officers' ratings from the evidence (Decree 335/2025), scoring → awards
# Each source's own inbound topic, `evidence.inbound.v1.<source>`: only that source's Kafka user may write to it
# (ACL), so the evidence service takes the source from the topic, never from the envelope alone.
EVIDENCE_INBOUND_PREFIX = EVIDENCE_INBOUND + "."


def source_inbound(source: str) -> str:
    """The inbound topic of one source."""
    return EVIDENCE_INBOUND_PREFIX + source


def inbound_source(topic: str) -> str | None:
    """The source a per-source inbound topic belongs to; None for the shared inbound topic (or any other)."""
    return topic[len(EVIDENCE_INBOUND_PREFIX) :] or None if topic.startswith(EVIDENCE_INBOUND_PREFIX) else None


# Each source's own topic for the national portal's call bodies (DongBoHoSoMC, CapNhatTienDoHoSoMC, object form),
# `evidence.dvcqg.v1.<source>`: writable by that source's Kafka user only, so the source is taken from the topic.
EVIDENCE_DVCQG_PREFIX = "evidence.dvcqg.v1."


def source_dvcqg(source: str) -> str:
    """The portal-format topic of one source."""
    return EVIDENCE_DVCQG_PREFIX + source


def dvcqg_source(topic: str) -> str | None:
    """The source a portal-format topic belongs to; None for any other topic."""
    return topic[len(EVIDENCE_DVCQG_PREFIX) :] or None if topic.startswith(EVIDENCE_DVCQG_PREFIX) else None


# Thirty days: long enough to replay a month of evidence into a rebuilt service.
_MONTH_MS = str(30 * 24 * 3600 * 1000)


# The services that speak Kafka, named as they register (entry points `thidua.services`), in start order.
EVIDENCE, SCORING, AWARDS, NOTIFY = "evidence", "scoring", "awards", "notify"


@dataclass(frozen=True)
class TopicSpec:
    """A topic as the project creates it (explicit partitions and settings, never auto-created), the message it
    carries and which services write and read it: the one place the ACLs, the AsyncAPI document, the wiring test
    and the READMEs' tables are drawn from."""

    name: str
    partitions: int
    description: str
    configs: dict[str, str] = field(default_factory=dict)
    # The message's name: its JSON Schema is schemas/jsonschema/<message>.json (schemas/export.py).
    message: str = ""
    producers: tuple[str, ...] = ()
    consumers: tuple[str, ...] = ()


@dataclass(frozen=True)
class TopicFamily:
    """Topics named by a prefix, one per source (`<prefix><source>`): each source's Kafka user alone writes its
    own (ACL), the consumers read them all by pattern."""

    prefix: str
    message: str
    description: str
    consumers: tuple[str, ...]
    # Each source's topic of the family is created with these partitions and the shared inbound topic's settings.
    partitions: int = 3

    @property
    def pattern(self) -> str:
        """How a subscription to the family is shown (`evidence.inbound.v1.*`)."""
        return self.prefix + "*"

    @property
    def configs(self) -> dict[str, str]:
        """The settings of each source's topic: the shared inbound topic's (its retention)."""
        return dict(next(s for s in TOPICS if s.name == EVIDENCE_INBOUND).configs)


TOPICS: tuple[TopicSpec, ...] = (
    TopicSpec(
        EVIDENCE_INBOUND,
        6,
        "Raw evidence from upstream systems, keyed by unit_id.",
        {"retention.ms": _MONTH_MS},
        message="evidence",
        consumers=(EVIDENCE,),
    ),
    # The accepted stream is the replayable record scoring and awards rebuild from: keep it.
    TopicSpec(
        EVIDENCE_ACCEPTED,
        6,
        "Validated, de-duplicated evidence, keyed by unit_id.",
        {"retention.ms": "-1"},
        message="evidence",
        producers=(EVIDENCE,),
        # notify takes unit.registered only (the directory), but an ACL grants a whole topic.
        consumers=(SCORING, AWARDS, NOTIFY),
    ),
    TopicSpec(
        EVIDENCE_REJECTED,
        3,
        "Refused input with original bytes and reasons.",
        {"retention.ms": _MONTH_MS},
        message="rejected_evidence",
        producers=(EVIDENCE,),
    ),
    TopicSpec(
        STANDINGS_CHANGED,
        6,
        "New score, band or rank of a unit or officer, keyed by subject id.",
        {"retention.ms": _MONTH_MS},
        message="standing_changed",
        producers=(SCORING,),
        consumers=(AWARDS, NOTIFY),
    ),
    TopicSpec(
        ALERTS,
        6,
        "Conditions a unit must act on, keyed by unit_id.",
        {"retention.ms": _MONTH_MS},
        message="alert",
        producers=(SCORING, AWARDS),
        consumers=(NOTIFY,),
    ),
    TopicSpec(
        NOMINATIONS,
        3,
        "Nomination created, decided or revoked, keyed by unit_id.",
        {"retention.ms": "-1"},
        message="nomination_changed",
        producers=(AWARDS,),
        consumers=(NOTIFY,),
    ),
    TopicSpec(
        RATINGS,
        3,
        "Officers' yearly ratings from the evidence (Decree 335/2025), keyed by officer_id.",
        {"retention.ms": "-1"},
        message="officer_rating",
        producers=(SCORING,),
        consumers=(AWARDS,),
    ),
)

FAMILIES: tuple[TopicFamily, ...] = (
    TopicFamily(
        EVIDENCE_INBOUND_PREFIX,
        "evidence",
        "Evidence envelopes of one source, written by it only, keyed by unit_id.",
        (EVIDENCE,),
    ),
    # The portal's call bodies have no JSON Schema of their own: the portal's format is docs/contract.md's.
    TopicFamily(
        EVIDENCE_DVCQG_PREFIX,
        "dvcqg_call",
        "The national portal's calls of one source (DVCQG), any key (MaHoSo suggested).",
        (EVIDENCE,),
    ),
)


def kafka_services() -> tuple[str, ...]:
    """Every service the topics name, in the order they first appear (evidence, scoring, awards, notify)."""
    named = [n for s in TOPICS for n in (*s.producers, *s.consumers)] + [n for f in FAMILIES for n in f.consumers]
    return tuple(dict.fromkeys(named))


def consumed_by(service: str) -> dict[str, str]:
    """Topic (a family as its pattern) -> message, for what service reads."""
    read = {s.name: s.message for s in TOPICS if service in s.consumers}
    return read | {f.pattern: f.message for f in FAMILIES if service in f.consumers}


def produced_by(service: str) -> dict[str, str]:
    """Topic -> message, for what service writes."""
    return {s.name: s.message for s in TOPICS if service in s.producers}
