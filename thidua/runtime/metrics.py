"""Prometheus metrics shared by the services, labelled by service name."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

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
