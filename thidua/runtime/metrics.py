"""Prometheus metrics shared by the services, labelled by service name (names listed in docs/operations.md)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

CONSUMED = Counter("thidua_consumed_records_total", "Kafka records handled", ["service", "topic"])
BATCHES = Histogram(
    "thidua_batch_seconds",
    "Time to handle one fetched batch",
    ["service", "topic"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
BATCH_FAILURES = Counter("thidua_batch_failures_total", "Batches rolled back and redelivered", ["service", "topic"])
PUBLISHED = Counter("thidua_published_records_total", "Kafka records published", ["service", "topic"])
PARKED = Counter("thidua_parked_records_total", "Records parked after bounded attempts (poison)", ["service", "topic"])
REJECTED = Counter(
    "thidua_rejected_records_total", "Evidence refused (validation, scope, retraction target)", ["service", "channel"]
)
CONSUMER_LAG = Gauge(
    "thidua_consumer_lag",
    "Records of an assigned partition not yet committed by the group (set by /readyz and the watchdog)",
    ["service", "topic", "partition"],
)
DB_QUERY = Histogram(
    "thidua_db_query_seconds",
    "Time of one PostgreSQL statement, by its first keyword",
    ["service", "statement"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
