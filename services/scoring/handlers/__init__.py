"""Use cases of the scoring service, one module each: consume, clock, rescore, rebuild."""

from prometheus_client import Counter

from schemas import topics
from schemas.outputs import Alert
from thidua.runtime.outbox import Message

# Counted by the clock and the rescorer alike (one metric, two places).
QUARANTINED = Counter(
    "thidua_scoring_quarantined_total",
    "Cases or subjects the rules could not judge, set aside so the clock and the rescorer go on",
    ["where"],
)


def alert_message(alert: Alert) -> Message:
    """An alerts.v1 message for the outbox, keyed by the unit."""
    return (topics.ALERTS, alert.unit_id, alert.model_dump_json(exclude_none=True).encode(), {})
