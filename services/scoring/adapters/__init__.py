"""Adapters of the scoring service: PostgreSQL and Kafka at the edge."""
